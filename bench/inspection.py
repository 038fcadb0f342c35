"""Inspection module benchmark: a month's duty roster with CP-SAT and the coverage figures over many places.

    .venv/bin/python bench/inspection.py                    # 500 posts × 3 shifts × 31 days, 2,000 people
    .venv/bin/python bench/inspection.py --posts 100 --places 20000

1. Roster: every post has three 8-hour shifts (08–16, 16–24, 00–08), one member each; each person belongs to one
   post and one in four also to the next post (a shared pool). Default rules (12 h rest, 6 consecutive days,
   48 h a week). Reported: status, wall time, objective, bound and gap, checked by ``violations``; the baseline
   is the same solver on a tenth of the posts and people in the same run.
2. Coverage: ``InspectionService.coverage`` (SQL + tally) over N places and their checks and findings in SQLite,
   per township, against a bare ``SELECT path FROM place`` + ``Counter`` of the same rows; p50/p99 over runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.orm import Session

from gridgov import schema
from gridgov.evaluation.documents import Level
from gridgov.inspection.models import InspectionCheck, InspectionFinding
from gridgov.inspection.roster import PersonSpec, PostSpec, Problem, Rules, ShiftSpec, solve, violations
from gridgov.inspection.service import InspectionService
from gridgov.registry.models import Place

SHIFTS = (
    ShiftSpec("morning", 8 * 60, 480, False, {"member": 1}),
    ShiftSpec("evening", 16 * 60, 480, False, {"member": 1}),
    ShiftSpec("night", 0, 480, True, {"member": 1}),
)


def roster_problem(posts: int, people: int, days: int, limit: float) -> Problem:
    first = date(2026, 12, 1)
    specs = tuple(PostSpec(f"P{i:04d}", SHIFTS) for i in range(posts))
    persons = []
    for i in range(people):
        home = i % posts
        roles = {specs[home].code: frozenset({"member"})}
        if i % 4 == 0:
            roles[specs[(home + 1) % posts].code] = frozenset({"member"})
        persons.append(PersonSpec(i, roles))
    return Problem(
        tuple(first + timedelta(days=d) for d in range(days)),
        specs,
        tuple(persons),
        Rules(time_limit_seconds=limit, workers=2),
        frozenset(first + timedelta(days=d) for d in range(days) if (first + timedelta(days=d)).weekday() >= 5),
    )


def run_roster(
    posts: int, people: int, days: int, limit: float
) -> tuple[str, float, float | None, float | None, float | None, int]:
    problem = roster_problem(posts, people, days, limit)
    solution = solve(problem)
    broken = len(violations(problem, solution.assignments)) if solution.assignments else -1
    return solution.status, solution.seconds, solution.objective, solution.bound, solution.gap, broken


def coverage_db(places: int, seed: int = 7) -> tuple[Session, Path]:
    directory = Path(tempfile.mkdtemp(prefix="gridgov-bench-"))
    engine = create_engine(f"sqlite:///{directory / 'bench.db'}")
    schema.metadata.create_all(engine)
    session = Session(engine)
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    townships = [f"330111{t:03d}" for t in range(1, 25)]
    rows: list[dict[str, object]] = []
    for i in range(places):
        township = townships[i % len(townships)]
        village = f"{township}{int(rng.integers(1, 16)):03d}"
        grid = f"{village}{int(rng.integers(1, 4)):03d}"
        rows.append(
            {
                "code": f"B{i:06d}",
                "type_code": "rental_housing" if i % 3 else "street_shop",
                "name": f"场所{i}",
                "township_code": township,
                "grid_code": grid,
                "path": f"330111/{township}/{village}/{grid}/",
                "attributes": {},
                "active": True,
                "synthetic": True,
                "created_at": now,
                "updated_at": now,
            }
        )
    session.execute(insert(Place), rows)
    ids = list(session.scalars(select(Place.id).order_by(Place.id)))
    paths = {r["code"]: r["path"] for r in rows}
    checked = ids[: int(places * 0.6)]
    session.execute(
        insert(InspectionCheck),
        [
            {
                "place_id": pid,
                "kind": "routine",
                "inspector": "网格员",
                "checked_at": now - timedelta(days=float(rng.uniform(0, 20))),
                "answers": {},
                "photos": [],
                "path": paths[f"B{pid - 1:06d}"],
                "synthetic": True,
                "created_at": now,
                "updated_at": now,
            }
            for pid in checked
        ],
    )
    check_ids = list(session.scalars(select(InspectionCheck.id).order_by(InspectionCheck.id)))
    session.execute(
        insert(InspectionFinding),
        [
            {
                "check_id": cid,
                "place_id": checked[k],
                "item_code": "extinguisher",
                "grade": "ordinary" if k % 9 else "veto",
                "description": "灭火器过期",
                "state": "rectified" if k % 3 else "open",
                "found_at": now - timedelta(days=3),
                "deadline_at": now - timedelta(days=1),
                "rectified_at": now - timedelta(days=2) if k % 3 else None,
                "path": paths[f"B{checked[k] - 1:06d}"],
                "created_at": now,
                "updated_at": now,
            }
            for k, cid in enumerate(check_ids[: places // 20])
        ],
    )
    session.commit()
    return session, directory


def timed(run: object, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        out.append(time.perf_counter() - started)
    return out


def cuts(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--limit", type=float, default=60.0, help="solver time limit (s)")
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-roster", action="store_true")
    args = parser.parse_args()

    if not args.skip_roster:
        small = run_roster(max(1, args.posts // 10), max(1, args.people // 10), args.days, args.limit)
        big = run_roster(args.posts, args.people, args.days, args.limit)
        print(f"Roster, {args.days} days × 3 shifts, CP-SAT 2 workers, limit {args.limit:.0f} s:")
        for label, (status, seconds, objective, bound, gap, broken) in (
            (f"{args.posts // 10} posts, {args.people // 10} people (baseline)", small),
            (f"{args.posts} posts, {args.people} people", big),
        ):
            ratio = f"{seconds / small[1]:.2f}×" if small[1] else "—"
            gap_text = "—" if gap is None else f"{100 * gap:.2f}%"
            print(
                f"  {label:34} {status:10} {seconds:7.2f} s  {ratio:>7}  objective {objective}  bound {bound}"
                f"  gap {gap_text}  hard-rule violations {broken}"
            )

    session, directory = coverage_db(args.places)
    service = InspectionService(session)

    def bare() -> None:
        Counter(p.split("/")[1] for p in session.scalars(text("SELECT path FROM place")))

    def ours() -> None:
        service.coverage(Level.township, None)

    base = timed(bare, args.repeat)
    mine = timed(ours, args.repeat)
    figures = service.coverage(Level.township, None)
    total_places = sum(t.places for t in figures.values())
    total_checked = sum(t.checked for t in figures.values())
    (b50, b99), (m50, m99) = cuts(base), cuts(mine)
    print(f"Coverage per township, {args.places:,} places, {total_checked:,} checked, SQLite ({args.repeat} runs):")
    print(f"  bare SELECT path + Counter   p50 {b50:.3f} s  p99 {b99:.3f} s (baseline)")
    print(f"  InspectionService.coverage   p50 {m50:.3f} s  p99 {m99:.3f} s  {m50 / b50:.2f}×  target ≤ 1 s")
    assert total_places == args.places
    session.close()
    for path in directory.iterdir():
        path.unlink()
    directory.rmdir()


if __name__ == "__main__":
    main()
