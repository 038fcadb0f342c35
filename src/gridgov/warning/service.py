"""Warning domain logic: evaluate zones against thresholds, run each zone's warning lifecycle, write CAP
messages, coverage. Flushes, never commits.

The service returns what changed (:class:`ZoneChange`: issued / upgraded / downgraded / renewed /
cancelled / expired, per zone) so that a caller can notify people, open patrol cases and so on.

Concurrency: at most one active warning per (zone, hazard) is a partial unique index. Two evaluations
raising the same zone at once both find no active warning; the first insert wins, the loser's insert
fails inside a savepoint (IntegrityError), and it re-reads the winner's warning and updates it instead.
On SQLite, begin the writing transaction IMMEDIATE (``session.connection(execution_options={"sqlite_begin":
"IMMEDIATE"})``) as the other writers do: writers then queue and the loser sees the winner's row at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridgov.configdata.service import load_document
from gridgov.kit.principal import Principal
from gridgov.org.models import Person
from gridgov.warning.cap import (
    Area,
    CapMessage,
    FeedEntry,
    MsgType,
    Reference,
    Status,
    area_from_geojson,
    build_alert,
    build_feed,
    cap_identifier,
    identifier_prefix,
)
from gridgov.warning.coverage import CoverageReport, Nearest, Site, coverage_report, nearest_gauges
from gridgov.warning.documents import POLICY, THRESHOLDS, WarningPolicy
from gridgov.warning.enums import Change, Colour, Hazard, ResponsibleLevel, WarningState
from gridgov.warning.exercise import MARK as EXERCISE_MARK
from gridgov.warning.exercise import NOTE as EXERCISE_NOTE
from gridgov.warning.exercise import current_exercise
from gridgov.warning.lifecycle import Held, decide
from gridgov.warning.models import CapMessageRecord, RiskZone, WarningRecord, ZoneGauge
from gridgov.warning.rainfall import RainBook
from gridgov.warning.repository import WarningRepository
from gridgov.warning.schemas import HouseholdRead, WarningRead
from gridgov.warning.thresholds import (
    EFFECTIVE,
    Assignments,
    ThresholdConfig,
    Trigger,
    compile_thresholds,
    evaluate,
    gauge_matrix,
)

INSTRUCTIONS = {
    Colour.red: "立即组织受威胁群众转移避让，责任人到岗值守，严禁人员进入危险区域。",
    Colour.orange: "加密巡查监测，做好受威胁群众转移准备，责任人到岗到位。",
    Colour.yellow: "加强雨情监测和隐患巡查，提醒受威胁群众注意防范。",
    Colour.blue: "关注雨情变化，做好防范准备。",
}
ALL_CLEAR = "雨情减弱，预警解除；请继续关注天气变化，发现险情立即报告。"
CHANGE_WORDS = {
    Change.issued: "发布",
    Change.upgraded: "升级为",
    Change.downgraded: "降级为",
    Change.renewed: "继续维持",
}


@dataclass(frozen=True)
class ZoneChange:
    """One change of one zone's warning, for the caller to act on (notify, patrol, …)."""

    zone_id: int
    zone_code: str
    zone_name: str
    warning_id: int
    change: Change
    colour: Colour
    """The colour after the change (for cancelled/expired: the colour the warning had)."""
    previous: Colour | None
    trigger: Trigger | None
    cap_identifier: str | None
    """The CAP message written for the change; None for an expiry (the last message's expiry said it)."""
    at: datetime
    exercise: bool


@dataclass(frozen=True)
class Assessment:
    """A zone whose warning must change (or whose held state moves), as observed by :meth:`WarningService.assess`."""

    zone_id: int
    observed: int | None
    """The colour rank reached (0 none … 4 red); None when no assigned gauge is live."""
    trigger: Trigger


def _held(record: WarningRecord | None) -> Held | None:
    if record is None:
        return None
    return Held(Colour(record.colour), record.expires_at, record.below_since, record.below_peak)


def _fmt(mm: float) -> str:
    return f"{mm:.1f}"


def _measure_words(measure: str) -> str:
    return "有效雨量" if measure == EFFECTIVE else f"{measure.removesuffix('h')}小时累计雨量"


