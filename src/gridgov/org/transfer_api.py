"""HTTP import and export of the org tree, units and people (XLSX, or CSV one sheet at a time)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import InvalidInput
from gridgov.org.transfer import OrgTransfer

router = APIRouter(tags=["org 组织"])
MAX_UPLOAD = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/org/import", summary="Import org tree, units and people (all or nothing)")
def import_org(
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description=".xlsx with sheets 组织/单位/人员, or one .csv")],
    sheet: Annotated[Literal["org", "units", "people"] | None, Form()] = None,
) -> dict[str, int]:
    user.require("data:import")
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("文件超过20MB (file larger than 20 MB)", field="file")
    summary = OrgTransfer(session, user).import_file(data, file.filename or "upload.xlsx", sheet)
    return dict(summary.__dict__)


@router.get("/org/export", summary="Export your area's org tree, units and people")
def export_org(
    session: SessionDep,
    user: CurrentUser,
    format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
    sheet: Literal["org", "units", "people"] = "org",
) -> Response:
    user.require("data:export")
    transfer = OrgTransfer(session, user)
    if format == "csv":
        return Response(
            transfer.export_csv(sheet),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="gridgov-{sheet}.csv"'},
        )
    return Response(
        transfer.export_xlsx(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="gridgov-org.xlsx"'},
    )
