"""Park carbon steward: indicators, index, bands and potential for 10,000 enterprises × 36 months (360,000
monthly rows) through ``CarbonService.compute`` — what ``GET /api/v1/carbon/potential`` runs — against a bare
``SUM … GROUP BY enterprise_id`` over the same rows in the same run, on SQLite and PostgreSQL.

    .venv/bin/python bench/carbon.py [--enterprises 10000] [--months 36] [--repeat 7] [--postgres URL|none]

The PostgreSQL default is the local test server (127.0.0.1:5432, database ``test``) in a throw-away schema.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from gridgov.carbon.models import EnergyMonth
from gridgov.carbon.service import CarbonService, month_start
from gridgov.db import make_engine
from gridgov.migrate import upgrade
from gridgov.registry.models import Enterprise

START = date(2023, 1, 1)


def fill(engine: Engine, enterprises: int, months: int) -> None:
    rng = np.random.default_rng(7)
    now = datetime.now(UTC)
    output = rng.lognormal(np.log(12_000), 0.9, enterprises)
    with Session(engine) as session:
        rows = [
            {"credit_code": f"BENCH{i:013d}", "name": f"企业{i}", "industry_code": "C2614",
             "township_code": "330111005",
             "path": f"330111/330111005/33011100500{i % 9 + 1}/", "land_area_m2": float(output[i] * 5),
             "employees": int(output[i] / 150) + 10, "capacity_kva": float(output[i] * 0.2 + 100),
             "roof_area_m2": 2000.0, "attributes": {}, "active": True, "synthetic": True,
             "created_at": now, "updated_at": now}
            for i in range(enterprises)
        ]  # fmt: skip
        ids = list(session.scalars(insert(Enterprise).returning(Enterprise.id, sort_by_parameter_order=True), rows))
        intensity = 0.4 * np.exp(0.3 * rng.standard_normal(enterprises))
        for m in range(months):
            month = month_start(START.year, START.month + m)
            e = output * intensity / 12
            session.execute(
                insert(EnergyMonth),
                [
                    {"enterprise_id": ids[i], "month": month, "electricity_kwh": float(e[i] * 0.5 / 0.00055),
                     "gas_m3": float(e[i] * 0.2 / 0.0021622), "steam_gj": float(e[i] * 0.3 / 0.11),
                     "pv_kwh": 1000.0 if i % 4 == 0 else None, "output_value": float(output[i] / 12),
                     "tax": float(output[i] / 200), "employees": None, "source": "bench",
                     "created_at": now, "updated_at": now}
                    for i in range(enterprises)
                ],
            )  # fmt: skip
        session.commit()


def bare(session: Session, end: date) -> int:
    m = EnergyMonth
    statement = (
        select(m.enterprise_id, func.sum(m.electricity_kwh), func.sum(m.gas_m3), func.sum(m.steam_gj),
               func.sum(m.pv_kwh), func.sum(m.output_value), func.sum(m.tax), func.count())
        .where(m.month >= START, m.month < end)
        .group_by(m.enterprise_id)
    )  # fmt: skip
    return len(session.execute(statement).all())


def carbon(session: Session, end: date) -> int:
    result = CarbonService(session).compute("bench", START, end, None, None)
    assert result.potential > 0 and len(result.rows) > 0
    return len(result.rows)


def timed(engine: Engine, run: Callable[[Session, date], int], end: date, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat + 1):
        with Session(engine) as session:
            began = time.perf_counter()
            run(session, end)
            times.append(time.perf_counter() - began)
    return times[1:]  # the first run warms caches and the configuration documents


def report(name: str, engine: Engine, months: int, repeat: int) -> None:
    end = month_start(START.year, START.month + months)
    base, full = timed(engine, bare, end, repeat), timed(engine, carbon, end, repeat)
    p50b, p50c = statistics.median(base), statistics.median(full)
    print(f"{name:10s} bare aggregate  p50 {p50b:6.3f} s  p99 {max(base):6.3f} s")
    print(f"{name:10s} carbon compute  p50 {p50c:6.3f} s  p99 {max(full):6.3f} s  ratio {p50c / p50b:5.2f}× bare")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", default=f"postgresql+psycopg://{getpass.getuser()}@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"{args.enterprises:,} enterprises × {args.months} months = {args.enterprises * args.months:,} rows")
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        upgrade(engine)
        fill(engine, args.enterprises, args.months)
        report("sqlite", engine, args.months, args.repeat)
        engine.dispose()
    if args.postgres != "none":
        schema = f"bench_carbon_{secrets.token_hex(3)}"
        admin = make_engine(args.postgres)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            engine = make_engine(args.postgres, connect_args={"options": f"-csearch_path={schema}"})
            upgrade(engine)
            fill(engine, args.enterprises, args.months)
            report("postgresql", engine, args.months, args.repeat)
            engine.dispose()
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
