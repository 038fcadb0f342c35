from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridgov.auth.service import principal_for
from gridgov.case.models import Case, CaseEvent
from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.case.tasks import sweep
from gridgov.db import Database
from gridgov.kit.principal import Principal
from gridgov.migrate import upgrade
from gridgov.notify.models import InboxItem
from gridgov.org.enums import Role
from tests.conftest import fresh_engine
from tests.factories import COUNTY, FUCHUN, build_county, create_account, create_person

CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=CST)  # Monday
VILLAGE = "330111001001"


def _admin(session: Session) -> Principal:
    county = build_county(session)
    create_person(session, county, [(Role.leader, VILLAGE)], name="村书记")
    create_person(session, county, [(Role.leader, FUCHUN)], name="镇长")
    create_person(session, county, [(Role.township_operator, FUCHUN)], name="四平台")
    account = create_account(session, create_person(session, county, [(Role.admin, COUNTY)], name="管理员"), "admin")
    return principal_for(account)


def _report(session: Session, admin: Principal, n: int = 1) -> list[str]:
    service = CaseService(session, clock=lambda: T0)
    report = CaseReport(category="0401", description="暴露垃圾", lon=119.92, lat=30.02)
    return [service.report(admin, report).number for _ in range(n)]


def _events(session: Session, number: str) -> list[str]:
    case = session.scalars(select(Case).where(Case.number == number)).one()
    return [
        e.comment
        for e in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "escalate").order_by(CaseEvent.id)
        )
    ]


def test_overdue_case_climbs_one_tier_per_missed_deadline(db: Database) -> None:
    with db.sessions() as session:
        number = _report(session, _admin(session))[0]  # village tier, filing limit 1 working hour: due 10:00
        session.commit()
    assert sweep(db, T0 + timedelta(minutes=59)) == 0
    assert sweep(db, T0 + timedelta(hours=2)) == 1
    assert sweep(db, T0 + timedelta(hours=2)) == 0  # the same missed deadline never fires twice
    with db.sessions() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        assert (case.tier, case.owner_code, case.escalation_level) == ("township", FUCHUN, 1)
        titles = list(session.scalars(select(InboxItem.title).where(InboxItem.kind.in_(["supervision", "escalation"]))))
        assert any("督办" in t for t in titles) and any("升级案件" in t for t in titles)
    assert sweep(db, T0 + timedelta(days=1)) == 1  # the township's fresh hour also passed: county
    assert sweep(db, T0 + timedelta(days=2)) == 1  # at the county: supervision only
    assert sweep(db, T0 + timedelta(days=3)) == 0
    with db.sessions() as session:
        assert _events(session, number) == ["escalated to township", "escalated to county", "supervised"]


def test_two_sweepers_at_once_fire_each_step_once(backend: str, tmp_path: Path) -> None:
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        database = Database(engine, sessionmaker(engine, expire_on_commit=False))
        with database.session() as session:
            numbers = _report(session, _admin(session), 40)
        later = T0 + timedelta(hours=3)
        results: list[int] = []
        start = threading.Barrier(2)

        def run() -> None:
            start.wait()
            results.append(sweep(database, later, batch=5))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sum(results) == len(numbers)
        with database.sessions() as session:
            counts = session.execute(
                select(CaseEvent.case_id, func.count())
                .where(CaseEvent.action == "escalate")
                .group_by(CaseEvent.case_id)
            ).all()
        assert len(counts) == len(numbers) and all(count == 1 for _case, count in counts)
