"""亩均论英雄: classification of 50,000 enterprises (6 indicators, benchmarks, ranks, A/B/C/D) through
``PerMuService.evaluate``, a page of the class list with last year's classes (``PerMuService.listing``, what
``GET /api/v1/enterprises/per-mu`` runs) and the whole list (``PerMuService.read``, what the export runs)
against a bare aggregate over the same rows in the same run (the population means of the six ratios, one ``AVG``
query), on SQLite and PostgreSQL. Target: classification ≤ 2 s.

    .venv/bin/python bench/enterprise_service.py [--enterprises 50000] [--repeat 5] [--postgres URL|none]
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from gridgov.db import make_engine
from gridgov.enterprise_service.access import Reader
from gridgov.enterprise_service.models import PerMuFigures
from gridgov.enterprise_service.per_mu import _RESULTS, PerMuService
from gridgov.kit.principal import system_principal
from gridgov.migrate import upgrade
from gridgov.registry.models import Enterprise

YEAR = 2025


def fill(engine: Engine, enterprises: int) -> None:
    rng = np.random.default_rng(14)
    now = datetime.now(UTC)
    land = rng.uniform(3, 150, enterprises)
    strength = rng.lognormal(0, 0.5, enterprises)
    with Session(engine) as session:
        rows = [
            {"credit_code": f"BENCH{i:013d}", "name": f"企业{i}", "industry_code": "C3670",
             "township_code": "330111005",
             "path": f"330111/330111005/33011100500{i % 9 + 1}/", "attributes": {}, "active": True, "synthetic": True,
             "created_at": now, "updated_at": now}
            for i in range(enterprises)
        ]  # fmt: skip
        ids = list(session.scalars(insert(Enterprise).returning(Enterprise.id, sort_by_parameter_order=True), rows))
        for year, factor in ((YEAR - 1, 0.95), (YEAR, 1.0)):
            figures = [
                {"enterprise_id": ids[i], "year": year, "above_scale": i % 5 != 0, "in_production": True,
                 "veto": None, "tax": float(land[i] * 12 * strength[i] * factor),
                 "value_added": float(land[i] * 60 * strength[i] * factor), "land_mu": float(land[i]),
                 "energy_tce": float(land[i] * 20), "emission_t": float(land[i] * 0.01) if i % 13 else None,
                 "employees": float(10 + land[i] * 3), "rd": float(land[i] * 5 * strength[i]),
                 "revenue": float(land[i] * 300 * strength[i]), "electricity_mwh": float(land[i] * 50),
                 "created_at": now, "updated_at": now}
                for i in range(enterprises)
            ]  # fmt: skip
            for start in range(0, enterprises, 10_000):
                session.execute(insert(PerMuFigures), figures[start : start + 10_000])
        session.commit()


def bare(session: Session) -> int:
    f = PerMuFigures
    statement = select(
        func.count(), func.avg(f.tax / f.land_mu), func.avg(f.value_added / f.land_mu),
        func.avg(f.value_added / f.energy_tce), func.avg(f.value_added / f.emission_t),
        func.avg(f.value_added / f.employees), func.avg(f.rd / f.revenue),
    ).where(f.year == YEAR)  # fmt: skip
    return int(session.execute(statement).one()[0])


def classify(session: Session) -> int:
    """Cold: the process's scored years are forgotten first (the figures just changed)."""
    _RESULTS.clear()
    results = PerMuService(session).evaluate(YEAR)
    assert sum(1 for r in results.values() if r.klass) > 0
    return len(results)


def class_list(session: Session) -> int:
    everyone = Reader(system_principal("bench", "330111/"), None)
    return len(PerMuService(session).read(everyone, YEAR))


def class_page_cold(session: Session) -> int:
    """The first request after the figures changed: both years scored, then the page."""
    _RESULTS.clear()
    return class_page(session)


def class_page(session: Session) -> int:
    """What ``GET /api/v1/enterprises/per-mu`` runs: the first 100 rows with last year's classes (the years
    already scored by an earlier request)."""
    everyone = Reader(system_principal("bench", "330111/"), None)
    return len(PerMuService(session).listing(everyone, YEAR, limit=100).items)


def timed(engine: Engine, run: Callable[[Session], int], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat + 1):
        with Session(engine) as session:
            began = time.perf_counter()
            run(session)
            times.append(time.perf_counter() - began)
    return times[1:]  # the first run warms caches and the configuration document


def report(name: str, engine: Engine, repeat: int) -> None:
    base = timed(engine, bare, repeat)
    p50b = statistics.median(base)
    print(f"{name:10s} bare AVG aggregate        p50 {p50b:6.3f} s  p99 {max(base):6.3f} s")
    runs = (
        ("classification (evaluate)", classify),
        ("class list page, cold (API)", class_page_cold),
        ("class list page, warm (API)", class_page),
        ("whole class list (export)", class_list),
    )
    for label, run in runs:
        full = timed(engine, run, repeat)
        p50 = statistics.median(full)
        verdict = "PASS" if label.startswith("classification") and p50 <= 2 else ""
        print(
            f"{name:10s} {label:25s} p50 {p50:6.3f} s  p99 {max(full):6.3f} s  ratio {p50 / p50b:6.1f}× bare {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default=f"postgresql+psycopg://{getpass.getuser()}@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"{args.enterprises:,} enterprises, figures of {YEAR - 1} and {YEAR}; target: classification ≤ 2 s")
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        upgrade(engine)
        fill(engine, args.enterprises)
        report("sqlite", engine, args.repeat)
        engine.dispose()
    if args.postgres != "none":
        schema = f"bench_es_{secrets.token_hex(3)}"
        admin = make_engine(args.postgres)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            engine = make_engine(args.postgres, connect_args={"options": f"-csearch_path={schema}"})
            upgrade(engine)
            fill(engine, args.enterprises)
            report("postgresql", engine, args.repeat)
            engine.dispose()
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
