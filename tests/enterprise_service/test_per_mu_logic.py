"""亩均 scoring (pure): a hand calculation for three enterprises, the handling of missing data and of firms
outside the evaluation, and properties of the scoring and the classes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.enterprise_service.documents import PER_MU
from gridgov.enterprise_service.permu import CLASSES, Figures, Result, Status, evaluate
from tests.enterprise_service.permu_reference import reference_evaluate

SCHEME = PER_MU.default()


def _firm(key: int, tax: float, va: float, land: float, energy: float, emission: float | None, staff: float,
          rd: float, revenue: float) -> Figures:  # fmt: skip
    values = {"tax": tax, "value_added": va, "land_mu": land, "energy_tce": energy, "emission_t": emission,
              "employees": staff, "rd": rd, "revenue": revenue}  # fmt: skip
    return Figures(key=key, above_scale=True, values=values)


def test_three_enterprises_by_hand() -> None:
    """Values: 亩均税收 30/5/10, 亩均增加值 150/30/80, 单位能耗增加值 3/2/1, 单位排放增加值 5000/—/2000,
    全员劳动生产率 15/10/5, R&D 2%/1%/0.5%. Benchmarks are the means: 15, 86⅔, 2, 3500, 10, 7/6 %.
    Item = weight × value ÷ benchmark (at most 2 × weight); firm 2 has no emission figure and takes the
    average of the others' emission scores, (100/7 + 40/7) / 2 = 10."""
    rows = [
        _firm(1, 300, 1500, 10, 500, 0.3, 100, 120, 6000),
        _firm(2, 100, 600, 20, 300, None, 60, 30, 3000),
        _firm(3, 50, 400, 5, 400, 0.2, 80, 10, 2000),
    ]
    va_bench = 260 / 3
    expected = {
        1: [30 * 30 / 15, 20 * 150 / va_bench, 20 * 3 / 2, 10 * 5000 / 3500, 10 * 15 / 10, 10 * 2 / (7 / 6)],
        2: [30 * 5 / 15, 20 * 30 / va_bench, 20 * 2 / 2, 10.0, 10 * 10 / 10, 10 * 1 / (7 / 6)],
        3: [30 * 10 / 15, 20 * 80 / va_bench, 20 * 1 / 2, 10 * 2000 / 3500, 10 * 5 / 10, 10 * 0.5 / (7 / 6)],
    }
    results = {r.key: r for r in evaluate(rows, SCHEME)}
    for key, parts in expected.items():
        result = results[key]
        assert [p.score for p in result.parts] == pytest.approx(parts)
        assert result.score == pytest.approx(sum(parts))
    assert results[1].score == pytest.approx(171.0440, abs=1e-4)
    assert results[2].score == pytest.approx(65.4945, abs=1e-4)
    assert results[3].score == pytest.approx(63.4615, abs=1e-4)
    assert [results[k].rank for k in (1, 2, 3)] == [1, 2, 3]
    assert results[2].parts[3].imputed and not results[1].parts[3].imputed
    # shares 25/45/25/5 %: positions 1/3 and 2/3 fall in B, 3/3 in D
    assert [results[k].klass for k in (1, 2, 3)] == ["B", "B", "D"]


def test_missing_and_out_of_scope_are_never_scored_zero() -> None:
    small = Figures(10, above_scale=False, values={"tax": 5, "land_mu": 2.0, "electricity_mwh": 10})
    idle = Figures(11, above_scale=True, in_production=False, values={})
    gap = _firm(12, 100, 500, 10, 0, 0.1, 50, 10, 1000)  # energy 0: 单位能耗增加值 cannot be computed
    vetoed = Figures(
        13, above_scale=True, veto="重大安全事故", values=_firm(0, 900, 9000, 10, 100, 1, 10, 500, 9000).values
    )
    ok = _firm(14, 100, 500, 10, 200, 0.1, 50, 10, 1000)
    results = {r.key: r for r in evaluate([small, idle, gap, vetoed, ok], SCHEME)}
    assert results[10].status is Status.not_evaluated and "3亩" in results[10].reason
    assert results[11].status is Status.not_evaluated
    assert results[12].status is Status.incomplete and results[12].missing == ("单位能耗增加值",)
    assert results[12].score is None and results[12].klass is None
    assert (results[13].status, results[13].klass) == (Status.vetoed, "D")
    assert results[14].status is Status.classified


positive = st.floats(min_value=0.01, max_value=1e5, allow_nan=False, allow_infinity=False)


