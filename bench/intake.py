"""Case intake cost per case as the county fills up (in-process, through the batch writer).

    .venv/bin/python bench/intake.py [--sizes 10000,100000,1000000] [--reports 2000]

The demo county's org tree and taxonomy, then cases bulk-loaded in steps (``bench/evaluation.py``'s generator:
twelve months of history, seven categories, uniform over the county) up to each size. At each size,
``--reports`` reports of category 0401 at rotating in-county points go through :class:`BatchWriter` (the path
``POST /api/v1/cases`` takes after the event loop: the full ``CaseService.report`` pipeline — taxonomy,
locate, route, duplicate check, deadline, case + event + notices + audit rows — and ``read``, group-committed
64 at a time), submitted at once so batches are full. Printed per size: writer wall time per case (median of
``--repeat`` rounds; the host runs nothing else of ours meanwhile) and cases/s. In-process, no HTTP: the
framework's share (routing, JSON, auth) is what ``bench/run.py`` adds on top. The figure a user feels is the
HTTP one; this curve shows whether the pipeline's cost grows with the case count (target: flat).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from evaluation import NOW, database, generate, prepare, write
from gridgov.auth.models import Account
from gridgov.auth.service import principal_for
from gridgov.case.models import Case
from gridgov.case.schemas import CaseRead, CaseReport
from gridgov.case.service import CaseService
from gridgov.kit.actor import Actor
from gridgov.kit.principal import Principal
from gridgov.kit.writer import BatchWriter


def in_county_points(url: str, count: int) -> list[tuple[float, float]]:
    """``count`` points uniform over the demo county's grid polygons (``bench/run.py``'s sampler)."""
    from run import load_grids, sample_points

    lons, lats = sample_points(load_grids(url), count, np.random.default_rng(5))
    return list(zip(lons.tolist(), lats.tolist(), strict=True))


def one_round(
    writer: BatchWriter, principal: Principal, actor: Actor, reports: list[CaseReport]
) -> tuple[float, float]:
    """(CPU, wall) seconds per case for ``reports`` submitted at once (the writer batches them). The main
    thread only waits, so the process's CPU time is the writer's: less sensitive to a shared host."""

    def job(session: Session, data: CaseReport) -> CaseRead:
        cases = CaseService(session, clock=lambda: NOW)
        return cases.read(principal, cases.report(principal, data, source="api"))

    t, cpu = time.perf_counter(), time.process_time()
    futures = [writer.submit(partial(job, data=data), actor) for data in reports]
    for future in futures:
        future.result()
    return (time.process_time() - cpu) / len(reports), (time.perf_counter() - t) / len(reports)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--reports", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; {platform.platform()}; "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"case intake in-process through BatchWriter, {args.reports:,} reports of 0401 per round, "
          f"median of {args.repeat} rounds (wall time of the writer)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, database("sqlite", Path(tmp)) as db:
        prepare(db)
        with db.sessions() as session:
            admin = session.scalars(select(Account).where(Account.username == "admin")).one()
            principal = principal_for(admin)
        actor = Actor(principal.account_id, principal.username, "127.0.0.1")
        spots = in_county_points(str(db.engine.url), max(args.reports, 2_000))
        writer = BatchWriter(db)
        loaded = 0
        for size in sizes:
            with db.sessions() as session:
                present = int(session.scalar(select(func.count()).select_from(Case)) or 0)
                top = int(session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0)
            if size > present:
                t = time.perf_counter()
                write(db.engine, generate(db, size - present, seed=size, start_id=top + 1))
                loaded = size
                load_s = time.perf_counter() - t
            else:
                load_s = 0.0
            rounds = []
            for r in range(args.repeat):
                chosen = spots[r * 500 :] + spots[: r * 500]
                reports = [
                    CaseReport(category="0401", description="路边暴露垃圾", lon=lon, lat=lat)
                    for lon, lat in chosen[: args.reports]
                ]
                rounds.append(one_round(writer, principal, actor, reports))
            cpu = statistics.median(c for c, _w in rounds)
            wall = statistics.median(w for _c, w in rounds)
            print(f"  {loaded or size:>9,} cases: CPU {cpu * 1000:6.3f} ms per case, wall {wall * 1000:6.3f} ms "
                  f"({1 / wall:,.0f} cases/s); CPU per round " + ", ".join(f"{c * 1000:.3f}" for c, _w in rounds)
                  + (f"; bulk load {load_s:.1f} s" if load_s else ""))  # fmt: skip
        writer.stop()


if __name__ == "__main__":
    main()
