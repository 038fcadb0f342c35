from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, UTCDateTime
from gridgov.kit.time import utcnow


class DeliveryStatus(StrEnum):
    """What became of one delivery. Only ``sent`` means the message left the platform."""

    queued = "queued"
    sending = "sending"
    """Claimed by a worker (taken again when the claim is stale)."""
    sent = "sent"
    """Handed to a gateway, SMTP server or robot that accepted it (the in-app inbox: stored)."""
    outboxed = "outboxed"
    """Written to the local outbox file (``var/outbox/*.jsonl``): no gateway is configured, nobody was reached."""
    failed = "failed"
    """Refused or unreachable after the last attempt, or no sender for the channel (``error`` says why)."""
    withheld = "withheld"
    """An exercise's (演练) message on an external channel, not sent unless the exercise asked for it."""


class InboxItem(Base):
    """One message in a person's in-app inbox (待办/通知)."""

    __tablename__ = "inbox_item"
    __table_args__ = (Index("ix_inbox_item_person_read", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Alert(Base):
    """A notice that must reach people and be answered (叫应): a warning's fan-out, for example.

    Recipients come in tiers (0 = first reached; higher tiers are reached by escalation); the
    escalation policy of ``level`` runs from ``started_at``; re-triggering starts a new ``round``."""

    __tablename__ = "notify_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(80), index=True)
    """What it is about, e.g. ``warning:17``."""
    level: Mapped[str] = mapped_column(String(16))
    """The escalation policy to apply, e.g. ``red``."""
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(255), index=True)
    """The area it concerns (scope of who may follow it)."""
    reply_code: Mapped[str] = mapped_column(String(8))
    """Short code recipients answer by SMS (回复确认码)."""
    round: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertRecipient(Base):
    """One person (or resident, by phone only) an alert is for, their tier and their answer."""

    __tablename__ = "notify_recipient"
    __table_args__ = (Index("ix_notify_recipient_phone_open", "phone", "acked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("notify_alert.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    """Why they are on the list: grid_member, village, township, district, resident …"""
    tier: Mapped[int] = mapped_column(Integer, default=0)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When their tier was reached; None while it has not been."""
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ack_via: Mapped[str | None] = mapped_column(String(16))
    """app, sms or link (the link carries an HMAC of the recipient id, so no token is stored)."""


class Delivery(Base):
    """One attempt to reach a recipient over one channel, with its status (送达状态)."""

    __tablename__ = "notify_delivery"
    __table_args__ = (Index("ix_notify_delivery_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("notify_recipient.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.queued.value)
    """A :class:`DeliveryStatus`: queued → sending → sent, outboxed or failed; inbox deliveries are sent at
    once; an exercise's external ones are withheld."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EscalationStep(Base):
    """A step of an alert's escalation policy that has fired; the unique key makes each fire once."""

    __tablename__ = "notify_escalation_step"
    __table_args__ = (UniqueConstraint("alert_id", "round", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("notify_alert.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(200))