@st.composite
def populations(draw: st.DrawFn) -> list[Figures]:
    n = draw(st.integers(min_value=1, max_value=40))
    return [
        _firm(
            i,
            draw(positive),
            draw(positive),
            draw(positive),
            draw(positive),
            draw(st.none() | positive),
            draw(positive),
            draw(positive),
            draw(positive),
        )  # fmt: skip
        for i in range(n)
    ]


@settings(max_examples=60, deadline=None)
@given(populations())
def test_scores_are_sums_of_parts_and_classes_follow_the_ranking(rows: list[Figures]) -> None:
    everyone = evaluate(rows, SCHEME)
    unranked = [r for r in everyone if r.rank is None]
    assert all(r.status is Status.incomplete and r.missing and r.score is None for r in unranked)
    if unranked:  # only when nobody has the emission figure to average
        assert all(row.values["emission_t"] is None for row in rows)
    results = sorted((r for r in everyone if r.rank is not None), key=lambda r: r.rank or 0)
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    for r in results:
        assert r.score == pytest.approx(sum(p.score or 0 for p in r.parts))
        assert all(p.score is not None and 0 < p.score <= 2 * p.weight + 1e-9 for p in r.parts)
    classes = [CLASSES.index(r.klass or "D") for r in results]
    assert classes == sorted(classes)
    scores = [r.score or 0 for r in results]
    assert scores == sorted(scores, reverse=True)


@settings(max_examples=40, deadline=None)
@given(populations(), st.floats(min_value=0.1, max_value=100))
def test_ratio_scores_do_not_depend_on_the_unit(rows: list[Figures], factor: float) -> None:
    """Counting tax in 元 instead of 万元 changes no score: each item is relative to the population's mean."""
    scaled = [Figures(r.key, r.above_scale, values={**r.values, "tax": (r.values["tax"] or 0) * factor}) for r in rows]
    before = {r.key: r.score for r in evaluate(rows, SCHEME)}
    after = {r.key: r.score for r in evaluate(scaled, SCHEME)}
    assert after == pytest.approx(before)


def _close(a: float | None, b: float | None) -> bool:
    return a is None and b is None or (a is not None and b is not None and a == pytest.approx(b, rel=1e-9, abs=1e-12))


def _same(new: list[Result], old: list[Result]) -> None:
    assert [r.key for r in new] == [r.key for r in old]
    for a, b in zip(new, old, strict=True):
        assert (a.population, a.status, a.missing, a.of) == (b.population, b.status, b.missing, b.of)
        assert a.reason == b.reason and _close(a.score, b.score)
        assert len(a.parts) == len(b.parts)
        for p, q in zip(a.parts, b.parts, strict=True):
            assert (p.key, p.weight, p.imputed) == (q.key, q.weight, q.imputed)
            assert _close(p.value, q.value) and _close(p.score, q.score) and _close(p.benchmark, q.benchmark)
    # ranks and classes may only differ between totals equal to the last bits (the array sums in another order)
    totals = sorted((r.score for r in new if r.score is not None), reverse=True)
    if all(x - y > 1e-9 * max(1.0, abs(x)) for x, y in zip(totals, totals[1:], strict=False)):
        assert [(r.rank, r.klass) for r in new] == [(r.rank, r.klass) for r in old]


SCHEMES = [
    SCHEME,
    SCHEME.model_copy(update={"method": "minmax20", "cap": None}),
    SCHEME.model_copy(update={"classes": SCHEME.classes.model_copy(update={"mode": "thresholds"})}),
]


@settings(max_examples=80, deadline=None)
@given(populations(), st.sampled_from(range(len(SCHEMES))), st.lists(st.booleans(), max_size=40))
def test_the_array_scoring_equals_the_first_pure_python_one(
    rows: list[Figures], scheme_index: int, vetoes: list[bool]
) -> None:
    """Random firms (missing emissions, vetoes, 规下 firms mixed in) under the ratio, min-max and threshold schemes."""
    scheme = SCHEMES[scheme_index]
    mixed = [
        Figures(
            r.key,
            r.above_scale if r.key % 5 else False,
            veto="违法" if i < len(vetoes) and vetoes[i] else None,
            values={**r.values, "electricity_mwh": r.values["energy_tce"]},
        )  # fmt: skip
        for i, r in enumerate(rows)
    ]
    _same(evaluate(mixed, scheme), reference_evaluate(mixed, scheme))
