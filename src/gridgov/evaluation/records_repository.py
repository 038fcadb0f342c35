"""Queries of the evaluation's own records: the flags awarded each month, the monthly runs and their reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from gridgov.evaluation.models import Flag, Report, Run


class RecordRepository:
    """Queries of the evaluation's own tables (flags, runs, reports)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def replace_flags(self, period: str, level: str, rows: Sequence[dict[str, Any]]) -> None:

        from gridgov.evaluation.models import Flag

        self.session.execute(delete(Flag).where(Flag.period == period, Flag.level == level))
        if rows:
            self.session.execute(insert(Flag), list(rows))

    def flags(self, level: str | None, key: str | None, keys: Sequence[str] | None, limit: int) -> list[Any]:

        statement = select(Flag).order_by(Flag.period.desc(), Flag.level, Flag.colour, Flag.rank, Flag.unit_key)
        if level:
            statement = statement.where(Flag.level == level)
        if key:
            statement = statement.where(Flag.unit_key == key)
        if keys is not None:
            statement = statement.where(Flag.unit_key.in_(list(keys)))
        return list(self.session.scalars(statement.limit(limit)))

    def run(self, period: str, kind: str) -> Any:

        return self.session.scalars(select(Run).where(Run.period == period, Run.kind == kind)).one_or_none()

    def reclaim(self, run_id: int, stale_before: datetime, now: datetime) -> bool:
        """Take over a run whose process died (still running since before ``stale_before``): compare and set."""

        from gridgov.evaluation.models import Run

        result = self.session.execute(
            update(Run)
            .where(Run.id == run_id, Run.state != "done", Run.started_at < stale_before)
            .values(state="running", started_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def report(self, period: str, fmt: str) -> Any:

        return self.session.scalars(select(Report).where(Report.period == period, Report.fmt == fmt)).one_or_none()

    def reports(self) -> list[tuple[str, str, int, datetime]]:

        statement = select(Report.period, Report.fmt, Report.size, Report.created_at).order_by(
            Report.period.desc(), Report.fmt
        )
        return [(p, f, s, c) for p, f, s, c in self.session.execute(statement)]
