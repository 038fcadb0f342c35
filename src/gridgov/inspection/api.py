"""The module's JSON API (under ``/api/v1``): ``/inspections/…`` (plans, due list, checks, findings, coverage)
and ``/rosters/…`` (posts, generated months, shifts, who is on duty, swaps, check-in, iCalendar feeds). Every
route checks a permission and the caller's area (``scope_paths``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select

from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import InvalidInput, NotFound
from gridgov.evaluation.documents import Level
from gridgov.inspection.coverage import Tally
from gridgov.inspection.models import DutyAssignment, DutyMember, DutyPost, DutyRoster, DutySwap, InspectionFinding
from gridgov.inspection.rosters import RosterService
from gridgov.inspection.schemas import (
    AreaCoverage,
    AssignmentRead,
    CheckCreate,
    CheckIn,
    CheckRead,
    CoverageRead,
    DueRead,
    FindingRead,
    OnDutyRead,
    PostRead,
    ReasonRead,
    RosterCreate,
    RosterRead,
    SwapCreate,
    SwapDecision,
    SwapRead,
)
from gridgov.inspection.service import InspectionService
from gridgov.kit.bounds import Id, Offset
from gridgov.kit.masking import mask_phone
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.org.duty import on_duty
from gridgov.org.models import OrgNode, Person
from gridgov.registry.models import Place

router = APIRouter(tags=["inspection"])
READ, CHECK, MANAGE, SELF = "inspection:read", "inspection:check", "roster:manage", "roster:self"
LEVELS = (Level.county, Level.township, Level.village, Level.grid)


def finding_read(finding: InspectionFinding, place: Place) -> FindingRead:
    return FindingRead(
        id=finding.id,
        place_id=place.id,
        place_name=place.name,
        place_code=place.code,
        item_code=finding.item_code,
        grade=finding.grade,
        description=finding.description,
        state=finding.state,
        case_number=finding.case_number,
        found_at=finding.found_at,
        deadline_at=finding.deadline_at,
        rectified_at=finding.rectified_at,
    )


def area_coverage(code: str, name: str, t: Tally) -> AreaCoverage:
    return AreaCoverage(
        code=code,
        name=name,
        places=t.places,
        checked=t.checked,
        coverage=t.checked / t.places if t.places else None,
        found=t.found,
        rectified=t.rectified,
        on_time=t.on_time,
        overdue=t.overdue,
    )


# inspections -------------------------------------------------------------------------------------------
@router.get("/inspections/plans")
def plans(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Inspection plans per place type: cycle and checklist (the ``inspection.plans`` document)."""
    user.require(READ)
    return InspectionService(session).plans.model_dump(mode="json")


