"""HTTP API of geo-hazard warnings (地灾预警), and the public CAP feed.

``/api/v1/warnings…`` answers within the caller's area; ``/cap/feed.atom`` and ``/cap/{id}.xml`` are the
public alerts (CAP 1.2 carries no personal data), as a warning authority publishes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import case, func, select

from gridgov.case.service import CaseService
from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import NotFound
from gridgov.kit.bounds import Id, Offset
from gridgov.kit.principal import Principal
from gridgov.notify.api import ANSWER_WITHIN, alerting
from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.warning.coverage_service import CoverageService, CoverageView, ZoneCoverage, metres
from gridgov.warning.models import RiskZone, WarningRecord
from gridgov.warning.response import WarningResponse, ZoneCompletion
from gridgov.warning.schemas import (
    ActiveWarning,
    CoverageGauge,
    CoverageMap,
    CoverageRead,
    CoverageZone,
    GaugeOnMap,
    RainfallPoint,
    WarningRead,
    ZoneCoveragePage,
    ZoneCoverageRead,
    ZoneOnMap,
)
from gridgov.warning.service import WarningService

router = APIRouter(tags=["warnings 地灾预警"])
public = APIRouter(tags=["CAP 1.2"])
NOT_VISIBLE = "预警不存在或不在您的辖区内 (no such warning in your area)"


def warning_response(request: Request, session: SessionDep) -> WarningResponse:
    clock = request.app.state.clock
    return WarningResponse(session, alerting(request, session), CaseService(session, clock=clock), "/")


@router.get("/warnings/zones", response_model=list[ZoneOnMap], summary="Risk zones in your area with their colour")
def zones(session: SessionDep, user: CurrentUser) -> list[ZoneOnMap]:
    repo = WarningService(session).repo
    mine = [z for z in repo.zones() if user.covers(z.path)]
    active = repo.active_by_zone([z.id for z in mine], "geo")
    return [
        ZoneOnMap(
            code=z.code,
            name=z.name,
            lon=z.lon,
            lat=z.lat,
            importance=z.importance,
            management_level=z.management_level,
            colour=active[z.id].colour if z.id in active else None,
            warning_id=active[z.id].id if z.id in active else None,
        )
        for z in mine
    ]


@router.get("/warnings", response_model=list[ActiveWarning], summary="Active warnings in your area, with 叫应 progress")
def active_warnings(request: Request, session: SessionDep, user: CurrentUser) -> list[ActiveWarning]:
    alerts = alerting(request, session)
    out = []
    for record, zone in WarningService(session).repo.active_warnings():
        if not user.covers(zone.path):
            continue
        current = alerts.repo.alert_for(f"warning:{record.id}")
        tiers = alerts.tiers(current, ANSWER_WITHIN) if current else []
        out.append(
            ActiveWarning(
                warning=WarningRead.of(record),
                zone_code=zone.code,
                zone_name=zone.name,
                township_code=zone.township_code,
                reached=sum(t.reached for t in tiers),
                answered=sum(t.answered for t in tiers),
                waiting=sum(t.waiting for t in tiers),
            )
        )
    return out


@router.get(
    "/warnings/{warning_id}/completion",
    response_model=ZoneCompletion,
    summary="One-click completion view (一键查看): patrol, people reached and answered, residents notified",
)
def completion(warning_id: Id, request: Request, session: SessionDep, user: CurrentUser) -> ZoneCompletion:
    record = session.get(WarningRecord, warning_id)
    zone = session.get(RiskZone, record.zone_id) if record else None
    if zone is None or not user.covers(zone.path):
        raise NotFound(NOT_VISIBLE)
    (view,) = warning_response(request, session).completion([warning_id], ANSWER_WITHIN)
    return view


AsOf = Annotated[date | None, Query(description="Coverage as of the end of this day (YYYY-MM-DD); default now")]
SORTS: dict[str, Callable[[ZoneCoverage], tuple[Any, ...]]] = {
    "distance": lambda r: (r.distance_m, r.zone.code),
    "-distance": lambda r: (-r.distance_m, r.zone.code),
    "code": lambda r: (r.zone.code,),
    "township": lambda r: (r.zone.township_code, -r.distance_m, r.zone.code),
}
CoverageSort = Literal["distance", "-distance", "code", "township"]


def coverage_view(
    request: Request, session: SessionDep, user: Principal, as_of: date | None, code: str | None = None
) -> CoverageView:
    return CoverageService(session, request.app.state.settings.timezone).view(user.covers, as_of, code=code)


def coverage_rows(
    view: CoverageView, *, beyond_m: float | None = None, sort: CoverageSort = "-distance"
) -> list[ZoneCoverage]:
    """The view's zones farther than ``beyond_m`` from their nearest gauge, sorted."""
    return sorted((r for r in view.rows if beyond_m is None or r.distance_m > beyond_m), key=SORTS[sort])


@router.get("/warnings/coverage", response_model=CoverageRead, summary="Rain-gauge coverage of the risk zones")
def coverage(request: Request, session: SessionDep, user: CurrentUser, as_of: AsOf = None) -> CoverageRead:
    return CoverageRead.of(coverage_view(request, session, user, as_of))


