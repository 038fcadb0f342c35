"""The carbon arithmetic without a database: emissions, the five indicators, normalisation, weights, index,
obstacle degrees and the tail-to-head potential; entropy and TOPSIS cross-checked against ``pymcdm``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pymcdm.methods import TOPSIS  # type: ignore[import-untyped]
from pymcdm.weights import entropy_weights as pymcdm_entropy  # type: ignore[import-untyped]

from gridgov.carbon import benchmark, calc
from gridgov.carbon.documents import FACTORS, SCORING

FACTORS_2023 = FACTORS.default().version("2023").factors()
values = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
matrices = st.integers(2, 30).flatmap(lambda n: arrays(np.float64, (n, 5), elements=values))


def test_emissions_by_hand() -> None:
    energy = calc.Energy(np.array([1_000_000.0]), np.array([10_000.0]), np.array([500.0]), np.array([20_000.0]),
                         {"diesel": np.array([1_000.0])})  # fmt: skip
    found = calc.emissions(energy, FACTORS_2023)
    assert math.isclose(found.electricity[0], 550.0)
    assert math.isclose(found.gas[0], 21.622)
    assert math.isclose(found.steam[0], 55.0)
    assert math.isclose(found.fuels[0], 3.0959)
    assert math.isclose(found.total[0], 550 + 21.622 + 55 + 3.0959)
    assert math.isclose(found.pv_avoided[0], 11.0)


def test_indicators_by_hand() -> None:
    total, pv = np.array([600.0, 0.0]), np.array([30.0, 0.0])
    activity = calc.Activity(np.array([20.0, 5.0]), np.array([1_500.0, 0.0]), np.array([60.0, 1.0]),
                             np.array([50.0, 3.0]), np.array([6.0, 12.0]))  # fmt: skip
    found = calc.indicators(total, pv, activity)
    assert found.values[0].tolist() == pytest.approx([1200 / 20, 600 / 1500, 600 / 60, 600 / 50, 30 / 630])
    assert math.isnan(found.values[1][1]) and found.complete.tolist() == [True, False]


@given(matrices)
@settings(max_examples=60, deadline=None)
def test_normalised_is_in_unit_interval_best_is_one(matrix: np.ndarray) -> None:
    z = calc.normalise(matrix)
    assert np.all((z >= 0) & (z <= 1))
    for j in range(5):
        best = matrix[:, j].max() if calc.TYPES[j] > 0 else matrix[:, j].min()
        assert np.all(z[matrix[:, j] == best, j] == 1)


@given(matrices)
@settings(max_examples=60, deadline=None)
def test_weights_scores_and_obstacles_are_bounded(matrix: np.ndarray) -> None:
    z = calc.normalise(matrix)
    w = calc.entropy_weights(z)
    assert math.isclose(w.sum(), 1) and np.all(w >= 0)
    for method in ("weighted_sum", "topsis"):
        found = calc.index(matrix, method, "entropy", np.ones(5))
        assert np.all((found.scores >= -1e-9) & (found.scores <= 100 + 1e-9))
    o = calc.obstacles(z, w)
    sums = o.sum(axis=1)
    assert np.all(np.isclose(sums, 1) | np.isclose(sums, 0))


@given(matrices, st.floats(0.1, 100))
@settings(max_examples=40, deadline=None)
def test_index_ignores_the_scale_of_emissions(matrix: np.ndarray, scale: float) -> None:
    scaled = matrix.copy()
    scaled[:, :4] *= scale
    for method in ("weighted_sum", "topsis"):
        a = calc.index(matrix, method, "entropy", np.ones(5)).scores
        b = calc.index(scaled, method, "entropy", np.ones(5)).scores
        assert np.allclose(a, b, atol=1e-6)


@given(arrays(np.float64, (12, 5), elements=st.floats(0.01, 1e3)))
@settings(max_examples=40, deadline=None)
def test_entropy_agrees_with_pymcdm_on_positive_data(matrix: np.ndarray) -> None:
    assert np.allclose(calc.entropy_weights(matrix), pymcdm_entropy(matrix), atol=1e-9)


def test_topsis_is_pymcdm_and_a_dominating_enterprise_wins() -> None:
    matrix = np.array([[1.0, 0.1, 1.0, 1.0, 0.3], [5.0, 0.9, 8.0, 9.0, 0.0], [3.0, 0.5, 4.0, 2.0, 0.1]])
    w = np.full(5, 0.2)
    scores = calc.topsis(matrix, w)
    assert np.allclose(scores / 100, TOPSIS()(matrix, w, calc.TYPES, validation=False))
    assert scores.argmax() == 0 and scores.argmin() == 1


def test_expert_weights_are_the_documents() -> None:
    scoring = SCORING.default()
    found = calc.index(np.array([[1.0, 1, 1, 1, 0], [2.0, 2, 2, 2, 0.1]]), "weighted_sum", "expert",
                       np.array(scoring.weights()))  # fmt: skip
    assert found.weights.tolist() == pytest.approx([0.2, 0.3, 0.2, 0.15, 0.15])


def test_potential_by_hand() -> None:
    # one band of eight: head = best two, tail = worst two
    scores = np.array([90.0, 80, 70, 60, 50, 40, 30, 20])
    output = np.array([100.0, 300, 100, 100, 100, 100, 200, 100])
    total = np.array([10.0, 50, 30, 30, 30, 30, 120, 25])
    groups = benchmark.band_groups(["b"] * 8, scores, total, output, 0.25, 0.25)
    band = groups["b"]
    assert band.model == 0 and band.head == [0, 1] and band.tail == [6, 7]
    assert band.benchmark_intensity == pytest.approx(60 / 400)
    found = benchmark.contributions(groups, total, output)
    assert found == pytest.approx({6: 120 - 0.15 * 200, 7: 25 - 0.15 * 100})
    assert benchmark.potential(groups, total, output) == pytest.approx(90 + 10)


@given(st.integers(1, 60), st.floats(0.05, 0.5), st.floats(0.05, 0.5))
def test_groups_never_overlap(n: int, head: float, tail: float) -> None:
    groups = benchmark.band_groups(["b"] * n, np.arange(n, dtype=float), np.ones(n), np.ones(n), head, tail)
    band = groups["b"]
    assert band.head and not set(band.head) & set(band.tail) and len(band.head) + len(band.tail) <= n


def test_factor_versions_by_month() -> None:
    from datetime import date

    document = FACTORS.default()
    assert document.effective(date(2020, 6, 1)).version == "2021"
    assert document.effective(date(2022, 12, 1)).version == "2022"
    assert document.effective(date(2026, 1, 1)).version == "2023"
    for version in document.versions:
        assert all(len(f.source) > 10 for f in (version.electricity, version.gas, version.steam))
