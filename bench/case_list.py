"""The case list and desk at scale (issue 16, item 5).

    .venv/bin/python bench/case_list.py [--cases 1000000] [--backend sqlite|postgresql] [--requests 40]

The demo county's org tree, then ``--cases`` cases over twelve months with their events (the generator of
``bench/evaluation.py``, bulk-loaded), then, in-process through the ASGI app (TestClient: no sockets, so the
figures are server time plus the in-process client), each request ``--requests`` times:

* ``GET /api/v1/cases`` as the county administrator (every case visible), as a township operator (its own
  township), filtered by a state, and a words search (``q=``, the description scan);
* ``GET /cases`` (the desk page: list, map outlines' URL, filters) as the administrator;
* a page deep in the list (``offset=5000``).

Baseline, same run and same database file: the raw statement a bare list would run (``SELECT … ORDER BY id DESC
LIMIT 50`` through the same engine, no scope, no count). Each row prints p50/p99 in ms and p50 as a multiple of
the baseline. Target (issue 16): p99 ≤ 200 ms at 1,000,000 cases.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.evaluation, tests.factories

from bench.evaluation import NOW, database, generate, prepare, write
from sqlalchemy import select, text

from gridgov.auth.models import Account
from gridgov.config import Settings
from gridgov.evaluation.tasks import catch_up_facts
from gridgov.main import create_app


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p99 * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    from fastapi.testclient import TestClient
    from tests.factories import bearer

    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; {platform.platform()}; "
          f"Python {platform.python_version()}; {args.backend}; in-process (TestClient), not over HTTP")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, database(args.backend, Path(tmp)) as db:
        t = time.perf_counter()
        prepare(db)
        write(db.engine, generate(db, args.cases, seed=7))
        catch_up_facts(db, NOW)
        print(f"{args.cases:,} cases loaded in {time.perf_counter() - t:.0f} s")
        with db.session() as session:
            tokens = {
                name: bearer(session, session.scalars(select(Account).where(Account.username == name)).one())
                for name in ("admin", "fuchun")
            }
        settings = Settings(environment="test", database_url=str(db.engine.url), data_dir=Path(tmp), sweep_seconds=0,
                            notify_seconds=0, mqtt_ingest=False, sensing_check_seconds=0)  # fmt: skip
        app = create_app(settings, db)
        app.state.clock = lambda: NOW

        def baseline() -> None:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT * FROM case_record ORDER BY id DESC LIMIT 50")).all()

        rows: list[tuple[str, list[float]]] = []
        with TestClient(app) as client:
            client.get("/login")  # imports, templates
            scenarios = {
                "API, county admin": ("/api/v1/cases", "admin", {}),
                "API, township operator": ("/api/v1/cases", "fuchun", {}),
                "API, admin, state=dispatched": ("/api/v1/cases", "admin", {"state": "dispatched"}),
                "API, admin, q=words (every case matches)": ("/api/v1/cases", "admin", {"q": "基准"}),
                "API, admin, q=words (none match)": ("/api/v1/cases", "admin", {"q": "堆放"}),
                "API, admin, q=8 digits (number range, none match)": ("/api/v1/cases", "admin", {"q": "20261101"}),
                "API, admin, offset=5000": ("/api/v1/cases", "admin", {"offset": "5000"}),
                "desk page, county admin": ("/cases", "admin", {}),
            }
            for _ in range(3):
                baseline()
            samples = []
            for _ in range(args.requests):
                t = time.perf_counter()
                baseline()
                samples.append(time.perf_counter() - t)
            rows.append(("baseline: raw SELECT 50 by id desc", samples))
            for label, (url, who, params) in scenarios.items():
                answer = client.get(url, params=params, headers=tokens[who])
                assert answer.status_code == 200, answer.text[:300]
                samples = []
                for _ in range(args.requests):
                    t = time.perf_counter()
                    client.get(url, params=params, headers=tokens[who])
                    samples.append(time.perf_counter() - t)
                total = answer.json().get("total") if url.startswith("/api") else "—"
                rows.append((f"{label} (total {total})", samples))
        base = _percentiles(rows[0][1])[0]
        print(f"\n{'request':58} {'p50 ms':>8} {'p99 ms':>8} {'p50 / baseline':>15}")
        worst = 0.0
        for label, samples in rows:
            p50, p99 = _percentiles(samples)
            worst = max(worst, p99) if not label.startswith("baseline") else worst
            print(f"{label:58} {p50:8.1f} {p99:8.1f} {p50 / base:14.1f}×")
        print(f"\nTarget p99 ≤ 200 ms: worst {worst:.0f} ms → {'PASS' if worst <= 200 else 'FAIL'}")


if __name__ == "__main__":
    main()
