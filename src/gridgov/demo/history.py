"""The demo county's case history: several months of cases across categories, villages and units, with every
outcome the evaluation measures (on time, late, returned, reworked, extended, deferred, hung, cancelled), so
the cockpit, the rankings and last month's report have real content on first start.

Deterministic for a seed and a moment ("now"). Each case's story is played through the workflow table, so
every transition is an event, in time order, exactly as the case service would have written it (times of
missed deadlines become the sweep's ``escalate`` events); the rows go in with bulk inserts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from gridgov.case.calendar import TimeUnit, WorkCalendar
from gridgov.case.models import Case, CaseEvent
from gridgov.case.taxonomy import Category, Limit, Taxonomy, Tier
from gridgov.case.workflow import TRANSITIONS, Action, CaseState
from gridgov.org.models import GridAssignment, OrgNode, Unit

CST = ZoneInfo("Asia/Shanghai")
CATEGORY_WEIGHTS = {
    "01": 1.2, "02": 0.8, "03": 1.0, "04": 2.5, "05": 0.6, "06": 1.2, "07": 0.3, "08": 0.3, "09": 0.1, "10": 0.1,
}  # fmt: skip
SOURCES = (("app", 0.84), ("open311", 0.07), ("import", 0.09))
CLOCK_STARTS = ("report", "file", "give_back", "dispatch", "feedback", "verify_fail", "resume")
ACTORS = {"report": "网格员", "verify_pass": "网格员", "verify_fail": "网格员", "escalate": "system"}


@dataclass
class _Place:
    township: str
    village: str
    grid: str
    path: str
    lon: float
    lat: float
    reporter: int | None
    quality: float
    """0.55–1: how well this village and its township handle cases (drives the outcomes)."""


@dataclass
class _Story:
    events: list[tuple[str, str | None, str, datetime, dict[str, Any] | None]] = field(default_factory=list)
    state: CaseState | None = None
    tier: str = "village"
    owner: str = ""
    escalations: int = 0
    closed_at: datetime | None = None
    clock: tuple[datetime, Limit] | None = None
    overdue_for: datetime | None = None

    def step(self, action: str, at: datetime, data: dict[str, Any] | None = None) -> None:
        before = self.state
        if action == "report":
            after = CaseState.reported
        elif action == "escalate":
            assert before is not None
            after = before
        else:
            rule = TRANSITIONS[Action(action)]
            assert before in rule.sources, f"{action} from {before}"
            after = rule.target or before
            if action == "feedback" and data and data.get("next_stage"):
                after = CaseState.handling
        self.events.append((action, before.value if before else None, after.value, at, data))
        self.state = after
        if action == "close":
            self.closed_at = at
        elif action == "reopen":
            self.closed_at = None


@dataclass
class HistorySummary:
    cases: int = 0
    events: int = 0
    open: int = 0
    months: int = 0


def _places(session: Session, rng: np.random.Generator) -> list[_Place]:
    grids = session.execute(
        select(OrgNode.code, OrgNode.path, OrgNode.centroid_lon, OrgNode.centroid_lat).where(OrgNode.kind == "grid")
    ).all()
    members: dict[str, int] = {}
    for code, person in session.execute(
        select(OrgNode.code, GridAssignment.person_id).join(OrgNode, GridAssignment.node_id == OrgNode.id)
    ):
        members.setdefault(code, person)
    township_quality: dict[str, float] = {}
    village_quality: dict[str, float] = {}
    places = []
    for code, path, lon, lat in sorted(grids):
        _county, township, village, _grid = path.strip("/").split("/")[:4]
        if township not in township_quality:
            township_quality[township] = float(rng.uniform(0.62, 1.0))
        if village not in village_quality:
            village_quality[village] = float(np.clip(township_quality[township] + rng.normal(0, 0.12), 0.45, 1.0))
        places.append(
            _Place(township, village, code, path, float(lon or 119.95), float(lat or 30.05), members.get(code),
                   village_quality[village])
        )  # fmt: skip
    return places


def _working_moment(day: datetime, rng: np.random.Generator) -> datetime:
    minutes = int(rng.integers(7 * 60 + 30, 19 * 60))
    return day.replace(hour=minutes // 60, minute=minutes % 60, second=int(rng.integers(0, 60)))


def _play(
    category: Category, place: _Place, start: datetime, rng: np.random.Generator, calendar: WorkCalendar
) -> _Story:
    """One case's whole story (it may run past ``now``; the caller cuts it there)."""
    q = place.quality
    story = _Story(tier=category.tier.value, owner=place.village if category.tier is Tier.village else place.township)
    if category.tier is Tier.county:
        story.owner = place.path.split("/")[0]
    at = start
    story.step("report", at)
    story.clock = (at, category.limits.filing)
    if rng.random() < 0.03:  # 无效上报
        story.step("cancel", at + timedelta(minutes=int(rng.integers(20, 240))))
        return story

    def late(limit: Limit, begin: datetime, chance: float) -> tuple[datetime, bool]:
        deadline = calendar.deadline(begin, limit.amount, limit.unit)
        span = max((deadline - begin).total_seconds(), 600.0)
        if rng.random() < chance:
            return begin + timedelta(seconds=span * float(rng.uniform(1.1, 2.6))), True
        return begin + timedelta(seconds=span * float(rng.uniform(0.15, 0.9))), False

    def escalate(deadline: datetime) -> None:
        higher = {"village": "township", "township": "county"}.get(story.tier)
        outcome = f"escalated to {higher}" if higher else "supervised"
        if higher:
            story.tier = higher
            story.owner = place.township if higher == "township" else place.path.split("/")[0]
            story.escalations += 1
        story.step("escalate", deadline + timedelta(minutes=1), {"deadline": deadline.isoformat(), "tier": story.tier})
        story.events[-1] = (*story.events[-1][:4], {"deadline": deadline.isoformat(), "tier": story.tier, "c": outcome})

    filed_at, filing_late = late(category.limits.filing, at, 0.04 * (1.6 - q))
    if filing_late:
        escalate(calendar.deadline(at, category.limits.filing.amount, category.limits.filing.unit))
    story.step("file", filed_at)
    at = filed_at + timedelta(minutes=int(rng.integers(5, 90)))
    unit = None if category.tier is Tier.village else category.unit
    story.step("dispatch", at, {"unit": unit or place.village})
    if rng.random() < 0.06 * (1.5 - q):  # 退回: the wrong unit; the dispatcher sends it again
        at += timedelta(hours=float(rng.uniform(1, 8)))
        story.step("give_back", at)
        at += timedelta(minutes=int(rng.integers(20, 180)))
        story.step("dispatch", at, {"unit": unit or place.village})
    at += timedelta(minutes=int(rng.integers(10, 240)))
    story.step("accept", at)
    extended = rng.random() < 0.07
    if extended:
        at += timedelta(hours=float(rng.uniform(2, 20)))
        story.step("request_extension", at, {"days": 3})
        at += timedelta(hours=float(rng.uniform(0.5, 4)))
        story.step("approve_extension", at, {"days": 3})
    if rng.random() < 0.035:  # 缓办
        at += timedelta(days=float(rng.uniform(0.5, 3)))
        story.step("defer", at)
        if rng.random() < 0.5:
            return story
        at += timedelta(days=float(rng.uniform(4, 15)))
        story.step("resume", at)
    if rng.random() < 0.015 * (1.6 - q):  # 挂账
        at += timedelta(days=float(rng.uniform(2, 8)))
        story.step("hang", at)
        return story
    p_late = 0.04 + 0.38 * (1 - q) ** 1.2
    for index, stage in enumerate(category.stages):
        begin = at
        limit = stage.limit
        if extended:
            limit = Limit(amount=limit.amount + (3 if limit.unit is TimeUnit.working_days else 0), unit=limit.unit)
        story.clock = (begin, limit)
        at, was_late = late(limit, begin, p_late)
        if was_late:
            escalate(calendar.deadline(begin, limit.amount, limit.unit))
        last = index == len(category.stages) - 1
        story.step("feedback", at, None if last else {"next_stage": category.stages[index + 1].name})
    fails = 0
    while rng.random() < (0.08 + 0.25 * (1 - q)) / (1 + 2 * fails) and fails < 4:
        at += timedelta(hours=float(rng.uniform(2, 30)))
        story.step("verify_fail", at)
        fails += 1
        at += timedelta(hours=float(rng.uniform(3, 40)))
        story.step("feedback", at)
    at += timedelta(hours=float(rng.uniform(1, 30)))
    story.step("verify_pass", at)
    at += timedelta(minutes=int(rng.integers(10, 300)))
    story.step("close", at)
    return story


