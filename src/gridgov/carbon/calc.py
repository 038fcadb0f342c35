"""The carbon arithmetic, without I/O: emissions from energy with one factor version, the five indicators with
their numerators and denominators, direction-aware normalisation, entropy or expert weights, the composite
index (weighted sum or TOPSIS through ``pymcdm``), score and grade inputs, and obstacle degrees (障碍度).

Everything works on numpy arrays of enterprises (rows) so that a park of ten thousand costs one pass; a single
enterprise is a one-row array. Tonnes of CO2 (t) throughout; money in 万元; land in 亩 (666.67 m²)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from pymcdm.methods import TOPSIS  # type: ignore[import-untyped]
from pymcdm.normalizations import minmax_normalization  # type: ignore[import-untyped]

Array = NDArray[np.float64]
M2_PER_MU = 666.67
INDICATORS = ("land", "output", "tax", "per_capita", "pv")
"""The five indicators (五项指标), in this order in every matrix:

* ``land`` 单位面积碳排放 = annual emissions / land area (t/亩);
* ``output`` 单位产值碳排放 = emissions / output value (t/万元);
* ``tax`` 单位税收碳排放 = emissions / tax paid (t/万元);
* ``per_capita`` 人均产值碳排放 = emissions / average employees (t/人): the emissions that one employee's share
  of the output carries (see ``docs/indicators.md``);
* ``pv`` 光伏碳减量 = CO2 avoided by own PV / (emissions + CO2 avoided) (share, higher is better)."""
BENEFIT = frozenset({"pv"})
"""Indicators where higher is better; the others are costs (lower is better)."""
TYPES = np.array([1 if key in BENEFIT else -1 for key in INDICATORS])


@dataclass(frozen=True)
class Factors:
    """One factor version in the units the arithmetic takes."""

    version: str
    electricity_t_per_kwh: float
    gas_t_per_m3: float
    steam_t_per_gj: float
    fuels: Mapping[str, float] = field(default_factory=dict)
    """Fuel key → t CO2 per unit of quantity."""


@dataclass(frozen=True)
class Energy:
    """Energy of enterprises over a period (arrays of equal length, one entry per enterprise)."""

    electricity_kwh: Array
    gas_m3: Array
    steam_gj: Array
    pv_kwh: Array
    fuels: Mapping[str, Array] = field(default_factory=dict)


@dataclass(frozen=True)
class Emissions:
    electricity: Array
    gas: Array
    steam: Array
    fuels: Array
    pv_avoided: Array
    """CO2 that the own PV generation avoided (at the grid factor); not subtracted from ``total``."""

    @property
    def total(self) -> Array:
        return self.electricity + self.gas + self.steam + self.fuels


def emissions(energy: Energy, factors: Factors) -> Emissions:
    """Energy-related CO2 (t): purchased electricity and steam, natural gas and other fuels burnt on site.
    A fuel the version does not know raises ``KeyError`` (the caller checked the import against it)."""
    fuels = np.zeros_like(energy.electricity_kwh)
    for key, quantity in energy.fuels.items():
        fuels = fuels + quantity * factors.fuels[key]
    return Emissions(
        electricity=energy.electricity_kwh * factors.electricity_t_per_kwh,
        gas=energy.gas_m3 * factors.gas_t_per_m3,
        steam=energy.steam_gj * factors.steam_t_per_gj,
        fuels=fuels,
        pv_avoided=energy.pv_kwh * factors.electricity_t_per_kwh,
    )


@dataclass(frozen=True)
class Activity:
    """What the indicators divide by, per enterprise, over the same months as the emissions."""

    land_mu: Array
    output_value: Array
    tax: Array
    employees: Array
    months: Array
    """Months the period's figures cover: the land indicator is annualised by 12 / months."""