@router.get("/inspections/due")
def due(
    session: SessionDep,
    user: CurrentUser,
    person_id: Annotated[Id | None, Query(description="a grid member of your area; default: yourself")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DueRead]:
    """Places in the grid member's grids not checked this cycle, the longest unchecked first (待查清单)."""
    user.require(READ)
    who = person_id or user.person
    rows = InspectionService(session).due(who, limit=limit * 2)
    visible = [d for d in rows if user.covers(d.place.path)]
    return [
        DueRead(
            place_id=d.place.id,
            code=d.place.code,
            name=d.place.name,
            type_code=d.place.type_code,
            address=d.place.address,
            grid_code=d.place.grid_code,
            last_checked_at=d.last_checked_at,
            cycle_starts=d.cycle_starts,
            veto_open=d.veto_open,
        )
        for d in visible[:limit]
    ]


@router.post("/inspections/checks", status_code=201)
def record_check(session: SessionDep, user: CurrentUser, data: CheckCreate) -> CheckRead:
    """Record a check of a place (answers, photos, GPS): hazards open cases — ordinary at the village, one-vote
    veto at the township emergency centre; a later check puts right the findings whose items now answer well."""
    user.require(CHECK)
    recorded = InspectionService(session).record(user, data)
    place = session.get_one(Place, recorded.check.place_id)
    return CheckRead(
        id=recorded.check.id,
        place_id=place.id,
        kind=recorded.check.kind,
        inspector=recorded.check.inspector,
        checked_at=recorded.check.checked_at,
        findings=[finding_read(f, place) for f in recorded.opened],
        rectified=[f.id for f in recorded.rectified],
    )


@router.get("/inspections/places/{place_id}")
def place_detail(session: SessionDep, user: CurrentUser, place_id: Id) -> dict[str, Any]:
    """A place with its checklist, its checks and its findings; ``veto_open`` marks an open one-vote-veto hazard."""
    user.require(READ)
    service = InspectionService(session)
    place = service.place(user, place_id)
    plan = service.plans.plan(place.type_code)
    findings, _ = service.repo.findings([place.path], None, 200, 0)
    mine = [finding_read(f, p) for f, p in findings if p.id == place.id]
    return {
        "id": place.id,
        "code": place.code,
        "name": place.name,
        "type_code": place.type_code,
        "address": place.address,
        "path": place.path,
        "veto_open": place.id in service.repo.veto_places([place.id]),
        "plan": plan.model_dump(mode="json") if plan else None,
        "checks": [
            {"id": c.id, "kind": c.kind, "inspector": c.inspector, "checked_at": c.checked_at.isoformat()}
            for c in service.repo.checks(place.id)
        ],
        "findings": [f.model_dump(mode="json") for f in mine],
    }


@router.get("/inspections/findings")
def findings(
    session: SessionDep,
    user: CurrentUser,
    state: Annotated[str | None, Query(pattern="^(open|rectified)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> dict[str, Any]:
    """Findings in the caller's area, newest first."""
    user.require(READ)
    rows, total = InspectionService(session).repo.findings(user.scope_paths, state, limit, offset)
    return {"total": total, "items": [finding_read(f, p).model_dump(mode="json") for f, p in rows]}


@router.get("/inspections/coverage")
def coverage(
    session: SessionDep,
    user: CurrentUser,
    level: Annotated[Level, Query(description="county, township, village or grid")] = Level.township,
) -> CoverageRead:
    """Per area: places checked this cycle out of the places due, hazards found this quarter, rectified, on
    time, overdue — with numerators and denominators."""
    user.require(READ)
    if level not in LEVELS:
        raise InvalidInput("层级应为county/township/village/grid", field="level")
    tallies = InspectionService(session).coverage(level, user.scope_paths)
    nodes = session.execute(select(OrgNode.code, OrgNode.name).where(OrgNode.code.in_(list(tallies))))
    names = {row.code: row.name for row in nodes}
    total = Tally()
    for t in tallies.values():
        for key in vars(total):
            setattr(total, key, getattr(total, key) + getattr(t, key))
    return CoverageRead(
        level=level.value,
        areas=[area_coverage(code, names.get(code, code), t) for code, t in sorted(tallies.items())],
        total=area_coverage("", "合计", total),
    )


# rosters -----------------------------------------------------------------------------------------------
def _posts(session: SessionDep, user: Principal) -> list[DutyPost]:
    return RosterService(session).repo.posts(user.scope_paths)


@router.get("/rosters/posts")
def posts(session: SessionDep, user: CurrentUser) -> list[PostRead]:
    """Duty posts in the caller's area with their shifts and the number of people serving."""
    user.require(READ)
    rows = _posts(session, user)
    counts: dict[int, int] = {}
    for m in RosterService(session).repo.members([p.id for p in rows]):
        counts[m.post_id] = counts.get(m.post_id, 0) + 1
    return [
        PostRead(
            code=p.code,
            name=p.name,
            kind=p.kind,
            path=p.path,
            serves=p.serves,
            shifts=p.shifts,
            members=counts.get(p.id, 0),
        )
        for p in rows
    ]


def roster_read(roster: DutyRoster, count: int) -> RosterRead:
    return RosterRead(
        id=roster.id,
        month=roster.month,
        path=roster.path,
        status=roster.status,
        objective=roster.objective,
        bound=roster.bound,
        seconds=roster.seconds,
        assignments=count,
        reasons=[
            ReasonRead(**{**r, "day": date.fromisoformat(r["day"]) if r.get("day") else None}) for r in roster.reasons
        ],
    )


@router.post("/rosters", status_code=201)
def generate(session: SessionDep, user: CurrentUser, data: RosterCreate) -> RosterRead:
    """Generate the month's roster for the area's posts with CP-SAT: hard rules never broken, fairness weighed;
    an infeasible month is stored with the rules, posts and days that cannot all hold."""
    user.require(MANAGE)
    roster, solution = RosterService(session).generate(user, data.area, data.month)
    return roster_read(roster, len(solution.assignments))


@router.get("/rosters")
def rosters(session: SessionDep, user: CurrentUser) -> list[RosterRead]:
    """Rosters generated in the caller's area, newest first."""
    user.require(READ)
    rows = RosterService(session).repo.rosters(user.scope_paths)
    counts = {r.id: 0 for r in rows}
    for a in session.scalars(select(DutyAssignment.roster_id).where(DutyAssignment.roster_id.in_(list(counts)))):
        counts[a] += 1
    return [roster_read(r, counts[r.id]) for r in rows]


def assignment_reads(session: SessionDep, user: Principal, rows: list[DutyAssignment]) -> list[AssignmentRead]:
    posts = {p.id: p for p in session.scalars(select(DutyPost).where(DutyPost.id.in_({r.post_id for r in rows})))}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_({r.person_id for r in rows})))}
    full = user.can("pii:read")
    return [
        AssignmentRead(
            id=r.id,
            post_code=posts[r.post_id].code,
            post_name=posts[r.post_id].name,
            person_id=r.person_id,
            person_name=people[r.person_id].name,
            phone=people[r.person_id].phone if full else mask_phone(people[r.person_id].phone),
            day=r.day,
            shift_code=r.shift_code,
            role=r.role,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            night=r.night,
            checked_in_at=r.checked_in_at,
        )
        for r in rows
    ]


@router.get("/rosters/assignments")
def assignments(
    session: SessionDep,
    user: CurrentUser,
    first: Annotated[date, Query(description="first day")],
    last: Annotated[date, Query(description="last day")],
    post: Annotated[str | None, Query(description="post code")] = None,
    person_id: Id | None = None,
) -> list[AssignmentRead]:
    """Shifts in the caller's area between two days (at most 62), of one post or one person."""
    user.require(READ)
    if (last - first).days > 62 or last < first:
        raise InvalidInput("日期范围应在62天内 (at most 62 days)", field="last")
    ids = [p.id for p in _posts(session, user) if post is None or p.code == post]
    rows = RosterService(session).repo.assignments(post_ids=ids, person_id=person_id, first=first, last=last)
    return assignment_reads(session, user, rows)


@router.get("/rosters/on-duty")
def now_on_duty(
    session: SessionDep,
    user: CurrentUser,
    post: Annotated[str | None, Query(description="post code")] = None,
    area: Annotated[str | None, Query(description="org code: posts serving it")] = None,
    kind: Annotated[str | None, Query(description="post kind")] = None,
    at: Annotated[datetime | None, Query(description="default: now")] = None,
) -> list[OnDutyRead]:
    """Who is on duty at a post / for an area at a time (the core's ``on_duty`` lookup), within the caller's area."""
    user.require(READ)
    path = RosterService(session).area_path(user, area) if area else None
    moment = at or utcnow()
    visible = {p.code for p in _posts(session, user)}
    return [
        OnDutyRead(**vars(d))
        for d in on_duty(session, moment, post=post, area=path, kind=kind)
        if d.post_code in visible
    ]


@router.post("/rosters/swaps", status_code=201)
def ask_swap(session: SessionDep, user: CurrentUser, data: SwapCreate) -> SwapRead:
    """Ask that another member of the post take one of your shifts (调班申请)."""
    user.require(SELF)
    swap = RosterService(session).ask_swap(user, data.assignment_id, data.to_person_id, data.reason)
    return SwapRead.model_validate(swap, from_attributes=True)


@router.post("/rosters/swaps/{swap_id}/decision")
def decide_swap(session: SessionDep, user: CurrentUser, swap_id: Id, data: SwapDecision) -> SwapRead:
    """Approve (the stand-in takes the shift, if that keeps the rest rule) or refuse a swap."""
    user.require(MANAGE)
    swap = RosterService(session).decide_swap(user, swap_id, data.approve)
    return SwapRead.model_validate(swap, from_attributes=True)


@router.get("/rosters/swaps")
def swaps(session: SessionDep, user: CurrentUser) -> list[SwapRead]:
    """Swaps asked for shifts of the caller's area, or asked by or of the caller."""
    user.require(READ)
    ids = [p.id for p in _posts(session, user)]
    rows = session.scalars(
        select(DutySwap)
        .join(DutyAssignment, DutyAssignment.id == DutySwap.assignment_id)
        .where(DutyAssignment.post_id.in_(ids))
        .order_by(DutySwap.id.desc())
        .limit(200)
    )
    return [SwapRead.model_validate(s, from_attributes=True) for s in rows]


@router.post("/rosters/assignments/{assignment_id}/check-in")
def check_in(session: SessionDep, user: CurrentUser, assignment_id: Id, data: CheckIn) -> AssignmentRead:
    """Check in at the post with GPS (within the distance the roster rules allow)."""
    user.require(SELF)
    row = RosterService(session).check_in(user, assignment_id, data.lon, data.lat)
    return assignment_reads(session, user, [row])[0]


@router.get("/rosters/people/{person_id}/calendar.ics", response_class=Response)
def calendar(
    session: SessionDep,
    user: CurrentUser,
    person_id: Id,
    since: Annotated[date | None, Query(description="first day; default: the first of last month")] = None,
) -> Response:
    """A person's shifts as an iCalendar feed (yourself, or a member of a post in your area)."""
    user.require(READ)
    if person_id != user.person_id:
        ids = [p.id for p in _posts(session, user)]
        member = session.scalar(
            select(DutyMember.id).where(DutyMember.person_id == person_id, DutyMember.post_id.in_(ids)).limit(1)
        )
        if member is None:
            raise NotFound("人员不存在或不在您的辖区内 (no such person in your area)")
    person = session.get_one(Person, person_id)
    today = utcnow().date()
    first = since or date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    body = RosterService(session).ical(person_id, person.name, first)
    return Response(body, media_type="text/calendar; charset=utf-8")
