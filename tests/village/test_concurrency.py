"""Under many concurrent clients (threads, each with its own session and transaction, on a database of its own):
bookings never pass capacity, a balance never goes negative and a shift never takes a third volunteer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from gridgov.errors import AppError
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.migrate import upgrade
from gridgov.village.models import Activity, Booking, PointsAccount, PointsEntry, VolunteerShift
from gridgov.village.services_residents import ResidentServices
from tests.conftest import fresh_engine
from tests.factories import build_county
from tests.village.factories import place, resident, staff

CLIENTS = 24


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, dict[str, object]]]:
    with fresh_engine(backend, Path(tmp_path_factory.mktemp("village-race"))) as engine:
        upgrade(engine)
        with Session(engine) as session:
            county = build_county(session)
            hall, point = place(session, "RACE-V", "venue"), place(session, "RACE-M", "canteen")
            start = utcnow() + timedelta(days=1)
            activity = ResidentServices(session).add_activity(
                staff(), hall.id, "activity", "抢票", start, start + timedelta(hours=1), 5
            )
            people = [resident(session, county, f"抢{i}") for i in range(CLIENTS)]
            services = ResidentServices(session)
            services.earn(people[0].person, people[0].home_paths[0], 1000, "志愿服务")
            session.commit()
            yield engine, {"activity": activity.id, "point": point.id, "people": people}


def _race(engine: Engine, work: Callable[[ResidentServices, int], object]) -> list[str]:
    sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def one(i: int) -> str:
        with sessions() as session:
            if engine.dialect.name == "sqlite":
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            try:
                work(ResidentServices(session), i)
                session.commit()
                return "ok"
            except AppError as exc:
                session.rollback()
                return type(exc).__name__

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(CLIENTS)))


def test_concurrent_bookings_stay_within_capacity(world: tuple[Engine, dict[str, object]]) -> None:
    engine, ids = world
    people: list[Principal] = ids["people"]  # type: ignore[assignment]
    activity_id: int = ids["activity"]  # type: ignore[assignment]
    outcomes = _race(engine, lambda s, i: s.book(people[i], activity_id))
    assert outcomes.count("ok") == CLIENTS
    with Session(engine) as session:
        booked = session.scalar(
            select(func.count()).where(Booking.activity_id == activity_id, Booking.status == "booked")
        )
        assert booked == 5 == session.get(Activity, activity_id).booked  # type: ignore[union-attr]


def test_concurrent_redemptions_never_overdraw(world: tuple[Engine, dict[str, object]]) -> None:
    engine, ids = world
    owner: Principal = ids["people"][0]  # type: ignore[index]
    outcomes = _race(engine, lambda s, _i: s.redeem(owner, "oil-5l"))
    assert outcomes.count("ok") == 3 and outcomes.count("Conflict") == CLIENTS - 3  # 1000 points, 300 each
    with Session(engine) as session:
        account = session.scalars(select(PointsAccount).where(PointsAccount.person_id == owner.person)).one()
        total = session.scalar(select(func.sum(PointsEntry.delta)).where(PointsEntry.account_id == account.id))
        assert account.balance == 100 == total


def test_concurrent_sign_ups_fill_two_seats(world: tuple[Engine, dict[str, object]]) -> None:
    engine, ids = world
    people: list[Principal] = ids["people"]  # type: ignore[assignment]
    point_id: int = ids["point"]  # type: ignore[assignment]
    day = date.today() + timedelta(days=3)
    outcomes = _race(engine, lambda s, i: s.sign_up(people[i], point_id, day, "lunch"))
    assert outcomes.count("ok") == 2
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(VolunteerShift.day == day)) == 2
