"""One assessment of the compared enterprises, without I/O: which can be ranked, their index, their bands'
groups and the potential. The service feeds it the rows' sums; the demo feeds it the same arrays while it sizes
its synthetic park, so both compute the figures with the same code."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gridgov.carbon import benchmark, calc
from gridgov.carbon.documents import ScoringSettings


@dataclass(frozen=True)
class Assessment:
    indicators: calc.Indicators
    ranked: NDArray[np.int64]
    """Rows with every indicator and enough months, in row order; ``index`` is over these."""
    index: calc.Index
    in_band: NDArray[np.int64]
    """Rows (of all) that are ranked and lie in a band; the groups' indexes point into this."""
    groups: dict[str, benchmark.BandGroups]
    contributions: dict[int, float]
    """Index into ``in_band`` → contribution (t) of that tail enterprise."""
    total: float
    """Emissions of every row (the compared industry's total, t)."""

    @property
    def potential(self) -> float:
        return float(sum(self.contributions.values()))

    @property
    def share(self) -> float | None:
        return self.potential / self.total if self.total > 0 else None


def assess(
    total: calc.Array,
    pv_avoided: calc.Array,
    activity: calc.Activity,
    bands: list[str | None],
    settings: ScoringSettings,
    needed_months: int,
) -> Assessment:
    found = calc.indicators(total, pv_avoided, activity)
    ranked = np.flatnonzero(found.complete & (activity.months >= needed_months))
    composite = calc.index(found.values[ranked], settings.method, settings.weighting, np.array(settings.weights()))
    keep = [k for k, r in enumerate(ranked) if bands[int(r)] is not None]
    in_band = ranked[keep]
    groups = benchmark.band_groups(
        [str(bands[int(r)]) for r in in_band],
        composite.scores[keep],
        total[in_band],
        activity.output_value[in_band],
        settings.head_share,
        settings.tail_share,
    )
    contributions = benchmark.contributions(groups, total[in_band], activity.output_value[in_band])
    return Assessment(found, ranked, composite, in_band, groups, contributions, float(total.sum()))
