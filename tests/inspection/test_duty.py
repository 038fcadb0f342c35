"""Rosters in the database: a generated month keeps every hard rule, the on-duty lookup answers through the core,
and a red geo-hazard warning reaches the person on duty in the village duty room."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.inspection.models import DutyAssignment, DutyPost, DutyRoster
from gridgov.inspection.rosters import RosterService
from gridgov.kit.principal import system_principal
from gridgov.notify.models import Alert, InboxItem
from gridgov.notify.service import Alerting
from gridgov.org.duty import TOWNSHIP_PLATFORM, VILLAGE_DUTY_ROOM, on_duty
from gridgov.org.enums import Role
from gridgov.warning.response import DUTY, WarningResponse
from gridgov.warning.service import WarningService
from tests.factories import COUNTY, FUCHUN, WANSHI, bearer, build_county, create_account, create_person, user
from tests.inspection.factories import VILLAGE, duty_room
from tests.warning.factories import create_zone

MONTH = "2026-07"
NOW = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)  # 14:00 in 富阳: the day shift


def test_a_month_is_generated_and_a_red_warning_reaches_the_person_on_duty(
    client: TestClient, session: Session
) -> None:
    county = build_county(session)
    post, members = duty_room(session, county, people=4, unavailable={0: [date(2026, 7, 20)]})
    fuchun = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    session.commit()

    made = client.post("/api/v1/rosters", json={"month": MONTH, "area": VILLAGE}, headers=fuchun)
    assert made.status_code == 201, made.text
    assert made.json()["status"] in ("optimal", "feasible") and made.json()["assignments"] == 31 * 2
    shifts = session.scalars(select(DutyAssignment)).all()
    assert all(a.person_id != members[0].id for a in shifts if a.day == date(2026, 7, 20))

    on = on_duty(session, NOW, area=county[f"{VILLAGE}001"].path, kind=VILLAGE_DUTY_ROOM)
    assert len(on) == 1 and on[0].post_code == post.code
    person = on[0].person_id
    assert (
        client.get("/api/v1/rosters/on-duty", params={"area": VILLAGE, "at": NOW.isoformat()}, headers=fuchun).json()[
            0
        ]["person_id"]
        == person
    )

    zone = create_zone(session, lon=119.92, lat=30.02)
    changes = WarningService(session).apply(zone, 4, None, NOW)
    alerting = Alerting(session, secret="s", public_url="http://gov.test", clock=lambda: NOW)
    WarningResponse(session, alerting, CaseService(session, clock=lambda: NOW), f"{COUNTY}/").handle(changes)
    alert = session.scalars(select(Alert).where(Alert.subject == f"warning:{changes[0].warning_id}")).one()
    assert alert.level == "red"
    reached = {(r.person_id, r.role) for r in alerting.repo.recipients(alert.id)}
    assert (person, DUTY) in reached


def test_an_infeasible_month_is_stored_with_its_reasons(client: TestClient, session: Session) -> None:
    county = build_county(session)
    duty_room(session, county, people=1)
    fuchun = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    wanshi = user(session, county, "wanshi", Role.township_operator, WANSHI)
    session.commit()
    made = client.post("/api/v1/rosters", json={"month": MONTH, "area": VILLAGE}, headers=fuchun)
    assert made.status_code == 201 and made.json()["status"] == "infeasible"
    assert made.json()["reasons"] and made.json()["assignments"] == 0
    rules = {r["rule"] for r in made.json()["reasons"]}
    assert rules & {"min_rest", "max_consecutive", "max_week_hours"} and "coverage" in rules
    assert client.post("/api/v1/rosters", json={"month": MONTH, "area": VILLAGE}, headers=wanshi).status_code == 404


def test_swap_check_in_and_calendar_feed(client: TestClient, session: Session) -> None:
    county = build_county(session)
    post, members = duty_room(session, county, people=4)
    fuchun = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    session.commit()
    RosterService(session).generate(None, VILLAGE, MONTH)
    session.commit()
    first = session.scalars(select(DutyAssignment).order_by(DutyAssignment.starts_at)).first()
    assert first is not None
    holder = next(m for m in members if m.id == first.person_id)
    own = bearer(session, create_account(session, holder, "holder"))
    session.commit()
    other = next(m for m in members if m.id != holder.id)
    asked = client.post(
        "/api/v1/rosters/swaps", json={"assignment_id": first.id, "to_person_id": other.id}, headers=own
    )
    assert asked.status_code == 201, asked.text
    decided = client.post(
        f"/api/v1/rosters/swaps/{asked.json()['id']}/decision", json={"approve": True}, headers=fuchun
    )
    assert decided.status_code in (200, 409), decided.text
    feed = client.get(f"/api/v1/rosters/people/{holder.id}/calendar.ics", params={"since": "2026-07-01"}, headers=own)
    assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR") and "城西社区值班室" in feed.text
    late = client.post(
        f"/api/v1/rosters/assignments/{first.id}/check-in", json={"lon": 119.92, "lat": 30.02}, headers=own
    )
    assert late.status_code in (403, 422)


def test_an_escalated_case_reaches_the_township_platform_on_duty(app: FastAPI, session: Session) -> None:
    """(``app``: the application registers the module's duty provider at activation.)"""
    county = build_county(session)
    platform = DutyPost(
        code="FC-PT", name="富春综合信息指挥室", kind=TOWNSHIP_PLATFORM, path=county[FUCHUN].path, serves=[], shifts=[]
    )
    session.add(platform)
    watcher = create_person(session, county, [(Role.grid_member, f"{VILLAGE}001")], name="平台值班员")
    session.flush()
    roster = DutyRoster(month=MONTH, path=county[FUCHUN].path, status="optimal", reasons=[])
    session.add(roster)
    session.flush()
    session.add(
        DutyAssignment(
            roster_id=roster.id,
            post_id=platform.id,
            person_id=watcher.id,
            day=NOW.date(),
            shift_code="day",
            role="member",
            starts_at=NOW - timedelta(hours=2),
            ends_at=NOW + timedelta(hours=6),
        )
    )
    cases = CaseService(session, clock=lambda: NOW)
    reporter = system_principal("测试", f"{COUNTY}/")
    case = cases.report(reporter, CaseReport(category="0301", description="一般消防隐患", lon=119.92, lat=30.02))
    session.flush()
    assert cases.escalate_overdue(case, NOW) == "escalated to township"
    inbox = session.scalars(select(InboxItem).where(InboxItem.person_id == watcher.id)).all()
    assert any(item.kind == "escalation" for item in inbox)
