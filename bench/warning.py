"""Threshold evaluation benchmark: 100,000 zones evaluated at once, against a bare numpy baseline.

    .venv/bin/python bench/warning.py [--zones 100000] [--gauges 20000] [--repeat 7]

Synthetic but shaped like a large deployment: zones of management levels 1/2/3 in Fuyang's proportions
(10/106/654), 1 % with a per-zone override, each zone with two ranked gauges (nearest + fallback), 5 %
of gauges silent, 1/3/6/12/24 h windows plus effective antecedent rainfall (6 measures, 4 colours).

Timed (best of ``--repeat``, same process, same arrays):

* ``evaluate``: gauge choice with fallback, per-measure wettest gauge, highest colour reached, the
  triggering measure/value/threshold/gauge — the full per-zone result;
* baseline: a bare numpy comparison of the same per-zone values against the same per-zone threshold
  arrays (``values[:, :, None] >= thresholds``), already gathered — the least any evaluation must do;
* separately: compiling the thresholds for the zones, and reading 20,000 accumulators into the gauge
  matrix (``gauge_matrix``), which a caller does once per cycle.

Also timed, once: a whole service cycle on a fresh SQLite file (``WarningService.evaluate``: the zones, their
gauges and active warnings read, every zone evaluated, warnings issued with their CAP messages) for
Fuyang's 770 zones and 740 gauges under a storm over a third of the district — first the cycle that issues,
then a steady cycle with nothing to change.

Target: ``evaluate`` for 100,000 zones ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from gridgov.db import make_engine
from gridgov.migrate import upgrade
from gridgov.warning.documents import THRESHOLDS
from gridgov.warning.models import RiskZone, ZoneGauge
from gridgov.warning.rainfall import RainBook, RollingRain
from gridgov.warning.service import WarningService
from gridgov.warning.thresholds import (
    Assignments,
    GaugeMatrix,
    ThresholdConfig,
    compile_thresholds,
    evaluate,
    gauge_matrix,
)


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    python = platform.python_version()
    return f"{os.cpu_count()} CPUs ({model}), {platform.platform()}, Python {python}, numpy {np.__version__}"


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def service_cycle(rng: np.random.Generator) -> tuple[float, float, int, int]:
    """(first cycle s, steady cycle s, changes, CAP messages) for 770 zones / 740 gauges on SQLite."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from gridgov.warning.models import CapMessageRecord

    now = datetime(2026, 7, 1, 12, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        gauges = [f"RG{g:04d}" for g in range(740)]
        levels = [1] * 10 + [2] * 106 + [3] * 654
        with Session(engine) as session:
            for z, level in enumerate(levels):
                lon, lat = 119.6 + 0.5 * rng.random(), 29.8 + 0.3 * rng.random()
                zone = RiskZone(
                    code=f"FX{z:04d}", name=f"防范区{z}", geometry=f'{{"type":"Point","coordinates":[{lon},{lat}]}}',
                    lon=lon, lat=lat, township_code="330111001", path="330111/330111001/", importance="general",
                    management_level=level, households=0, people=0, active=True, synthetic=True,
                )  # fmt: skip
                session.add(zone)
                session.flush()
                first = int(rng.integers(0, 740))
                session.add(ZoneGauge(zone_id=zone.id, station_code=gauges[first], distance_m=120.0, rank=1))
                session.add(
                    ZoneGauge(zone_id=zone.id, station_code=gauges[(first + 7) % 740], distance_m=900.0, rank=2)
                )
            session.commit()
        book = RainBook()
        for g, code in enumerate(gauges):
            per_5min = 4.5 if g % 3 == 0 else 0.2  # a storm over a third of the gauges
            for m in range(0, 120, 5):
                book.add(code, now - timedelta(minutes=m), per_5min)
        times = []
        changes = 0
        for _ in range(2):
            with Session(engine) as session:
                start = time.perf_counter()
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                changes += len(WarningService(session).evaluate(book, now))
                session.commit()
                times.append(time.perf_counter() - start)
        with Session(engine) as session:
            messages = int(session.scalar(select(func.count()).select_from(CapMessageRecord)) or 0)
        engine.dispose()
    return times[0], times[1], changes, messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--zones", type=int, default=100_000)
    parser.add_argument("--gauges", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(20261123)

    body = THRESHOLDS.default().model_dump(mode="json")
    body["effective_rule"] = {"k": 0.84, "days": 5}
    for level, (y, o, r) in zip(("1", "2", "3"), ((150, 200, 260), (170, 230, 300), (200, 260, 340)), strict=True):
        body["levels"][level]["effective"] = [
            {"colour": "yellow", "mm": y},
            {"colour": "orange", "mm": o},
            {"colour": "red", "mm": r},
        ]
    n_override = args.zones // 100
    body["overrides"] = [
        {"zone": f"Z{z:06d}", "rows": [{"window_h": 1, "colour": "red", "mm": float(46 + z % 10)}]}
        for z in range(0, args.zones, args.zones // n_override)
    ][:n_override]
    doc = ThresholdConfig.model_validate(body)
    levels = rng.choice([1, 2, 3], size=args.zones, p=np.array([10, 106, 654]) / 770)
    zones = [(f"Z{z:06d}", int(level)) for z, level in enumerate(levels)]

    start = time.perf_counter()
    compiled = compile_thresholds(doc, zones)
    compile_s = time.perf_counter() - start

    # storm-like gauge values: most dry-ish, some wet
    scale = np.array([8.0, 18.0, 28.0, 40.0, 55.0, 80.0])
    gauges = GaugeMatrix(
        rng.gamma(1.2, 1.0, size=(args.gauges, len(doc.measures))) * scale,
        rng.random(args.gauges) > 0.05,
    )
    nearest = rng.integers(0, args.gauges, size=args.zones)
    fallback = (nearest + 1 + rng.integers(0, 50, size=args.zones)) % args.gauges
    assign = Assignments(
        np.stack([nearest, fallback], axis=1).astype(np.int32),
        np.tile(np.array([1, 2], dtype=np.int32), (args.zones, 1)),
    )

    result = evaluate(gauges, assign, compiled)
    # the baseline's inputs: the same per-zone values (nearest gauge) and thresholds, gathered beforehand
    zone_values = gauges.values[nearest]
    zone_thresholds = compiled.tables[compiled.table_index]

    t_eval = best(lambda: evaluate(gauges, assign, compiled), args.repeat)
    t_base = best(lambda: zone_values[:, :, None] >= zone_thresholds, args.repeat)

    now = datetime(2026, 7, 1, 12, tzinfo=UTC)
    accumulators = []
    for _ in range(args.gauges):
        acc = RollingRain(doc.windows_h, 5)
        for m in range(0, 6 * 24 * 60, 60):  # hourly readings over 6 days
            acc.add(now - timedelta(minutes=m), float(rng.integers(0, 30)) / 10)
        accumulators.append(acc)
    start = time.perf_counter()
    gauge_matrix(accumulators, doc.measures, now, doc.silent_minutes, doc.effective_rule)
    matrix_s = time.perf_counter() - start

    first_s, steady_s, changed, messages = service_cycle(rng)

    counts = np.bincount(result.colour, minlength=5)
    print(f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — warning threshold evaluation (bench/warning.py)\n")
    print(f"Machine: {machine()}")
    print(
        f"Inputs: {args.zones:,} zones (levels 1/2/3 in Fuyang's 10/106/654 proportion, {n_override:,} overrides), "
        f"{args.gauges:,} gauges (5 % silent), 2 ranked gauges per zone, {len(doc.measures)} measures × 4 colours; "
        f"best of {args.repeat}\n"
    )
    print("```")
    print(f"evaluate (full result)            {t_eval * 1000:9.1f} ms  {t_eval / t_base:6.1f}× baseline")
    print(f"baseline: bare numpy values >= thr {t_base * 1000:9.1f} ms  (same per-zone arrays, pre-gathered)")
    print(f"compile thresholds for the zones  {compile_s * 1000:9.1f} ms  (once per configuration change)")
    print(f"gauge_matrix from {args.gauges:,} accumulators {matrix_s * 1000:7.1f} ms  (once per cycle)")
    print(
        f"zones by colour: none {counts[0]:,}, blue {counts[1]:,}, yellow {counts[2]:,}, orange {counts[3]:,}, "
        f"red {counts[4]:,}; fallback used {int(result.fallback.sum()):,}; no data {int(result.no_data.sum()):,}"
    )
    print(
        f"service cycle, 770 zones / 740 gauges, SQLite: issuing {first_s * 1000:.0f} ms ({changed} warnings, "
        f"{messages} CAP messages), steady {steady_s * 1000:.0f} ms"
    )
    verdict = "PASS" if t_eval <= 1.0 else "FAIL"
    print(f"Target: {args.zones:,} zones evaluated in ≤ 1 s: {t_eval:.3f} s → {verdict}")
    print("```")


if __name__ == "__main__":
    main()
