"""What follows a change in a zone's warning: the people who must answer (叫应), patrol cases, all clear.

Everything goes through the core: people are reached by :class:`gridgov.notify.service.Alerting` (its
escalation policy chases the silent and brings in the next tier), patrols are cases opened by
:class:`gridgov.case.service.CaseService` (source ``warning:<id>``; ``exercise:<id>`` for a drill's warning,
see :mod:`gridgov.warning.exercise`), so they are routed, timed, escalated and closed like any other case.
Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.configdata.service import DocumentKind, load_document
from gridgov.kit.principal import system_principal
from gridgov.notify.models import Alert
from gridgov.notify.service import Alerting, AlertRequest, Target
from gridgov.org.duty import VILLAGE_DUTY_ROOM, on_duty
from gridgov.org.models import Person
from gridgov.warning.enums import Change, Colour, ResponsibleLevel
from gridgov.warning.exercise import MARK as EXERCISE_MARK
from gridgov.warning.exercise import latest_exercise
from gridgov.warning.models import Household, RiskZone, WarningRecord, ZonePerson
from gridgov.warning.service import INSTRUCTIONS, ZoneChange

RESIDENTS = "residents"
DUTY = "duty"
LADDER = [
    ResponsibleLevel.monitor.value,
    ResponsibleLevel.grid.value,
    ResponsibleLevel.village.value,
    ResponsibleLevel.township.value,
    ResponsibleLevel.district.value,
]


def _window(measure: str) -> str:
    hours = measure.removesuffix("h")
    return f"{hours}小时累计降雨" if hours.isdigit() else "有效降雨"


def patrol_source(warning_id: int, *, exercise: bool) -> str:
    """The source of a warning's patrol cases: ``warning:<id>``, or ``exercise:<id>`` for a drill's."""
    return f"{'exercise' if exercise else 'warning'}:{warning_id}"


class ReachPolicy(BaseModel):
    """The ``warning.reach`` document: who is reached first at each colour (the levels above come in by
    escalation, one tier per step), and from which colour a patrol case opens per zone."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    first: dict[Colour, list[str]] = Field(description="Levels reached at once, per colour; 'residents' too")
    patrol_from: Colour = Colour.orange
    patrol_category: str = Field(default="0801", pattern=r"^\d{4}$")


REACH = DocumentKind("warning.reach", ReachPolicy, "gridgov.warning", "data/reach.yaml")


def tiers_for(colour: Colour, policy: ReachPolicy) -> dict[str, int]:
    """Level → tier: the colour's first levels are tier 0; each responsible level above them on the
    ladder (village → township → district) is one tier further. Pure."""
    first = policy.first.get(colour, [])
    tiers = dict.fromkeys(first, 0)
    top = max((LADDER.index(level) for level in first if level in LADDER), default=-1)
    for step, level in enumerate(LADDER[top + 1 :], start=1):
        tiers.setdefault(level, step)
    return tiers


@dataclass(frozen=True)
class ZoneCompletion:
    zone_code: str
    zone_name: str
    colour: str
    patrol_case: str | None
    patrol_state: str | None
    patrolled: bool
    reached: int
    answered: int
    answered_in_time: int
    residents_notified: int
    waiting: list[str]


