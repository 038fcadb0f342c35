"""Periodic work of notifications: escalate unanswered alerts (叫应升级) and send queued deliveries.

Safe with several app processes: alerts and deliveries are locked with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite serialises writers); an escalation step is a unique row, so it fires once; a
delivery is claimed in one transaction and sent after it, and a claim older than
``STALE_CLAIM`` (a worker that died mid-send) is taken again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.kit.actor import SYSTEM, set_actor
from gridgov.notify.channels import SETTING_OF, DeliveryError, Message, Sender
from gridgov.notify.models import Delivery, DeliveryStatus
from gridgov.notify.repository import NotifyRepository
from gridgov.notify.service import Alerting

STALE_CLAIM = timedelta(minutes=5)
MAX_ATTEMPTS = 3


def _writing(database: Database) -> Session:
    session = database.sessions()
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    set_actor(session, SYSTEM)
    return session


def alerting_for(session: Session, settings: Settings, now: datetime) -> Alerting:
    return Alerting(session, secret=settings.secret_key, public_url=settings.public_url, clock=lambda: now)


def escalate_alerts(database: Database, now: datetime, settings: Settings, batch: int = 100) -> int:
    """Fire every escalation step whose time has come; returns how many fired."""
    fired, after = 0, 0
    while True:
        with _writing(database) as session:
            alerts = NotifyRepository(session).open_alerts_for_update(after, batch)
            alerting = alerting_for(session, settings, now)
            for alert in alerts:
                fired += len(alerting.escalate_due(alert))
            session.commit()
        if len(alerts) < batch:
            return fired
        after = alerts[-1].id


def deliver_queued(
    database: Database, senders: Mapping[str, Sender], now: datetime, settings: Settings, batch: int = 50
) -> int:
    """Send queued deliveries through their channels; returns how many were handed over (sent, or written
    to the outbox file where that is the channel's sender: those are recorded as ``outboxed``)."""
    sent = 0
    while True:
        with _writing(database) as session:
            claimed = NotifyRepository(session).claimable_deliveries(now - STALE_CLAIM, batch)
            alerting = alerting_for(session, settings, now)
            work: list[tuple[int, str, Message]] = []
            for delivery in claimed:
                delivery.status, delivery.claimed_at = DeliveryStatus.sending.value, now
                delivery.attempts += 1
                work.append((delivery.id, delivery.channel, alerting.message(delivery)))
            session.commit()
        outcomes = [(delivery_id, _send(senders, channel, message)) for delivery_id, channel, message in work]
        with _writing(database) as session:
            for delivery_id, outcome in outcomes:
                done = session.get(Delivery, delivery_id)
                if done is None:
                    continue
                if outcome.error is None:
                    done.status, done.sent_at, done.external_id, done.error = (
                        outcome.status,
                        now,
                        outcome.external_id,
                        None,
                    )
                    sent += 1
                else:
                    final = outcome.final or done.attempts >= MAX_ATTEMPTS
                    done.status = DeliveryStatus.failed.value if final else DeliveryStatus.queued.value
                    done.error = outcome.error[:300]
            session.commit()
        if len(claimed) < batch:
            return sent


@dataclass(frozen=True)
class Outcome:
    status: str
    """The sender's :attr:`~gridgov.notify.channels.Sender.outcome` when handed over."""
    external_id: str | None = None
    error: str | None = None
    final: bool = False
    """Not worth retrying (no sender for the channel)."""


def _send(senders: Mapping[str, Sender], channel: str, message: Message) -> Outcome:
    sender = senders.get(channel)
    if sender is None:
        setting = SETTING_OF.get(channel, channel)
        return Outcome("", error=f"渠道未配置，请设置 {setting} (no sender for {channel}: set {setting})", final=True)
    try:
        external_id = sender.send(message)
    except DeliveryError as exc:
        return Outcome("", error=str(exc))
    return Outcome(sender.outcome, external_id)
