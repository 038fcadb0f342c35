"""Enterprise appeals (企业诉求) on the core case engine. Flushes, never commits.

An appeal is a core case of the colour's category (``0501``/``0502``/``0503``), so the core routes it to the
colour's level, times it with that category's limits and escalates it when overdue (the core sweep); this
module keeps the enterprise, the colour with its reasons, and the visits. A return visit (回访) is the case's
verification: satisfied closes it, unsatisfied sends it back (返工, or 重开 once closed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.case.catalogue import ROUTING
from gridgov.case.models import Case, CaseEvent
from gridgov.case.repository import CaseRepository
from gridgov.case.routing import Place, route
from gridgov.case.schemas import CaseAction, CaseReport
from gridgov.case.service import CaseService
from gridgov.case.workflow import Action, CaseState
from gridgov.configdata.service import load_document
from gridgov.enterprise_service.access import NOT_VISIBLE, Reader
from gridgov.enterprise_service.documents import APPEALS, AppealRules
from gridgov.enterprise_service.models import Appeal, ColourChange, Visit
from gridgov.enterprise_service.rules import Colour, intake_colour
from gridgov.enterprise_service.schemas import AppealCreate, AppealRead, ColourChangeRead, VisitRead
from gridgov.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridgov.kit.principal import Principal, system_principal
from gridgov.kit.time import utcnow
from gridgov.registry.models import Enterprise

SYSTEM_NAME = "企业服务"


def county_path(path: str) -> str:
    return path.split("/")[0] + "/"


@dataclass(frozen=True)
class AppealFilter:
    colour: Colour | None = None
    open_only: bool = False
    township: str | None = None
    enterprise_id: int | None = None
    project_id: int | None = None


class AppealService:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock
        self.cases = CaseService(session, clock=clock)

    @property
    def rules(self) -> AppealRules:
        return load_document(self.session, APPEALS)

    # reading -----------------------------------------------------------------------------------
    def enterprise(self, reader: Reader, enterprise_id: int) -> Enterprise:
        found = self.session.get(Enterprise, enterprise_id)
        if found is None or not reader.sees(found.id, found.path):
            raise NotFound(f"企业{NOT_VISIBLE}", field="enterprise_id")
        return found

    def get(self, reader: Reader, appeal_id: int) -> Appeal:
        appeal = self.session.get(Appeal, appeal_id)
        if appeal is None:
            raise NotFound(f"诉求{NOT_VISIBLE}")
        self.enterprise(reader, appeal.enterprise_id)
        return appeal

    def search(self, reader: Reader, where: AppealFilter, limit: int = 50, offset: int = 0) -> tuple[list[Appeal], int]:
        stmt = (
            select(Appeal)
            .join(Enterprise, Enterprise.id == Appeal.enterprise_id)
            .join(Case, Case.id == Appeal.case_id)
            .where(reader.where(Appeal.enterprise_id, Enterprise.path))
        )
        if where.colour:
            stmt = stmt.where(Appeal.colour == where.colour.value)
        if where.open_only:
            stmt = stmt.where(Case.state.not_in(["closed", "merged", "cancelled"]))
        if where.township:
            stmt = stmt.where(Enterprise.township_code == where.township)
        if where.enterprise_id:
            stmt = stmt.where(Appeal.enterprise_id == where.enterprise_id)
        if where.project_id:
            stmt = stmt.where(Appeal.project_id == where.project_id)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.scalars(stmt.order_by(Appeal.id.desc()).limit(limit).offset(offset))
        return list(rows), total

    def read(self, appeal: Appeal, *, full: bool = False) -> AppealRead:
        case = self.session.get_one(Case, appeal.case_id)
        enterprise = self.session.get_one(Enterprise, appeal.enterprise_id)
        system = system_principal(SYSTEM_NAME, county_path(case.path))
        view = self.cases.read(system, case, with_events=full)
        rules = self.rules
        category = rules.category(appeal.category)
        escalations = self.session.scalar(
            select(func.count()).where(CaseEvent.case_id == case.id, CaseEvent.action == "escalate")
        )
        changes = visits = None
        if full:
            changes = [
                ColourChangeRead.model_validate(c, from_attributes=True)
                for c in self.session.scalars(
                    select(ColourChange).where(ColourChange.appeal_id == appeal.id).order_by(ColourChange.id)
                )
            ]
            visits = [
                VisitRead.model_validate(v, from_attributes=True)
                for v in self.session.scalars(select(Visit).where(Visit.appeal_id == appeal.id).order_by(Visit.id))
            ]
        return AppealRead(
            id=appeal.id,
            enterprise_id=enterprise.id,
            enterprise_name=enterprise.name,
            credit_code=enterprise.credit_code,
            project_id=appeal.project_id,
            category=appeal.category,
            category_name=category.name if category else appeal.category,
            title=appeal.title,
            impact=appeal.impact,
            urgency=appeal.urgency,
            shared=appeal.shared,
            colour=Colour(appeal.colour),
            level=rules.colours[Colour(appeal.colour)].level,
            channel=appeal.channel,
            recorder_name=appeal.recorder_name,
            case_number=case.number,
            state=view.state.value,
            state_label=view.state_label,
            tier=case.tier,
            deadline_at=case.deadline_at,
            time_limit=view.time_limit,
            overdue=bool(case.deadline_at and view.state.is_open and case.deadline_at < self.clock()),
            escalation_level=case.escalation_level,
            escalations=escalations or 0,
            satisfied=appeal.satisfied,
            created_at=appeal.created_at,
            events=view.events,
            colour_changes=changes,
            visits=visits,
        )

    # intake ------------------------------------------------------------------------------------
    def record(
        self, principal: Principal, reader: Reader, data: AppealCreate, *, project_id: int | None = None
    ) -> Appeal:
        """A new appeal: coloured by the rules, opened as a core case of the colour's category."""
        enterprise = self.enterprise(reader, data.enterprise_id)
        rules = self.rules
        if rules.category(data.category) is None:
            known = ", ".join(c.code for c in rules.categories)
            raise InvalidInput(f"未知诉求类别 {data.category} (unknown category; one of {known})", field="category")
        if enterprise.lon is None or enterprise.lat is None:
            raise InvalidInput("该企业没有坐标，无法分派 (the enterprise has no location)", field="enterprise_id")
        colour = intake_colour(rules.rules, rules.default, data.impact, data.urgency, data.shared)
        rule = next((r.name for r in rules.rules if r.matches(data.impact, data.urgency, data.shared)), "默认绿码")
        system = system_principal(SYSTEM_NAME, county_path(enterprise.path))
        case = self.cases.report(
            system,
            CaseReport(
                category=rules.colours[colour].case_category,
                description=f"【{enterprise.name}】{data.title}：{data.description}",
                lon=enterprise.lon,
                lat=enterprise.lat,
                address=enterprise.address,
                severity=colour.rank + 1,
            ),
            source=f"enterprise:{enterprise.id}",
        )
        self.session.flush()
        channel = "project" if project_id else "enterprise" if reader.is_enterprise else "visit"
        now = self.clock()
        appeal = Appeal(
            case_id=case.id,
            enterprise_id=enterprise.id,
            project_id=project_id,
            category=data.category,
            title=data.title,
            impact=data.impact,
            urgency=data.urgency,
            shared=data.shared,
            colour=colour.value,
            channel=channel,
            recorder_name=principal.display,
            created_at=now,
            updated_at=now,
        )
        self.session.add(appeal)
        self.session.flush()
        self.session.add(
            ColourChange(
                appeal_id=appeal.id,
                from_colour=None,
                to_colour=colour.value,
                reason=rule,
                actor_name=principal.display,
                at=now,
            )
        )
        self.session.flush()
        return appeal

    def recolour(self, principal: Principal, reader: Reader, appeal_id: int, colour: Colour, reason: str) -> Appeal:
        """Change the colour with a reason: the case moves to the new colour's level, back to 待受理 there,
        with that category's filing limit."""
        if reader.is_enterprise:
            raise Forbidden("企业账号不能调整赋码 (an enterprise account cannot change the colour)")
        appeal = self.get(reader, appeal_id)
        if colour.value == appeal.colour:
            raise InvalidInput(f"诉求已是{colour.value} (already {colour.value})", field="colour")
        case = self.session.get_one(Case, appeal.case_id)
        before = CaseState(case.state)
        if not before.is_open:
            raise Conflict(f"案件{before.label}，不能改码 (the case is {before.value})")
        rules = self.rules
        category = self.cases.taxonomy.active(rules.colours[colour].case_category)
        place = Place(county=case.path.split("/")[0], township=case.township_code, village=case.village_code)
        target = route(category, place, colour.rank + 1, load_document(self.session, ROUTING).rules)
        unit = CaseRepository(self.session).unit_by_code(target.unit_code) if target.unit_code else None
        now = self.clock()
        limit = category.limits.filing
        case.category_code, case.severity = category.code, colour.rank + 1
        case.tier, case.owner_code, case.unit_id = target.tier.value, target.node_code, unit.id if unit else None
        case.state, case.stage_index, case.overdue_handled_for = CaseState.reported.value, 0, None
        case.clock_started_at, case.limit_amount, case.limit_unit = now, limit.amount, limit.unit.value
        case.deadline_at = self.cases.calendar.deadline(now, limit.amount, limit.unit)
        text = f"改码 {appeal.colour}→{colour.value}，转{rules.colours[colour].level}：{reason}"
        self.session.add(
            CaseEvent(
                case_id=case.id,
                action="report",
                from_state=before.value,
                to_state=case.state,
                at=now,
                actor_account_id=principal.account_id,
                actor_name=principal.display,
                comment=text,
                data={"colour": colour.value, "routed_to": target.unit_code or target.node_code},
            )
        )
        self.session.add(
            ColourChange(
                appeal_id=appeal.id,
                from_colour=appeal.colour,
                to_colour=colour.value,
                reason=reason,
                actor_name=principal.display,
                at=now,
            )
        )
        appeal.colour = colour.value
        self.session.flush()
        return appeal

    # visits ------------------------------------------------------------------------------------
    def return_visit(
        self, principal: Principal, reader: Reader, appeal_id: int, satisfaction: int, notes: str
    ) -> Appeal:
        """回访: satisfied (score ≥ the document's ``satisfied_from``) verifies and closes the case; otherwise
        the case goes back to handling (返工) or, if already closed, is reopened."""
        if reader.is_enterprise:
            raise Forbidden("回访由客户经理记录 (an account manager records the return visit)")
        appeal = self.get(reader, appeal_id)
        case = self.session.get_one(Case, appeal.case_id)
        state = CaseState(case.state)
        if state not in (CaseState.handled, CaseState.verified, CaseState.closed):
            raise Conflict(f"诉求{state.label}，办结反馈后才能回访 (return visits follow the handler's feedback)")
        satisfied = satisfaction >= self.rules.satisfied_from
        comment = f"回访({principal.display})：满意度{satisfaction}{'，满意' if satisfied else '，不满意'}。{notes}"
        system = system_principal(f"{SYSTEM_NAME}回访", county_path(case.path))
        steps: list[Action]
        if satisfied:
            steps = {CaseState.handled: [Action.verify_pass, Action.close], CaseState.verified: [Action.close]}.get(
                state, []
            )
        else:
            steps = {CaseState.handled: [Action.verify_fail], CaseState.verified: [Action.close, Action.reopen]}.get(
                state, [Action.reopen]
            )
        for step in steps:
            self.cases.act(system, case.number, CaseAction(action=step, comment=comment))
        appeal.satisfied = satisfied
        self.session.add(
            Visit(
                enterprise_id=appeal.enterprise_id,
                appeal_id=appeal.id,
                kind="return",
                at=self.clock(),
                actor_account_id=principal.account_id,
                actor_name=principal.display,
                satisfaction=satisfaction,
                notes=notes,
            )
        )
        self.session.flush()
        return appeal

    def visit(self, principal: Principal, reader: Reader, enterprise_id: int, notes: str) -> Visit:
        """An account manager's visit to an enterprise (走访记录)."""
        if reader.is_enterprise:
            raise Forbidden("走访由客户经理记录 (an account manager records visits)")
        enterprise = self.enterprise(reader, enterprise_id)
        row = Visit(
            enterprise_id=enterprise.id,
            kind="visit",
            at=self.clock(),
            actor_account_id=principal.account_id,
            actor_name=principal.display,
            notes=notes,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def visits(self, reader: Reader, enterprise_id: int) -> list[Visit]:
        self.enterprise(reader, enterprise_id)
        return list(
            self.session.scalars(select(Visit).where(Visit.enterprise_id == enterprise_id).order_by(Visit.id.desc()))
        )
