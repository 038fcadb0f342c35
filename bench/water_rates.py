"""The three rates of water meters (``gridgov.water.rates.stream_rates``, over columns, as the service runs it)
over one month of 5-minute readings, against a bare numpy aggregate over the same readings in the same run
(per meter: ``np.unique`` slot counts, timely slot counts and received counts only).

The readings are built in memory as columns (no database), in chunks of ``--chunk`` meters (the repository reads
500 datastreams per query); each chunk is timed ``--repeat`` times and the medians are summed over the chunks.
The figure is the rates' arithmetic, which is what grows with the number of meters; the read is
``WaterRepository.columns``, measured separately (bench/RESULTS.md).

    .venv/bin/python bench/water_rates.py [--meters 10000] [--chunk 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from datetime import UTC, datetime

import numpy as np

from gridgov.water.rates import US, Columns, Rates, Rules, stream_rates

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
STEP = 300
RULES = Rules(interval_seconds=STEP, lateness_seconds=600, max_increment_m3=100.0, flat_intervals=288)


def chunk_of(rng: np.random.Generator, first: int, meters: int) -> Columns:
    """``meters`` meters' month: a rising counter every 5 minutes, ~2 % missing, ~3 % late, a few backward
    steps (0.1 % of readings 50 m³ below the counter)."""
    slots = np.arange(int(START.timestamp()), int(END.timestamp()), STEP, dtype=np.int64)
    keep = rng.random((meters, slots.size)) > 0.02
    delay = np.where(rng.random((meters, slots.size)) < 0.03, 3 * STEP, 20).astype(np.int64)
    values = np.cumsum(rng.uniform(0, 5, (meters, slots.size)), axis=1)
    values[rng.random((meters, slots.size)) < 0.001] -= 50
    stream = np.broadcast_to(np.arange(first, first + meters, dtype=np.int64)[:, None], keep.shape)
    times = np.broadcast_to(slots * US, keep.shape)
    return Columns(stream[keep], times[keep], (times + delay * US)[keep], values[keep])


def bare(columns: Columns) -> list[tuple[int, int, int]]:
    """Per meter: distinct slots, distinct timely slots, readings (the old bench's baseline)."""
    starts = np.flatnonzero(np.diff(columns.stream, prepend=-1))
    counts = []
    for low, high in zip(starts, [*starts[1:], columns.stream.size], strict=True):
        times = columns.time[low:high] // US
        late = (columns.received[low:high] - columns.time[low:high]) // US
        slots = times // STEP
        counts.append((np.unique(slots).size, np.unique(slots[late <= 600]).size, times.size))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(11)
    readings = 0
    rates_total = bare_total = 0.0
    total = Rates()
    for first in range(0, args.meters, args.chunk):
        meters = min(args.chunk, args.meters - first)
        columns = chunk_of(rng, first, meters)
        ids = list(range(first, first + meters))
        readings += columns.time.size
        rates_runs, bare_runs = [], []
        for _ in range(args.repeat):
            gc.collect()
            started = time.perf_counter()
            found = stream_rates(columns, ids, START, END, RULES)
            rates_runs.append(time.perf_counter() - started)
            started = time.perf_counter()
            counts = bare(columns)
            bare_runs.append(time.perf_counter() - started)
        assert [(r.complete, r.timely, r.received) for r in found.values()] == counts
        total = sum(found.values(), start=total)
        rates_total += statistics.median(rates_runs)
        bare_total += statistics.median(bare_runs)
    print(f"{args.meters:,} meters × one month of 5-minute readings = {readings:,} readings")
    print(f"  (chunks of {args.chunk}, median of {args.repeat} per chunk, summed)")
    print(f"three rates (stream_rates)  {rates_total:7.3f} s  ratio {rates_total / bare_total:5.2f}× bare")
    print(f"bare numpy slot counts      {bare_total:7.3f} s")
    print(f"per reading                 {rates_total / readings * 1e9:7.1f} ns")
    print(
        f"county parts: timely {total.timely:,} complete {total.complete:,} of {total.expected:,}, "
        f"valid {total.valid:,} of {total.received:,}"
    )


if __name__ == "__main__":
    main()
