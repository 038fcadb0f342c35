"""All queries of the evaluation domain.

The indicators are one SQL statement per period: the candidate cases (an event in the period, or open at
its start), one pass over their events up to the end of the period (``GROUP BY case_id`` with conditional
aggregates), then per case the 0/1 membership of every count, summed per leaf group (township, village,
grid, unit, reporter, emergency or not). Rolling leaf groups up to any level is a sum of at most a few
thousand rows; no case is ever loaded into Python. The same per-case statement answers the drill-down
(the cases behind a figure) and, ranked with a window function, the P90 handling time.

Event ids grow with time within a case (the service appends), so "the state at t" is the ``to_state`` of
the case's greatest event id before t.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Subquery,
    and_,
    case,
    extract,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from gridgov.case.models import Case, CaseEvent
from gridgov.evaluation.indicators import Counts
from gridgov.org.models import OrgNode, Person, Unit
from gridgov.org.repository import under

POOL_CLOSE = ("filed", "dispatched", "handling", "handled", "verified", "deferred", "hung")
POOL_HANDLE = ("dispatched", "handling")
VOID = ("cancelled", "merged")
OPEN_STATES = ("reported", "filed", "dispatched", "handling", "handled", "verified", "deferred", "hung")
CLOCKED = ("reported", "filed", "dispatched", "handling")
LEAF_KEYS = ("township_code", "village_code", "grid_code", "unit_id", "reporter_person_id", "urgent")
LEVEL_COLUMNS = {
    "township": "township_code",
    "village": "village_code",
    "grid": "grid_code",
    "unit": "unit_id",
    "member": "reporter_person_id",
}


@dataclass(frozen=True)
class Leaf:
    keys: tuple[Any, ...]
    """(township_code, village_code, grid_code, unit_id, reporter_person_id, urgent)."""
    counts: Counts


def scoped(scope: Sequence[str], column: Any) -> ColumnElement[bool]:
    """The cases inside the scope (materialised-path prefixes)."""
    return under(scope, column)


def _when(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    return case((condition, value))


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _enters(ev: Any, pool: Sequence[str]) -> ColumnElement[bool]:
    return and_(ev.c.to_state.in_(pool), or_(ev.c.from_state.is_(None), ev.c.from_state.not_in(pool)))


class EvaluationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def analytics_memory(self, megabytes: int = 256) -> None:
        """PostgreSQL: let this transaction sort and hash the period's events in memory (the default 4 MB
        work_mem sends the GROUP BY, the UNION and the window to disk)."""
        if self.dialect == "postgresql":
            self.session.execute(text(f"SET LOCAL work_mem = '{int(megabytes)}MB'"))

    def _hours(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        if self.dialect == "sqlite":
            return (func.julianday(later) - func.julianday(earlier)) * 24.0
        return extract("epoch", later - earlier) / 3600.0

    # the per-case statement --------------------------------------------------------------------------
    def case_facts(
        self,
        start: datetime,
        end: datetime,
        scope: Sequence[str] | None,
        public_sources: Sequence[str],
        emergency_severity: int,
    ) -> Subquery:
        """One row per case that matters to [start, end): its keys and a 0/1 column per count."""
        events = CaseEvent.__table__
        cases = Case.__table__
        in_events = select(events.c.case_id.label("cid")).where(events.c.at >= start, events.c.at < end)
        still_open = select(cases.c.id.label("cid")).where(
            cases.c.created_at < start,
            or_(cases.c.closed_at.is_(None), cases.c.closed_at >= end),
            not_(and_(cases.c.state.in_(VOID), cases.c.updated_at < start)),
        )
        candidates = union(in_events, still_open).subquery("cand")
        ev = events.alias("ev")
        in_p = ev.c.at >= start
        late = and_(ev.c.action == "escalate", ev.c.from_state.in_(POOL_HANDLE))
        filing_late = and_(ev.c.action == "escalate", ev.c.from_state == "reported")
        handled_event = and_(ev.c.action == "feedback", ev.c.to_state == "handled")
        facts = (
            select(
                ev.c.case_id.label("case_id"),
                func.max(_when(ev.c.at < start, ev.c.id)).label("before_start"),
                func.max(ev.c.id).label("last_id"),
                func.max(_when(and_(in_p, ev.c.action == "report"), 1)).label("received_p"),
                func.min(_when(and_(in_p, ev.c.action == "file"), ev.c.id)).label("file_p"),
                func.min(_when(and_(in_p, ev.c.action == "dispatch"), ev.c.id)).label("dispatch_p"),
                func.max(_when(and_(in_p, ev.c.action == "give_back"), ev.c.id)).label("give_back_p"),
                func.max(_when(and_(in_p, _enters(ev, POOL_CLOSE)), 1)).label("enter_close_p"),
                func.max(_when(and_(in_p, _enters(ev, POOL_HANDLE)), 1)).label("enter_handle_p"),
                func.max(_when(_enters(ev, POOL_HANDLE), ev.c.id)).label("last_enter_handle"),
                func.max(_when(and_(in_p, ev.c.action == "close"), ev.c.id)).label("close_p"),
                func.max(_when(and_(in_p, handled_event), ev.c.id)).label("handled_p"),
                func.max(_when(and_(in_p, handled_event), ev.c.at)).label("handled_at"),
                func.min(_when(ev.c.action == "dispatch", ev.c.at)).label("first_dispatch_at"),
                func.min(_when(late, ev.c.id)).label("first_late"),
                func.max(_when(late, ev.c.id)).label("last_late"),
                func.min(_when(filing_late, ev.c.id)).label("first_filing_late"),
                func.sum(_when(ev.c.action == "verify_fail", 1)).label("fails"),
                func.max(_when(and_(in_p, ev.c.action == "verify_fail"), 1)).label("failed_p"),
                func.max(_when(and_(in_p, ev.c.action == "approve_extension"), 1)).label("extended_p"),
            )
            .select_from(candidates.join(ev, ev.c.case_id == candidates.c.cid))
            .where(ev.c.at < end)
            .group_by(ev.c.case_id)
        ).subquery("f")
        f = facts.c
        es, ee = events.alias("es"), events.alias("ee")
        void = ee.c.to_state.in_(VOID)
        due_close = and_(not_(void), or_(es.c.to_state.in_(POOL_CLOSE), f.enter_close_p == 1))
        closed = and_(due_close, f.close_p.is_not(None))
        due_handle = and_(not_(void), or_(es.c.to_state.in_(POOL_HANDLE), f.enter_handle_p == 1))
        handled = and_(due_handle, f.handled_p.is_not(None))
        filed = f.file_p.is_not(None)
        dispatched = f.dispatch_p.is_not(None)
        returned = and_(dispatched, f.give_back_p.is_not(None), f.give_back_p > f.dispatch_p)
        reworked = and_(due_close, f.failed_p == 1)
        columns: dict[str, ColumnElement[Any]] = {
            "received": _flag(f.received_p == 1),
            "filed": _flag(filed),
            "filed_on_time": _flag(and_(filed, or_(f.first_filing_late.is_(None), f.first_filing_late > f.file_p))),
            "public_filed": _flag(and_(filed, cases.c.source.in_(list(public_sources)))),
            "dispatched": _flag(dispatched),
            "accurate_dispatched": _flag(and_(dispatched, not_(returned))),
            "returned": _flag(returned),
            "due_handle": _flag(due_handle),
            "handled": _flag(handled),
            "handled_on_time": _flag(and_(handled, or_(f.first_late.is_(None), f.first_late > f.handled_p))),
            "extended": _flag(and_(due_handle, f.extended_p == 1)),
            "overdue_waiting": _flag(
                and_(
                    due_handle,
                    ee.c.to_state.in_(POOL_HANDLE),
                    f.last_late.is_not(None),
                    f.last_late > f.last_enter_handle,
                )
            ),
            "due_close": _flag(due_close),
            "closed": _flag(closed),
            "closed_on_time": _flag(and_(closed, or_(f.first_late.is_(None), f.first_late > f.close_p))),
            "reworked": _flag(reworked),
            "reworked3": _flag(and_(reworked, f.fails >= 3)),
            "deferred": _flag(and_(due_close, not_(closed), ee.c.to_state == "deferred")),
            "hung": _flag(and_(due_close, not_(closed), ee.c.to_state == "hung")),
        }
        statement = (
            select(
                cases.c.id.label("case_id"),
                cases.c.number,
                cases.c.township_code,
                cases.c.village_code,
                cases.c.grid_code,
                cases.c.unit_id,
                cases.c.reporter_person_id,
                _flag(cases.c.severity >= emergency_severity).label("urgent"),
                *(value.label(name) for name, value in columns.items()),
                case((handled, self._hours(f.handled_at, f.first_dispatch_at)), else_=None).label("hours"),
            )
            .select_from(
                facts.join(cases, cases.c.id == f.case_id)
                .outerjoin(es, es.c.id == f.before_start)
                .join(ee, ee.c.id == f.last_id)
            )
            .where(under(scope, cases.c.path) if scope is not None else true())
        )
        return statement.subquery("d")

    def figures(self, facts: Subquery, levels: Sequence[str]) -> tuple[list[Leaf], dict[tuple[str, str], float]]:
        """The leaf sums and the P90s of one period in one statement: the per-case rows are computed once
        (a CTE used twice is materialised on SQLite and PostgreSQL), then summed per leaf group and, ranked
        by a window, read at the 90th percentile per (level, key)."""
        d = facts.element.cte("d")
        keys = [d.c[k] for k in LEAF_KEYS]
        sums = [*(func.sum(d.c[name]).label(name) for name in Counts.KEYS), func.sum(d.c.hours).label("handle_hours")]
        leaf_part = select(
            literal("leaf").label("kind"),
            *keys,
            *sums,
            null().label("lvl"),
            null().label("k"),
            null().label("p90"),
        ).group_by(*keys)
        hours = select(*(d.c[k] for k in LEVEL_COLUMNS.values()), d.c.hours).where(d.c.hours.is_not(None)).cte("h")
        parts = []
        for level in levels:
            column = literal("") if level == "county" else hours.c[LEVEL_COLUMNS[level]]
            parts.append(select(literal(level).label("lvl"), column.cast(String).label("k"), hours.c.hours))
        stacked = union_all(*parts).subquery("u")
        window = (stacked.c.lvl, stacked.c.k)
        ranked = select(
            stacked.c.lvl,
            stacked.c.k,
            stacked.c.hours,
            func.row_number().over(partition_by=window, order_by=stacked.c.hours).label("rn"),
            func.count().over(partition_by=window).label("n"),
        ).subquery("r")
        p90_part = select(
            literal("p90"),
            *(null() for _ in LEAF_KEYS),
            *(null() for _ in sums),
            ranked.c.lvl,
            ranked.c.k,
            ranked.c.hours,
        ).where(ranked.c.rn == (ranked.c.n * 9 + 9) // 10, ranked.c.k.is_not(None))
        leaves: list[Leaf] = []
        p90: dict[tuple[str, str], float] = {}
        for row in self.session.execute(union_all(leaf_part, p90_part)).mappings():
            if row["kind"] == "leaf":
                counts = Counts.from_mapping({name: row[name] or 0 for name in (*Counts.KEYS, "handle_hours")})
                leaves.append(Leaf(tuple(row[k] for k in LEAF_KEYS), counts))
            else:
                p90[(str(row["lvl"]), str(row["k"]))] = float(row["p90"])
        return leaves, p90

    def leaves(self, facts: Subquery) -> list[Leaf]:
        """The counts summed per leaf group (a few thousand rows at most for a county)."""
        keys = [facts.c[k] for k in LEAF_KEYS]
        statement = select(
            *keys,
            *(func.sum(facts.c[name]).label(name) for name in Counts.KEYS),
            func.sum(facts.c.hours).label("handle_hours"),
        ).group_by(*keys)
        leaves = []
        for row in self.session.execute(statement).mappings():
            counts = Counts.from_mapping({name: row[name] or 0 for name in (*Counts.KEYS, "handle_hours")})
            leaves.append(Leaf(tuple(row[k] for k in LEAF_KEYS), counts))
        return leaves

    def p90(self, facts: Subquery, levels: Sequence[str]) -> dict[tuple[str, str], float]:
        """Nearest-rank P90 of the handling hours per (level, key), by a window over the handled cases."""
        handled = select(*(facts.c[k] for k in LEVEL_COLUMNS.values()), facts.c.hours.label("hours")).where(
            facts.c.hours.is_not(None)
        )
        hours = handled.cte("h")
        parts = []
        for level in levels:
            column = literal("") if level == "county" else hours.c[LEVEL_COLUMNS[level]]
            parts.append(select(literal(level).label("lvl"), column.cast(String).label("k"), hours.c.hours))
        if not parts:
            return {}
        stacked = union_all(*parts).subquery("u")
        window = (stacked.c.lvl, stacked.c.k)
        ranked = select(
            stacked.c.lvl,
            stacked.c.k,
            stacked.c.hours,
            func.row_number().over(partition_by=window, order_by=stacked.c.hours).label("rn"),
            func.count().over(partition_by=window).label("n"),
        ).subquery("r")
        statement = select(ranked.c.lvl, ranked.c.k, ranked.c.hours).where(
            ranked.c.rn == (ranked.c.n * 9 + 9) // 10, ranked.c.k.is_not(None)
        )
        return {(str(lvl), str(k)): float(h) for lvl, k, h in self.session.execute(statement)}

    def drill(
        self, facts: Subquery, count: str, conditions: Sequence[ColumnElement[bool]], limit: int, offset: int
    ) -> tuple[list[str], int]:
        """The numbers of the cases behind one count (newest first) and how many there are."""
        where = [facts.c[count] == 1, *conditions]
        total = self.session.scalar(select(func.count()).select_from(facts).where(*where)) or 0
        numbers = self.session.scalars(
            select(facts.c.number).where(*where).order_by(facts.c.case_id.desc()).limit(limit).offset(offset)
        )
        return list(numbers), int(total)

    # names -------------------------------------------------------------------------------------------
    def nodes(self, codes: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """code → (name, kind, path)."""
        if not codes:
            return {}
        rows = self.session.execute(
            select(OrgNode.code, OrgNode.name, OrgNode.kind, OrgNode.path).where(OrgNode.code.in_(list(codes)))
        )
        return {code: (name, kind, path) for code, name, kind, path in rows}

    def children(self, parent_code: str | None, kind: str) -> list[tuple[str, str, str]]:
        """(code, name, path) of the nodes of a kind below a parent (or everywhere), by code."""
        statement = select(OrgNode.code, OrgNode.name, OrgNode.path).where(OrgNode.kind == kind)
        if parent_code is not None:
            parent = select(OrgNode.id).where(OrgNode.code == parent_code).scalar_subquery()
            statement = statement.where(OrgNode.parent_id == parent)
        return [(c, n, p) for c, n, p in self.session.execute(statement.order_by(OrgNode.code))]

    def units(self, ids: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
        """unit id → (code, name, node kind, node path)."""
        if not ids:
            return {}
        rows = self.session.execute(
            select(Unit.id, Unit.code, Unit.name, OrgNode.kind, OrgNode.path)
            .join(OrgNode, Unit.node_id == OrgNode.id)
            .where(Unit.id.in_(list(ids)))
        )
        return {uid: (code, name, kind, path) for uid, code, name, kind, path in rows}

    def keys_in_scope(self, scope: Sequence[str]) -> list[str]:
        """Codes of the nodes and units inside the scope."""
        nodes = self.session.scalars(select(OrgNode.code).where(under(scope, OrgNode.path)))
        units = self.session.scalars(
            select(Unit.code).join(OrgNode, Unit.node_id == OrgNode.id).where(under(scope, OrgNode.path))
        )
        return [*nodes, *units]

    def unit_id(self, code: str) -> int | None:
        return self.session.scalar(select(Unit.id).where(Unit.code == code))

    def people(self, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        return {
            int(pid): str(name)
            for pid, name in self.session.execute(select(Person.id, Person.name).where(Person.id.in_(list(ids))))
        }

    # live figures of the cockpit (case rows, not events) ----------------------------------------------
    def open_by_area(self, column: str, scope: Sequence[str], now: datetime) -> dict[str, tuple[int, int]]:
        """area code → (open cases, overdue open cases) now."""
        key = Case.__table__.c[column]
        overdue = and_(Case.state.in_(CLOCKED), Case.deadline_at < now)
        statement = (
            select(key, func.count(), func.sum(_flag(overdue)))
            .where(Case.state.in_(OPEN_STATES), scoped(scope, Case.path), key.is_not(None))
            .group_by(key)
        )
        return {str(k): (int(n), int(o or 0)) for k, n, o in self.session.execute(statement)}

    def live_counters(self, scope: Sequence[str], now: datetime, day_start: datetime) -> dict[str, int]:
        due_soon = now + timedelta(days=1)
        c = Case.__table__.c
        open_case = c.state.in_(OPEN_STATES)
        statement = select(
            func.count(),
            func.sum(_flag(and_(c.state.in_(CLOCKED), c.deadline_at < now))),
            func.sum(_flag(and_(c.state.in_(CLOCKED), c.deadline_at >= now, c.deadline_at < due_soon))),
            func.sum(_flag(c.overdue_handled_for.is_not(None))),
            func.sum(_flag(c.state == "deferred")),
            func.sum(_flag(c.state == "hung")),
            func.sum(_flag(c.state == "reported")),
        ).where(open_case, scoped(scope, c.path))
        total, overdue, soon_n, escalated, deferred, hung, waiting = self.session.execute(statement).one()
        ev = CaseEvent.__table__.c
        today: dict[str, int] = {
            str(action): int(n)
            for action, n in self.session.execute(
                select(ev.action, func.count())
                .select_from(CaseEvent.__table__.join(Case.__table__, Case.__table__.c.id == ev.case_id))
                .where(ev.at >= day_start, ev.action.in_(["report", "close"]), scoped(scope, c.path))
                .group_by(ev.action)
            )
        }
        return {
            "open": int(total or 0),
            "overdue": int(overdue or 0),
            "due_soon": int(soon_n or 0),
            "supervised": int(escalated or 0),
            "deferred": int(deferred or 0),
            "hung": int(hung or 0),
            "waiting": int(waiting or 0),
            "reported_today": int(today.get("report", 0)),
            "closed_today": int(today.get("close", 0)),
        }

    def overdue_cases(self, scope: Sequence[str], now: datetime, limit: int) -> list[dict[str, Any]]:
        """The longest-overdue open cases (督办 first): a fixed number of rows."""
        c = Case.__table__.c
        statement = (
            select(c.number, c.category_code, c.state, c.township_code, c.deadline_at, c.escalation_level)
            .where(c.state.in_(CLOCKED), c.deadline_at < now, scoped(scope, c.path))
            .order_by(c.deadline_at)
            .limit(limit)
        )
        return [dict(row) for row in self.session.execute(statement).mappings()]

    def open_by_major(self, scope: Sequence[str]) -> dict[str, int]:
        c = Case.__table__.c
        major = func.substr(c.category_code, 1, 2)
        statement = select(major, func.count()).where(c.state.in_(OPEN_STATES), scoped(scope, c.path)).group_by(major)
        return {str(k): int(n) for k, n in self.session.execute(statement)}

    def event_counts(
        self, scope: Sequence[str], bounds: Sequence[tuple[datetime, datetime]], actions: Sequence[str]
    ) -> list[dict[str, int]]:
        """Per period (consecutive months, as UTC bounds), how many events of each action: one GROUP BY over
        the (action, at) index, by the month in Beijing time."""
        ev = CaseEvent.__table__.c
        c = Case.__table__.c
        if self.dialect == "sqlite":
            month = func.strftime("%Y-%m", ev.at, "+8 hours")
        else:
            month = func.to_char(func.timezone("Asia/Shanghai", ev.at), "YYYY-MM")
        statement = (
            select(month.label("month"), ev.action, func.count())
            .where(ev.action.in_(list(actions)), ev.at >= bounds[0][0], ev.at < bounds[-1][1])
            .group_by(month, ev.action)
        )
        if scope and not any(path.count("/") == 1 for path in scope):
            statement = statement.select_from(CaseEvent.__table__.join(Case.__table__, c.id == ev.case_id)).where(
                scoped(scope, c.path)
            )
        found = {(str(m), str(a)): int(n) for m, a, n in self.session.execute(statement)}
        keys = [(start + timedelta(hours=8)).strftime("%Y-%m") for start, _end in bounds]
        return [{a: found.get((k, a), 0) for a in actions} for k in keys]

    def active_warnings(self) -> dict[str, int]:
        """Active warnings by colour (the warning module's table)."""
        from gridgov.warning.models import WarningRecord

        statement = (
            select(WarningRecord.colour, func.count())
            .where(WarningRecord.state == "active")
            .group_by(WarningRecord.colour)
        )
        return {str(colour): int(n) for colour, n in self.session.execute(statement)}


class RecordRepository:
    """Queries of the evaluation's own tables (flags, runs, reports)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def replace_flags(self, period: str, level: str, rows: Sequence[dict[str, Any]]) -> None:
        from sqlalchemy import delete, insert

        from gridgov.evaluation.models import Flag

        self.session.execute(delete(Flag).where(Flag.period == period, Flag.level == level))
        if rows:
            self.session.execute(insert(Flag), list(rows))

    def flags(self, level: str | None, key: str | None, keys: Sequence[str] | None, limit: int) -> list[Any]:
        from gridgov.evaluation.models import Flag

        statement = select(Flag).order_by(Flag.period.desc(), Flag.level, Flag.colour, Flag.rank, Flag.unit_key)
        if level:
            statement = statement.where(Flag.level == level)
        if key:
            statement = statement.where(Flag.unit_key == key)
        if keys is not None:
            statement = statement.where(Flag.unit_key.in_(list(keys)))
        return list(self.session.scalars(statement.limit(limit)))

    def run(self, period: str, kind: str) -> Any:
        from gridgov.evaluation.models import Run

        return self.session.scalars(select(Run).where(Run.period == period, Run.kind == kind)).one_or_none()

    def reclaim(self, run_id: int, stale_before: datetime, now: datetime) -> bool:
        """Take over a run whose process died (still running since before ``stale_before``): compare and set."""
        from sqlalchemy import update

        from gridgov.evaluation.models import Run

        result = self.session.execute(
            update(Run)
            .where(Run.id == run_id, Run.state != "done", Run.started_at < stale_before)
            .values(state="running", started_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def report(self, period: str, fmt: str) -> Any:
        from gridgov.evaluation.models import Report

        return self.session.scalars(select(Report).where(Report.period == period, Report.fmt == fmt)).one_or_none()

    def reports(self) -> list[tuple[str, str, int, datetime]]:
        from gridgov.evaluation.models import Report

        statement = select(Report.period, Report.fmt, Report.size, Report.created_at).order_by(
            Report.period.desc(), Report.fmt
        )
        return [(p, f, s, c) for p, f, s, c in self.session.execute(statement)]
