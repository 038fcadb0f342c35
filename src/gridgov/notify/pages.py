"""The inbox page (消息: dispatch, verification and 督办 notices, alerts to answer) and the confirmation page a
recipient reaches from the link in an SMS or the inbox (确认收到).

The confirmation link carries an HMAC of the recipient, so that page needs no login: a grid member on a borrowed
phone, or a resident, can answer with one tap. In the inbox a signed-in person answers an alert in place."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from gridgov.deps import PageUser, SessionDep
from gridgov.errors import NotFound
from gridgov.kit.bounds import Id, Offset
from gridgov.notify.api import alerting
from gridgov.notify.models import Alert, AlertRecipient, InboxItem
from gridgov.notify.repository import NotifyRepository
from gridgov.notify.service import INBOX_PAGE, alert_recipient_of, inbox, mark_read, recipient_from_token
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)
UNKNOWN = "确认链接无效或已过期 (this confirmation link is not valid)"
READ_STATES = {"unread": False, "read": True}
NO_ITEM = "没有这条消息 (no such message in your inbox)"


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


# the inbox ----------------------------------------------------------------------------------------------


def _answerable(request: Request, session: SessionDep, items: list[InboxItem]) -> dict[int, dict[str, Any]]:
    """Per alert item: its recipient, whether it still waits for an answer, and what became of the alert."""
    alerts = alerting(request, session)
    found: dict[int, dict[str, Any]] = {}
    for item in items:
        recipient_id = alert_recipient_of(alerts.secret, item)
        recipient = alerts.repo.recipient(recipient_id) if recipient_id is not None else None
        alert = alerts.repo.alert(recipient.alert_id) if recipient is not None else None
        if recipient is None or alert is None:
            continue
        outcome = alerts.outcome(alert, recipient)
        waiting = outcome.state == "open" and alert.closed_at is None and recipient.acked_at is None
        found[item.id] = {"recipient": recipient, "outcome": outcome, "waiting": waiting}
    return found


@router.get("/inbox")
def inbox_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    state: Annotated[str | None, Query(max_length=8)] = None,
    offset: Annotated[Offset, Query()] = 0,
    done: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    read = READ_STATES.get(state or "")
    page = inbox(session, user.person, kind=kind or None, read=read, offset=offset)
    base = {k: v for k, v in {"kind": kind, "state": state if read is not None else None}.items() if v}
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "alerts": _answerable(request, session, page.items),
            "kind": kind or "",
            "state": state if read is not None else "",
            "offset": offset,
            "page_size": INBOX_PAGE,
            "done": done,
            "here": "/inbox" + (f"?{urlencode(base | {'offset': offset})}" if base or offset else ""),
            "query_prev": urlencode({**base, "offset": max(offset - INBOX_PAGE, 0)}),
            "query_next": urlencode({**base, "offset": offset + INBOX_PAGE}),
        },
    )


def _back(target: str, done: str) -> RedirectResponse:
    back = target if target.startswith("/inbox") else "/inbox"
    return RedirectResponse(back + ("&" if "?" in back else "?") + f"done={done}", status_code=303)


@router.post("/inbox/{item_id}/open")
def open_item(item_id: Id, request: Request, user: PageUser, session: SessionDep) -> Response:
    """Mark the item read and follow its link (a case, an alert's page); items without one stay in the inbox."""
    item = NotifyRepository(session).inbox_item(user.person, item_id)
    if item is None:
        raise NotFound(NO_ITEM)
    mark_read(session, user.person, request.app.state.clock(), [item.id])
    link = item.link if item.link and item.link.startswith("/") and not item.link.startswith("//") else "/inbox"
    return RedirectResponse(link, status_code=303)


@router.post("/inbox/{item_id}/ack")
def answer_item(
    item_id: Id,
    request: Request,
    user: PageUser,
    session: SessionDep,
    back: Annotated[str, Query(max_length=300)] = "/inbox",
) -> Response:
    """Answer an alert (收到, 叫应) from the inbox: the same answer as the SMS link's, recorded as given in the app."""
    alerts = alerting(request, session)
    item = alerts.repo.inbox_item(user.person, item_id)
    recipient_id = alert_recipient_of(alerts.secret, item) if item is not None else None
    recipient = alerts.repo.recipient(recipient_id) if recipient_id is not None else None
    if item is None or recipient is None or recipient.person_id != user.person_id:
        raise NotFound(NO_ITEM)
    alerts.acknowledge(recipient, "app")
    mark_read(session, user.person, request.app.state.clock(), [item.id])
    return _back(back, "answered")


@router.post("/inbox/read")
def read_all(
    request: Request, user: PageUser, session: SessionDep, back: Annotated[str, Query(max_length=300)] = "/inbox"
) -> Response:
    mark_read(session, user.person, request.app.state.clock())
    return _back(back, "read")
