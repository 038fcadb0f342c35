"""All queries of notices, alerts, recipients and deliveries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from gridgov.notify.models import Alert, AlertRecipient, Delivery, DeliveryStatus, EscalationStep, InboxItem
from gridgov.org.models import Person


class NotifyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # the in-app inbox ----------------------------------------------------------------------------
    def inbox_statement(
        self, person_id: int, *, kind: str | None = None, read: bool | None = None
    ) -> Select[InboxItem]:
        stmt = select(InboxItem).where(InboxItem.person_id == person_id)
        if kind:
            stmt = stmt.where(InboxItem.kind == kind)
        if read is not None:
            stmt = stmt.where(InboxItem.read_at.is_not(None) if read else InboxItem.read_at.is_(None))
        return stmt

    def inbox_page(self, stmt: Select[InboxItem], *, limit: int, offset: int) -> tuple[list[InboxItem], int]:
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = self.session.scalars(stmt.order_by(InboxItem.id.desc()).limit(limit).offset(offset))
        return list(items), total

    def inbox_kinds(self, person_id: int) -> list[str]:
        stmt = select(InboxItem.kind).where(InboxItem.person_id == person_id).distinct().order_by(InboxItem.kind)
        return list(self.session.scalars(stmt))

    def inbox_item(self, person_id: int, item_id: int) -> InboxItem | None:
        item = self.session.get(InboxItem, item_id)
        return item if item is not None and item.person_id == person_id else None

    def unread_count(self, person_id: int) -> int:
        stmt = select(func.count()).where(InboxItem.person_id == person_id, InboxItem.read_at.is_(None))
        return self.session.scalar(stmt) or 0

    def mark_read(self, person_id: int, now: datetime, item_ids: Collection[int] | None = None) -> int:
        """Mark the person's unread items (``item_ids`` of them, or all) read; how many were."""
        stmt = update(InboxItem).where(InboxItem.person_id == person_id, InboxItem.read_at.is_(None))
        if item_ids is not None:
            stmt = stmt.where(InboxItem.id.in_(list(item_ids)))
        result = self.session.execute(stmt.values(read_at=now).execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    def alert(self, alert_id: int) -> Alert | None:
        return self.session.get(Alert, alert_id)

    def alert_for(self, subject: str) -> Alert | None:
        """The open alert about ``subject`` (e.g. ``warning:17``), if any."""
        stmt = select(Alert).where(Alert.subject == subject, Alert.closed_at.is_(None)).order_by(Alert.id.desc())
        return self.session.scalars(stmt.limit(1)).first()

    def latest_alert(self, subject: str) -> Alert | None:
        """The newest alert about ``subject``, open or closed (an upgrade closes one and raises the next)."""
        stmt = select(Alert).where(Alert.subject == subject).order_by(Alert.id.desc())
        return self.session.scalars(stmt.limit(1)).first()

    def recipients(self, alert_id: int) -> list[AlertRecipient]:
        stmt = select(AlertRecipient).where(AlertRecipient.alert_id == alert_id).order_by(AlertRecipient.id)
        return list(self.session.scalars(stmt))

    def recipient(self, recipient_id: int) -> AlertRecipient | None:
        return self.session.get(AlertRecipient, recipient_id)

    def deliveries(self, recipient_ids: Sequence[int]) -> list[Delivery]:
        if not recipient_ids:
            return []
        stmt = select(Delivery).where(Delivery.recipient_id.in_(recipient_ids)).order_by(Delivery.id)
        return list(self.session.scalars(stmt))

    def delivery(self, delivery_id: int) -> Delivery | None:
        return self.session.get(Delivery, delivery_id)

    def phones(self, person_ids: Sequence[int]) -> dict[int, str]:
        if not person_ids:
            return {}
        rows = self.session.execute(select(Person.id, Person.phone).where(Person.id.in_(person_ids)))
        return {row.id: row.phone for row in rows}

    def open_recipients_by_phone(self, phone: str) -> list[tuple[AlertRecipient, Alert]]:
        """Recipients with this phone who have been reached and not answered, newest alert first."""
        stmt = (
            select(AlertRecipient, Alert)
            .join(Alert, Alert.id == AlertRecipient.alert_id)
            .where(
                AlertRecipient.phone == phone,
                AlertRecipient.acked_at.is_(None),
                AlertRecipient.notified_at.is_not(None),
                Alert.closed_at.is_(None),
            )
            .order_by(Alert.id.desc())
        )
        return [(r, a) for r, a in self.session.execute(stmt)]

    def open_alerts_with_codes(self, codes: Collection[str]) -> list[Alert]:
        """Open alerts whose reply code is one of ``codes``."""
        if not codes:
            return []
        stmt = select(Alert).where(Alert.reply_code.in_(sorted(codes)), Alert.closed_at.is_(None)).order_by(Alert.id)
        return list(self.session.scalars(stmt))

    def alerts_answered_by(self, phone: str, alert_ids: Sequence[int]) -> set[int]:
        """Which of the alerts a recipient with this phone has answered."""
        stmt = select(AlertRecipient.alert_id).where(
            AlertRecipient.alert_id.in_(alert_ids), AlertRecipient.phone == phone, AlertRecipient.acked_at.is_not(None)
        )
        return set(self.session.scalars(stmt))

    def open_alerts_for_update(self, after_id: int, limit: int) -> list[Alert]:
        """Open alerts after ``after_id``, locked for this worker (others skip them)."""
        stmt = (
            select(Alert)
            .where(Alert.closed_at.is_(None), Alert.id > after_id)
            .order_by(Alert.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))

    def fired_steps(self, alert_id: int, round_: int) -> set[int]:
        stmt = select(EscalationStep.step).where(EscalationStep.alert_id == alert_id, EscalationStep.round == round_)
        return set(self.session.scalars(stmt))

    def claimable_deliveries(self, stale_before: datetime, limit: int) -> list[Delivery]:
        """Queued deliveries, and ones a crashed worker claimed long ago, locked for this worker."""
        stmt = (
            select(Delivery)
            .where(
                or_(
                    Delivery.status == DeliveryStatus.queued.value,
                    (Delivery.status == DeliveryStatus.sending.value) & (Delivery.claimed_at < stale_before),
                )
            )
            .order_by(Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))
