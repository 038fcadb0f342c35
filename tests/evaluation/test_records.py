"""The monthly run: awarded once per period however many processes try, flags stored as configured and kept
as each unit's history, reports stored and served; a stale claim is taken over."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from gridgov.configdata.service import load_document, save_document
from gridgov.db import Database
from gridgov.evaluation.documents import FLAGS
from gridgov.evaluation.models import Flag, Report, Run
from gridgov.evaluation.periods import Period
from gridgov.evaluation.service import EvaluationService
from gridgov.evaluation.tasks import monthly_run
from gridgov.migrate import upgrade
from gridgov.org.enums import Role
from tests.conftest import fresh_engine
from tests.evaluation.stories import OCTOBER, october_stories, t
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, create_person, user

NOVEMBER = t(11, 3)


@pytest.fixture
def headers(db: Database) -> dict[str, str]:
    return seed(db)


def seed(db: Database) -> dict[str, str]:
    from tests.evaluation.stories import insert

    with db.sessions() as session:
        county = build_county(session)
        member = create_person(session, county, [(Role.grid_member, FUCHUN)], name="网格员")
        for index, story in enumerate(october_stories(county.units["WS-GDS"].id), start=1):
            insert(session, story, f"T2026{index:05d}", member.id)
        auth = user(session, county, "leader", Role.county_dispatcher, COUNTY)
        flags = FLAGS.default().model_dump(mode="json")
        flags["levels"]["village"]["min_sample"] = 3  # the seeded villages have 3–4 cases to handle
        save_document(session, FLAGS, flags)
        session.commit()
    return auth


def test_the_run_awards_flags_as_configured_and_stores_reports(db: Database, headers: dict[str, str]) -> None:
    assert monthly_run(db, NOVEMBER) == 1
    assert monthly_run(db, NOVEMBER + timedelta(hours=2)) == 0  # done: never twice
    with db.sessions() as session:
        run = session.scalars(select(Run)).one()
        assert (run.period, run.state) == (OCTOBER, "done")
        flags = {(f.level, f.unit_key): f.colour for f in session.scalars(select(Flag))}
        service = EvaluationService(session, clock=lambda: NOVEMBER)
        _name, scheme = service.scheme()
        evaluation = service.evaluate(Period.parse(OCTOBER), None, cached=False)
        expected: dict[tuple[str, str], str] = {}
        for level in load_document(session, FLAGS).levels:
            for r in service.ranking(evaluation, level, scheme):
                if r.flag:
                    expected[(level.value, r.unit.key)] = r.flag.value
        assert flags == expected
        # by hand (金牛): 城西社区 88.33 (A, B late, C reworked) beats 春晖社区 56.67 (D extended, E overdue, M) in
        # 富春街道; 万市村 competes alone in 万市镇 and takes its red flag
        assert flags == {
            ("village", "330111001001"): "red",
            ("village", "330111001002"): "yellow",
            ("village", "330111100001"): "red",
        }
        formats = {r.fmt: r.size for r in session.scalars(select(Report))}
        assert set(formats) == {"pdf", "xlsx"} and all(size > 1000 for size in formats.values())


def test_two_processes_at_once_run_it_once(backend: str, tmp_path: Path) -> None:
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        database = Database(engine, sessionmaker(engine, expire_on_commit=False))
        seed(database)
        results: list[int] = []
        barrier = threading.Barrier(2)

        def run() -> None:
            barrier.wait()
            results.append(monthly_run(database, NOVEMBER))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(results) == [0, 1]
        with database.sessions() as session:
            assert len(list(session.scalars(select(Run)))) == 1


def test_a_stale_claim_is_taken_over(db: Database, headers: dict[str, str]) -> None:
    with db.sessions() as session:
        session.add(Run(period=OCTOBER, kind="monthly", state="running", started_at=NOVEMBER - timedelta(hours=3)))
        session.commit()
    assert monthly_run(db, NOVEMBER - timedelta(hours=2, minutes=30)) == 0  # still fresh then
    assert monthly_run(db, NOVEMBER) == 1


def test_flag_history_and_report_download(client: TestClient, db: Database, headers: dict[str, str]) -> None:
    monthly_run(db, NOVEMBER)
    body = client.get("/api/v1/evaluation/flags", params={"level": "village"}, headers=headers).json()
    assert body and all(f["period"] == OCTOBER for f in body)
    page = client.get("/evaluation/flags", headers=headers)
    assert page.status_code == 200 and OCTOBER in page.text
    pdf = client.get(f"/api/v1/evaluation/reports/{OCTOBER}.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/evaluation/reports", headers=headers).status_code == 200
    assert WANSHI  # both townships appear in the stored XLSX (tested in test_report)
