"""Delivering notices. The in-app inbox is the channel every notice reaches; further channels
(SMS, voice, e-mail, webhook) implement :class:`Channel` and are added by the warning module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.notify.models import InboxItem


@dataclass(frozen=True)
class Notice:
    kind: str
    """assignment, return, supervision, escalation, …"""
    title: str
    body: str = ""
    link: str | None = None
    case_id: int | None = None


class Channel(Protocol):
    name: str

    def send(self, session: Session, person_ids: Sequence[int], notice: Notice) -> None: ...


class InboxChannel:
    name = "inbox"

    def send(self, session: Session, person_ids: Sequence[int], notice: Notice) -> None:
        session.add_all(
            InboxItem(
                person_id=pid,
                kind=notice.kind,
                title=notice.title,
                body=notice.body,
                link=notice.link,
                case_id=notice.case_id,
            )
            for pid in dict.fromkeys(person_ids)
        )


class Notifier:
    def __init__(self, channels: Sequence[Channel] = (InboxChannel(),)) -> None:
        self.channels = list(channels)

    def notify(self, session: Session, person_ids: Sequence[int], notice: Notice) -> None:
        for channel in self.channels:
            channel.send(session, person_ids, notice)


def inbox(session: Session, person_id: int, *, unread_only: bool = False, limit: int = 50) -> list[InboxItem]:
    stmt = select(InboxItem).where(InboxItem.person_id == person_id)
    if unread_only:
        stmt = stmt.where(InboxItem.read_at.is_(None))
    return list(session.scalars(stmt.order_by(InboxItem.id.desc()).limit(limit)))


def unread_count(session: Session, person_id: int) -> int:
    stmt = select(func.count()).where(InboxItem.person_id == person_id, InboxItem.read_at.is_(None))
    return session.scalar(stmt) or 0
