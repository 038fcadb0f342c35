"""HTTP API of the registry (under ``/api/v1``): enterprises and places. Every route checks
``registry.read``/``registry.write`` and the caller's area; ids use the ``:int`` convertor so that modules may
mount ``/enterprises/<word>`` routes beside these."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import Response
from sqlalchemy.orm import Session

from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import InvalidInput
from gridgov.kit.bounds import Id
from gridgov.kit.bounds import Offset as BoundedOffset
from gridgov.kit.principal import Principal
from gridgov.registry.schemas import (
    EnterpriseCreate,
    EnterprisePage,
    EnterpriseRead,
    EnterpriseUpdate,
    PlaceCreate,
    PlacePage,
    PlaceRead,
    PlaceUpdate,
)
from gridgov.registry.service import RegistryService
from gridgov.registry.transfer import RegistryTransfer

router = APIRouter(tags=["registry 企业与场所"])
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[BoundedOffset, Query()]
Text = Annotated[str | None, Query(max_length=50)]
Upload = Annotated[UploadFile, File(description=".xlsx (sheet 企业 or 场所) or .csv")]
Format = Annotated[Literal["xlsx", "csv"], Query()]
MAX_UPLOAD = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/enterprises", summary="Enterprises in your area (辖区企业)")
def list_enterprises(
    session: SessionDep,
    user: CurrentUser,
    township: Text = None,
    park: Text = None,
    industry: Annotated[str | None, Query(max_length=8, description="GB/T 4754 prefix: C, C26, C2614")] = None,
    q: Annotated[str | None, Query(max_length=50, description="Name contains, or the exact credit code")] = None,
    active: Annotated[bool | None, Query(description="true (default): active only; false: deactivated only")] = True,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EnterprisePage:
    service = RegistryService(session)
    rows, total = service.list_enterprises(
        user, township=township, park=park, industry=industry, q=q, active=active, limit=limit, offset=offset
    )
    return EnterprisePage(items=service.read_enterprises(user, rows), total=total)


@router.post("/enterprises", status_code=status.HTTP_201_CREATED, summary="Register an enterprise (企业登记)")
def create_enterprise(data: EnterpriseCreate, session: SessionDep, user: CurrentUser) -> EnterpriseRead:
    service = RegistryService(session)
    return service.read_enterprises(user, [service.create_enterprise(user, data)])[0]


@router.get("/enterprises/by-code/{credit_code}", summary="An enterprise by 统一社会信用代码")
def enterprise_by_code(credit_code: str, session: SessionDep, user: CurrentUser) -> EnterpriseRead:
    service = RegistryService(session)
    return service.read_enterprises(user, [service.enterprise_by_code(user, credit_code)])[0]


@router.get("/enterprises/{enterprise_id:int}", summary="One enterprise (企业详情)")
def get_enterprise(enterprise_id: Id, session: SessionDep, user: CurrentUser) -> EnterpriseRead:
    service = RegistryService(session)
    return service.read_enterprises(user, [service.get_enterprise(user, enterprise_id)])[0]


@router.patch("/enterprises/{enterprise_id:int}", summary="Change or deactivate an enterprise")
def update_enterprise(
    enterprise_id: Id, data: EnterpriseUpdate, session: SessionDep, user: CurrentUser
) -> EnterpriseRead:
    service = RegistryService(session)
    return service.read_enterprises(user, [service.update_enterprise(user, enterprise_id, data)])[0]


@router.get("/places", summary="Places in your area (辖区场所)")
def list_places(
    session: SessionDep,
    user: CurrentUser,
    township: Text = None,
    type: Annotated[str | None, Query(max_length=32, description="Place type code (registry.place_types)")] = None,
    enterprise_id: Annotated[Id | None, Query()] = None,
    q: Text = None,
    active: bool | None = True,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PlacePage:
    service = RegistryService(session)
    rows, total = service.list_places(
        user,
        township=township,
        type_code=type,
        enterprise_id=enterprise_id,
        q=q,
        active=active,
        limit=limit,
        offset=offset,
    )
    return PlacePage(items=service.read_places(user, rows), total=total)


@router.post("/places", status_code=status.HTTP_201_CREATED, summary="Register a place (场所登记)")
def create_place(data: PlaceCreate, session: SessionDep, user: CurrentUser) -> PlaceRead:
    service = RegistryService(session)
    return service.read_places(user, [service.create_place(user, data)])[0]


@router.get("/places/{place_id:int}", summary="One place (场所详情)")
def get_place(place_id: Id, session: SessionDep, user: CurrentUser) -> PlaceRead:
    service = RegistryService(session)
    return service.read_places(user, [service.get_place(user, place_id)])[0]


@router.patch("/places/{place_id:int}", summary="Change or deactivate a place")
def update_place(place_id: Id, data: PlaceUpdate, session: SessionDep, user: CurrentUser) -> PlaceRead:
    service = RegistryService(session)
    return service.read_places(user, [service.update_place(user, place_id, data)])[0]


def _upload(file: UploadFile) -> bytes:
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("文件超过20MB (file larger than 20 MB)", field="file")
    return data


def _download(user: Principal, session: Session, what: str, fmt: str) -> Response:
    user.require("data:export")
    user.require("registry.read")
    media = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return Response(
        RegistryTransfer(session, user).export(what, fmt),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="gridgov-{what}.{fmt}"'},
    )


@router.post("/enterprises/import", summary="Import enterprises, sheet 企业 (.xlsx or .csv; all or nothing)")
def import_enterprises(session: SessionDep, user: CurrentUser, file: Upload) -> dict[str, int]:
    user.require("data:import")
    summary = RegistryTransfer(session, user).import_enterprises(_upload(file), file.filename or "upload.xlsx")
    return dict(summary.__dict__)


@router.get("/enterprises/export", summary="Export your area's enterprises (.xlsx or .csv)")
def export_enterprises(session: SessionDep, user: CurrentUser, format: Format = "xlsx") -> Response:
    return _download(user, session, "enterprises", format)


@router.post("/places/import", summary="Import places, sheet 场所 (.xlsx or .csv; all or nothing)")
def import_places(session: SessionDep, user: CurrentUser, file: Upload) -> dict[str, int]:
    user.require("data:import")
    summary = RegistryTransfer(session, user).import_places(_upload(file), file.filename or "upload.xlsx")
    return dict(summary.__dict__)


@router.get("/places/export", summary="Export your area's places (.xlsx or .csv)")
def export_places(session: SessionDep, user: CurrentUser, format: Format = "xlsx") -> Response:
    return _download(user, session, "places", format)
