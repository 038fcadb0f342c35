"""Warning pages: the board (预警看板: zones coloured by level, active warnings with 叫应 progress,
coverage) and one warning's completion view with its gauge's rainfall (一键查看完成情况)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from gridgov.deps import PageUser, SessionDep
from gridgov.errors import NotFound
from gridgov.notify.api import ANSWER_WITHIN
from gridgov.notify.models import Alert
from gridgov.warning.api import NOT_VISIBLE, active_warnings, coverage, gauges, warning_response
from gridgov.warning.enums import Colour
from gridgov.warning.models import RiskZone, WarningRecord
from gridgov.warning.schemas import WarningRead
from gridgov.warning.service import WarningService
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/warnings")
def board(request: Request, session: SessionDep, user: PageUser) -> Response:
    active = active_warnings(request, session, user)
    by_colour = {c.value: sum(1 for a in active if a.warning.colour == c.value) for c in Colour}
    wettest = sorted(gauges(request, session, user), key=lambda g: (-g.rain_24h, -g.rain_1h, g.code))[:10]
    context = {
        "active": sorted(active, key=lambda a: (-Colour(a.warning.colour).rank, a.zone_code)),
        "by_colour": by_colour,
        "coverage": coverage(session, user),
        "colours": list(Colour),
        "reached": sum(a.reached for a in active),
        "answered": sum(a.answered for a in active),
        "wettest": [g for g in wettest if g.rain_24h > 0],
    }
    return render(request, "warning/board.html", context)


@router.get("/warnings/{warning_id}")
def warning_page(warning_id: int, request: Request, session: SessionDep, user: PageUser) -> Response:
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
    context = {
        "warning": WarningRead.of(record),
        "zone": zone,
        "view": view,
        "colour": Colour(record.colour),
        "peak": Colour(record.peak_colour),
        "alert": alert,
        "tiers": response.alerting.tiers(alert, ANSWER_WITHIN) if alert else [],
        "recipients": sorted(recipients, key=lambda r: (r.tier, r.role == "residents", r.id)),
        "messages": WarningService(session).repo.messages(record.id),
        "tz_offset": _offset_minutes(request, record.issued_at),
    }
    return render(request, "warning/detail.html", context)


def _offset_minutes(request: Request, at: datetime) -> int:
    """Minutes east of UTC of the configured zone at ``at`` (the chart shows the county's local time)."""
    offset = at.astimezone(ZoneInfo(request.app.state.settings.timezone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0