@dataclass(frozen=True)
class Indicators:
    numerators: Array
    """(n, 5): the five indicators' numerators, in ``INDICATORS`` order."""
    denominators: Array

    @property
    def values(self) -> Array:
        """(n, 5) ratios; NaN where a denominator is not positive (the indicator cannot be formed)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.denominators > 0, self.numerators / self.denominators, np.nan)

    @property
    def complete(self) -> NDArray[np.bool_]:
        """Enterprises whose five indicators all exist."""
        return np.asarray(~np.isnan(self.values).any(axis=1), dtype=np.bool_)


def indicators(total: Array, pv_avoided: Array, activity: Activity) -> Indicators:
    """The five indicators' numerators and denominators (see ``INDICATORS``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        annual = np.where(activity.months > 0, total * 12 / activity.months, 0.0)
    numerators = np.column_stack([annual, total, total, total, pv_avoided])
    denominators = np.column_stack(
        [activity.land_mu, activity.output_value, activity.tax, activity.employees, total + pv_avoided]
    )
    return Indicators(numerators.astype(np.float64), denominators.astype(np.float64))


def normalise(matrix: Array) -> Array:
    """Direction-aware min-max normalisation to [0, 1], 1 the best (``pymcdm``'s minmax per column; a column
    where all are equal is 1 for all)."""
    if matrix.shape[0] == 0:
        return matrix.copy()
    columns = [minmax_normalization(matrix[:, j], cost=TYPES[j] < 0) for j in range(matrix.shape[1])]
    return np.column_stack(columns).astype(np.float64)


def entropy_weights(normalised: Array) -> Array:
    """Entropy weights (熵权法) of a normalised matrix: p = z / Σz, e = −Σ p ln p / ln n (0 ln 0 := 0),
    w = (1 − e) / Σ(1 − e). Written here because ``pymcdm.weights.entropy_weights`` takes a column's entropy
    as 0 as soon as one value is 0, which min-max normalisation always produces. Equal weights when no
    column varies or there are fewer than two enterprises."""
    n, m = normalised.shape
    if n < 2:
        return np.full(m, 1 / m)
    sums = normalised.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(sums > 0, normalised / sums, 1 / n)
        logs = np.where(p > 0, np.log(p), 0.0)
    entropy = -(p * logs).sum(axis=0) / np.log(n)
    divergence = np.clip(1 - entropy, 0, None)
    total = divergence.sum()
    return divergence / total if total > 1e-12 else np.full(m, 1 / m)


def weighted_sum(normalised: Array, weights: Array) -> Array:
    """Score 0–100: 100 × Σ w z."""
    return 100 * normalised @ weights


def topsis(matrix: Array, weights: Array) -> Array:
    """Score 0–100: 100 × TOPSIS closeness (``pymcdm``, min-max normalisation). All alike: 100."""
    if matrix.shape[0] < 2 or np.all(np.ptp(matrix, axis=0) == 0):
        return np.full(matrix.shape[0], 100.0)
    closeness = TOPSIS(minmax_normalization)(matrix, weights, TYPES, validation=False)
    return 100 * np.nan_to_num(np.asarray(closeness, dtype=np.float64), nan=1.0)


def obstacles(normalised: Array, weights: Array) -> Array:
    """Obstacle degrees (障碍度) per enterprise and indicator: w (1 − z) / Σ w (1 − z); rows sum to 1, or are 0
    for an enterprise best on every indicator."""
    gaps = weights * (1 - normalised)
    sums = gaps.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sums > 1e-12, gaps / sums, 0.0)


@dataclass(frozen=True)
class Index:
    normalised: Array
    weights: Array
    scores: Array
    obstacles: Array


def index(matrix: Array, method: str, weighting: str, expert: Array) -> Index:
    """The composite carbon evaluation index (碳排放综合评价指数) of complete rows of indicator values."""
    normalised = normalise(matrix)
    weights = entropy_weights(normalised) if weighting == "entropy" else expert / expert.sum()
    scores = topsis(matrix, weights) if method == "topsis" else weighted_sum(normalised, weights)
    return Index(normalised, weights, scores, obstacles(normalised, weights))
