"""Warning pages: the board (预警看板: zones coloured by level, active warnings with 叫应 progress,
coverage), the coverage page (雨量站覆盖: figures, map layer, the zones beyond 200 m, export, as of a date)
and one warning's completion view with its gauge's rainfall (一键查看完成情况)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from gridgov.deps import PageUser, SessionDep
from gridgov.errors import NotFound
from gridgov.kit.bounds import MAX_INT, Id
from gridgov.notify.api import ANSWER_WITHIN
from gridgov.notify.models import Alert
from gridgov.org.repository import OrgRepository
from gridgov.warning.api import (
    NOT_VISIBLE,
    AsOf,
    CoverageSort,
    active_warnings,
    coverage,
    coverage_rows,
    coverage_view,
    gauges,
    warning_response,
)
from gridgov.warning.coverage import NEAR_M
from gridgov.warning.coverage_service import ZoneCoverage, metres
from gridgov.warning.enums import Colour
from gridgov.warning.exercise import current_exercise
from gridgov.warning.models import RiskZone, WarningRecord
from gridgov.warning.schemas import CoverageRead, WarningRead
from gridgov.warning.service import WarningService
from gridgov.web.exports import Cell, download
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/warnings")
def board(
    request: Request,
    session: SessionDep,
    user: PageUser,
    township: Annotated[str | None, Query(max_length=32)] = None,
    colour: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The board; ``township`` and ``colour`` narrow the active warnings (the chips count the township's)."""
    every = active_warnings(request, session, user)
    names = OrgRepository(session).names_by_code(sorted({a.township_code for a in every}))
    active = [a for a in every if not township or a.township_code == township]
    by_colour = {c.value: sum(1 for a in active if a.warning.colour == c.value) for c in Colour}
    chosen = colour if colour in by_colour else ""
    active = [a for a in active if not chosen or a.warning.colour == chosen]
    wettest = sorted(gauges(request, session, user), key=lambda g: (-g.rain_24h, -g.rain_1h, g.code))[:10]
    context = {
        "active": sorted(active, key=lambda a: (-Colour(a.warning.colour).rank, a.zone_code)),
        "by_colour": by_colour,
        "coverage": coverage(request, session, user),
        "colours": list(Colour),
        "reached": sum(a.reached for a in active),
        "answered": sum(a.answered for a in active),
        "wettest": [g for g in wettest if g.rain_24h > 0],
        "exercise": current_exercise(session, request.app.state.clock()),
        "exercises": sum(1 for a in active if a.warning.exercise),
        "townships": sorted(names.items()),
        "township": township or "",
        "colour": chosen,
    }
    return render(request, "warning/board.html", context)


PAGE_SIZE = 50
EXPORT_HEADERS = [
    "防范区编号",
    "防范区名称",
    "乡镇(街道)",
    "村(社区)代码",
    "经度",
    "纬度",
    "覆盖情况",
    "最近雨量站",
    "距离(米)",
    "第二近雨量站",
    "距离(米)",
    "第三近雨量站",
    "距离(米)",
]
BAND_WORDS = {"near": "200米内", "far": "200米~2公里", "beyond": "2公里外"}


@router.get("/warnings/coverage")
def coverage_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    as_of: AsOf = None,
    sort: CoverageSort = "-distance",
    page: Annotated[int, Query(ge=1, le=MAX_INT)] = 1,
    format: Annotated[str | None, Query(pattern="^(xlsx|csv)$")] = None,
) -> Response:
    """Coverage as of a date; ``?format=xlsx|csv`` downloads every zone's row."""
    view = coverage_view(request, session, user, as_of)
    if format:
        rows = [_export_row(r) for r in coverage_rows(view, sort="code")]
        name = f"coverage-{as_of.isoformat() if as_of else 'now'}"
        return download(format, name, "雨量站覆盖", EXPORT_HEADERS, rows)
    beyond = coverage_rows(view, beyond_m=NEAR_M, sort=sort)
    pages = max(1, -(-len(beyond) // PAGE_SIZE))
    page = min(page, pages)
    kept = {"as_of": as_of.isoformat()} if as_of else {}
    context = {
        "summary": CoverageRead.of(view),
        "as_of": as_of,
        "beyond": beyond[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "beyond_total": len(beyond),
        "offset": (page - 1) * PAGE_SIZE,
        "page": page,
        "pages": pages,
        "sort": sort,
        "kept": kept,
        "query": lambda **changes: urlencode({k: v for k, v in {**kept, "sort": sort, **changes}.items() if v != ""}),
        "current": as_of is None or (bool(view.steps) and as_of >= view.steps[-1].day),
        "metres": metres,
    }
    return render(request, "warning/coverage.html", context)


def _export_row(row: ZoneCoverage) -> list[Cell]:
    zone = row.zone
    cells: list[Cell] = [
        zone.code,
        zone.name,
        row.township_name,
        zone.village_code,
        round(zone.lon, 6),
        round(zone.lat, 6),
        BAND_WORDS[row.band.value],
    ]
    for rank in range(3):
        code, distance = row.nearest.gauges[rank] if rank < len(row.nearest.gauges) else (None, None)
        cells += [code, None if distance is None else round(distance, 1)]
    return cells


@router.get("/warnings/{warning_id}")
def warning_page(warning_id: Id, request: Request, session: SessionDep, user: PageUser) -> Response:
    record = session.get(WarningRecord, warning_id)
    zone = session.get(RiskZone, record.zone_id) if record else None
    if record is None or zone is None or not user.covers(zone.path):
        raise NotFound(NOT_VISIBLE)
    response = warning_response(request, session)
    (view,) = response.completion([warning_id], ANSWER_WITHIN)
    alert = session.scalars(
        select(Alert).where(Alert.subject == f"warning:{record.id}").order_by(Alert.id.desc())
    ).first()
    recipients = response.alerting.repo.recipients(alert.id) if alert else []
    deliveries: dict[int, dict[str, str]] = {}  # recipient → channel → the latest delivery's status
    for delivery in response.alerting.repo.deliveries([r.id for r in recipients]):
        deliveries.setdefault(delivery.recipient_id, {})[delivery.channel] = delivery.status
    context = {
        "warning": WarningRead.of(record),
        "zone": zone,
        "view": view,
        "colour": Colour(record.colour),
        "peak": Colour(record.peak_colour),
        "alert": alert,
        "tiers": response.alerting.tiers(alert, ANSWER_WITHIN) if alert else [],
        "recipients": sorted(recipients, key=lambda r: (r.tier, r.role == "residents", r.id)),
        "deliveries": deliveries,
        "messages": WarningService(session).repo.messages(record.id),
        "tz_offset": _offset_minutes(request, record.issued_at),
    }
    return render(request, "warning/detail.html", context)


def _offset_minutes(request: Request, at: datetime) -> int:
    """Minutes east of UTC of the configured zone at ``at`` (the chart shows the county's local time)."""
    offset = at.astimezone(ZoneInfo(request.app.state.settings.timezone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0
