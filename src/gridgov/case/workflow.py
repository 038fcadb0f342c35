"""The 数字城管 case lifecycle as a table of transitions (pure, no I/O).

信息收集(reported) → 立案(filed) → 派遣(dispatched) → 处置(handling) → 反馈(handled) → 核查(verified) →
结案(closed), with the exception paths: 退回 (return to the dispatcher), 延期 (extension, asked and
approved), 缓办 (defer), 挂账 (hang on the register), 返工 (rework when verification fails), 重开 (reopen),
合并 (merge) and 作废 (cancel). Who may act is decided by role here and by unit/scope in the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gridgov.errors import Conflict, Forbidden
from gridgov.org.enums import Role


class CaseState(StrEnum):
    reported = "reported"
    filed = "filed"
    dispatched = "dispatched"
    handling = "handling"
    handled = "handled"
    verified = "verified"
    closed = "closed"
    deferred = "deferred"
    hung = "hung"
    merged = "merged"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (CaseState.closed, CaseState.merged, CaseState.cancelled)


STATE_LABELS = {
    CaseState.reported: "待受理",
    CaseState.filed: "已立案",
    CaseState.dispatched: "已派遣",
    CaseState.handling: "处置中",
    CaseState.handled: "已反馈",
    CaseState.verified: "已核查",
    CaseState.closed: "已结案",
    CaseState.deferred: "缓办",
    CaseState.hung: "挂账",
    CaseState.merged: "已合并",
    CaseState.cancelled: "已作废",
}


class Action(StrEnum):
    file = "file"
    dispatch = "dispatch"
    accept = "accept"
    give_back = "give_back"
    feedback = "feedback"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    refuse_extension = "refuse_extension"
    verify_pass = "verify_pass"
    verify_fail = "verify_fail"
    close = "close"
    defer = "defer"
    resume = "resume"
    hang = "hang"
    reopen = "reopen"
    merge = "merge"
    cancel = "cancel"
    supervise = "supervise"
    comment = "comment"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.file: "立案",
    Action.dispatch: "派遣",
    Action.accept: "签收",
    Action.give_back: "退回",
    Action.feedback: "处置反馈",
    Action.request_extension: "申请延期",
    Action.approve_extension: "批准延期",
    Action.refuse_extension: "驳回延期",
    Action.verify_pass: "核查通过",
    Action.verify_fail: "核查不通过(返工)",
    Action.close: "结案",
    Action.defer: "缓办",
    Action.resume: "恢复办理",
    Action.hang: "挂账",
    Action.reopen: "重开",
    Action.merge: "合并",
    Action.cancel: "作废",
    Action.supervise: "督办",
    Action.comment: "备注",
}

S = CaseState
DISPATCHERS = frozenset({Role.township_operator, Role.county_dispatcher, Role.village_cadre, Role.admin})
HANDLERS = frozenset({Role.department_handler, Role.village_cadre, Role.township_operator, Role.grid_member})
VERIFIERS = frozenset({Role.grid_member, Role.village_cadre, Role.township_operator, Role.county_dispatcher})
SUPERVISORS = frozenset({Role.county_dispatcher, Role.leader, Role.township_operator, Role.admin})
OPEN = frozenset(s for s in CaseState if s.is_open)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[CaseState]
    target: CaseState | None
    """None keeps the current state (extension requests, supervision, comments)."""
    roles: frozenset[Role]


TRANSITIONS: dict[Action, Transition] = {
    Action.file: Transition(frozenset({S.reported}), S.filed, DISPATCHERS),
    Action.dispatch: Transition(frozenset({S.filed, S.dispatched}), S.dispatched, DISPATCHERS),
    Action.accept: Transition(frozenset({S.dispatched}), S.handling, HANDLERS),
    Action.give_back: Transition(frozenset({S.dispatched, S.handling}), S.filed, HANDLERS),
    Action.feedback: Transition(frozenset({S.handling}), S.handled, HANDLERS),
    Action.request_extension: Transition(frozenset({S.handling}), None, HANDLERS),
    Action.approve_extension: Transition(frozenset({S.handling}), None, DISPATCHERS),
    Action.refuse_extension: Transition(frozenset({S.handling}), None, DISPATCHERS),
    Action.verify_pass: Transition(frozenset({S.handled}), S.verified, VERIFIERS),
    Action.verify_fail: Transition(frozenset({S.handled}), S.handling, VERIFIERS),
    Action.close: Transition(frozenset({S.verified}), S.closed, DISPATCHERS),
    Action.defer: Transition(frozenset({S.filed, S.dispatched, S.handling}), S.deferred, DISPATCHERS),
    Action.resume: Transition(frozenset({S.deferred, S.hung}), S.handling, DISPATCHERS),
    Action.hang: Transition(frozenset({S.handling, S.deferred}), S.hung, DISPATCHERS),
    Action.reopen: Transition(frozenset({S.closed}), S.filed, DISPATCHERS),
    Action.merge: Transition(OPEN - {S.verified}, S.merged, DISPATCHERS),
    Action.cancel: Transition(frozenset({S.reported, S.filed}), S.cancelled, DISPATCHERS),
    Action.supervise: Transition(OPEN, None, SUPERVISORS),
    Action.comment: Transition(frozenset(CaseState), None, frozenset(Role)),
}


def next_state(state: CaseState, action: Action, roles: frozenset[str]) -> CaseState:
    """The state after ``action``; 409 when the case's state does not allow it, 403 when no role does."""
    rule = TRANSITIONS[action]
    if state not in rule.sources:
        raise Conflict(
            f"案件当前状态为“{state.label}”，不能{action.label} (cannot {action.value} a case that is {state.value})"
        )
    if not rule.roles & roles:
        raise Forbidden(f"当前角色不能{action.label} (your role may not {action.value})")
    return rule.target or state


def allowed_actions(state: CaseState, roles: frozenset[str]) -> list[Action]:
    """The buttons to show: actions this state allows and one of these roles may take."""
    return [a for a, rule in TRANSITIONS.items() if state in rule.sources and rule.roles & roles]
