"""Village affairs: (1) 1,000 concurrent booking attempts for 100 places through ``ResidentServices.book`` against
a same-run bare insert of the same number of rows, with zero over-booking checked; (2) the dividends of one year
split over 10,000 villages' holdings (``economy.year_split``, exact to the fen) against a bare float aggregate.

    .venv/bin/python bench/village.py [--attempts 1000] [--places 100] [--capacity 5] [--villages 10000]

Runs on SQLite (a temporary file) and, when 127.0.0.1:5432 answers, on PostgreSQL (a throw-away schema).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import postgres_url

from gridgov.db import make_engine
from gridgov.errors import AppError
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.migrate import upgrade
from gridgov.org.models import Person
from gridgov.registry.models import Place
from gridgov.village.economy import Holding, year_split
from gridgov.village.models import Activity, Booking
from gridgov.village.services_residents import ResidentServices

PATH = "330111/330111001/330111001001/"
WORKERS = 16


def engines() -> Iterator[tuple[str, Engine]]:
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{directory}/bench.db")
        yield "SQLite", engine
        engine.dispose()
    url = postgres_url()
    if url is None:
        return
    schema = f"village_bench_{secrets.token_hex(3)}"
    admin = make_engine(url)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield "PostgreSQL", engine
    finally:
        engine.dispose()
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def prepare(engine: Engine, places: int, capacity: int, people: int) -> tuple[list[int], list[Principal]]:
    upgrade(engine)
    now = utcnow()
    with Session(engine) as session:
        place_ids = list(
            session.scalars(
                insert(Place).returning(Place.id, sort_by_parameter_order=True),
                [
                    {"code": f"B{i}", "type_code": "venue", "name": f"场馆{i}",
                     "township_code": "330111001", "path": PATH, "attributes": {}, "active": True,
                     "synthetic": True, "created_at": now, "updated_at": now}
                    for i in range(places)
                ],
            )
        )  # fmt: skip
        start = now + timedelta(days=1)
        activity_ids = list(
            session.scalars(
                insert(Activity).returning(Activity.id, sort_by_parameter_order=True),
                [
                    {"place_id": p, "kind": "activity", "title": "bench", "starts_at": start,
                     "ends_at": start + timedelta(hours=1), "capacity": capacity, "booked": 0, "points": 0,
                     "path": PATH, "cancelled": False,
                     "created_at": now, "updated_at": now}
                    for p in place_ids
                ],
            )
        )  # fmt: skip
        person_ids = list(
            session.scalars(
                insert(Person).returning(Person.id, sort_by_parameter_order=True),
                [{"name": f"居民{i}", "phone": f"199{i:08d}", "active": True, "synthetic": True, "created_at": now,
                  "updated_at": now} for i in range(people)],
            )
        )  # fmt: skip
        session.commit()
    principals = [
        Principal(None, pid, f"r{pid}", "r", frozenset({"resident"}), frozenset({"village:resident"}), (PATH,))
        for pid in person_ids
    ]
    return activity_ids, principals


def race(engine: Engine, attempts: int, work: Callable[[Session, int], object]) -> tuple[float, list[float], int]:
    """Wall time, per-attempt latencies and refusals of ``attempts`` transactions over WORKERS threads."""
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    refused = 0

    def one(i: int) -> float:
        nonlocal refused
        started = time.perf_counter()
        with sessions() as session:
            if engine.dialect.name == "sqlite":
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            try:
                work(session, i)
                session.commit()
            except AppError:
                session.rollback()
                refused += 1
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        latencies = list(pool.map(one, range(attempts)))
    return time.perf_counter() - started, latencies, refused


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def bookings(args: argparse.Namespace) -> None:
    print(f"1) {args.attempts} concurrent booking attempts for {args.places} places (capacity {args.capacity})")
    print("| backend | bare insert /s | booking /s | ratio | booking p50 / p99 | held / seats | over-booked |")
    print("|---|---|---|---|---|---|---|")
    for name, engine in engines():
        one_backend(name, engine, args)


def one_backend(name: str, engine: Engine, args: argparse.Namespace) -> None:
    activities, people = prepare(engine, args.places, args.capacity, args.attempts)
    now = utcnow()
    bare_time, _lat, _r = race(
        engine,
        args.attempts,
        lambda s, i: s.execute(
            insert(Booking),
            {"activity_id": activities[i % len(activities)], "person_id": people[i].person, "status": "bench",
             "path": PATH, "created_at": now, "updated_at": now},
        ),
    )  # fmt: skip
    with Session(engine) as session:
        session.execute(delete(Booking))
        session.commit()
    took, latencies, _refused = race(
        engine, args.attempts, lambda s, i: ResidentServices(s).book(people[i], activities[i % len(activities)]).id
    )
    with Session(engine) as session:
        held = session.scalar(select(func.count()).where(Booking.status == "booked")) or 0
        over = session.scalar(select(func.count()).where(Activity.booked > Activity.capacity)) or 0
    seats = args.places * args.capacity
    print(
        f"| {name} | {args.attempts / bare_time:,.0f} | {args.attempts / took:,.0f} | {bare_time / took:.2f}× | "
        f"{pct(latencies, 50) * 1000:.1f} / {pct(latencies, 99) * 1000:.1f} ms | {held} / {seats} | {over} |"
    )
    assert over == 0 and held == min(seats, args.attempts)


def dividends(args: argparse.Namespace) -> None:
    holdings = [Holding(f"V{i:05d}", Decimal(100_000 + (i * 7919) % 900_000)) for i in range(args.villages)]
    income = Decimal("123456789.01")
    invested = [float(h.invested) for h in holdings]
    runs_split, runs_bare = [], []
    for _ in range(7):
        started = time.perf_counter()
        result = year_split(holdings, income, Decimal(0))
        runs_split.append(time.perf_counter() - started)
        started = time.perf_counter()
        total = sum(invested)
        bare = [float(income) * x / total for x in invested]
        runs_bare.append(time.perf_counter() - started)
    assert sum(d.amount for d in result.dividends) == income and len(bare) == args.villages
    s50, b50 = statistics.median(runs_split), statistics.median(runs_bare)
    print(f"\n2) one year's dividends over {args.villages:,} villages' holdings (7 runs)")
    print("| bare float aggregate p50 / max | year_split (Decimal, to the fen) p50 / max | ratio |")
    print("|---|---|---|")
    print(
        f"| {b50 * 1000:.2f} / {max(runs_bare) * 1000:.2f} ms | {s50 * 1000:.1f} / {max(runs_split) * 1000:.1f} ms"
        f" | {s50 / b50:.0f}× |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--capacity", type=int, default=5)
    parser.add_argument("--villages", type=int, default=10_000)
    args = parser.parse_args()
    bookings(args)
    dividends(args)


if __name__ == "__main__":
    main()
