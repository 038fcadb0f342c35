"""Coverage and results of the inspections per area (pure): places checked this cycle out of the places due
(巡查覆盖率), hazards found, rectified (隐患整改率), rectified on time (按期整改率), overdue."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from gridgov.evaluation.documents import Level

DEPTHS = {Level.county: 1, Level.township: 2, Level.village: 3, Level.grid: 4}


def area_code(path: str, level: Level) -> str | None:
    """The code of the area of ``level`` (grids too) that a materialised path lies in."""
    parts = [p for p in path.split("/") if p]
    depth = DEPTHS.get(level)
    return parts[depth - 1] if depth is not None and len(parts) >= depth else None


@dataclass
class Tally:
    places: int = 0
    checked: int = 0
    found: int = 0
    rectified: int = 0
    on_time: int = 0
    overdue: int = 0
    """Open past their deadline."""


def tally(
    places: Iterable[tuple[str, bool]],
    findings: Iterable[tuple[str, str, datetime | None, datetime | None]],
    area: Callable[[str], str | None],
    now: datetime,
) -> dict[str, Tally]:
    """``places``: (path, checked this cycle); ``findings``: (path, state, deadline, rectified_at)."""
    out: dict[str, Tally] = {}
    memo: dict[str, str | None] = {}
    for path, checked in places:
        code = memo[path] if path in memo else memo.setdefault(path, area(path))
        if code is None:
            continue
        t = out.get(code) or out.setdefault(code, Tally())
        t.places += 1
        t.checked += checked
    for path, state, deadline, rectified_at in findings:
        code = area(path)
        if code is None:
            continue
        t = out.get(code) or out.setdefault(code, Tally())
        t.found += 1
        if state == "rectified":
            t.rectified += 1
            t.on_time += deadline is None or (rectified_at is not None and rectified_at <= deadline)
        elif deadline is not None and deadline < now:
            t.overdue += 1
    return out
