"""Drills (演练) run as exercises end to end: while an exercise window is open, a warning issued is an
exercise — CAP ``<status>Exercise</status>`` with a note (valid CAP 1.2), its alert marked 【演练】 with the SMS and
voice withheld unless the drill asked for them, its patrol case from source ``exercise:<id>`` — and the board
shows the window and marks the warning. A warning that was real before the drill stays real."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.case.service import CaseService
from gridgov.notify.models import Alert, Delivery
from gridgov.notify.service import Alerting
from gridgov.org.enums import Role
from gridgov.warning.exercise import GRACE, current_exercise, end_exercise, open_exercise
from gridgov.warning.models import CapMessageRecord, Household, RiskZone, WarningRecord, ZonePerson
from gridgov.warning.rainfall import RainBook
from gridgov.warning.response import WarningResponse
from gridgov.warning.service import WarningService, ZoneChange
from tests.factories import COUNTY, FUCHUN, County, build_county, create_person, user
from tests.warning.factories import create_zone

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "cap12.xsd")))
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
NOW = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)


def _zone(session: Session) -> tuple[RiskZone, County]:
    """A zone on gauge G1 with its village cadre and one threatened household (both with phones)."""
    county = build_county(session)
    zone = create_zone(session, lon=119.92, lat=30.02, gauges=(("G1", 50.0, 1),))
    cadre = create_person(session, county, [(Role.village_cadre, f"{FUCHUN}001")], name="村书记")
    session.add(ZonePerson(zone_id=zone.id, person_id=cadre.id, level="village"))
    session.add(Household(zone_id=zone.id, head_name="住户甲", people=3, phone="10000000101", synthetic=True))
    session.flush()
    return zone, county


def _downpour(book: RainBook, station: str, until: datetime) -> None:
    """60 mm in the hour before ``until``: red on a level-3 zone's 1 h threshold."""
    for minutes in range(55, -5, -5):
        book.add(station, until - timedelta(minutes=minutes), 5.0)


def _respond(session: Session, changes: list[ZoneChange]) -> WarningResponse:
    alerting = Alerting(session, secret="s", public_url="http://gov.test", clock=lambda: NOW)
    response = WarningResponse(session, alerting, CaseService(session, clock=lambda: NOW), f"{COUNTY}/")
    response.handle(changes)
    return response


def test_the_window_opens_for_the_replay_plus_grace_and_can_be_ended(session: Session) -> None:
    assert current_exercise(session, NOW) is None
    open_exercise(session, "模拟台风 seed 2019", NOW, NOW + timedelta(minutes=1))
    window = current_exercise(session, NOW + timedelta(minutes=1) + GRACE - timedelta(seconds=1))
    assert window is not None and window.name == "模拟台风 seed 2019" and not window.send_external
    assert current_exercise(session, NOW + timedelta(minutes=1) + GRACE) is None
    assert end_exercise(session, NOW + timedelta(minutes=2)) is not None
    assert current_exercise(session, NOW + timedelta(minutes=2)) is None