class WarningService:
    def __init__(
        self,
        session: Session,
        thresholds: ThresholdConfig | None = None,
        policy: WarningPolicy | None = None,
    ) -> None:
        self.session = session
        self.repo = WarningRepository(session)
        self.thresholds = thresholds or load_document(session, THRESHOLDS)
        self.policy = policy or load_document(session, POLICY)
        self._sequences: dict[str, int] = {}
        """Next CAP sequence number per identifier second (counted from the table once per second)."""

    # ---- rainfall -------------------------------------------------------------------------------

    def rain_book_from_observations(self, now: datetime) -> RainBook:
        """Rolling totals rebuilt from the stored rainfall observations (stateless processes use this;
        late readings are already in the table, so the totals are the corrected ones)."""
        rule = self.thresholds.effective_rule
        days = rule.days if rule else 0
        book = RainBook(self.thresholds.windows_h, days)
        longest = max(self.thresholds.windows_h + ([24 * (days + 1)] if days else []))
        for code, t, mm in self.repo.rainfall_since(now - timedelta(hours=longest)):
            if t <= now and mm >= 0:
                book.add(code, t, mm)
        return book

    # ---- evaluation -----------------------------------------------------------------------------

    def evaluate(
        self,
        book: RainBook,
        now: datetime,
        *,
        zone_ids: Sequence[int] | None = None,
        exercise: bool | None = None,
    ) -> list[ZoneChange]:
        """Evaluate every active zone (or the given ones) on the gauges' rolling totals as of ``now`` and
        run each zone's lifecycle. Returns the changes, in zone order. Warnings issued are exercises when
        ``exercise``, or (None) while an exercise window is open (:mod:`gridgov.warning.exercise`)."""
        return self.act(self.assess(book, now, zone_ids=zone_ids), now, exercise=exercise)

    def assess(self, book: RainBook, now: datetime, *, zone_ids: Sequence[int] | None = None) -> list[Assessment]:
        """Read only: the zones (all active ones, or the given ones) whose warning must change or whose
        held state moves, with what was observed. Most zones most of the time need nothing, so a caller
        can assess without holding a write lock and take one only for :meth:`act`."""
        zones = self.repo.zone_keys(zone_ids)
        if not zones:
            return []
        assigned = self.repo.gauge_slots([z.id for z in zones])
        codes = sorted({code for slots in assigned.values() for code, _rank in slots})
        index = {code: i for i, code in enumerate(codes)}
        doc = self.thresholds
        if doc.effective_rule is not None and book.antecedent_days < doc.effective_rule.days:
            raise ValueError(
                f"有效雨量需要{doc.effective_rule.days}天前期雨量 (the rain book keeps {book.antecedent_days} days)"
            )
        matrix = gauge_matrix(
            [book.gauges.get(c) for c in codes], doc.measures, now, doc.silent_minutes, doc.effective_rule
        )
        slots = Assignments.pack([[(index[code], rank) for code, rank in assigned[z.id]] for z in zones])
        result = evaluate(matrix, slots, compile_thresholds(doc, [(z.code, z.management_level) for z in zones]))
        active = self.repo.active_by_zone([z.id for z in zones], Hazard.geo.value)
        lifecycle = self.policy.lifecycle
        out: list[Assessment] = []
        for i, zone in enumerate(zones):
            record = active.get(zone.id)
            rank = int(result.colour[i])
            if record is None and rank < lifecycle.lowest.rank:
                continue  # the common case: quiet and nothing active
            observed = None if result.no_data[i] else rank
            decision = decide(_held(record), observed, now, lifecycle)
            moved = record is not None and decision.held is not None and _held(record) != decision.held
            if decision.steps or moved:
                out.append(Assessment(zone.id, observed, result.trigger(i, codes)))
        return out

    def act(self, assessed: Sequence[Assessment], now: datetime, *, exercise: bool | None = None) -> list[ZoneChange]:
        """Run the lifecycle of the assessed zones; each zone is re-read under a row lock and decided
        again, so an assessment made before another process acted changes nothing twice. Warnings issued
        are exercises when ``exercise``, or (None) while an exercise window is open."""
        if exercise is None:
            exercise = bool(assessed) and current_exercise(self.session, now) is not None
        zones = {z.id: z for z in self.repo.zones([a.zone_id for a in assessed])} if assessed else {}
        changes: list[ZoneChange] = []
        for item in assessed:
            zone = zones.get(item.zone_id)
            if zone is not None:  # deactivated meanwhile: the sweep expires its warning
                changes += self.apply(zone, item.observed, item.trigger, now, exercise=exercise)
        self.session.flush()
        return changes

    def sweep(self, now: datetime) -> list[ZoneChange]:
        """Expire active warnings past their expiry whose zones are no longer evaluated (deactivated)."""
        changes: list[ZoneChange] = []
        for record, zone in self.repo.active_warnings():
            if not zone.active and record.expires_at <= now:
                changes += self.apply(zone, None, None, now, hazard=Hazard(record.hazard))
        return changes

    @staticmethod
    def _track(record: WarningRecord, held: Held) -> None:
        if (record.expires_at, record.below_since, record.below_peak) != (
            held.expires_at,
            held.below_since,
            held.below_peak,
        ):
            record.expires_at, record.below_since, record.below_peak = (
                held.expires_at,
                held.below_since,
                held.below_peak,
            )

    def apply(
        self,
        zone: RiskZone,
        observed: int | None,
        trigger: Trigger | None,
        now: datetime,
        *,
        hazard: Hazard = Hazard.geo,
        exercise: bool = False,
        _retried: bool = False,
    ) -> list[ZoneChange]:
        """One zone's lifecycle step for an observed colour rank (0 none … 4 red; None = no data)."""
        record = self.repo.active_warning(zone.id, hazard.value, for_update=True)
        decision = decide(_held(record), observed, now, self.policy.lifecycle)
        changes: list[ZoneChange] = []
        identifier: str | None
        for step in decision.steps:
            previous = Colour(record.colour) if record is not None else None
            if step.change is Change.issued:
                assert decision.held is not None
                created = self._insert(zone, hazard, step.colour, trigger, decision.held, now, exercise)
                if created is None:
                    if _retried:
                        raise RuntimeError(f"zone {zone.code}: active warning vanished while retrying")
                    return [
                        *changes,
                        *self.apply(zone, observed, trigger, now, hazard=hazard, exercise=exercise, _retried=True),
                    ]
                record = created
                identifier = self._write_message(record, zone, Change.issued, step.colour, trigger, now)
                previous = None
            else:
                assert record is not None
                identifier = self._step(record, zone, step.change, step.colour, trigger, now)
            changes.append(
                ZoneChange(
                    zone.id,
                    zone.code,
                    zone.name,
                    record.id,
                    step.change,
                    step.colour,
                    previous,
                    trigger,
                    identifier,
                    now,
                    record.exercise,
                )
            )
            if step.change in (Change.cancelled, Change.expired):
                record = None
        if record is not None and decision.held is not None:
            self._track(record, decision.held)
        self.session.flush()
        return changes

    def _insert(
        self,
        zone: RiskZone,
        hazard: Hazard,
        colour: Colour,
        trigger: Trigger | None,
        held: Held,
        now: datetime,
        exercise: bool,
    ) -> WarningRecord | None:
        """Insert the active warning; None when another transaction's active warning won the race."""
        record = WarningRecord(
            zone_id=zone.id,
            hazard=hazard.value,
            colour=colour.value,
            peak_colour=colour.value,
            state=WarningState.active.value,
            exercise=exercise,
            issued_at=now,
            expires_at=held.expires_at,
            below_peak=0,
        )
        self._record_trigger(record, trigger)
        try:
            with self.session.begin_nested():
                self.session.add(record)
                self.session.flush()
        except IntegrityError:
            return None
        return record

    def _step(
        self,
        record: WarningRecord,
        zone: RiskZone,
        change: Change,
        colour: Colour,
        trigger: Trigger | None,
        now: datetime,
    ) -> str | None:
        if change is Change.expired:
            record.state = WarningState.expired.value
            record.ended_at = now
            self.session.flush()
            return None
        if change is Change.cancelled:
            record.state = WarningState.cancelled.value
            record.ended_at = now
            self.session.flush()
            return self._write_message(record, zone, change, None, trigger, now)
        if change is not Change.renewed:
            self._record_trigger(record, trigger)
        record.colour = colour.value
        if colour.rank > Colour(record.peak_colour).rank:
            record.peak_colour = colour.value
        record.last_update_at = now
        return self._write_message(record, zone, change, colour, trigger, now)

    @staticmethod
    def _record_trigger(record: WarningRecord, trigger: Trigger | None) -> None:
        if trigger is not None and trigger.colour is not None:
            record.trigger_window = trigger.measure
            record.trigger_value = trigger.value_mm
            record.trigger_threshold = trigger.threshold_mm
            record.trigger_gauge = trigger.gauge

    # ---- CAP ------------------------------------------------------------------------------------

    def area(self, zone: RiskZone) -> Area:
        cap = self.policy.cap
        geocodes = [("GB/T 2260", cap.region_code), ("统计用区划代码", zone.township_code)]
        if zone.village_code:
            geocodes.append(("统计用区划代码", zone.village_code))
        geocodes.append(("风险防范区编号", zone.code))
        return area_from_geojson(f"{zone.name}风险防范区", json.loads(zone.geometry), geocodes, cap.point_radius_km)

    def _write_message(
        self,
        record: WarningRecord,
        zone: RiskZone,
        change: Change,
        colour: Colour | None,
        trigger: Trigger | None,
        now: datetime,
    ) -> str:
        cap = self.policy.cap
        earlier = [] if change is Change.issued else self.repo.messages(record.id)
        msg_type = MsgType.alert if not earlier else (MsgType.cancel if colour is None else MsgType.update)
        references = tuple(Reference(cap.sender, m.identifier, m.sent_at) for m in earlier)
        mark = EXERCISE_MARK if record.exercise else ""
        if colour is None:
            shown = Colour(record.colour)
            headline = f"{mark}{zone.name}地质灾害气象风险{shown.label}预警解除"
            description = f"{zone.name}风险防范区雨量已低于预警阈值，{shown.label}预警解除。"
            instruction = ALL_CLEAR
        else:
            headline = f"{mark}{zone.name}地质灾害气象风险{colour.label}预警"
            if change is not Change.issued:
                headline += f"（{CHANGE_WORDS[change]}{colour.label}）"
            description = self._description(zone, colour, record)
            instruction = INSTRUCTIONS[colour]
        parameters = self._parameters(zone, colour, record, trigger)
        sent = now
        for _ in range(3600):
            region, after = identifier_prefix(cap.region_code, cap.org_code, cap.unit_code, sent)
            key = region + after
            if key not in self._sequences:
                self._sequences = {key: self.repo.count_identifiers(f"{region}__{after}_")}  # one second at a time
            for sequence in range(self._sequences[key], 1000):
                self._sequences[key] = sequence + 1
                identifier = cap_identifier(cap.region_code, cap.org_code, cap.unit_code, sent, sequence)
                xml = build_alert(
                    CapMessage(
                        identifier=identifier,
                        sender=cap.sender,
                        sent=sent,
                        msg_type=msg_type,
                        colour=colour,
                        headline=headline,
                        description=description,
                        area=self.area(zone),
                        sender_name=cap.sender_name,
                        status=Status.exercise if record.exercise else Status.actual,
                        references=references,
                        instruction=instruction,
                        expires=record.expires_at if colour is not None else None,
                        parameters=parameters,
                        web=cap.web,
                        contact=cap.contact,
                        note=EXERCISE_NOTE if record.exercise else "",
                    )
                )
                row = CapMessageRecord(
                    warning_id=record.id,
                    change=change.value,
                    msg_type=msg_type.value,
                    status=(Status.exercise if record.exercise else Status.actual).value,
                    identifier=identifier,
                    colour=None if colour is None else colour.value,
                    sent_at=sent,
                    xml=xml.decode("utf-8"),
                )
                try:
                    with self.session.begin_nested():
                        self.session.add(row)
                        self.session.flush()
                except IntegrityError:
                    continue  # another process took this identifier: next sequence number
                record.cap_identifier = identifier
                return identifier
            sent += timedelta(seconds=1)  # more than 1,000 messages in one second: the next second
        raise RuntimeError("no CAP identifier left")

    def _description(self, zone: RiskZone, colour: Colour, record: WarningRecord) -> str:
        text = f"{zone.name}风险防范区（{zone.management_level}级管理）地质灾害气象风险{colour.level}（{colour.risk}）"
        if record.trigger_window and record.trigger_value is not None and record.trigger_threshold is not None:
            gauge = f"，雨量站{record.trigger_gauge}" if record.trigger_gauge else ""
            text += (
                f"：{_measure_words(record.trigger_window)}{_fmt(record.trigger_value)}毫米，"
                f"达到{Colour(record.colour).label}预警阈值{_fmt(record.trigger_threshold)}毫米{gauge}"
            )
        return text + "。"

    def _parameters(
        self, zone: RiskZone, colour: Colour | None, record: WarningRecord, trigger: Trigger | None
    ) -> tuple[tuple[str, str], ...]:
        params: list[tuple[str, str]] = [("zone_code", zone.code), ("management_level", str(zone.management_level))]
        if colour is not None:
            params.append(("warning_colour", colour.value))
            if record.trigger_window:
                params += [
                    ("trigger_window", record.trigger_window),
                    ("trigger_value_mm", _fmt(record.trigger_value or 0.0)),
                    ("trigger_threshold_mm", _fmt(record.trigger_threshold or 0.0)),
                ]
                if record.trigger_gauge:
                    params.append(("trigger_gauge", record.trigger_gauge))
        if trigger is not None and trigger.values:
            params += [(f"rain_{m}_mm", _fmt(v)) for m, v in trigger.values.items()]
        return tuple(params)

    def households(self, zone: RiskZone, principal: Principal | None) -> list[HouseholdRead]:
        """The zone's threatened households; phones masked for roles without ``pii:read``."""
        return [HouseholdRead.of(h, zone, principal) for h in self.repo.households(zone.id)]

    def people_to_reach(self, zone: RiskZone) -> list[tuple[ResponsibleLevel, Person]]:
        """The zone's responsible people with their level, for a caller's fan-out."""
        return [(ResponsibleLevel(zp.level), p) for zp, p in self.repo.responsible_people(zone.id)]

    def active(self) -> list[WarningRead]:
        return [WarningRead.of(w) for w, _ in self.repo.active_warnings()]

    def message_xml(self, identifier: str) -> str | None:
        row = self.repo.message(identifier)
        return None if row is None else row.xml

    def feed(self, base_url: str, now: datetime, *, exercises: bool = False) -> bytes:
        """Atom feed of the current (active) warnings, each entry linking its latest CAP message; drills
        (演练, CAP status Exercise) only when ``exercises`` is asked for, and then marked."""
        entries: list[FeedEntry] = []
        for record, zone in self.repo.active_warnings():
            if record.exercise and not exercises:
                continue
            messages = self.repo.messages(record.id)
            if not messages:
                continue
            last = messages[-1]
            colour = Colour(record.colour)
            entries.append(
                FeedEntry(
                    identifier=last.identifier,
                    title=f"{EXERCISE_MARK if record.exercise else ''}{zone.name}地质灾害气象风险{colour.label}预警",
                    updated=last.sent_at,
                    summary=f"{colour.level}预警（{colour.risk}）",
                    cap_url=f"{base_url.rstrip('/')}/cap/{last.identifier}.xml",
                )
            )
        cap = self.policy.cap
        return build_feed(
            entries,
            feed_id=f"urn:gridgov:{cap.region_code}:cap",
            title=f"{cap.sender_name}（当前预警）",
            self_url=f"{base_url.rstrip('/')}/cap/feed.atom",
            author=cap.sender_name,
            updated=now,
        )

    # ---- coverage -------------------------------------------------------------------------------

    def nearest(self, k: int = 3) -> list[Nearest]:
        """Each active zone's ``k`` nearest active rain gauges (sensing stations of kind ``rain_gauge``)."""
        zones = self.repo.zones()
        gauges = [Site(s.code, s.lon, s.lat) for s in self.repo.rain_gauges()]
        sites = [Site(z.code, z.lon, z.lat, _geometry(z)) for z in zones]
        return nearest_gauges(sites, gauges, k=k)

    def coverage(self, near_m: float = 200.0, far_m: float = 2000.0) -> CoverageReport:
        return coverage_report(self.nearest(1), near_m, far_m)

    def assign_nearest_gauges(self, k: int = 2) -> int:
        """Replace every zone's gauge assignment by its ``k`` nearest gauges (rank 1 nearest)."""
        zones = {z.code: z for z in self.repo.zones()}
        count = 0
        for near in self.nearest(k):
            zone = zones[near.zone]
            rows = [
                ZoneGauge(zone_id=zone.id, station_code=code, distance_m=round(dist, 1), rank=rank)
                for rank, (code, dist) in enumerate(near.gauges, start=1)
            ]
            self.repo.replace_gauges(zone.id, rows)
            count += len(rows)
        self.session.flush()
        return count


def _geometry(zone: RiskZone) -> dict[str, Any] | None:
    try:
        value = json.loads(zone.geometry)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
