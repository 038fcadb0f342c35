"""HTTP API of the sensing core: station management (scoped like every domain), and the ingest of
readings in batches from gateways, through the observation writer."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from gridgov.deps import CurrentUser, SessionDep, WritingUser
from gridgov.errors import AppError, Forbidden, InvalidInput
from gridgov.kit.bounds import Offset
from gridgov.sensing.parsing import REASONS, parse_items, refusal
from gridgov.sensing.runtime import SensingRuntime
from gridgov.sensing.schemas import (
    DatastreamCreate,
    DatastreamRead,
    IngestCounts,
    ObservationBatch,
    StationCreate,
    StationPage,
    StationRead,
    StationUpdate,
)
from gridgov.sensing.service import GATEWAY_ROLES, Batch, SensingService

router = APIRouter(tags=["sensing 感知"])
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_ITEMS = 20_000


class PayloadTooLarge(AppError):
    status_code = 413


def runtime(request: Request) -> SensingRuntime:
    sensing: SensingRuntime = request.app.state.sensing
    return sensing


@router.post(
    "/sensing/observations",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IngestCounts,
    summary="Ingest a batch of readings from a gateway (网关批量上传观测数据)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ObservationBatch.model_json_schema()}},
        }
    },
    responses={413: {"description": "Body too large"}, 422: {"description": "Body is not a JSON batch"}},
)
async def ingest(request: Request, user: WritingUser) -> IngestCounts:
    """Each item is checked on its own: good readings are stored (a repeat is counted, not stored twice),
    bad ones go to the dead-letter table with their reason. Answered once the rows are durable."""
    if not GATEWAY_ROLES & user.roles:
        raise Forbidden("只有网关账号可以上传观测数据 (needs an api_client gateway token)")
    sensing = runtime(request)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"请求体超过 {MAX_BODY_BYTES // 1024 // 1024} MB (body too large)")
    try:
        data: Any = json.loads(body)
        items = data.get("observations") if isinstance(data, dict) else None
    except (ValueError, RecursionError):
        items, reason = None, REASONS["bad_json"]
    else:
        reason = 'observations应为列表 (expected {"observations": [...]})'
    if not isinstance(items, list):
        await sensing.writer.run(Batch("http", [refusal("bad_json", reason, "body", body)], user.scope_paths))
        raise InvalidInput(reason, field="observations", extra={"dead_lettered": 1})
    if len(items) > MAX_ITEMS:
        raise PayloadTooLarge(f"每批最多 {MAX_ITEMS} 条 (at most {MAX_ITEMS} readings per batch)")
    parts = parse_items(items, body, sensing.settings.timezone)
    outcome = await sensing.writer.run(Batch("http", parts, user.scope_paths))
    return outcome.counts()


# stations ----------------------------------------------------------------------------------------
Kind = Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,23}$", description="rain_gauge, water_meter, …")]


@router.get("/sensing/stations", response_model=StationPage, summary="Stations in your area (辖区监测站点)")
def list_stations(
    session: SessionDep,
    user: CurrentUser,
    kind: Kind = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> StationPage:
    return SensingService(session).list_stations(user, kind=kind, active=active, limit=limit, offset=offset)


@router.get("/sensing/stations/{code}", response_model=StationRead, summary="One station with its datastreams")
def get_station(code: str, session: SessionDep, user: CurrentUser) -> StationRead:
    service = SensingService(session)
    return service.read_stations([service.get_station(user, code)])[0]


@router.post(
    "/sensing/stations",
    response_model=StationRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a station with its datastreams (新建监测站点)",
    responses={409: {"description": "Station code taken"}},
)
def create_station(data: StationCreate, session: SessionDep, user: CurrentUser, response: Response) -> StationRead:
    """Located in the org tree by its coordinates: a point outside the county is refused (422), one outside
    your area is not found (404). Readings to the new station are accepted at once."""
    service = SensingService(session)
    station = service.create_station(user, data)
    response.headers["Location"] = f"/api/v1/sensing/stations/{station.code}"
    return service.read_stations([station])[0]


@router.patch("/sensing/stations/{code}", response_model=StationRead, summary="Change or deactivate a station")
def update_station(code: str, data: StationUpdate, session: SessionDep, user: CurrentUser) -> StationRead:
    """A deactivated station keeps its data; readings sent to it are dead-lettered (inactive_station)."""
    service = SensingService(session)
    return service.read_stations([service.update_station(user, code, data)])[0]


@router.post(
    "/sensing/stations/{code}/datastreams",
    response_model=DatastreamRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add an observed property to a station (新增观测要素)",
    responses={409: {"description": "The station already has this property"}},
)
def add_datastream(code: str, data: DatastreamCreate, session: SessionDep, user: CurrentUser) -> DatastreamRead:
    return DatastreamRead.model_validate(SensingService(session).add_datastream(user, code, data))
