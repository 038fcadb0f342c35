"""Case domain logic: intake, routing, the lifecycle with its clocks, and notices. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from sqlalchemy.orm import Session

from gridgov.case.attachments import store
from gridgov.case.calendar import TimeUnit, WorkCalendar
from gridgov.case.catalogue import ROUTING, load_calendar, load_taxonomy
from gridgov.case.geocell import cell_of
from gridgov.case.models import Case, CaseAttachment, CaseEvent
from gridgov.case.repository import CaseRepository
from gridgov.case.routing import Place, Route, RoutingRules, escalate, route
from gridgov.case.schemas import (
    AttachmentRead,
    CaseAction,
    CaseEventRead,
    CasePage,
    CaseQuery,
    CaseRead,
    CaseReport,
)
from gridgov.case.taxonomy import Category, Limit, Taxonomy, Tier
from gridgov.case.urgency import urgency
from gridgov.case.workflow import ACTION_LABELS, Action, CaseState, allowed_actions, next_state
from gridgov.configdata.service import load_document
from gridgov.errors import Forbidden, InvalidInput, NotFound
from gridgov.geo.service import geo_service
from gridgov.kit.principal import Principal
from gridgov.kit.time import local_midnight, to_local, utcnow
from gridgov.notify.service import Notice, Notifier
from gridgov.org.duty import COUNTY_DUTY_DESK, TOWNSHIP_PLATFORM, on_duty
from gridgov.org.enums import STAFF_ROLES, Role
from gridgov.org.models import Unit

EVENT_LABELS = {"report": "上报", "escalate": "升级"}
NOT_VISIBLE = "案件不存在或不在您的辖区内 (no such case in your area)"
DISPATCHER_ROLES = {
    Tier.village: [Role.village_cadre.value],
    Tier.township: [Role.township_operator.value],
    Tier.county: [Role.county_dispatcher.value],
}
DUTY_POSTS = {Tier.township: TOWNSHIP_PLATFORM, Tier.county: COUNTY_DUTY_DESK}
"""Whose person on duty an escalated case reaches at each tier (``gridgov.org.duty``; none without a roster)."""
HANDLER_ACTIONS = {Action.accept, Action.give_back, Action.feedback, Action.request_extension}
VERIFIER_ACTIONS = {Action.verify_pass, Action.verify_fail}
EXTENSION_ANSWERS = {Action.approve_extension, Action.refuse_extension}


@dataclass
class IntakeMemo:
    """Reads of case intake that cannot change inside one writer transaction (the batch is one
    transaction, and on SQLite it holds the write lock): made once per batch instead of once per report."""

    versions: tuple[tuple[int, str | None], tuple[int, int, int]] | None = None
    routing: RoutingRules | None = None
    units: dict[str, Unit | None] = field(default_factory=dict)
    holders: dict[tuple[str, str], list[int]] = field(default_factory=dict)


def intake_memo(session: Session) -> IntakeMemo:
    """The memo of this session's transaction. Only for a session that runs one transaction and only
    reports (the batch writer's): elsewhere a taxonomy edit in the same session would go unseen."""
    memo = session.info.get("case.intake")
    if not isinstance(memo, IntakeMemo):
        memo = session.info["case.intake"] = IntakeMemo()
    return memo


COUNT_CAP = 10_000
"""Lists count matching cases up to this many ("10,000+" beyond)."""
CASE_READERS = STAFF_ROLES | {Role.api_client}
"""Roles that read the cases of their area; anyone else (the SMS gateway's account) reads only what it reported
or what its units were sent."""


def _reads_area(principal: Principal) -> bool:
    return not principal.roles.isdisjoint(CASE_READERS)


class CaseService:
    def __init__(
        self,
        session: Session,
        *,
        memo: IntakeMemo | None = None,
        calendar: WorkCalendar | None = None,
        clock: Callable[[], datetime] = utcnow,
        notifier: Notifier | None = None,
        yellow_share: float = 0.25,
        duplicate_metres: float = 50.0,
        duplicate_window: timedelta = timedelta(hours=72),
    ) -> None:
        self.duplicate_metres = duplicate_metres
        self.duplicate_window = duplicate_window
        self.session = session
        self.repo = CaseRepository(session)
        self._base_calendar = calendar or WorkCalendar()
        self._calendar: WorkCalendar | None = None
        self.clock = clock
        self.notifier = notifier or Notifier()
        self.yellow_share = yellow_share
        self._taxonomy: Taxonomy | None = None
        self._numbers: dict[int, str] = {}
        """Numbers of cases this service already holds (the identity map forgets unreferenced rows)."""
        self._units: dict[int, Unit] = {}
        self.memo = memo

    @property
    def calendar(self) -> WorkCalendar:
        """The working calendar with the holiday tables administrators loaded."""
        if self._calendar is None:
            self._calendar = load_calendar(self.session, self._base_calendar, self._versions[1])
        return self._calendar

    @cached_property
    def _versions(self) -> tuple[tuple[int, str | None], tuple[int, int, int]]:
        if self.memo is None:
            return self.repo.config_versions()
        if self.memo.versions is None:
            self.memo.versions = self.repo.config_versions()
        return self.memo.versions

    def _routing(self) -> RoutingRules:
        if self.memo is None:
            return load_document(self.session, ROUTING)
        if self.memo.routing is None:
            self.memo.routing = load_document(self.session, ROUTING)
        return self.memo.routing

    def _unit_by_code(self, code: str) -> Unit | None:
        if self.memo is None:
            return self.repo.unit_by_code(code)
        if code not in self.memo.units:
            self.memo.units[code] = self.repo.unit_by_code(code)
        return self.memo.units[code]

    def _dispatchers(self, tier: Tier, node_code: str) -> list[int]:
        if self.memo is None:
            return self.repo.role_holders(DISPATCHER_ROLES[tier], node_code)
        key = (tier.value, node_code)
        if key not in self.memo.holders:
            self.memo.holders[key] = self.repo.role_holders(DISPATCHER_ROLES[tier], node_code)
        return self.memo.holders[key]

    def calendar_gaps(self) -> list[int]:
        """This year and next that neither the package nor a loaded table covers (pages warn)."""
        year = to_local(self.clock()).year
        return self.calendar.missing_years([year, year + 1])

    @property
    def taxonomy(self) -> Taxonomy:
        if self._taxonomy is None:
            self._taxonomy = load_taxonomy(self.session, self._versions[0])
        return self._taxonomy

    # clocks ------------------------------------------------------------------------------------
    def _start_clock(self, case: Case, limit: Limit | None, now: datetime) -> None:
        if limit is None:
            case.clock_started_at = case.deadline_at = case.limit_amount = case.limit_unit = None
            return
        case.clock_started_at = now
        case.deadline_at = self.calendar.deadline(now, limit.amount, limit.unit)
        case.limit_amount, case.limit_unit = limit.amount, limit.unit.value

    def _stage_limit(self, case: Case) -> Limit:
        stages = self.taxonomy.get(case.category_code).stages
        return stages[min(case.stage_index, len(stages) - 1)].limit

    # reading -----------------------------------------------------------------------------------
    def get(self, principal: Principal, number: str) -> Case:
        case = self.repo.by_number(number)
        if case is None or not (
            _reads_area(principal)
            and principal.covers(case.path)
            or case.unit_id in principal.unit_ids
            or (case.reporter_person_id is not None and case.reporter_person_id == principal.person_id)
        ):
            raise NotFound(NOT_VISIBLE)
        return case

    def read(self, principal: Principal, case: Case, *, with_events: bool = False) -> CaseRead:
        category = self.taxonomy.get(case.category_code)
        state = CaseState(case.state)
        unit = self._units.get(case.unit_id) if case.unit_id else None
        unit = unit or self.repo.unit(case.unit_id)
        colour = None
        if state.is_open and case.deadline_at and case.clock_started_at and case.limit_unit:
            colour = urgency(
                self.calendar,
                self.clock(),
                case.clock_started_at,
                case.deadline_at,
                TimeUnit(case.limit_unit),
                self.yellow_share,
            )
        stage = category.stages[min(case.stage_index, len(category.stages) - 1)].name
        limit = (
            f"{Limit(amount=case.limit_amount, unit=case.limit_unit)}"
            if case.limit_amount and case.limit_unit
            else None
        )
        events = None
        if with_events:
            events = [
                CaseEventRead(
                    action=e.action,
                    action_label=ACTION_LABELS[Action(e.action)]
                    if e.action in Action.__members__
                    else EVENT_LABELS.get(e.action, e.action),
                    from_state=e.from_state,
                    to_state=e.to_state,
                    at=e.at,
                    actor_name=e.actor_name,
                    comment=e.comment,
                    data=e.data,
                )
                for e in self.repo.events(case.id)
            ]
        return CaseRead(
            number=case.number,
            category=case.category_code,
            category_name=category.name,
            description=case.description,
            severity=case.severity,
            state=state,
            state_label=state.label,
            source=case.source,
            lon=case.lon,
            lat=case.lat,
            address=case.address,
            township_code=case.township_code,
            village_code=case.village_code,
            grid_code=case.grid_code,
            tier=case.tier,
            owner_code=case.owner_code,
            unit_code=unit.code if unit else None,
            stage=stage if state is CaseState.handling else None,
            deadline_at=case.deadline_at,
            time_limit=limit,
            urgency=colour,
            rework_count=case.rework_count,
            escalation_level=case.escalation_level,
            extension_requested_days=case.extension_days,
            possible_duplicate_of=self._number_of(case.duplicate_of_id),
            created_at=case.created_at,
            closed_at=case.closed_at,
            allowed_actions=[
                a
                for a in allowed_actions(state, principal.roles)
                if self._in_position(principal, case, a) and (a not in EXTENSION_ANSWERS or case.extension_days)
            ],
            events=events,
            attachments=[AttachmentRead.model_validate(a) for a in self.repo.attachments(case.id)]
            if with_events
            else None,
        )

    def _number_of(self, case_id: int | None) -> str | None:
        if case_id is None:
            return None
        return self._numbers.get(case_id) or self.repo.number_of(case_id)

    def search(
        self, principal: Principal, where: CaseQuery | None = None, *, limit: int = 50, offset: int = 0
    ) -> CasePage:
        """Cases in the principal's area (or sent to their units, or reported by them) that match ``where``,
        newest first, with their colours."""
        where = where or CaseQuery()
        area = principal.scope_paths if _reads_area(principal) else ()
        stmt = self.repo.visible(area, list(principal.unit_ids), principal.person_id)
        if where.state:
            stmt = stmt.where(self.repo.state_is(where.state.value))
        if where.category:
            stmt = stmt.where(self.repo.category_is(where.category))
        if where.township:
            stmt = stmt.where(self.repo.township_is(where.township))
        if where.q and where.q.strip():
            stmt = stmt.where(self.repo.matching(where.q.strip()))
        if where.since:
            stmt = stmt.where(self.repo.reported_from(local_midnight(where.since)))
        if where.until:
            stmt = stmt.where(self.repo.reported_before(local_midnight(where.until + timedelta(days=1))))
        if where.overdue:
            stmt = stmt.where(self.repo.overdue_at(self.clock()))
        items, total, capped = self.repo.page(stmt, limit=limit, offset=offset, count_cap=COUNT_CAP)
        return CasePage(items=[self.read(principal, case) for case in items], total=total, total_capped=capped)

    # intake ------------------------------------------------------------------------------------
    def report(self, principal: Principal, data: CaseReport, *, source: str = "app") -> Case:
        """A new case, located, routed and timed, with its event and notices: added to the session but
        not flushed, so that a batch of reports (the batch writer) flushes once."""
        with self.session.no_autoflush:  # reads only: nothing pending is needed (ids come from next_case_id)
            category = self.taxonomy.active(data.category)
            location = geo_service.locate(self.session, data.lon, data.lat, principal.local_paths)
            if location.township is None:
                raise InvalidInput("该点不在任何乡镇(街道)内 (point is in no township)", field="lon")
            place = Place(
                county=location.path.split("/")[0],
                township=location.township.code,
                village=location.village.code if location.village else None,
            )
            severity = data.severity or category.severity
            target = route(category, place, severity, self._routing().rules)
            now = self.clock()
            unit = self._unit_by_code(target.unit_code) if target.unit_code else None
            duplicate = self.repo.nearby_open(
                category.code, data.lon, data.lat, self.duplicate_metres, now - self.duplicate_window
            )
            if duplicate is not None:
                self._numbers[duplicate.id] = duplicate.number
            if unit is not None:
                self._units[unit.id] = unit
            dispatchers = self._dispatchers(target.tier, target.node_code)
            case_id = self.repo.next_case_id(same_transaction=self.memo is not None)
        case = Case(
            id=case_id,
            created_at=now,
            updated_at=now,
            number=f"{to_local(now).strftime('%Y%m%d')}{case_id:06d}",
            category_code=category.code,
            description=data.description,
            severity=severity,
            state=CaseState.reported.value,
            source=source,
            lon=data.lon,
            lat=data.lat,
            cell=cell_of(data.lon, data.lat),
            address=data.address,
            path=location.path,
            township_code=place.township,
            village_code=place.village,
            grid_code=location.grid.code if location.grid else None,
            tier=target.tier.value,
            owner_code=target.node_code,
            reporter_person_id=principal.person_id,
            unit_id=unit.id if unit else None,
            duplicate_of_id=duplicate.id if duplicate else None,
            stage_index=0,  # set, not defaulted: the case is read before the batch flushes it
            rework_count=0,
            escalation_level=0,
        )
        self._start_clock(case, category.limits.filing, now)
        self.session.add(case)
        self._event(
            principal,
            case,
            "report",
            None,
            CaseState.reported,
            data.lon,
            data.lat,
            data.description,
            {
                "routed_to": target.unit_code or target.node_code,
                "tier": target.tier.value,
                "possible_duplicate_of": duplicate.number if duplicate else None,
                **({"media_url": data.media_url} if data.media_url else {}),
            },
        )
        self._notify(
            dispatchers,
            Notice(
                "assignment",
                f"新上报案件 {case.number}：{category.name}",
                body=category.filing,
                link=self._link(case),
                case_id=case.id,
            ),
        )
        return case

    # lifecycle ---------------------------------------------------------------------------------
    def act(self, principal: Principal, number: str, data: CaseAction) -> Case:
        case = self.get(principal, number)
        before = CaseState(case.state)
        after = next_state(before, data.action, principal.roles)
        self._check_position(principal, case, data.action)
        category = self.taxonomy.get(case.category_code)
        now = self.clock()
        extra: dict[str, object] = {}
        match data.action:
            case Action.file:
                self._start_clock(case, category.limits.dispatch, now)
            case Action.dispatch:
                unit = self._dispatch_unit(principal, case, data.unit_code)
                case.unit_id = unit.id if unit else None
                extra["unit"] = unit.code if unit else case.owner_code
                self._start_clock(case, self._stage_limit(case), now)
                self._notify_unit(case, "assignment", f"派遣案件 {case.number}：{category.name}")
            case Action.give_back:
                if not data.comment.strip():
                    raise InvalidInput("退回必须说明理由 (a return needs a reason)", field="comment")
                case.unit_id = None
                self._start_clock(case, category.limits.dispatch, now)
                self._notify_dispatchers(case, category, "return", f"案件 {case.number} 被退回：{data.comment}")
            case Action.feedback:
                if case.stage_index + 1 < len(category.stages):
                    case.stage_index += 1
                    after = CaseState.handling
                    extra["next_stage"] = category.stages[case.stage_index].name
                    self._start_clock(case, self._stage_limit(case), now)
                else:
                    self._start_clock(case, None, now)
                    self._notify(
                        self.repo.grid_members(case.grid_code) if case.grid_code else [],
                        Notice("verification", f"请核查案件 {case.number}", link=self._link(case), case_id=case.id),
                    )
            case Action.verify_fail:
                case.rework_count += 1
                self._start_clock(case, self._stage_limit(case), now)
                self._notify_unit(case, "rework", f"案件 {case.number} 核查未通过，请返工")
            case Action.request_extension:
                if not data.days:
                    raise InvalidInput("请填写申请延期的工作日数 (days is required)", field="days")
                case.extension_days = data.days
                extra["days"] = data.days
            case Action.approve_extension | Action.refuse_extension:
                if not case.extension_days:
                    raise InvalidInput("没有待审批的延期申请 (no extension requested)", field="action")
                if data.action is Action.approve_extension and case.deadline_at:
                    case.deadline_at = self.calendar.deadline(
                        case.deadline_at, case.extension_days, TimeUnit.working_days
                    )
                extra["days"] = case.extension_days
                case.extension_days = None
            case Action.defer | Action.hang | Action.merge | Action.cancel:
                if data.action is Action.merge:
                    target = self.get(principal, data.into_case or "")
                    if target.id == case.id:
                        raise InvalidInput("不能合并到自身 (cannot merge a case into itself)", field="into_case")
                    if not CaseState(target.state).is_open:
                        raise InvalidInput(
                            f"案件{target.number}{CaseState(target.state).label}，只能合并到未办结的案件 "
                            "(merge only into an open case)",
                            field="into_case",
                        )
                    case.merged_into_id = target.id
                    extra["into"] = target.number
                self._start_clock(case, None, now)
            case Action.resume:
                self._start_clock(case, self._stage_limit(case), now)
            case Action.close:
                case.closed_at = now
            case Action.reopen:
                case.closed_at = None
                case.stage_index = 0
                self._start_clock(case, category.limits.dispatch, now)
            case Action.supervise:
                self._notify_unit(case, "supervision", f"督办：案件 {case.number} {category.name}")
        case.state = after.value
        self._event(principal, case, data.action.value, before, after, data.lon, data.lat, data.comment, extra or None)
        self.session.flush()
        return case

    # attachments -------------------------------------------------------------------------------
    def attach(
        self, principal: Principal, number: str, filename: str, data: bytes, root: Path, max_bytes: int
    ) -> CaseAttachment:
        case = self.get(principal, number)
        key, digest, content_type = store(root, data, max_bytes)
        row = CaseAttachment(
            case_id=case.id,
            filename=filename[:200],
            content_type=content_type,
            size=len(data),
            sha256=digest,
            storage_key=key,
            uploaded_by=principal.display,
        )
        self.session.add(row)
        self._event(
            principal,
            case,
            "comment",
            CaseState(case.state),
            CaseState(case.state),
            None,
            None,
            f"上传附件 {row.filename}",
            {"attachment": digest},
        )
        self.session.flush()
        return row

    def attachment(self, principal: Principal, number: str, attachment_id: int) -> CaseAttachment:
        case = self.get(principal, number)
        row = self.repo.attachment(case.id, attachment_id)
        if row is None:
            raise NotFound("附件不存在 (no such attachment)")
        return row

    # escalation --------------------------------------------------------------------------------
    def escalate_overdue(self, case: Case, now: datetime) -> str:
        """One step for a case whose deadline passed: up one tier (village → township → county) with a
        fresh clock and a 督办 notice; at the county, the supervision notice alone. Returns what it did."""
        category = self.taxonomy.get(case.category_code)
        deadline = case.deadline_at
        case.overdue_handled_for = deadline
        place = Place(county=case.path.split("/")[0], township=case.township_code, village=case.village_code)
        current = Route(Tier(case.tier), case.owner_code, None)
        higher = escalate(current, place)
        leaders = self.repo.role_holders([Role.leader.value], case.owner_code)
        if higher is None:
            self._notify(
                leaders + self.repo.role_holders(DISPATCHER_ROLES[Tier.county], case.owner_code),
                Notice("supervision", f"督办：案件 {case.number} 已超期", link=self._link(case), case_id=case.id),
            )
            outcome = "supervised"
        else:
            case.escalation_level += 1
            case.tier, case.owner_code = higher.tier.value, higher.node_code
            unit = self.repo.unit_by_code(higher.unit_code) if higher.unit_code else None
            if case.state in (CaseState.reported.value, CaseState.filed.value) and unit is not None:
                case.unit_id = unit.id
            limit = Limit(amount=case.limit_amount or 1, unit=case.limit_unit or TimeUnit.working_days)
            self._start_clock(case, limit, now)
            self._notify(
                leaders,
                Notice("supervision", f"督办：案件 {case.number} 超期，已升级", link=self._link(case), case_id=case.id),
            )
            self._notify_dispatchers(case, category, "escalation", f"升级案件 {case.number}：{category.name}")
            on_duty_now = on_duty(self.session, now, area=self._owner_path(case), kind=DUTY_POSTS[higher.tier])
            title = f"升级案件 {case.number}：{category.name}"
            notice = Notice("escalation", title, link=self._link(case), case_id=case.id)
            self._notify([d.person_id for d in on_duty_now], notice)
            outcome = f"escalated to {higher.tier.value}"
        self.session.add(
            CaseEvent(
                case_id=case.id,
                action="escalate",
                from_state=case.state,
                to_state=case.state,
                at=now,
                actor_account_id=None,
                actor_name="system",
                comment=outcome,
                data={"deadline": deadline.isoformat() if deadline else None, "tier": case.tier},
            )
        )
        self.session.flush()
        return outcome

    # checks and notices ------------------------------------------------------------------------
    def _owner_path(self, case: Case) -> str:
        parts = case.path.split("/")
        return "/".join(parts[: parts.index(case.owner_code) + 1]) + "/"

    def _in_position(self, principal: Principal, case: Case, action: Action) -> bool:
        """Beyond the role: handlers act for the assigned unit, dispatchers for the owning tier."""
        if action in HANDLER_ACTIONS:
            return case.unit_id in principal.unit_ids if case.unit_id else principal.covers(self._owner_path(case))
        if action in VERIFIER_ACTIONS or action is Action.comment:
            return principal.covers(case.path) or case.unit_id in principal.unit_ids
        return principal.covers(self._owner_path(case))

    def _check_position(self, principal: Principal, case: Case, action: Action) -> None:
        if not self._in_position(principal, case, action):
            raise Forbidden(f"您不负责此案件的{action.label} (not yours to {action.value})")

    def _dispatch_unit(self, principal: Principal, case: Case, unit_code: str | None) -> Unit | None:
        """The unit to send to: one inside the dispatcher's area, or on the case's own path (the county's
        departments, the township's offices). None only at the village tier, where the village handles it."""
        if unit_code is None:
            unit = self.repo.unit(case.unit_id)
            if unit is None and case.tier != Tier.village.value:
                raise InvalidInput("请选择处置单位 (unit_code is required)", field="unit_code")
            return unit
        unit = self.repo.unit_by_code(unit_code)
        path = self.repo.unit_path(unit.id) if unit else None
        if unit is None or path is None:
            raise InvalidInput(f"单位{unit_code}不存在 (unknown unit)", field="unit_code")
        if not (principal.covers(path) or case.path.startswith(path)):
            raise Forbidden(f"单位{unit_code}不在本案件的辖区内 (that unit does not serve this place)")
        return unit

    def _link(self, case: Case) -> str:
        return f"/cases/{case.number}"

    def _notify(self, person_ids: list[int], notice: Notice) -> None:
        if person_ids:
            self.notifier.notify(self.session, person_ids, notice)

    def _notify_dispatchers(self, case: Case, category: Category, kind: str, title: str) -> None:
        roles = DISPATCHER_ROLES[Tier(case.tier)]
        self._notify(
            self.repo.role_holders(roles, case.owner_code),
            Notice(kind, title, body=category.filing, link=self._link(case), case_id=case.id),
        )

    def _notify_unit(self, case: Case, kind: str, title: str) -> None:
        people = (
            self.repo.unit_members(case.unit_id)
            if case.unit_id
            else self.repo.role_holders(DISPATCHER_ROLES[Tier.village], case.owner_code)
        )
        self._notify(people, Notice(kind, title, link=self._link(case), case_id=case.id))

    def _event(
        self,
        principal: Principal,
        case: Case,
        action: str,
        before: CaseState | None,
        after: CaseState,
        lon: float | None,
        lat: float | None,
        comment: str,
        data: dict[str, object] | None,
    ) -> None:
        self.session.add(
            CaseEvent(
                case_id=case.id,
                action=action,
                from_state=before.value if before else None,
                to_state=after.value,
                at=self.clock(),
                actor_account_id=principal.account_id,
                actor_name=principal.display,
                lon=lon,
                lat=lat,
                comment=comment,
                data=data,
            )
        )

    # closed by the platform itself ---------------------------------------------------------------
    def close_by_system(self, principal: Principal, case_id: int, comment: str) -> bool:
        """Close a case the platform opened once its closing condition came true by itself (a silent
        sensor reports again): from any open state, the comment in the timeline. False when the case is
        gone or no longer open (someone closed it already)."""
        case = self.session.get(Case, case_id)
        if case is None or not CaseState(case.state).is_open:
            return False
        before, now = CaseState(case.state), self.clock()
        self._start_clock(case, None, now)
        case.state, case.closed_at, case.extension_days = CaseState.closed.value, now, None
        self._event(principal, case, Action.close.value, before, CaseState.closed, None, None, comment, {"auto": True})
        self.session.flush()
        return True
