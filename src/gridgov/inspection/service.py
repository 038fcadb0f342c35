"""Inspections (两类场所排查整改): the due list, recording a check, findings as cases, re-checks, coverage.
Flushes, never commits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.configdata.service import load_document
from gridgov.errors import InvalidInput, NotFound
from gridgov.evaluation.documents import Level
from gridgov.inspection.checklist import Hazard, cycle_start, hazards
from gridgov.inspection.coverage import Tally, area_code, tally
from gridgov.inspection.documents import PLANS, Plans
from gridgov.inspection.models import InspectionCheck, InspectionFinding
from gridgov.inspection.repository import InspectionRepository
from gridgov.inspection.schemas import CheckCreate
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.registry.models import Place

NOT_VISIBLE = "场所不存在或不在您的辖区内 (no such place in your area)"


@dataclass(frozen=True)
class Due:
    place: Place
    last_checked_at: datetime | None
    cycle_starts: datetime
    veto_open: bool


@dataclass(frozen=True)
class Recorded:
    check: InspectionCheck
    opened: list[InspectionFinding]
    rectified: list[InspectionFinding]


class InspectionService:
    def __init__(
        self, session: Session, *, cases: CaseService | None = None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.session = session
        self.repo = InspectionRepository(session)
        self.clock = clock
        self.cases = cases or CaseService(session, clock=clock)
        self._plans: Plans | None = None

    @property
    def plans(self) -> Plans:
        if self._plans is None:
            self._plans = load_document(self.session, PLANS)
        return self._plans

    def types(self) -> list[str]:
        return [p.place_type for p in self.plans.plans]

    def cycle_starts(self, now: datetime) -> dict[str, datetime]:
        return {p.place_type: cycle_start(now, p.cycle_months) for p in self.plans.plans}

    # the due list ----------------------------------------------------------------------------------
    def due(self, person_id: int, limit: int = 200) -> list[Due]:
        """Places in the person's grids not checked this cycle, the longest unchecked first."""
        paths = self.repo.grid_paths(person_id)
        if not paths:
            return []
        now = self.clock()
        starts = self.cycle_starts(now)
        places = list(self.session.scalars(self.repo.places(self.types(), paths)))
        last = self.repo.last_checks([p.id for p in places])
        vetoes = self.repo.veto_places([p.id for p in places])
        rows = [
            Due(p, last.get(p.id), starts[p.type_code], p.id in vetoes)
            for p in places
            if last.get(p.id) is None or last[p.id] < starts[p.type_code]
        ]
        rows.sort(key=lambda d: (d.last_checked_at is not None, d.last_checked_at or now, d.place.code))
        return rows[:limit]

    def place(self, principal: Principal, place_id: int) -> Place:
        place = self.session.get(Place, place_id)
        if place is None or not principal.covers(place.path):
            raise NotFound(NOT_VISIBLE)
        return place

    # a check ---------------------------------------------------------------------------------------
    def record(self, principal: Principal, data: CheckCreate) -> Recorded:
        """A check of a place: its hazards open cases (ordinary → village, veto → township emergency centre);
        a re-check (any later check) puts right the open findings whose items now answer well."""
        if data.client_id:
            earlier = self.repo.check_by_client(data.client_id)
            if earlier is not None:
                return Recorded(earlier, [], [])
        place = self.place(principal, data.place_id)
        plan = self.plans.plan(place.type_code)
        if plan is None:
            raise InvalidInput(f"场所类型{place.type_code}没有排查计划 (no inspection plan)", field="place_id")
        found = hazards(plan, data.answers, len(data.photos))
        now = self.clock()
        earlier_open = self.repo.open_findings(place.id)
        check = InspectionCheck(
            place_id=place.id,
            kind=data.kind if data.kind != "routine" or not earlier_open else "recheck",
            person_id=principal.person_id,
            inspector=principal.name,
            checked_at=data.checked_at or now,
            lon=data.lon,
            lat=data.lat,
            answers=dict(data.answers),
            photos=list(data.photos),
            note=data.note,
            client_id=data.client_id,
            path=place.path,
        )
        self.session.add(check)
        self.session.flush()
        still = {h.item_code for h in found}
        rectified = []
        for finding in earlier_open:
            if finding.item_code in still:
                continue
            finding.state, finding.rectified_at, finding.recheck_id = "rectified", now, check.id
            rectified.append(finding)
            if finding.case_id is not None:
                self.cases.close_by_system(principal, finding.case_id, f"复查整改到位 (re-check {check.id})")
        open_items = {f.item_code for f in earlier_open if f.state == "open"}
        opened = [self._open(principal, place, check, h, now) for h in found if h.item_code not in open_items]
        self.session.flush()
        return Recorded(check, opened, rectified)

    def _open(
        self, principal: Principal, place: Place, check: InspectionCheck, hazard: Hazard, now: datetime
    ) -> InspectionFinding:
        plan = self.plans.plan(place.type_code)
        if plan is None:  # checked by the caller
            raise InvalidInput("no plan", field="place_id")
        route = self.plans.route(plan, hazard.grade)
        description = f"{plan.name}{place.name}({place.code})：{hazard.text}（{hazard.answer}）"
        lon, lat = place.lon if place.lon is not None else check.lon, place.lat if place.lat is not None else check.lat
        if lon is None or lat is None:
            raise InvalidInput("场所没有坐标，请上传GPS位置 (the place has no location: send lon/lat)", field="lon")
        case = self.cases.report(
            principal,
            CaseReport(
                category=route.category,
                description=description,
                lon=lon,
                lat=lat,
                address=place.address,
                severity=route.severity,
            ),
            source=f"inspection:{check.id}",
        )
        self.session.flush()
        stage = self.cases.taxonomy.get(route.category).stages[0].limit
        finding = InspectionFinding(
            check_id=check.id,
            place_id=place.id,
            item_code=hazard.item_code,
            grade=hazard.grade.value,
            description=description,
            case_id=case.id,
            case_number=case.number,
            state="open",
            found_at=now,
            deadline_at=self.cases.calendar.deadline(now, stage.amount, stage.unit),
            path=place.path,
        )
        self.session.add(finding)
        return finding

    # coverage --------------------------------------------------------------------------------------
    def coverage(
        self, level: Level, scope: Sequence[str] | None, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Tally]:
        """Per area of ``level``: places, checked this cycle (numerator/denominator of 巡查覆盖率); hazards
        found in [start, end) (default: the current quarter), rectified, rectified on time, overdue."""
        now = end or self.clock()
        starts = self.cycle_starts(now - timedelta(microseconds=1))
        rows = self.repo.place_rows(self.types(), scope)
        last = self.repo.last_checks(since=min(starts.values()) if starts else None)
        places = [
            (path, (at := last.get(pid)) is not None and at >= starts[kind] and at < now) for pid, path, kind in rows
        ]
        findings = self.repo.finding_rows(scope, start or cycle_start(now - timedelta(microseconds=1), 3), now)
        return tally(places, findings, lambda path: area_code(path, level), now)