def test_a_warning_issued_in_the_window_is_an_exercise_end_to_end(session: Session) -> None:
    zone, _ = _zone(session)
    open_exercise(session, "演练", NOW - timedelta(minutes=1), NOW)
    book = RainBook()
    _downpour(book, "G1", NOW)
    [issued] = WarningService(session).evaluate(book, NOW, zone_ids=[zone.id])
    assert issued.exercise and issued.colour.value == "red"

    record = session.get_one(WarningRecord, issued.warning_id)
    [message] = session.scalars(select(CapMessageRecord).where(CapMessageRecord.warning_id == record.id))
    root = etree.fromstring(message.xml.encode())
    assert SCHEMA.validate(root), SCHEMA.error_log
    assert root.findtext("cap:status", namespaces=NS) == "Exercise" and message.status == "Exercise"
    assert "演练" in (root.findtext("cap:note", namespaces=NS) or "")
    assert (root.findtext("cap:info/cap:headline", namespaces=NS) or "").startswith("【演练】")

    response = _respond(session, [issued])
    alert = session.scalars(select(Alert).where(Alert.subject == f"warning:{record.id}")).one()
    assert alert.title.startswith("【演练】") and alert.kind == "warning:exercise"
    external = session.scalars(select(Delivery).where(Delivery.channel != "inbox")).all()
    assert external and {d.status for d in external} == {"withheld"}, "no SMS or call leaves the platform"
    patrol = session.scalars(select(Case).where(Case.source == f"exercise:{record.id}")).one()
    assert patrol.description.startswith("【演练】") and zone.code in patrol.description
    assert not session.scalars(select(Case).where(Case.source == f"warning:{record.id}")).first()
    (view,) = response.completion([record.id], timedelta(minutes=5))
    assert view.patrol_case == patrol.number


def test_a_drill_that_asks_for_external_sends_queues_them(session: Session) -> None:
    zone, _ = _zone(session)
    open_exercise(session, "演练", NOW - timedelta(minutes=1), NOW, send_external=True)
    changes = WarningService(session).apply(zone, 4, None, NOW, exercise=True)
    _respond(session, changes)
    external = session.scalars(select(Delivery).where(Delivery.channel != "inbox")).all()
    assert external and {d.status for d in external} == {"queued"}


def test_a_real_warning_stays_real_through_a_drill(session: Session) -> None:
    zone, _ = _zone(session)
    service = WarningService(session)
    [real] = service.apply(zone, 2, None, NOW - timedelta(hours=1))
    open_exercise(session, "演练", NOW - timedelta(minutes=1), NOW)
    [upgraded] = service.apply(zone, 4, None, NOW, exercise=True)  # what the evaluator asks in the window
    assert upgraded.warning_id == real.warning_id and not upgraded.exercise
    _respond(session, [upgraded])
    alert = session.scalars(select(Alert).where(Alert.closed_at.is_(None))).one()
    assert alert.kind == "warning" and not alert.title.startswith("【演练】")
    assert session.scalars(select(Case).where(Case.source == f"warning:{real.warning_id}")).one()


def test_the_board_shows_the_window_and_marks_exercise_warnings(
    session: Session, client: TestClient, app: FastAPI
) -> None:
    zone, county = _zone(session)
    admin = user(session, county, "boss", Role.admin, COUNTY)
    real_zone = create_zone(session, lon=119.93, lat=30.03)
    open_exercise(session, "模拟台风 seed 2019", NOW - timedelta(minutes=1), NOW + timedelta(minutes=5))
    changes = WarningService(session).apply(zone, 4, None, NOW, exercise=True)
    changes += WarningService(session).apply(real_zone, 2, None, NOW, exercise=False)
    _respond(session, changes)
    session.commit()
    app.state.clock = lambda: NOW

    board = client.get("/warnings", headers=admin)
    assert board.status_code == 200
    assert 'data-testid="exercise-window"' in board.text and "模拟台风 seed 2019" in board.text
    assert f'data-zone="{zone.code}" data-colour="red" data-exercise="true"' in board.text
    assert f'data-zone="{real_zone.code}" data-colour="yellow" data-exercise="false"' in board.text
    assert "其中演练 1 条" in board.text

    detail = client.get(f"/warnings/{changes[0].warning_id}", headers=admin)
    assert 'data-channel="sms" data-status="withheld">短信 演练未外发' in detail.text
    feed = client.get("/cap/feed.atom").text  # the public feed leaves drills out
    assert zone.name not in feed and real_zone.name in feed
    feed = client.get("/cap/feed.atom", params={"exercises": "true"}).text  # unless asked, then marked
    assert f"【演练】{zone.name}" in feed and f"【演练】{real_zone.name}" not in feed and real_zone.name in feed
