from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridgov.warning.documents import POLICY, THRESHOLDS
from gridgov.warning.enums import Change, Colour, WarningState
from gridgov.warning.models import CapMessageRecord, RiskZone, WarningRecord
from gridgov.warning.rainfall import RainBook
from gridgov.warning.repository import WarningRepository
from gridgov.warning.service import WarningService
from gridgov.warning.thresholds import ThresholdConfig, Trigger
from tests.warning.factories import add_rainfall, create_gauge, create_zone

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "cap12.xsd")))
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
NOW = datetime(2026, 6, 20, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


def rain(book: RainBook, station: str, start: float, minutes: int, mm_per_5min: float) -> None:
    for m in range(0, minutes, 5):
        book.add(station, at(start + m + 5), mm_per_5min)


def messages(session: Session, warning_id: int) -> list[CapMessageRecord]:
    return WarningRepository(session).messages(warning_id)


def assert_valid(xml: str) -> etree._Element:
    root = etree.fromstring(xml.encode())
    assert SCHEMA.validate(root), SCHEMA.error_log
    return root


class TestLifecycleThroughTheService:
    def test_storm_issue_upgrade_downgrade_cancel_each_with_a_valid_cap_message(self, session: Session) -> None:
        create_zone(session, level=3, gauges=(("G1", 80.0, 1),))
        service = WarningService(session)
        book = RainBook()
        rain(book, "G1", 0, 60, 2.6)  # 31.2 mm in 1 h: level-3 1h yellow (30)
        [issued] = service.evaluate(book, at(60))
        assert (issued.change, issued.colour, issued.previous) == (Change.issued, Colour.yellow, None)
        assert issued.trigger is not None and issued.trigger.measure == "1h" and issued.trigger.gauge == "G1"
        rain(book, "G1", 60, 60, 4.0)  # 48 mm in the next hour: 1h orange (40)
        [upgraded] = service.evaluate(book, at(120))
        assert (upgraded.change, upgraded.colour, upgraded.previous) == (Change.upgraded, Colour.orange, Colour.yellow)
        # rain stops (the gauge keeps reporting 0 mm); the 3h total (79.2 mm) keeps orange (70) until the
        # first hour's rain leaves the window, then yellow for 60 min → downgrade; cancel 120 min after the last colour
        rain(book, "G1", 120, 30, 0.0)
        assert service.evaluate(book, at(150)) == []
        changes = []
        for m in range(160, 600, 10):
            rain(book, "G1", m - 10, 10, 0.0)
            changes += service.evaluate(book, at(m))
        assert [(c.change, c.colour) for c in changes] == [
            (Change.downgraded, Colour.yellow),
            (Change.cancelled, Colour.yellow),
        ]
        record = session.get(WarningRecord, issued.warning_id)
        assert record is not None and record.state == WarningState.cancelled.value and record.peak_colour == "orange"
        sent = messages(session, record.id)
        assert [m.msg_type for m in sent] == ["Alert", "Update", "Update", "Cancel"]
        for i, m in enumerate(sent):
            root = assert_valid(m.xml)
            assert m.identifier.startswith("330111") and root.findtext("cap:identifier", namespaces=NS) == m.identifier
            refs = root.findtext("cap:references", namespaces=NS)
            assert (refs or "").count(",") == 2 * i  # each later message references every earlier one
        first = etree.fromstring(sent[0].xml.encode())
        params = {
            p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
            for p in first.findall("cap:info/cap:parameter", namespaces=NS)
        }
        assert params["trigger_window"] == "1h" and params["trigger_value_mm"] == "31.2"
        assert params["trigger_threshold_mm"] == "30.0" and params["rain_24h_mm"] == "31.2"
        assert first.findtext("cap:info/cap:area/cap:geocode/cap:value", namespaces=NS) == "330111"

    def test_fallback_gauge_and_no_data(self, session: Session) -> None:
        create_zone(session, gauges=(("NEAR", 50.0, 1), ("FAR", 900.0, 2)))
        service = WarningService(session)
        book = RainBook()
        book.add("NEAR", at(0), 0.0)
        rain(book, "FAR", 0, 60, 3.0)  # 36 mm/h
        [issued] = service.evaluate(book, at(60))  # NEAR silent for 60 min > 30: FAR stands in
        assert issued.trigger is not None and issued.trigger.gauge == "FAR" and issued.trigger.fallback
        assert service.evaluate(book, at(200)) == []  # everything silent: no data, no all clear
        active = WarningRepository(session).active_warning(issued.zone_id, "geo")
        assert active is not None and active.colour == "yellow"

    def test_silent_warning_expires_without_a_message(self, session: Session) -> None:
        zone = create_zone(session, gauges=(("G1", 10.0, 1),))
        service = WarningService(session)
        trigger = Trigger(Colour.red, "1h", 55.0, 50.0, "G1", False, False)
        [issued] = service.apply(zone, 4, trigger, NOW)
        [expired] = service.apply(zone, None, None, NOW + timedelta(hours=24))
        assert (expired.change, expired.cap_identifier) == (Change.expired, None)
        assert len(messages(session, issued.warning_id)) == 1

    def test_sweep_expires_warnings_of_deactivated_zones(self, session: Session) -> None:
        zone = create_zone(session)
        service = WarningService(session)
        [issued] = service.apply(zone, 3, None, NOW)
        zone.active = False
        assert service.evaluate(RainBook(), at(60)) == [] and service.sweep(at(60)) == []
        [expired] = service.sweep(NOW + timedelta(hours=24))
        assert (expired.change, expired.warning_id) == (Change.expired, issued.warning_id)

    def test_drill_messages_are_exercises(self, session: Session) -> None:
        zone = create_zone(session, point=True)
        [issued] = WarningService(session).apply(zone, 3, None, NOW, exercise=True)
        root = assert_valid(messages(session, issued.warning_id)[0].xml)
        assert root.findtext("cap:status", namespaces=NS) == "Exercise"
        assert root.findtext("cap:info/cap:area/cap:circle", namespaces=NS) == "30.050000,119.950000 0.2"

    def test_many_messages_in_one_second_get_distinct_identifiers(self, session: Session) -> None:
        service = WarningService(session)
        zones = [create_zone(session) for _ in range(15)]
        identifiers = [c.cap_identifier for z in zones for c in service.apply(z, 2, None, NOW)]
        assert len(set(identifiers)) == 15
        assert identifiers[10] == "33011100000001_20260620160000_0"

    def test_feed_lists_active_warnings_with_their_latest_message(self, session: Session) -> None:
        service = WarningService(session)
        a, b = create_zone(session), create_zone(session)
        service.apply(a, 2, None, NOW)
        [latest] = service.apply(a, 4, None, at(5))
        [gone] = service.apply(b, 2, None, NOW)
        session.get(WarningRecord, gone.warning_id).state = "cancelled"  # type: ignore[union-attr]
        feed = etree.fromstring(service.feed("https://gridgov.example/", at(6)))
        atom = {"a": "http://www.w3.org/2005/Atom"}
        entries = feed.findall("a:entry", namespaces=atom)
        assert len(entries) == 1
        link = entries[0].find("a:link", namespaces=atom)
        assert link is not None and link.get("href") == f"https://gridgov.example/cap/{latest.cap_identifier}.xml"
        assert service.message_xml(str(latest.cap_identifier)) is not None


class TestEffectiveRainfall:
    def test_antecedent_rain_raises_a_zone_that_no_window_would(self, session: Session) -> None:
        body = THRESHOLDS.default().model_dump(mode="json")
        body["effective_rule"] = {"k": 0.8, "days": 2}
        body["levels"]["3"]["effective"] = [{"colour": "yellow", "mm": 100}, {"colour": "red", "mm": 200}]
        service = WarningService(session, thresholds=ThresholdConfig.model_validate(body))
        create_zone(session, level=3, gauges=(("G1", 10.0, 1),))
        book = RainBook(antecedent_days=2)
        for day in (1, 2):  # 60 mm on each of the two days before: below every window
            book.add("G1", at(-day * 24 * 60 - 30), 60.0)
        for minutes in (-180, -120, -60, 0):
            book.add("G1", at(minutes), 5.0)  # 20 mm today: 20 + 0.8·60 + 0.64·60 = 106.4 ≥ 100
        [issued] = service.evaluate(book, at(0))
        trigger = issued.trigger
        assert trigger is not None and (trigger.colour, trigger.measure) == (Colour.yellow, "effective")
        assert trigger.value_mm == pytest.approx(106.4) and trigger.threshold_mm == 100
        assert trigger.values is not None and trigger.values["24h"] == 20.0

    def test_a_book_without_antecedent_days_is_refused(self, session: Session) -> None:
        body = THRESHOLDS.default().model_dump(mode="json")
        body["effective_rule"] = {"k": 0.8, "days": 2}
        create_zone(session, gauges=(("G1", 10.0, 1),))
        service = WarningService(session, thresholds=ThresholdConfig.model_validate(body))
        with pytest.raises(ValueError, match="有效雨量"):
            service.evaluate(RainBook(), NOW)


class TestOneActiveWarningPerZone:
    def test_the_database_refuses_a_second_active_warning(self, session: Session) -> None:
        zone = create_zone(session)
        fields: dict[str, Any] = {"zone_id": zone.id, "hazard": "geo", "colour": "red", "peak_colour": "red"}
        fields |= {"issued_at": NOW, "expires_at": at(60)}
        session.add(WarningRecord(state="cancelled", **fields))
        session.add(WarningRecord(state="active", **fields))
        session.flush()  # a cancelled one and an active one: fine
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(WarningRecord(state="active", **fields))
            session.flush()


def test_two_threads_raising_the_same_zone_end_with_one_active_warning(engine: Engine) -> None:
    """Both read "no active warning" (a barrier holds them there), both insert; the database lets one win
    and the loser, catching the IntegrityError, updates the winner's warning instead (PostgreSQL). On
    SQLite the writers queue (BEGIN IMMEDIATE), so the second sees the first's warning at once."""
    thresholds, policy = THRESHOLDS.default(), POLICY.default()
    with Session(engine) as setup:
        zone_id = create_zone(setup, code="FX-RACE-1").id
        setup.commit()
    barrier = threading.Barrier(2)
    lost: list[str] = []
    errors: list[BaseException] = []
    original_read = WarningRepository.active_warning
    original_insert = WarningService._insert
    local = threading.local()

    def read_then_wait(self: WarningRepository, *args: Any, **kwargs: Any) -> WarningRecord | None:
        found = original_read(self, *args, **kwargs)
        if not getattr(local, "waited", False):
            local.waited = True
            try:
                barrier.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass  # SQLite: the other writer is queued behind this one
        return found

    def insert_and_note(self: WarningService, *args: Any, **kwargs: Any) -> WarningRecord | None:
        created = original_insert(self, *args, **kwargs)
        if created is None:
            lost.append(threading.current_thread().name)
        return created

    def raise_zone(rank: int) -> None:
        try:
            with Session(engine) as session:
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                zone = session.get(RiskZone, zone_id)
                assert zone is not None
                WarningService(session, thresholds, policy).apply(zone, rank, None, NOW)
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    WarningRepository.active_warning = read_then_wait  # type: ignore[method-assign]
    WarningService._insert = insert_and_note  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=raise_zone, args=(r,), name=f"rank{r}") for r in (2, 4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        WarningRepository.active_warning = original_read  # type: ignore[method-assign]
        WarningService._insert = original_insert  # type: ignore[method-assign]
    try:
        assert errors == []
        with Session(engine) as check:
            rows = list(check.scalars(select(WarningRecord).where(WarningRecord.zone_id == zone_id)))
            assert [(r.state, r.colour) for r in rows] == [("active", "red")]
            of_warning = select(CapMessageRecord).where(CapMessageRecord.warning_id == rows[0].id)
            sent = list(check.scalars(of_warning.order_by(CapMessageRecord.id)))
            assert sent[0].msg_type == "Alert" and all(m.msg_type == "Update" for m in sent[1:])
        if engine.dialect.name == "postgresql":
            assert len(lost) == 1  # the race really happened and the loser took the IntegrityError path
    finally:
        with Session(engine) as cleanup:
            ids = select(WarningRecord.id).where(WarningRecord.zone_id == zone_id)
            cleanup.execute(delete(CapMessageRecord).where(CapMessageRecord.warning_id.in_(ids)))
            cleanup.execute(delete(WarningRecord).where(WarningRecord.zone_id == zone_id))
            cleanup.execute(delete(RiskZone).where(RiskZone.id == zone_id))
            cleanup.commit()


class TestRainfallFromObservations:
    def test_stored_readings_rebuild_the_rolling_totals(self, session: Session) -> None:
        gauge = create_gauge(session, "RG-OBS-1", 119.95, 30.05)
        add_rainfall(session, gauge, [(at(-m), 2.0) for m in range(0, 25 * 60, 60)])  # hourly 2 mm, 25 h
        book = WarningService(session).rain_book_from_observations(NOW)
        totals = book.gauge("RG-OBS-1")
        totals.advance(NOW)
        assert totals.total(1) == 2.0 and totals.total(24) == 48.0


class TestCoverage:
    def test_nearest_gauges_and_zones_beyond_200_m_and_2_km(self, session: Session) -> None:
        create_gauge(session, "RG-A", 119.9500, 30.0500)
        create_gauge(session, "RG-B", 119.9600, 30.0500)  # ~963 m east of A
        near = create_zone(session, lon=119.9500, lat=30.0512)  # 50 m square, ~133 m north: edge ~80 m away
        mid = create_zone(session, lon=119.9550, lat=30.0600)  # ~1.2 km from both
        far = create_zone(session, lon=119.9000, lat=30.0500, point=True)  # ~4.8 km west
        service = WarningService(session)
        nearest = {n.zone: n for n in service.nearest(k=2)}
        assert [code for code, _ in nearest[near.code].gauges] == ["RG-A", "RG-B"]
        assert 70 < nearest[near.code].distance_m < 90
        assert 4700 < nearest[far.code].distance_m < 4900
        report = service.coverage()
        assert report.zones == 3 and report.within_near == 1 and report.within_far == 2
        assert set(report.beyond_near) == {mid.code, far.code} and report.beyond_far == [far.code]
        assert service.assign_nearest_gauges(k=2) == 6
        assert WarningRepository(session).gauge_slots([near.id])[near.id] == [("RG-A", 1), ("RG-B", 2)]
