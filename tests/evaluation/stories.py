"""Case histories written event by event for the evaluation tests: each transition is checked against the
case workflow (the same table the service uses), and every case carries the counts a person reading its
story says it belongs to in October 2026 (the hand count)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gridgov.case.models import Case, CaseEvent
from gridgov.case.workflow import TRANSITIONS, Action, CaseState

CST = ZoneInfo("Asia/Shanghai")
OCTOBER = "2026-10"
V1, V2, W1 = "330111001001", "330111001002", "330111100001"
GRIDS = {V1: V1 + "001", V2: V2 + "001", W1: W1 + "001"}
POINTS = {V1: (119.92, 30.02), V2: (119.97, 30.02), W1: (120.05, 30.02)}


def t(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


@dataclass
class Story:
    name: str
    village: str
    steps: list[tuple[str, datetime]]
    """(action, when): workflow actions, plus ``report`` first and ``escalate`` (a missed deadline)."""
    counts: set[str] = field(default_factory=set)
    """What the case counts for in October, by reading the story."""
    severity: int = 1
    source: str = "app"
    unit: int | None = None
    hours: float | None = None
    """Handling hours counted in October (first dispatch → final feedback)."""

    @property
    def township(self) -> str:
        return self.village[:9]


def insert(session: Session, story: Story, number: str, reporter: int | None) -> Case:
    lon, lat = POINTS[story.village]
    first_at = story.steps[0][1]
    grid = GRIDS[story.village]
    case = Case(
        number=number,
        category_code="0401",
        description=story.name,
        severity=story.severity,
        state=CaseState.reported.value,
        source=story.source,
        lon=lon,
        lat=lat,
        path=f"330111/{story.township}/{story.village}/{grid}/",
        township_code=story.township,
        village_code=story.village,
        grid_code=grid,
        tier="village",
        owner_code=story.village,
        unit_id=story.unit,
        reporter_person_id=reporter,
        created_at=first_at,
        updated_at=first_at,
    )
    session.add(case)
    session.flush()
    state: CaseState | None = None
    closed_at = None
    for action, at in story.steps:
        before = state
        if action == "report":
            state = CaseState.reported
        elif action == "escalate":
            assert state is not None
        else:
            rule = TRANSITIONS[Action(action)]
            assert state in rule.sources, f"{story.name}: cannot {action} from {state}"
            state = rule.target or state
            if action == "close":
                closed_at = at
            if action == "reopen":
                closed_at = None
        assert state is not None
        session.add(
            CaseEvent(
                case_id=case.id,
                action=action,
                from_state=before.value if before else None,
                to_state=state.value,
                at=at,
                actor_name="测试",
                comment="",
            )
        )
        session.flush()
    assert state is not None
    case.state, case.closed_at = state.value, closed_at
    case.updated_at = story.steps[-1][1]
    session.flush()
    return case


def handled_cycle(start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    return [("file", start), ("dispatch", start), ("accept", start), ("feedback", end)]


def closing(at: datetime) -> list[tuple[str, datetime]]:
    return [("verify_pass", at), ("close", at)]


def october_stories(unit_id: int) -> list[Story]:
    """Seventeen cases around October 2026 (P = 10-01 00:00 … 11-01 00:00, Beijing time)."""
    handled_ok = {"due_handle", "handled", "handled_on_time", "due_close", "closed", "closed_on_time"}
    new = {"received", "filed", "filed_on_time", "dispatched", "accurate_dispatched"}
    return [
        Story(
            "A 九月派遣、十月按期办结",
            V1,
            [("report", t(9, 28)), *handled_cycle(t(9, 29), t(10, 3)), *closing(t(10, 4))],
            handled_ok,
            hours=96,
        ),
        Story(
            "B 十月受理，处置超期后办结",
            V1,
            [
                ("report", t(10, 2, 8)),
                ("file", t(10, 2)),
                ("dispatch", t(10, 2)),
                ("accept", t(10, 2, 10)),
                ("escalate", t(10, 6)),
                ("feedback", t(10, 8)),
                *closing(t(10, 9)),
            ],
            new | {"due_handle", "handled", "due_close", "closed"},
            hours=144,
        ),
        Story(
            "C 退回后改派，返工一次后办结",
            V1,
            [
                ("report", t(10, 5, 8)),
                ("file", t(10, 5, 8, 30)),
                ("dispatch", t(10, 5)),
                ("give_back", t(10, 6)),
                ("dispatch", t(10, 6, 10)),
                ("accept", t(10, 6, 11)),
                ("feedback", t(10, 10)),
                ("verify_fail", t(10, 11)),
                ("feedback", t(10, 12)),
                *closing(t(10, 13)),
            ],
            {"received", "filed", "filed_on_time", "dispatched", "returned", "reworked"} | handled_ok,
            hours=168,
        ),
        Story(
            "D 批准延期，月末仍在处置",
            V2,
            [
                ("report", t(10, 10, 8)),
                ("file", t(10, 10)),
                ("dispatch", t(10, 10)),
                ("accept", t(10, 10, 10)),
                ("request_extension", t(10, 12)),
                ("approve_extension", t(10, 12, 11)),
            ],
            new | {"due_handle", "extended", "due_close"},
        ),
        Story(
            "E 超期，月末仍待处置",
            V2,
            [
                ("report", t(10, 15, 8)),
                ("file", t(10, 15)),
                ("dispatch", t(10, 15)),
                ("accept", t(10, 15, 10)),
                ("escalate", t(10, 20)),
            ],
            new | {"due_handle", "overdue_waiting", "due_close"},
        ),
        Story(
            "F 九月缓办，十月无动作",
            V2,
            [
                ("report", t(9, 10, 8)),
                ("file", t(9, 10)),
                ("dispatch", t(9, 10)),
                ("accept", t(9, 11)),
                ("defer", t(9, 20)),
            ],
            {"due_close", "deferred"},
        ),
        Story(
            "G 万市：处置中挂账",
            W1,
            [
                ("report", t(10, 3, 8)),
                ("file", t(10, 3)),
                ("dispatch", t(10, 3)),
                ("accept", t(10, 3, 10)),
                ("hang", t(10, 25)),
            ],
            new | {"due_handle", "due_close", "hung"},
        ),
        Story("H 万市：无效上报作废", W1, [("report", t(10, 20, 8)), ("cancel", t(10, 20))], {"received"}),
        Story(
            "I 万市紧急：返工三次后办结",
            W1,
            [
                ("report", t(10, 4, 8)),
                ("file", t(10, 4)),
                ("dispatch", t(10, 4)),
                ("accept", t(10, 4, 10)),
                ("feedback", t(10, 4, 12)),
                ("verify_fail", t(10, 5)),
                ("feedback", t(10, 5, 12)),
                ("verify_fail", t(10, 6)),
                ("feedback", t(10, 6, 12)),
                ("verify_fail", t(10, 7)),
                ("feedback", t(10, 7, 17)),
                *closing(t(10, 8)),
            ],
            new | handled_ok | {"reworked", "reworked3"},
            severity=3,
            hours=80,
        ),
        Story(
            "J 万市紧急：超期后办结",
            W1,
            [
                ("report", t(10, 5, 8)),
                ("file", t(10, 5, 8, 30)),
                ("dispatch", t(10, 5)),
                ("accept", t(10, 5, 10)),
                ("escalate", t(10, 6)),
                ("feedback", t(10, 7)),
                *closing(t(10, 7, 15)),
            ],
            new | {"due_handle", "handled", "due_close", "closed"},
            severity=3,
            hours=48,
        ),
        Story(
            "K 月末上报，立案超期未立案",
            V1,
            [("report", t(10, 30)), ("escalate", t(10, 31))],
            {"received"},
        ),
        Story(
            "L 立案超期后立案，未派遣",
            V1,
            [("report", t(10, 29, 8)), ("escalate", t(10, 29, 10)), ("file", t(10, 29, 11))],
            {"received", "filed", "due_close"},
        ),
        Story(
            "M 公众举报(Open311)按期办结，十一月重开",
            V2,
            [
                ("report", t(10, 7, 8)),
                *handled_cycle(t(10, 7), t(10, 9)),
                *closing(t(10, 9, 15)),
                ("reopen", t(11, 2)),
            ],
            new | handled_ok | {"public_filed"},
            source="open311",
            hours=48,
        ),
        Story(
            "N 九月办结(不计入十月)",
            V1,
            [("report", t(9, 1, 8)), *handled_cycle(t(9, 1), t(9, 3)), *closing(t(9, 5))],
            set(),
        ),
        Story(
            "O 九月已反馈，十月核查结案",
            V2,
            [("report", t(9, 25, 8)), *handled_cycle(t(9, 25), t(9, 28)), *closing(t(10, 2))],
            {"due_close", "closed", "closed_on_time"},
        ),
        Story(
            "P 立案后合并",
            V2,
            [("report", t(10, 11, 8)), ("file", t(10, 11)), ("merge", t(10, 12))],
            {"received", "filed", "filed_on_time"},
        ),
        Story(
            "Q 万市：九月派遣十月一日被退回，改派后办结",
            W1,
            [
                ("report", t(9, 29, 8)),
                ("file", t(9, 29)),
                ("dispatch", t(9, 30)),
                ("give_back", t(10, 1)),
                ("dispatch", t(10, 2)),
                ("accept", t(10, 2, 10)),
                ("feedback", t(10, 5)),
                *closing(t(10, 5, 15)),
            ],
            {"dispatched", "accurate_dispatched"} | handled_ok,
            unit=unit_id,
            hours=120,
        ),
    ]
