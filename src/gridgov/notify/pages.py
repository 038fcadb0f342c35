"""The confirmation page a recipient reaches from the link in an SMS or the inbox (确认收到).

The link carries an HMAC of the recipient, so the page needs no login: a grid member on a borrowed
phone, or a resident, can answer with one tap."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridgov.deps import SessionDep
from gridgov.errors import NotFound
from gridgov.notify.api import alerting
from gridgov.notify.models import Alert, AlertRecipient
from gridgov.notify.service import recipient_from_token
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)
UNKNOWN = "确认链接无效或已过期 (this confirmation link is not valid)"


def _lookup(request: Request, session: SessionDep, token: str) -> tuple[AlertRecipient, Alert]:
    recipient_id = recipient_from_token(request.app.state.settings.secret_key, token)
    alerts = alerting(request, session)
    recipient = alerts.repo.recipient(recipient_id) if recipient_id is not None else None
    alert = alerts.repo.alert(recipient.alert_id) if recipient is not None else None
    if recipient is None or alert is None:
        raise NotFound(UNKNOWN)
    return recipient, alert


@router.get("/ack/{token}")
def confirm_page(request: Request, session: SessionDep, token: str) -> Response:
    recipient, alert = _lookup(request, session, token)
    outcome = alerting(request, session).outcome(alert, recipient)
    return render(
        request, "notify/ack.html", {"recipient": recipient, "alert": alert, "token": token, "outcome": outcome}
    )


@router.post("/ack/{token}")
def confirm(request: Request, session: SessionDep, token: str) -> Response:
    recipient, alert = _lookup(request, session, token)
    alerts = alerting(request, session)
    alerts.acknowledge(recipient, "link")
    context = {"recipient": recipient, "alert": alert, "token": token, "outcome": alerts.outcome(alert, recipient)}
    return render(request, "notify/ack.html", context | {"done": True})