@router.get(
    "/warnings/coverage/zones",
    response_model=ZoneCoveragePage,
    summary="Per-zone coverage: each zone's nearest gauges and distances (paged; filter by distance or code)",
)
def coverage_zones(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    as_of: AsOf = None,
    beyond_m: Annotated[float | None, Query(ge=0, description="Only zones whose nearest gauge is farther")] = None,
    code: Annotated[str | None, Query(max_length=40, description="Only this zone")] = None,
    sort: CoverageSort = "-distance",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> ZoneCoveragePage:
    rows = coverage_rows(coverage_view(request, session, user, as_of, code), beyond_m=beyond_m, sort=sort)
    return ZoneCoveragePage(total=len(rows), items=[ZoneCoverageRead.of(r) for r in rows[offset : offset + limit]])


@router.get(
    "/warnings/coverage/map",
    response_model=CoverageMap,
    summary="Coverage map layer: gauges and zones (as points, with their distance band)",
)
def coverage_map(request: Request, session: SessionDep, user: CurrentUser, as_of: AsOf = None) -> CoverageMap:
    service = CoverageService(session, request.app.state.settings.timezone)
    view = service.view(user.covers, as_of)
    return CoverageMap(
        gauges=[
            CoverageGauge(code=s.code, lon=round(s.lon, 6), lat=round(s.lat, 6), commissioned=service.commissioned(s))
            for s in view.shown
        ],
        zones=[
            CoverageZone(
                code=r.zone.code,
                name=r.zone.name,
                lon=round(r.zone.lon, 6),
                lat=round(r.zone.lat, 6),
                distance_m=metres(r.distance_m),
                band=r.band,
            )
            for r in view.rows
        ],
    )


@router.get(
    "/warnings/gauges/{code}/rainfall",
    response_model=list[RainfallPoint],
    summary="A rain gauge's readings (for the gauge chart)",
)
def rainfall(
    code: str,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    hours: Annotated[int, Query(ge=1, le=168)] = 24,
) -> list[RainfallPoint]:
    station = session.scalars(select(Station).where(Station.code == code)).first()
    if station is None or not user.covers(station.path):
        raise NotFound("雨量站不存在或不在您的辖区内 (no such gauge in your area)")
    since = request.app.state.clock() - timedelta(hours=hours)
    rows = session.execute(
        select(Observation.phenomenon_time, Observation.value)
        .join(Datastream, Datastream.id == Observation.datastream_id)
        .where(Datastream.station_id == station.id, Observation.phenomenon_time >= since)
        .order_by(Observation.phenomenon_time)
    )
    return [RainfallPoint(time=t, mm=v) for t, v in rows]


@router.get(
    "/warnings/gauges",
    response_model=list[GaugeOnMap],
    summary="Rain gauges in your area with their rainfall of the last hour and the last 24 hours",
)
def gauges(request: Request, session: SessionDep, user: CurrentUser) -> list[GaugeOnMap]:
    now = request.app.state.clock()
    hour, day = now - timedelta(hours=1), now - timedelta(hours=24)
    rows = session.execute(
        select(
            Station.code,
            Station.name,
            Station.lon,
            Station.lat,
            Station.path,
            func.max(Observation.phenomenon_time),
            func.sum(case((Observation.phenomenon_time > hour, Observation.value), else_=0.0)),
            func.sum(Observation.value),
        )
        .select_from(Station)
        .outerjoin(Datastream, (Datastream.station_id == Station.id) & (Datastream.property == "rainfall"))
        .outerjoin(
            Observation,
            (Observation.datastream_id == Datastream.id)
            & (Observation.phenomenon_time > day)
            & (Observation.phenomenon_time <= now),
        )
        .where(Station.kind == "rain_gauge", Station.active.is_(True))
        .group_by(Station.id)
        .order_by(Station.code)
    )
    return [
        GaugeOnMap(
            code=code,
            name=name,
            lon=lon,
            lat=lat,
            last_time=last,
            rain_1h=round(float(h or 0.0), 1),
            rain_24h=round(float(d or 0.0), 1),
        )
        for code, name, lon, lat, path, last, h, d in rows
        if user.covers(path)
    ]


@public.get("/cap/feed.atom", summary="Current alerts as an Atom feed of CAP 1.2 messages")
def cap_feed(
    request: Request,
    session: SessionDep,
    exercises: Annotated[bool, Query(description="also list drills (status Exercise), marked 【演练】")] = False,
) -> Response:
    base = str(request.base_url).rstrip("/")
    body = WarningService(session).feed(base, request.app.state.clock(), exercises=exercises)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@public.get("/cap/{identifier}.xml", summary="One CAP 1.2 message")
def cap_message(identifier: str, session: SessionDep) -> Response:
    xml = WarningService(session).message_xml(identifier)
    if xml is None:
        raise NotFound("没有这条预警消息 (no such CAP message)")
    return Response(xml, media_type="application/cap+xml; charset=utf-8")
