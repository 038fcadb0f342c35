"""The assessment: a quarter's ranking equals a hand calculation; the year's village result, the cadres' 1:1:1
results, grades and bonuses that add up to the pool; scores within the indicator's points; appeals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from gridgov.errors import InvalidInput, NotFound
from gridgov.evaluation.periods import Period
from gridgov.village.assessment import Grade, bonuses, cadre_total, grade_of, rank
from gridgov.village.models import Cadre
from gridgov.village.services_assessment import AssessmentService, install_set
from tests.factories import FUCHUN, WANSHI, build_county, create_person
from tests.village.factories import staff

SPEC = {
    "year": 2022,
    "monthly": [{"code": "M01", "name": "事件办结", "points": 4}, {"code": "M02", "name": "走访", "points": 6}],
    "annual": [{"code": "A01", "name": "集体经济", "points": 10}],
    "individual_tasks": 3,
    "individual_points": 10,
}


def test_a_quarter_ranking_equals_the_hand_calculation(vsession: Session) -> None:
    county = build_county(vsession)
    township = county[FUCHUN]
    villages = [county[f"{FUCHUN}001"], county[f"{FUCHUN}002"]]
    assert install_set(vsession, township, villages, SPEC) == 6
    service = AssessmentService(vsession)
    ops = staff()
    ids = {i.code: i.id for i in service.repo.indicators(2022, township.path)}
    q1 = Period.parse("2022-Q1")
    west, east = (v.code for v in villages)
    for village, m01, m02 in ((west, 3.5, 5.0), (east, 4.0, 4.5)):
        service.set_score(ops, ids["M01"], village, q1, m01, None)
        service.set_score(ops, ids["M02"], village, q1, m02, None)
    board = service.board(ops, FUCHUN, q1)
    # by hand: 城西 3.5 + 5.0 = 8.5, 春晖 4.0 + 4.5 = 8.5 → both first; ties listed by code
    assert [(r.village, r.score, r.rank) for r in board.ranking] == [(west, 8.5, 1), (east, 8.5, 1)]
    service.set_score(ops, ids["M02"], east, q1, 5.5, "复核")
    board = service.board(ops, FUCHUN, q1)
    assert [(r.village, r.score, r.rank) for r in board.ranking] == [(east, 9.5, 1), (west, 8.5, 2)]
    with pytest.raises(InvalidInput):
        service.set_score(ops, ids["M02"], east, q1, 7, None)
    with pytest.raises(InvalidInput):
        service.set_score(ops, ids["A01"], east, q1, 5, None)
    with pytest.raises(NotFound):
        service.board(staff(f"330111/{WANSHI}/"), FUCHUN, q1)

    # the year: mean of the quarters (one scored: 9.5 / 4) + annual + own individual tasks
    service.set_score(ops, ids["A01"], east, Period.parse("2022"), 8, None)
    own = next(i for i in service.repo.indicators(2022, township.path) if i.village_code == east)
    service.set_score(ops, own.id, east, Period.parse("2022"), own.max_points, None)
    person = create_person(vsession, county, [], name="书记")
    vsession.add(
        Cadre(
            year=2022,
            person_id=person.id,
            village_code=east,
            path=villages[1].path,
            post="secretary",
            duty=90,
            appraisal=96,
        )
    )
    vsession.flush()
    year = service.year(ops, FUCHUN, 2022, Decimal(10_000))
    points = 9.5 / 4 + 8 + own.max_points
    full = 4 + 6 + 10 + 10  # common + the village's own tasks (10 points shared)
    assert [(v.code, p, pc, r) for v, p, pc, r in year.villages][0] == (
        east,
        round(points, 2),
        round(100 * points / full, 2),
        1,
    )
    (result,) = year.cadres
    assert result.total == pytest.approx((100 * points / full + 90 + 96) / 3, abs=1e-3)
    assert result.bonus == Decimal("20000.00")  # the only cadre earns the whole pool (2 villages × 10,000)


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=40))
def test_ranks_follow_the_scores(scores: list[float]) -> None:
    ranked = rank({f"v{i:02d}": s for i, s in enumerate(scores)})
    assert ranked[0].rank == 1
    for a, b in zip(ranked, ranked[1:], strict=False):
        assert a.score >= b.score and (a.rank == b.rank) == (round(a.score, 4) == round(b.score, 4)) or a.rank < b.rank


GRADES = [Grade("优秀", 90, Decimal("1.2")), Grade("合格", 60, Decimal("0.8")), Grade("不合格", 0, Decimal(0))]


@given(
    st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100), st.floats(0, 100)), min_size=1, max_size=30),
    st.decimals(min_value=0, max_value=10_000_000, places=2),
)
def test_bonuses_add_up_and_follow_the_grade(parts: list[tuple[float, float, float]], pool: Decimal) -> None:
    grades = {f"c{i}": grade_of(cadre_total(*p, (1, 1, 1)), GRADES) for i, p in enumerate(parts)}
    paid = bonuses(pool, {c: g.coefficient for c, g in grades.items()})
    if any(g.coefficient for g in grades.values()):
        assert sum(paid.values()) == pool
    for a in grades:
        for b in grades:
            if grades[a].coefficient > grades[b].coefficient:
                assert paid[a] >= paid[b]
