"""Resident services: bookings within capacity with a waiting list, cancellation and no double booking; a points
ledger that never goes negative; 报事报修 as a core case; 暖心志愿岗 shifts of exactly two."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.errors import Conflict, Forbidden, NotFound
from gridgov.kit.time import utcnow
from gridgov.village.services_residents import ResidentServices
from tests.factories import build_county
from tests.village.factories import WANSHI_PATH, place, resident, staff


def test_bookings_keep_to_capacity_with_a_waiting_list(vsession: Session) -> None:
    county = build_county(vsession)
    hall = place(vsession, "V1", "venue")
    services = ResidentServices(vsession)
    start = utcnow() + timedelta(days=1)
    activity = services.add_activity(staff(), hall.id, "activity", "书法课", start, start + timedelta(hours=2), 2, 5)
    with pytest.raises(Conflict):
        services.add_activity(
            staff(), hall.id, "venue", "包场", start + timedelta(hours=1), start + timedelta(hours=3), 1
        )
    people = [resident(vsession, county, f"居民{i}") for i in range(4)]
    statuses = [services.book(p, activity.id).status for p in people[:3]]
    assert statuses == ["booked", "booked", "waiting"]
    with pytest.raises(Conflict):
        services.book(people[0], activity.id)
    services.cancel(people[0], activity.id)
    vsession.refresh(activity)
    assert activity.booked == 2
    assert [b.status for b, _a in services.bookings(people[2])] == ["booked"]
    assert services.bookings(people[3]) == []
    services.check_in(staff(), activity.id, people[1].person, attended=True)
    assert services.points(people[1])[0] == 5
    other = place(vsession, "V2", "venue", WANSHI_PATH)
    with pytest.raises(NotFound):
        services.add_activity(staff(), other.id, "activity", "x", start, start + timedelta(hours=1), 5)


def test_no_shows_suspend_booking(vsession: Session) -> None:
    county = build_county(vsession)
    hall = place(vsession, "V1", "venue")
    services = ResidentServices(vsession)
    person = resident(vsession, county, "爽约者")
    start = utcnow() + timedelta(days=1)
    for i in range(4):
        at = start + timedelta(hours=3 * i)
        activity = services.add_activity(staff(), hall.id, "activity", f"活动{i}", at, at + timedelta(hours=1), 5)
        if i < 3:
            services.book(person, activity.id)
            services.check_in(staff(), activity.id, person.person, attended=False)
    with pytest.raises(Forbidden):
        services.book(person, activity.id)


def test_the_ledger_never_goes_negative(vsession: Session) -> None:
    county = build_county(vsession)
    person = resident(vsession, county, "积分居民")
    services = ResidentServices(vsession)
    services.earn(person.person, person.home_paths[0], 250, "志愿服务")
    entry = services.redeem(person, "rice-5kg")
    assert (entry.delta, entry.balance_after) == (-200, 50)
    with pytest.raises(Conflict):
        services.redeem(person, "rice-5kg")
    balance, entries = services.points(person)
    assert balance == 50 and [e.delta for e in entries] == [-200, 250]
    assert all(e.reason for e in entries)


def test_a_repair_is_a_core_case_the_resident_follows(vsession: Session) -> None:
    county = build_county(vsession)
    person = resident(vsession, county, "报修居民")
    services = ResidentServices(vsession)
    repair = services.report_repair(person, "lighting", "楼下路灯不亮", 119.95, 30.02, None)
    case = vsession.query(Case).filter_by(number=repair.case_number).one()
    assert (case.category_code, case.source, case.reporter_person_id) == ("0601", "resident", person.person)
    assert [(v.repair.id, v.state) for v in services.repairs(person)] == [(repair.id, "reported")]
    assert services.repairs(resident(vsession, county, "别人")) == []


def test_a_shift_takes_two_volunteers(vsession: Session) -> None:
    county = build_county(vsession)
    point = place(vsession, "MP1", "canteen")
    services = ResidentServices(vsession)
    people = [resident(vsession, county, f"志愿者{i}") for i in range(3)]
    day = date.today() + timedelta(days=1)
    seats = [services.sign_up(p, point.id, day, "lunch").seat for p in people[:2]]
    assert seats == [1, 2]
    with pytest.raises(Conflict):
        services.sign_up(people[2], point.id, day, "lunch")
    with pytest.raises(Conflict):
        services.sign_up(people[0], point.id, day, "dinner") and services.sign_up(people[0], point.id, day, "dinner")
    roster = services.roster(("330111/",), day, 1)
    assert roster[(point.id, day, "lunch")] == 2 and roster[(point.id, day, "dinner")] == 1
