from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.warning.enums import Change, Colour
from gridgov.warning.lifecycle import Decision, Held, Lifecycle, decide

T0 = datetime(2026, 6, 20, 0, 0, tzinfo=UTC)
POLICY = Lifecycle(lowest=Colour.yellow, downgrade_minutes=60, quiet_minutes=120, valid_hours=24, renew_minutes=120)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def changes(decision: Decision) -> list[tuple[Change, Colour]]:
    return [(s.change, s.colour) for s in decision.steps]


class TestDecide:
    def test_issue_only_from_the_lowest_colour(self) -> None:
        assert changes(decide(None, Colour.blue.rank, T0, POLICY)) == []
        d = decide(None, Colour.orange.rank, T0, POLICY)
        assert changes(d) == [(Change.issued, Colour.orange)]
        assert d.held == Held(Colour.orange, at(24 * 60))

    def test_upgrade_at_once(self) -> None:
        held = Held(Colour.yellow, at(24 * 60))
        assert changes(decide(held, 4, at(5), POLICY)) == [(Change.upgraded, Colour.red)]

    def test_downgrade_after_the_lower_colour_held_long_enough(self) -> None:
        held = Held(Colour.red, at(24 * 60))
        d1 = decide(held, Colour.orange.rank, at(10), POLICY)
        assert changes(d1) == [] and d1.held is not None and d1.held.below_since == at(10)
        d2 = decide(d1.held, Colour.yellow.rank, at(40), POLICY)
        assert changes(d2) == [] and d2.held is not None and d2.held.below_peak == Colour.orange.rank
        d3 = decide(d2.held, Colour.yellow.rank, at(70), POLICY)
        assert changes(d3) == [(Change.downgraded, Colour.orange)]  # the highest colour of the spell
        assert d3.held is not None and d3.held.below_since == at(70)  # already below orange: a new spell

    def test_back_to_the_colour_ends_the_calm_spell(self) -> None:
        held = Held(Colour.red, at(24 * 60), below_since=at(0), below_peak=2)
        d = decide(held, 4, at(59), POLICY)
        assert changes(d) == [] and d.held == Held(Colour.red, at(24 * 60))

    def test_cancel_after_quiet_time_without_any_colour(self) -> None:
        held = Held(Colour.yellow, at(24 * 60))
        d = decide(held, 0, at(0), POLICY)
        assert changes(decide(d.held, 1, at(119), POLICY)) == []  # blue is below the lowest: counts as none
        assert changes(decide(d.held, 0, at(120), POLICY)) == [(Change.cancelled, Colour.yellow)]
        assert decide(d.held, 0, at(120), POLICY).held is None

    def test_silence_changes_nothing_until_the_expiry(self) -> None:
        held = Held(Colour.orange, at(60))
        assert decide(held, None, at(59), POLICY) == Decision((), held)
        d = decide(held, None, at(60), POLICY)
        assert changes(d) == [(Change.expired, Colour.orange)] and d.held is None

    def test_expired_then_raining_again_issues_anew(self) -> None:
        d = decide(Held(Colour.red, at(60)), Colour.yellow.rank, at(61), POLICY)
        assert changes(d) == [(Change.expired, Colour.red), (Change.issued, Colour.yellow)]

    def test_renew_while_confirmed_near_the_expiry(self) -> None:
        held = Held(Colour.red, at(24 * 60))
        assert changes(decide(held, 4, at(24 * 60 - 121), POLICY)) == []
        d = decide(held, 4, at(24 * 60 - 120), POLICY)
        assert changes(d) == [(Change.renewed, Colour.red)] and d.held == Held(Colour.red, at(48 * 60 - 120))


# Property over random evaluation sequences (time steps of 1–90 minutes, colours or no data).
observations = st.lists(st.tuples(st.integers(1, 90), st.one_of(st.none(), st.integers(0, 4))), max_size=60)


@settings(max_examples=300, deadline=None)
@given(observations)
def test_lifecycle_invariants(sequence: list[tuple[int, int | None]]) -> None:
    held: Held | None = None
    now = T0
    for step, observed in sequence:
        now += timedelta(minutes=step)
        before = held
        d = decide(held, observed, now, POLICY)
        held = d.held
        kinds = [s.change for s in d.steps]
        seen = (
            observed if observed is not None and observed >= POLICY.lowest.rank else (None if observed is None else 0)
        )
        # never below what the gauges show: with data at or above the lowest colour there is a warning at least as high
        if seen:
            assert held is not None and held.colour.rank >= seen
        # an issue only when nothing was active (or it just expired); upgrades go up, downgrades go down
        for s in d.steps:
            if s.change is Change.issued:
                assert before is None or kinds[0] is Change.expired
            if s.change is Change.upgraded:
                assert before is not None and s.colour.rank > before.colour.rank
            if s.change is Change.downgraded:
                assert before is not None and POLICY.lowest.rank <= s.colour.rank < before.colour.rank
            if s.change is Change.cancelled:
                assert before is not None and before.below_since is not None
                assert now - before.below_since >= timedelta(minutes=POLICY.quiet_minutes) and seen == 0
            if s.change is Change.expired:
                assert before is not None and now >= before.expires_at
        # an active warning never outlives its expiry
        if held is not None:
            assert held.expires_at > now
        # at most one change per step, except expiry followed by a new issue
        assert len(kinds) <= 1 or kinds == [Change.expired, Change.issued]
