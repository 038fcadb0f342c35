"""Periodic work of notifications: escalate unanswered alerts (叫应升级) and send queued deliveries.

Safe with several app processes: alerts and deliveries are locked with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite serialises writers); an escalation step is a unique row, so it fires once; a
delivery is claimed in one transaction and sent after it, and a claim older than
``STALE_CLAIM`` (a worker that died mid-send) is taken again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.kit.actor import SYSTEM, set_actor
from gridgov.notify.channels import DeliveryError, Message, Sender
from gridgov.notify.models import Delivery
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
    """Send queued deliveries through their channels; returns how many were handed over."""
    sent = 0
    while True:
        with _writing(database) as session:
            claimed = NotifyRepository(session).claimable_deliveries(now - STALE_CLAIM, batch)
            alerting = alerting_for(session, settings, now)
            work: list[tuple[int, str, Message]] = []
            for delivery in claimed:
                delivery.status, delivery.claimed_at = "sending", now
                delivery.attempts += 1
                work.append((delivery.id, delivery.channel, alerting.message(delivery)))
            session.commit()
        outcomes = [(delivery_id, *_send(senders, channel, message)) for delivery_id, channel, message in work]
        with _writing(database) as session:
            for delivery_id, external_id, error in outcomes:
                done = session.get(Delivery, delivery_id)
                if done is None:
                    continue
                if error is None:
                    done.status, done.sent_at, done.external_id, done.error = "sent", now, external_id, None
                    sent += 1
                else:
                    done.status = "failed" if done.attempts >= MAX_ATTEMPTS else "queued"
                    done.error = error[:300]
            session.commit()
        if len(claimed) < batch:
            return sent


def _send(senders: Mapping[str, Sender], channel: str, message: Message) -> tuple[str | None, str | None]:
    sender = senders.get(channel)
    if sender is None:
        return None, f"渠道未配置 (no sender for {channel})"
    try:
        return sender.send(message), None
    except DeliveryError as exc:
        return None, str(exc)
