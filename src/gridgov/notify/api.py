"""HTTP API of the in-app inbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from gridgov.config import Settings
from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import Forbidden, NotFound
from gridgov.kit.bounds import Id, Offset
from gridgov.kit.masking import mask_phone
from gridgov.kit.text import PlainLine, PlainText
from gridgov.notify.service import Alerting, inbox, mark_read, unread_count

router = APIRouter(tags=["notify 通知"])
SMS_REPLY = "notify:sms_reply"
ANSWER_WITHIN = timedelta(minutes=5)
"""An answer counts as in time when it comes within this of being reached (the red-level step)."""


class InboxItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class InboxRead(BaseModel):
    unread: int
    total: int = Field(description="Items matching the filters (all pages)")
    kinds: list[str] = Field(description="The kinds of notice this inbox holds, for a filter")
    items: list[InboxItemRead]


class UnreadRead(BaseModel):
    unread: int


class MarkRead(BaseModel):
    ids: list[Id] | None = Field(default=None, max_length=500, description="Items to mark read; omitted: all")


class MarkedRead(BaseModel):
    marked: int
    unread: int


@router.get("/inbox", response_model=InboxRead, summary="Your inbox (待办与通知), newest first, paged")
def my_inbox(
    session: SessionDep,
    user: CurrentUser,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    read: Annotated[bool | None, Query(description="true: read items only; false: unread only")] = None,
    unread_only: Annotated[bool, Query(deprecated=True, description="Same as read=false")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> InboxRead:
    page = inbox(session, user.person, kind=kind, read=False if unread_only else read, limit=limit, offset=offset)
    return InboxRead(
        unread=page.unread,
        total=page.total,
        kinds=page.kinds,
        items=[InboxItemRead.model_validate(i) for i in page.items],
    )


@router.get("/inbox/unread", response_model=UnreadRead, summary="How many unread items your inbox holds (the badge)")
def my_unread(session: SessionDep, user: CurrentUser) -> UnreadRead:
    return UnreadRead(unread=unread_count(session, user.person))


@router.post("/inbox/read", response_model=MarkedRead, summary="Mark inbox items read (all when no ids are given)")
def read_items(body: MarkRead, request: Request, session: SessionDep, user: CurrentUser) -> MarkedRead:
    marked = mark_read(session, user.person, request.app.state.clock(), body.ids)
    return MarkedRead(marked=marked, unread=unread_count(session, user.person))


# alerts to answer (叫应) ----------------------------------------------------------------------------


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: str
    status: str
    attempts: int
    error: str | None
    sent_at: datetime | None


class RecipientRead(BaseModel):
    id: int
    name: str
    phone: str | None
    role: str
    tier: int
    notified_at: datetime | None
    acked_at: datetime | None
    ack_via: str | None
    deliveries: list[DeliveryRead]


class TierRead(BaseModel):
    tier: int
    reached: int
    answered: int
    answered_in_time: int
    waiting: int


class AlertRead(BaseModel):
    id: int
    kind: str
    subject: str
    level: str
    title: str
    round: int
    started_at: datetime
    closed_at: datetime | None
    tiers: list[TierRead]
    recipients: list[RecipientRead]


class SmsReply(BaseModel):
    sender: PlainLine = Field(alias="from", min_length=5, max_length=20, description="The replying phone number")
    text: PlainText = Field(max_length=500)
    reference: str | None = Field(
        default=None,
        pattern=r"^d-\d{1,18}$",
        description="Our reference of the message answered (``d-42``, sent with it), when the gateway threads replies",
    )


class ReplyIgnoredRead(BaseModel):
    alert_id: int | None
    reason: str = Field(
        description="not_for_this_phone, out_of_scope, already_answered, nothing_open or unknown_reference"
    )


class SmsReplyResult(BaseModel):
    acknowledged: int
    ignored: list[ReplyIgnoredRead] = Field(description="What the reply did not answer, and why (also audited)")


def alerting(request: Request, session: SessionDep) -> Alerting:
    settings: Settings = request.app.state.settings
    return Alerting(session, secret=settings.secret_key, public_url=settings.public_url, clock=request.app.state.clock)


AlertingDep = Annotated[Alerting, Depends(alerting)]


@router.get("/alerts/{alert_id}", response_model=AlertRead, summary="Who was reached and who answered (叫应情况)")
def alert_status(alert_id: Id, alerts: AlertingDep, user: CurrentUser) -> AlertRead:
    alert = alerts.repo.alert(alert_id)
    if alert is None or not user.covers(alert.path):
        raise NotFound("预警通知不存在或不在您的辖区内 (no such alert in your area)")
    recipients = alerts.repo.recipients(alert.id)
    deliveries: dict[int, list[DeliveryRead]] = {}
    for delivery in alerts.repo.deliveries([r.id for r in recipients]):
        deliveries.setdefault(delivery.recipient_id, []).append(DeliveryRead.model_validate(delivery))
    show_phone = user.can("pii:read")
    return AlertRead(
        id=alert.id,
        kind=alert.kind,
        subject=alert.subject,
        level=alert.level,
        title=alert.title,
        round=alert.round,
        started_at=alert.started_at,
        closed_at=alert.closed_at,
        tiers=[TierRead(**vars(t)) for t in alerts.tiers(alert, ANSWER_WITHIN)],
        recipients=[
            RecipientRead(
                id=r.id,
                name=r.name,
                phone=r.phone if show_phone or not r.phone else mask_phone(r.phone),
                role=r.role,
                tier=r.tier,
                notified_at=r.notified_at,
                acked_at=r.acked_at,
                ack_via=r.ack_via,
                deliveries=deliveries.get(r.id, []),
            )
            for r in recipients
        ],
    )


@router.post("/alerts/recipients/{recipient_id}/ack", summary="Answer an alert in the app (收到，叫应)")
def acknowledge(recipient_id: Id, alerts: AlertingDep, user: CurrentUser) -> dict[str, bool]:
    recipient = alerts.repo.recipient(recipient_id)
    if recipient is None or recipient.person_id != user.person_id:
        raise NotFound("没有发给您的这条通知 (no such alert for you)")
    return {"acknowledged": alerts.acknowledge(recipient, "app")}


@router.post(
    "/notify/sms-replies", response_model=SmsReplyResult, summary="SMS replies from the SMS gateway (短信回复确认)"
)
def sms_reply(reply: SmsReply, alerts: AlertingDep, user: CurrentUser) -> SmsReplyResult:
    """Only the SMS gateway's account (role ``sms_gateway``, permission ``notify:sms_reply``) may post; a reply
    answers only alerts that reached the phone it came from, within the gateway's area."""
    if not user.can(SMS_REPLY):
        raise Forbidden(f"仅短信网关账号可提交短信回复 (only the SMS gateway's account may post replies: {SMS_REPLY})")
    outcome = alerts.acknowledge_reply(reply.sender, reply.text, reference=reply.reference, covers=user.covers)
    return SmsReplyResult(
        acknowledged=len(outcome.acknowledged),
        ignored=[ReplyIgnoredRead(alert_id=i.alert_id, reason=i.reason) for i in outcome.ignored],
    )
