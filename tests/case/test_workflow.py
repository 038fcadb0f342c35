from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from gridgov.case.workflow import TRANSITIONS, Action, CaseState, allowed_actions, next_state
from gridgov.errors import Conflict, Forbidden
from gridgov.org.enums import Role

OPERATOR = frozenset({Role.township_operator.value})
HANDLER = frozenset({Role.department_handler.value})
GRID = frozenset({Role.grid_member.value})


def test_full_loop_with_one_rework() -> None:
    state = CaseState.reported
    for action, roles in [
        (Action.file, OPERATOR),
        (Action.dispatch, OPERATOR),
        (Action.accept, HANDLER),
        (Action.feedback, HANDLER),
        (Action.verify_fail, GRID),
        (Action.feedback, HANDLER),
        (Action.verify_pass, GRID),
        (Action.close, OPERATOR),
    ]:
        state = next_state(state, action, roles)
    assert state is CaseState.closed


def test_wrong_state_is_409_with_a_clear_message() -> None:
    with pytest.raises(Conflict, match="已结案.*不能派遣"):
        next_state(CaseState.closed, Action.dispatch, OPERATOR)


def test_wrong_role_is_403() -> None:
    with pytest.raises(Forbidden, match="不能结案"):
        next_state(CaseState.verified, Action.close, HANDLER)


def test_buttons_follow_state_and_role() -> None:
    assert Action.accept in allowed_actions(CaseState.dispatched, HANDLER)
    assert Action.dispatch not in allowed_actions(CaseState.dispatched, HANDLER)
    assert allowed_actions(CaseState.cancelled, OPERATOR) == [Action.comment]


ROLE_SETS = [frozenset({r.value}) for r in Role]


class Lifecycle(RuleBasedStateMachine):
    """Random actions by random roles against a simple model of what must hold."""

    def __init__(self) -> None:
        super().__init__()
        self.state = CaseState.reported
        self.was_verified_since_feedback = False
        self.reworks = 0

    @rule(action=st.sampled_from(list(Action)), roles=st.sampled_from(ROLE_SETS))
    def act(self, action: Action, roles: frozenset[str]) -> None:
        before = self.state
        try:
            after = next_state(before, action, roles)
        except (Conflict, Forbidden):
            rule_ = TRANSITIONS[action]
            assert before not in rule_.sources or not (rule_.roles & roles)
            return
        if action is Action.close:
            assert before is CaseState.verified and self.was_verified_since_feedback
        if action is Action.verify_pass:
            self.was_verified_since_feedback = True
        if action in (Action.feedback, Action.reopen):
            self.was_verified_since_feedback = False
        if action is Action.verify_fail:
            self.reworks += 1
            assert after is CaseState.handling
        self.state = after

    @invariant()
    def ended_cases_take_only_comments_or_reopen(self) -> None:
        if self.state in (CaseState.merged, CaseState.cancelled):
            assert allowed_actions(self.state, frozenset(r.value for r in Role)) == [Action.comment]

    @invariant()
    def closed_means_verified(self) -> None:
        if self.state is CaseState.closed:
            assert self.was_verified_since_feedback


TestLifecycle = Lifecycle.TestCase
TestLifecycle.settings = settings(max_examples=100, stateful_step_count=40, deadline=None)
