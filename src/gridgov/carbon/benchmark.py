"""Benchmarking by band of running capacity, without I/O: each band's model enterprise (样板, best index), its
head and tail groups, and the reduction potential (减排潜力) if the tail reached the head's intensity.

For a tail enterprise i of band b: contribution_i = max(0, E_i − I_b × V_i), where E_i is its emissions, V_i its
output value and I_b = ΣE / ΣV over the head group of b (the head's emissions per 万元 of output). The park's
potential is Σ contribution_i over every band's tail; its share is the potential / the compared industry's total
emissions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gridgov.carbon.calc import Array


@dataclass(frozen=True)
class BandGroups:
    members: list[int]
    """Row indexes in the band, best index first (ties: lower row first)."""
    head: list[int]
    tail: list[int]
    benchmark_intensity: float | None
    """The head group's t CO2 per 万元 of output value (None: the head has no output)."""

    @property
    def model(self) -> int:
        return self.members[0]


def group_size(members: int, share: float) -> int:
    """Enterprises in a head or tail group: the share of the band, at least one."""
    return max(1, math.floor(members * share + 1e-9))


def band_groups(
    bands: list[str | None], scores: Array, total: Array, output: Array, head_share: float, tail_share: float
) -> dict[str, BandGroups]:
    """Band key → its groups; rows whose band is None (no capacity on record) are in none."""
    found: dict[str, BandGroups] = {}
    for key in dict.fromkeys(b for b in bands if b is not None):
        rows = [i for i, b in enumerate(bands) if b == key]
        members = sorted(rows, key=lambda i: (-float(scores[i]), i))
        head = members[: group_size(len(members), head_share)]
        tail = members[len(head) :][-group_size(len(members), tail_share) :] if len(members) > len(head) else []
        value = float(output[head].sum())
        intensity = float(total[head].sum()) / value if value > 0 else None
        found[key] = BandGroups(members, head, tail, intensity)
    return found


def contributions(groups: dict[str, BandGroups], total: Array, output: Array) -> dict[int, float]:
    """Tail row → its contribution to the potential (t): what it would save at its band's head intensity."""
    found: dict[int, float] = {}
    for band in groups.values():
        if band.benchmark_intensity is None:
            continue
        for i in band.tail:
            found[i] = max(0.0, float(total[i]) - band.benchmark_intensity * float(output[i]))
    return found


def potential(groups: dict[str, BandGroups], total: Array, output: Array) -> float:
    return float(np.sum(list(contributions(groups, total, output).values())))
