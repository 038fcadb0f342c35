"""The three rates of water meters (``gridgov.water.rates.meter_rates``, pure, as the service runs it) over one month
of 5-minute readings, against a bare numpy aggregate over the same readings in the same run (slot counts and
received counts only), then extrapolated to 10,000 meters.

The readings are built in memory (no database): the figure is the rates' arithmetic, which is what grows with
the number of meters; the query that reads them is the sensing tables' and is measured elsewhere.

    .venv/bin/python bench/water_rates.py [--meters 200] [--target-meters 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from datetime import UTC, datetime

import numpy as np

from gridgov.water.rates import Reading, Rules, meter_rates

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
STEP = 300


def series(rng: np.random.Generator) -> tuple[list[Reading], np.ndarray, np.ndarray]:
    """One meter's month: a rising counter every 5 minutes, ~2 % missing, ~3 % late, a few backward steps."""
    times = np.arange(int(START.timestamp()), int(END.timestamp()), STEP)
    keep = rng.random(times.size) > 0.02
    times = times[keep]
    delay = np.where(rng.random(times.size) < 0.03, 3 * STEP, 20).astype(np.int64)
    values = np.cumsum(rng.uniform(0, 5, times.size))
    values[rng.random(times.size) < 0.001] -= 50
    readings = [
        Reading(datetime.fromtimestamp(int(t), UTC), datetime.fromtimestamp(int(t + d), UTC), float(v))
        for t, d, v in zip(times, delay, values, strict=True)
    ]
    return readings, times, delay


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument("--target-meters", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(11)
    meters = [series(rng) for _ in range(args.meters)]
    rules = Rules(interval_seconds=STEP, lateness_seconds=600, max_increment_m3=100.0, flat_intervals=288)
    count = sum(len(m[0]) for m in meters)
    rates_runs, bare_runs = [], []
    per_meter: list[float] = []
    for _ in range(args.repeat):
        gc.collect()
        started = time.perf_counter()
        for readings, _times, _delay in meters:
            began = time.perf_counter()
            meter_rates(readings, START, END, rules)
            per_meter.append(time.perf_counter() - began)
        rates_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        counts = []
        for _readings, times, delay in meters:
            slots = times // STEP
            counts.append((np.unique(slots).size, np.unique(slots[delay <= 600]).size, times.size))
        bare_runs.append(time.perf_counter() - started)
    scale = args.target_meters / args.meters
    rates, bare = statistics.median(rates_runs), statistics.median(bare_runs)
    quantiles = statistics.quantiles(per_meter, n=100)
    print(f"{args.meters} meters × one month of 5-minute readings = {count:,} readings (repeat {args.repeat})")
    print(f"three rates (meter_rates)  median {rates:.3f} s  ratio {rates / bare:6.1f}× bare")
    print(f"bare numpy slot counts     median {bare:.3f} s")
    print(f"per meter                  p50 {quantiles[49] * 1000:.1f} ms  p99 {quantiles[98] * 1000:.1f} ms")
    print(
        f"extrapolated to {args.target_meters:,} meters: three rates {rates * scale:.1f} s, bare {bare * scale:.2f} s"
    )


if __name__ == "__main__":
    main()
