"""All queries of the audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.audit.models import AuditLog
from gridgov.org.repository import under


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def page(
        self,
        scope: Sequence[str],
        *,
        global_view: bool,
        entity: str | None,
        entity_id: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[AuditLog], int]:
        stmt = select(AuditLog)
        if not global_view:
            stmt = stmt.where(under(scope, AuditLog.scope_path))
        if entity:
            stmt = stmt.where(AuditLog.entity == entity)
        if entity_id:
            stmt = stmt.where(AuditLog.entity_id == entity_id)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = list(self.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset)))
        return rows, total