class WarningResponse:
    def __init__(self, session: Session, alerting: Alerting, cases: CaseService, county_path: str) -> None:
        self.session = session
        self.alerting = alerting
        self.cases = cases
        self.system = system_principal("地灾预警系统", county_path)
        self._policy: ReachPolicy | None = None

    @property
    def policy(self) -> ReachPolicy:
        if self._policy is None:
            self._policy = load_document(self.session, REACH)
        return self._policy

    def handle(self, changes: Sequence[ZoneChange]) -> None:
        for change in changes:
            zone = self.session.get(RiskZone, change.zone_id)
            if zone is None:
                continue
            subject = f"warning:{change.warning_id}"
            current = self.alerting.repo.alert_for(subject)
            if change.change in (Change.issued, Change.upgraded):
                if current is not None:
                    self.alerting.close(current)
                self.alerting.raise_alert(self._request(zone, change, subject))
                if change.colour.rank >= self.policy.patrol_from.rank:
                    self._open_patrol(zone, change)
            elif change.change is Change.renewed and current is not None:
                self.alerting.retrigger(current, title=self._title(zone, change))
            elif change.change is Change.downgraded and current is not None:
                current.level, current.title = change.colour.value, self._title(zone, change)
            elif change.change in (Change.cancelled, Change.expired) and current is not None:
                self.alerting.close(current)
        self.session.flush()

    def _title(self, zone: RiskZone, change: ZoneChange) -> str:
        prefix = EXERCISE_MARK if change.exercise else ""
        return f"{prefix}{zone.name}地质灾害{change.colour.label}预警"

    def _request(self, zone: RiskZone, change: ZoneChange, subject: str) -> AlertRequest:
        tiers = tiers_for(change.colour, self.policy)
        targets: list[Target] = []
        rows = self.session.execute(
            select(ZonePerson.level, Person.id, Person.name)
            .join(Person, Person.id == ZonePerson.person_id)
            .where(ZonePerson.zone_id == zone.id, Person.active.is_(True))
        )
        for level, person_id, name in rows:
            if level in tiers:
                targets.append(Target(name=name, role=level, tier=tiers[level], person_id=person_id))
        if ResponsibleLevel.village.value in tiers:  # the village duty room's person on duty (值班人员), if rostered
            reached = {t.person_id for t in targets}
            for duty in on_duty(self.session, change.at, area=zone.path, kind=VILLAGE_DUTY_ROOM):
                if duty.person_id not in reached:
                    reached.add(duty.person_id)
                    targets.append(Target(name=duty.name, role=DUTY, tier=tiers["village"], person_id=duty.person_id))
        if RESIDENTS in tiers:
            households = self.session.scalars(select(Household).where(Household.zone_id == zone.id))
            targets += [
                Target(name=h.head_name, role=RESIDENTS, tier=tiers[RESIDENTS], phone=h.phone)
                for h in households
                if h.phone
            ]
        trigger = change.trigger
        rain = (
            f"{trigger.gauge}雨量站{_window(trigger.measure)}{trigger.value_mm:.1f}毫米，"
            f"达到{change.colour.label}阈值{trigger.threshold_mm:.0f}毫米。"
            if trigger is not None
            and trigger.measure is not None
            and trigger.value_mm is not None
            and trigger.threshold_mm is not None
            else ""
        )
        return AlertRequest(
            kind="warning",
            subject=subject,
            level=change.colour.value,
            title=self._title(zone, change),
            body=f"{rain}{INSTRUCTIONS[change.colour]}",
            path=zone.path,
            targets=targets,
            link=f"/warnings/{change.warning_id}",
            exercise=change.exercise,
            exercise_external=change.exercise and latest_exercise(self.session).send_external,
        )

    def _open_patrol(self, zone: RiskZone, change: ZoneChange) -> None:
        source = patrol_source(change.warning_id, exercise=change.exercise)
        if self.session.scalar(select(Case.id).where(Case.source == source, Case.description.contains(zone.code))):
            return
        report = CaseReport(
            category=self.policy.patrol_category,
            description=f"{self._title(zone, change)}：请到{zone.name}({zone.code})巡查，签到并拍照反馈。",
            lon=zone.lon,
            lat=zone.lat,
            severity=3 if change.colour is Colour.red else 2,
        )
        self.cases.report(self.system, report, source=source)

    # the one-click view (一键查看完成情况) -------------------------------------------------------
    def completion(self, warning_ids: Sequence[int], answer_within: timedelta) -> list[ZoneCompletion]:
        views = []
        for record in self.session.scalars(select(WarningRecord).where(WarningRecord.id.in_(warning_ids))):
            zone = self.session.get_one(RiskZone, record.zone_id)
            subject = f"warning:{record.id}"
            # the latest alert of the warning counts (an upgrade replaced the earlier one)
            latest = self.session.scalars(
                select(Alert).where(Alert.subject == subject).order_by(Alert.id.desc())
            ).first()
            recipients = self.alerting.repo.recipients(latest.id) if latest else []
            reached = [r for r in recipients if r.notified_at is not None]
            answered = [r for r in reached if r.acked_at is not None]
            in_time = [
                r for r in answered if r.acked_at and r.notified_at and r.acked_at - r.notified_at <= answer_within
            ]
            case = self.session.scalars(
                select(Case).where(Case.source == patrol_source(record.id, exercise=record.exercise))
            ).first()
            patrolled = case is not None and case.state in ("handled", "verified", "closed")
            views.append(
                ZoneCompletion(
                    zone_code=zone.code,
                    zone_name=zone.name,
                    colour=record.peak_colour,
                    patrol_case=case.number if case else None,
                    patrol_state=case.state if case else None,
                    patrolled=patrolled,
                    reached=len(reached),
                    answered=len(answered),
                    answered_in_time=len(in_time),
                    residents_notified=sum(1 for r in reached if r.role == RESIDENTS),
                    waiting=sorted({r.name for r in reached if r.acked_at is None}),
                )
            )
        return views