def build_history(
    session: Session,
    taxonomy: Taxonomy,
    *,
    now: datetime,
    seed: int = 20240601,
    months: int = 6,
    per_month: int = 1800,
    calendar: WorkCalendar | None = None,
) -> HistorySummary:
    """Write ``months`` full months of cases before the current one, and the current month up to ``now``."""
    rng = np.random.default_rng(seed + 7)
    calendar = calendar or WorkCalendar()
    places = _places(session, rng)
    if not places:
        return HistorySummary()
    units: dict[str, int] = {str(code): int(uid) for code, uid in session.execute(select(Unit.code, Unit.id))}
    categories = list(taxonomy.categories)
    weights = np.array([CATEGORY_WEIGHTS.get(c.major, 0.5) for c in categories])
    weights = weights / weights.sum()
    local_now = now.astimezone(CST)
    first = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    total_days = (local_now - first).days + 1
    count = int(per_month * total_days / 30.4)
    days = np.sort(rng.integers(0, total_days, count))
    next_case = int(session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0) + 1
    next_event = int(session.scalar(select(func.coalesce(func.max(CaseEvent.id), 0))) or 0) + 1
    cases: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    summary = HistorySummary(months=months)
    place_index = rng.integers(0, len(places), count)
    category_index = rng.choice(len(categories), size=count, p=weights)
    source_draw = rng.random(count)
    for n in range(count):
        day = first + timedelta(days=int(days[n]))
        start = _working_moment(day, rng)
        if start >= now:
            continue
        place = places[int(place_index[n])]
        category = categories[int(category_index[n])]
        story = _play(category, place, start, rng, calendar)
        kept = [e for e in story.events if e[3] <= now]
        state = CaseState(kept[-1][2])
        case_id = next_case
        next_case += 1
        severity = 3 if rng.random() < 0.06 else category.severity
        unit_code = None
        if category.tier is Tier.township and category.unit:
            unit_code = f"{place.township}-{category.unit}"
        elif category.tier is Tier.county and category.unit:
            unit_code = f"{place.path.split('/')[0]}-{category.unit}"
        source = "app" if source_draw[n] < SOURCES[0][1] else ("open311" if source_draw[n] < 0.91 else "import")
        clock_start = deadline = None
        limit: Limit | None = None
        overdue_for = None
        stage = sum(1 for e in kept if e[0] == "feedback" and e[2] == "handling")
        if state.value in ("reported", "filed", "dispatched", "handling"):
            limit = {
                CaseState.reported: category.limits.filing,
                CaseState.filed: category.limits.dispatch,
            }.get(state, category.stages[min(stage, len(category.stages) - 1)].limit)
            clock_start = max(e[3] for e in kept if e[0] in CLOCK_STARTS)
            deadline = calendar.deadline(clock_start, limit.amount, limit.unit)
            if deadline < now:
                if not any(e[0] == "escalate" and e[3] > clock_start for e in kept):
                    late: dict[str, Any] = {"deadline": deadline.isoformat(), "tier": story.tier}
                    kept.append(("escalate", state.value, state.value, deadline + timedelta(minutes=1), late))
                overdue_for = deadline
        local_start = start.astimezone(CST)
        closed_at = None
        for action, _b, _after, when, _d in kept:
            if action == "close":
                closed_at = when
        escalations = sum(1 for e in kept if e[0] == "escalate")
        tier = category.tier.value
        order = ["village", "township", "county"]
        tier = order[min(order.index(tier) + escalations, 2)]
        owner = {"village": place.village, "township": place.township, "county": place.path.split("/")[0]}[tier]
        cases.append(
            {
                "id": case_id,
                "number": f"{local_start:%Y%m%d}{case_id:06d}",
                "category_code": category.code,
                "description": f"{category.name}（{category.filing}）",
                "severity": severity,
                "state": state.value,
                "source": source,
                "lon": round(place.lon + float(rng.normal(0, 0.002)), 6),
                "lat": round(place.lat + float(rng.normal(0, 0.002)), 6),
                "address": None,
                "path": place.path,
                "township_code": place.township,
                "village_code": place.village,
                "grid_code": place.grid,
                "tier": tier,
                "owner_code": owner,
                "unit_id": units.get(unit_code) if unit_code else None,
                "reporter_person_id": place.reporter,
                "stage_index": min(stage, len(category.stages) - 1),
                "clock_started_at": clock_start,
                "deadline_at": deadline,
                "limit_amount": limit.amount if limit else None,
                "limit_unit": limit.unit.value if limit else None,
                "rework_count": sum(1 for e in kept if e[0] == "verify_fail"),
                "extension_days": None,
                "escalation_level": min(escalations, 2),
                "overdue_handled_for": overdue_for,
                "merged_into_id": None,
                "duplicate_of_id": None,
                "closed_at": closed_at,
                "created_at": start,
                "updated_at": kept[-1][3],
            }
        )
        for action, before, after, when, data in kept:
            comment = ""
            if action == "escalate" and data:
                comment = str(data.pop("c", "escalated"))
            events.append(
                {
                    "id": next_event,
                    "case_id": case_id,
                    "action": action,
                    "from_state": before,
                    "to_state": after,
                    "at": when,
                    "actor_account_id": None,
                    "actor_name": ACTORS.get(action, "处置人员" if action in ("accept", "feedback") else "调度员")
                    + "（演示）",
                    "lon": None,
                    "lat": None,
                    "comment": comment,
                    "data": data,
                }
            )
            next_event += 1
        summary.open += state.is_open
    _bulk(session, Case, cases)
    _bulk(session, CaseEvent, events)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("case_record", "case_event"):
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    summary.cases, summary.events = len(cases), len(events)
    return summary


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _bulk(session: Session, model: Any, rows: Sequence[dict[str, Any]], size: int = 5000) -> None:
    """Bulk inserts: on SQLite straight through the driver's executemany with values stored as SQLAlchemy
    stores them (UTC text times, JSON text); elsewhere Core executemany. No ORM bookkeeping per row."""
    if not rows:
        return
    connection = session.connection()
    table = model.__table__
    if connection.dialect.name == "sqlite":
        columns = list(rows[0])
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        values = [tuple(_sqlite_value(row[c]) for c in columns) for row in rows]
        connection.exec_driver_sql(sql, values)
        return
    statement = insert(table)
    for offset in range(0, len(rows), size):
        connection.execute(statement, list(rows[offset : offset + size]))
