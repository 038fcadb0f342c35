"""All queries of the evaluation domain.

The indicators are summed from per-case facts (``CaseFact``: one row per case and month with events, derived
from the case events by one statement, ``derived_facts``, and kept up to date by an event-id mark). A month
is then one statement: per case its row of the month (or, when it had no event in the month, the carry
flags of its last row before it), summed per grid, unit and reporter (emergency or not). Rolling grids up
to villages, townships and the county is a sum of a few thousand rows; no case row is ever loaded into
Python (only the handled cases' hours, for the P90s). The same per-case statement answers the drill-down
(the cases behind a figure). Cases with events the stored facts have not read yet are derived from their
events in the same statement, so a figure is never stale.

Event ids grow with time within a case (the service appends), so "the state at t" is the ``to_state`` of
the case's greatest event id before t.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    delete,
    extract,
    func,
    insert,
    literal_column,
    not_,
    null,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from gridgov.case.models import Case, CaseEvent
from gridgov.evaluation.indicators import Counts
from gridgov.evaluation.models import NO_CARRY, OPEN_END, CaseFact, FactMark
from gridgov.evaluation.periods import ZONE
from gridgov.org.models import OrgNode, Person, Unit
from gridgov.org.repository import under

POOL_CLOSE = ("filed", "dispatched", "handling", "handled", "verified", "deferred", "hung")
POOL_HANDLE = ("dispatched", "handling")
VOID = ("cancelled", "merged")
OPEN_STATES = ("reported", "filed", "dispatched", "handling", "handled", "verified", "deferred", "hung")
CLOCKED = ("reported", "filed", "dispatched", "handling")
FACT_FLAGS = tuple(name for name in Counts.KEYS if name != "public_filed")
"""The counts stored per case and month (监督举报 depends on the configured sources: counted when read)."""
CARRY_FLAGS = ("due_handle", "overdue_waiting", "due_close", "deferred", "hung")
"""The only counts a case can hold in a month without an event of its own."""
RAW_MONTH = (
    "received_m", "file_m", "dispatch_m", "give_back_m", "enter_close_m", "enter_handle_m", "close_m",
    "handled_m", "handled_at_m", "failed_m", "extended_m",
)  # fmt: skip
RAW_CUMULATIVE = ("first_dispatch_at", "first_late", "last_late", "first_filing_late", "last_enter_handle", "fails")
RAW = (*RAW_MONTH, *RAW_CUMULATIVE)
LEVEL_COLUMNS = {
    "township": "township_code",
    "village": "village_code",
    "grid": "grid_code",
    "unit": "unit_id",
    "member": "reporter_person_id",
}


@dataclass(frozen=True)
class OpenGroup:
    """Open cases of one state, child area and category, now."""

    state: str
    area: str | None
    category: str
    open: int
    overdue: int
    due_soon: int
    supervised: int


@dataclass(frozen=True)
class LevelSum:
    """The counts of one grid (``kind`` area: township, village, grid codes), unit (its id) or reporter (its
    person id) over its emergency cases or over the others."""

    kind: str
    keys: tuple[str | None, ...]
    urgent: bool
    counts: Counts


def scoped(scope: Sequence[str], column: Any) -> ColumnElement[bool]:
    """The cases inside the scope (materialised-path prefixes)."""
    return under(scope, column)


def _when(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    return case((condition, value))


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _carried(rows: Any, name: str) -> ColumnElement[Any]:
    """A count of a case in a month without events of its own: its carry flag, or 0."""
    if name in CARRY_FLAGS:
        column: ColumnElement[Any] = rows.c[f"carry_{name}"]
        return column.label(name)
    return literal_column("0", Integer).label(name)


def _combine(column: Any, growing: bool) -> ColumnElement[Any]:
    """A raw fact over several months: the greatest for what only grows (or is 'any'), else the least."""
    combined: ColumnElement[Any] = func.max(column) if growing else func.min(column)
    return combined


def _enters(ev: Any, pool: Sequence[str]) -> ColumnElement[bool]:
    return and_(ev.c.to_state.in_(pool), or_(ev.c.from_state.is_(None), ev.c.from_state.not_in(pool)))


EXERCISE_SOURCE = "exercise:"
"""Cases opened by a drill (演练) have a source starting so (``exercise:<id>``); the evaluation leaves them out."""


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

    # the per-case facts ------------------------------------------------------------------------------
    def month_key(self, at: Any) -> ColumnElement[int]:
        """YYYYMM of a time in Beijing time (UTC+8 all year since 1991)."""
        if self.dialect == "sqlite":
            return cast(func.strftime("%Y%m", at, "+8 hours"), Integer)
        return cast(func.to_char(func.timezone(ZONE, at), "YYYYMM"), Integer)

    def fact_flags(self, c: Any) -> dict[str, ColumnElement[Any]]:
        """The 0/1 counts of one case in one period (the definitions of ``indicators.py``) and its handling
        hours, from its raw facts over the period: ``state_start``/``state_end`` (its state before and at the
        end of the period), the ``*_m`` values over the period's events and the others over every event up to
        the period's end (``c``: those columns by name, a subquery's ``.c`` or a dict). The one place these
        definitions are written in SQL."""
        void = c["state_end"].in_(VOID)
        due_close = and_(not_(void), or_(c["state_start"].in_(POOL_CLOSE), c["enter_close_m"] == 1))
        closed = and_(due_close, c["close_m"].is_not(None))
        due_handle = and_(not_(void), or_(c["state_start"].in_(POOL_HANDLE), c["enter_handle_m"] == 1))
        handled = and_(due_handle, c["handled_m"].is_not(None))
        filed = c["file_m"].is_not(None)
        dispatched = c["dispatch_m"].is_not(None)
        returned = and_(dispatched, c["give_back_m"].is_not(None), c["give_back_m"] > c["dispatch_m"])
        reworked = and_(due_close, c["failed_m"] == 1)
        first_late, filing_late = c["first_late"], c["first_filing_late"]
        return {
            "received": _flag(c["received_m"] == 1),
            "filed": _flag(filed),
            "filed_on_time": _flag(and_(filed, or_(filing_late.is_(None), filing_late > c["file_m"]))),
            "dispatched": _flag(dispatched),
            "accurate_dispatched": _flag(and_(dispatched, not_(returned))),
            "returned": _flag(returned),
            "due_handle": _flag(due_handle),
            "handled": _flag(handled),
            "handled_on_time": _flag(and_(handled, or_(first_late.is_(None), first_late > c["handled_m"]))),
            "extended": _flag(and_(due_handle, c["extended_m"] == 1)),
            "overdue_waiting": _flag(
                and_(
                    due_handle,
                    c["state_end"].in_(POOL_HANDLE),
                    c["last_late"].is_not(None),
                    c["last_late"] > c["last_enter_handle"],
                )
            ),
            "due_close": _flag(due_close),
            "closed": _flag(closed),
            "closed_on_time": _flag(and_(closed, or_(first_late.is_(None), first_late > c["close_m"]))),
            "reworked": _flag(reworked),
            "reworked3": _flag(and_(reworked, c["fails"] >= 3)),
            "deferred": _flag(and_(due_close, not_(closed), c["state_end"] == "deferred")),
            "hung": _flag(and_(due_close, not_(closed), c["state_end"] == "hung")),
            "hours": case((handled, self._hours(c["handled_at_m"], c["first_dispatch_at"])), else_=None),
        }

    def derived_facts(self, cases: Callable[[Any], ColumnElement[bool]]) -> Select[Any]:
        """The fact rows (columns of ``CaseFact``) of the cases whose id matches ``cases``, from their events:
        one pass grouping the events by case and month, then running values along each case's months."""
        ev = CaseEvent.__table__.alias("ev")
        month = self.month_key(ev.c.at)
        late = and_(ev.c.action == "escalate", ev.c.from_state.in_(POOL_HANDLE))
        filing_late = and_(ev.c.action == "escalate", ev.c.from_state == "reported")
        handled_event = and_(ev.c.action == "feedback", ev.c.to_state == "handled")
        enters_handle = _enters(ev, POOL_HANDLE)
        g = (
            select(
                ev.c.case_id,
                month.label("month"),
                func.max(ev.c.id).label("last_id"),
                func.max(_when(ev.c.action == "report", 1)).label("received_m"),
                func.min(_when(ev.c.action == "file", ev.c.id)).label("file_m"),
                func.min(_when(ev.c.action == "dispatch", ev.c.id)).label("dispatch_m"),
                func.max(_when(ev.c.action == "give_back", ev.c.id)).label("give_back_m"),
                func.max(_when(_enters(ev, POOL_CLOSE), 1)).label("enter_close_m"),
                func.max(_when(enters_handle, 1)).label("enter_handle_m"),
                func.max(_when(ev.c.action == "close", ev.c.id)).label("close_m"),
                func.max(_when(handled_event, ev.c.id)).label("handled_m"),
                func.max(_when(handled_event, ev.c.at)).label("handled_at_m"),
                func.max(_when(ev.c.action == "verify_fail", 1)).label("failed_m"),
                func.max(_when(ev.c.action == "approve_extension", 1)).label("extended_m"),
                func.min(_when(ev.c.action == "dispatch", ev.c.at)).label("dispatch_at_m"),
                func.min(_when(late, ev.c.id)).label("first_late_m"),
                func.max(_when(late, ev.c.id)).label("last_late_m"),
                func.min(_when(filing_late, ev.c.id)).label("filing_late_m"),
                func.max(_when(enters_handle, ev.c.id)).label("enter_handle_id_m"),
                func.sum(_when(ev.c.action == "verify_fail", 1)).label("fails_m"),
            )
            .where(cases(ev.c.case_id))
            .group_by(ev.c.case_id, month)
        ).subquery("g")
        ee = CaseEvent.__table__.alias("ee")
        by_case: dict[str, Any] = {"partition_by": g.c.case_id, "order_by": g.c.month}
        w = (
            select(
                g.c.case_id,
                g.c.month,
                func.lead(g.c.month).over(**by_case).label("next_month"),
                func.lag(ee.c.to_state).over(**by_case).label("state_start"),
                ee.c.to_state.label("state_end"),
                *(g.c[name] for name in RAW_MONTH),
                func.min(g.c.dispatch_at_m).over(**by_case).label("first_dispatch_at"),
                func.min(g.c.first_late_m).over(**by_case).label("first_late"),
                func.max(g.c.last_late_m).over(**by_case).label("last_late"),
                func.min(g.c.filing_late_m).over(**by_case).label("first_filing_late"),
                func.max(g.c.enter_handle_id_m).over(**by_case).label("last_enter_handle"),
                func.sum(g.c.fails_m).over(**by_case).label("fails"),
            ).select_from(g.join(ee, ee.c.id == g.c.last_id))
        ).subquery("w")
        flags = self.fact_flags(w.c)
        # a later month without events: nothing happens in it, the state stays the one the month ended in
        quiet = {**dict.fromkeys(RAW_MONTH, literal_column("NULL", Integer)), "state_start": w.c.state_end}
        carry = self.fact_flags({**{k: w.c[k] for k in (*RAW_CUMULATIVE, "state_end")}, **quiet})
        carry_until = case(
            (w.c.next_month.is_not(None), w.c.next_month), (w.c.state_end.in_(OPEN_STATES), OPEN_END), else_=NO_CARRY
        )
        return select(
            w.c.case_id,
            w.c.month,
            carry_until.label("carry_until"),
            w.c.state_start,
            w.c.state_end,
            *(w.c[name] for name in (*RAW_MONTH, *RAW_CUMULATIVE)),
            *(flags[name].label(name) for name in (*FACT_FLAGS, "hours")),
            *(carry[name].label(f"carry_{name}") for name in CARRY_FLAGS),
        )

    def _pending(self) -> Select[Any]:
        """The cases with an event the stored facts have not read yet (derived afresh when read). The mark is
        read first and bound as a value: PostgreSQL then estimates the few unread events from its statistics
        (behind a subquery it guesses a third of the table and scans every event)."""
        return select(CaseEvent.case_id).where(CaseEvent.id > self.fact_mark())

    def case_facts(
        self,
        start: datetime,
        end: datetime,
        months: tuple[int, int],
        scope: Sequence[str] | None,
        public_sources: Sequence[str],
        emergency_severity: int,
    ) -> Subquery:
        """One row per case that matters to the period [start, end) = the months ``months`` (first, last):
        its keys and a 0/1 column per count. Cases with events in the period count from their fact rows of
        the period; cases without, from the carry flags of their last row before it (when still open at its
        start, by the case row as before the facts existed). Stored rows of cases with unread events are
        replaced by rows derived from their events."""
        first, last = months
        stored = CaseFact.__table__
        pending = self._pending()
        fresh = self.derived_facts(lambda case_id: case_id.in_(pending)).cte("fresh")  # derived once, read twice
        sources = [(stored, stored.c.case_id.not_in(pending)), (fresh, true())]
        hours = cast(null(), Float).label("hours")
        parts: list[Select[Any]] = [
            select(
                rows.c.case_id,
                literal_column("1", Integer).label("carry"),
                *(_carried(rows, n) for n in FACT_FLAGS),
                hours,
            ).where(rows.c.month < first, rows.c.carry_until > last, fresh_or_not)
            for rows, fresh_or_not in sources
        ]
        if first == last:
            parts += [
                select(
                    rows.c.case_id,
                    literal_column("0", Integer).label("carry"),
                    *(rows.c[n] for n in (*FACT_FLAGS, "hours")),
                ).where(rows.c.month == first, fresh_or_not)
                for rows, fresh_or_not in sources
            ]
        else:
            parts.append(self._combined(sources, first, last))
        r = union_all(*parts).subquery("r")
        cases = Case.__table__
        still_open = and_(
            cases.c.created_at < start,
            or_(cases.c.closed_at.is_(None), cases.c.closed_at >= end),
            not_(and_(cases.c.state.in_(VOID), cases.c.updated_at < start)),
        )
        counts: dict[str, ColumnElement[Any]] = {name: r.c[name] for name in FACT_FLAGS}
        counts["public_filed"] = _flag(and_(r.c.filed == 1, cases.c.source.in_(list(public_sources))))
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
                *(counts[name].label(name) for name in Counts.KEYS),
                r.c.hours,
            )
            .select_from(r.join(cases, cases.c.id == r.c.case_id))
            .where(
                or_(r.c.carry == 0, still_open),
                not_(cases.c.source.like(f"{EXERCISE_SOURCE}%")),  # drills are not evaluated
                under(scope, cases.c.path) if scope is not None else true(),
            )
        )
        return statement.subquery("d")

    def _combined(self, sources: Sequence[tuple[Any, ColumnElement[bool]]], first: int, last: int) -> Select[Any]:
        """A period of several months: each case's rows of those months combined (earliest and latest
        values; the running ones only grow or shrink), then counted like one month."""
        raw = union_all(
            *(
                select(
                    rows.c.case_id, rows.c.month, rows.c.state_start, rows.c.state_end, *(rows.c[n] for n in RAW)
                ).where(rows.c.month >= first, rows.c.month <= last, fresh_or_not)
                for rows, fresh_or_not in sources
            )
        ).subquery("pr")
        tagged = cast(raw.c.month, String)
        growing = {
            "received_m", "give_back_m", "enter_close_m", "enter_handle_m", "close_m", "handled_m", "handled_at_m",
            "failed_m", "extended_m", "last_late", "last_enter_handle", "fails",
        }  # fmt: skip
        combined = (
            select(
                raw.c.case_id,
                func.nullif(func.substr(func.min(tagged + func.coalesce(raw.c.state_start, "")), 7), "").label(
                    "state_start"
                ),
                func.substr(func.max(tagged + raw.c.state_end), 7).label("state_end"),
                *(_combine(raw.c[n], n in growing).label(n) for n in RAW),
            ).group_by(raw.c.case_id)
        ).subquery("pc")
        flags = self.fact_flags(combined.c)
        return select(
            combined.c.case_id,
            literal_column("0", Integer).label("carry"),
            *(flags[n].label(n) for n in (*FACT_FLAGS, "hours")),
        )

    # keeping the stored facts up to date ----------------------------------------------------------
    def fact_mark(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.max(FactMark.event_id), 0))) or 0)

    def last_event_id(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.max(CaseEvent.id), 0))) or 0)

    def touched_cases(self, after: int, upto: int) -> tuple[int, int] | None:
        """The smallest and greatest case id with an event in (after, upto], if any."""
        lo, hi = self.session.execute(
            select(func.min(CaseEvent.case_id), func.max(CaseEvent.case_id)).where(
                CaseEvent.id > after, CaseEvent.id <= upto
            )
        ).one()
        return None if lo is None else (int(lo), int(hi))

    def refresh_facts(self, after: int, upto: int, lo: int, hi: int) -> None:
        """Derive afresh the fact rows of the cases with ids in [lo, hi] that have an event in (after, upto]."""
        touched = select(CaseEvent.case_id).where(
            CaseEvent.id > after, CaseEvent.id <= upto, CaseEvent.case_id.between(lo, hi)
        )
        # driven by the touched ids (an index probe each), not by the range (every case in it)
        self.session.execute(delete(CaseFact).where(CaseFact.case_id.in_(touched)))
        derived = self.derived_facts(lambda case_id: case_id.in_(touched))
        self.session.execute(insert(CaseFact).from_select([c.name for c in CaseFact.__table__.columns], derived))

    def set_fact_mark(self, upto: int, now: datetime) -> None:
        """Move the mark forward (never back: another process may have gone further)."""
        mark = self.session.get(FactMark, 1)
        if mark is None:
            self.session.add(FactMark(id=1, event_id=upto, updated_at=now))
        elif mark.event_id < upto:
            mark.event_id, mark.updated_at = upto, now
        self.session.flush()

    def figures(self, facts: Subquery) -> tuple[list[LevelSum], list[tuple[tuple[str, ...], float]]]:
        """The sums of one period, per area (township, village, grid), per unit and per reporter, each split
        by emergency or not, in one statement over the per-case rows computed once (a CTE used more than
        once is materialised on SQLite and PostgreSQL): a few thousand rows back, whatever the case count.
        Also the handling hours of the handled cases, ascending, with their keys (township, village, grid,
        unit, reporter): one number per case, for the nearest-rank P90s (a window per level in SQLite cost
        several times the whole sum)."""
        d = facts.element.cte("d")
        sums = [*(func.sum(d.c[name]).label(name) for name in Counts.KEYS), func.sum(d.c.hours).label("handle_hours")]
        groups = {
            "area": (d.c.township_code, d.c.village_code, d.c.grid_code),
            "unit": (d.c.unit_id,),
            "member": (d.c.reporter_person_id,),
        }
        parts: list[Any] = [  # a Select each, typed by its many columns
            select(
                literal_column(f"'{kind}'").label("kind"),
                *(cast(keys[i], String) if i < len(keys) else cast(null(), String) for i in range(3)),
                d.c.urgent,
                *sums,
            )
            .where(keys[0].is_not(None))
            .group_by(*keys, d.c.urgent)
            for kind, keys in groups.items()
        ]
        found = [
            LevelSum(
                str(row[0]),
                (row[1], row[2], row[3]),
                bool(row[4]),
                Counts.from_mapping(dict(zip((*Counts.KEYS, "handle_hours"), (v or 0 for v in row[5:]), strict=True))),
            )
            for row in self.session.execute(union_all(*parts))
        ]
        keys = [cast(d.c[column], String) for column in LEVEL_COLUMNS.values()]
        hours = [
            (tuple(keys_), float(h))
            for *keys_, h in self.session.execute(
                select(*keys, d.c.hours).where(d.c.hours.is_not(None)).order_by(d.c.hours)
            )
        ]
        return found, hours

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
    def open_groups(self, child: str, area: Mapping[str, str], scope: Sequence[str], now: datetime) -> list[OpenGroup]:
        """The open cases now, counted by state, child area (``child``: a case column) and category, inside
        ``area`` (case column → value: the area's township and village) and the scope. One pass over the
        covering index ``ix_case_record_open`` (state, township, category first: for the county the groups
        come out in index order, no sort); at most states × areas × categories rows."""
        c = Case.__table__.c
        clocked = c.state.in_(CLOCKED)
        due_soon = now + timedelta(days=1)
        statement = (
            select(
                c.state,
                c[child],
                c.category_code,
                func.count(),
                func.sum(_flag(and_(clocked, c.deadline_at < now))),
                func.sum(_flag(and_(clocked, c.deadline_at >= now, c.deadline_at < due_soon))),
                func.count(c.overdue_handled_for),
            )
            .where(c.state.in_(OPEN_STATES), *(c[column] == value for column, value in area.items()))
            .where(scoped(scope, c.path))
            .group_by(c.state, c[child], c.category_code)
        )
        return [
            OpenGroup(
                str(state), None if key is None else str(key), str(category), int(n), int(o or 0), int(d or 0), int(e)
            )
            for state, key, category, n, o, d, e in self.session.execute(statement)
        ]

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

    def event_counts(
        self, scope: Sequence[str], bounds: Sequence[tuple[datetime, datetime]], actions: Sequence[str]
    ) -> list[dict[str, int]]:
        """Per period (UTC bounds), how many events of each action: a range count over the (action, at) index
        per period, nothing computed per event."""
        ev = CaseEvent.__table__.c
        c = Case.__table__.c
        base = select(ev.action, func.count()).where(ev.action.in_(list(actions))).group_by(ev.action)
        if scope and not any(path.count("/") == 1 for path in scope):
            base = base.select_from(CaseEvent.__table__.join(Case.__table__, c.id == ev.case_id)).where(
                scoped(scope, c.path)
            )
        counted = []
        for start, end in bounds:
            found = {str(action): int(n) for action, n in self.session.execute(base.where(ev.at >= start, ev.at < end))}
            counted.append({a: found.get(a, 0) for a in actions})
        return counted
