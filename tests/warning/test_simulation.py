"""The simulated typhoon: its readings and delivery plan (pure), and end to end on the demo county — a storm over
part of the district raises exactly the zones and colours of the simulation's expectation (``--dry-run``), every
CAP message validates against the XSD, the right people are reached, an unanswered red warning escalates once
after five minutes of injected time, patrol cases open and close, and the completion view adds up — all as a drill
(演练), as ``simulate storm`` runs it: CAP status Exercise, no SMS or call leaves, patrol cases from
``exercise:<id>``."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from gridgov.auth.models import Account
from gridgov.case.catalogue import save_taxonomy
from gridgov.case.models import Case
from gridgov.case.schemas import CaseAction
from gridgov.case.service import CaseService
from gridgov.case.taxonomy import default_taxonomy
from gridgov.case.workflow import Action
from gridgov.cli import app as cli_app
from gridgov.config import Settings, get_settings
from gridgov.configdata.service import load_document
from gridgov.db import Database
from gridgov.demo.builder import build
from gridgov.kit.principal import system_principal
from gridgov.main import create_app
from gridgov.notify.models import Alert, AlertRecipient, Delivery, EscalationStep
from gridgov.notify.service import link_token
from gridgov.notify.tasks import escalate_alerts
from gridgov.org.enums import Role
from gridgov.sensing.parsing import Reading, parse_items, parse_mqtt
from gridgov.warning.demo import build_hazard
from gridgov.warning.documents import THRESHOLDS
from gridgov.warning.enums import Colour
from gridgov.warning.exercise import current_exercise, open_exercise
from gridgov.warning.models import CapMessageRecord, Household, RiskZone, WarningRecord, ZonePerson
from gridgov.warning.response import REACH, RESIDENTS
from gridgov.warning.simulation import (
    MAX_RATE_MM_H,
    Gauge,
    RainSeries,
    ZoneSite,
    colour_counts,
    expected_colours,
    fast_waves,
    http_bodies,
    mqtt_messages,
    readings,
    realtime_waves,
    storm_for,
)
from gridgov.warning.storm_io import load_network
from gridgov.warning.tasks import WarningEvaluator
from tests.factories import bearer

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "cap12.xsd")))
CONFIG = THRESHOLDS.default()
END = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)


def _grid_network(n: int = 15) -> tuple[list[Gauge], list[ZoneSite]]:
    """n × n gauges over a county-sized box (about 65 × 48 km); a zone beside each, levels 1/2/3 in turn, its
    gauge first and a neighbour second."""
    gauges = [
        Gauge(f"G{i:02d}{j:02d}", 119.46 + 0.67 * i / (n - 1), 29.77 + 0.42 * j / (n - 1))
        for i in range(n)
        for j in range(n)
    ]
    zones = [
        ZoneSite(f"Z{k:03d}", f"Z{k:03d}", 1 + k % 3, ((g.code, 1), (gauges[(k + 1) % len(gauges)].code, 2)))
        for k, g in enumerate(gauges)
    ]
    return gauges, zones


def test_a_storm_is_seeded_tipped_in_tenths_and_wets_part_of_the_county() -> None:
    gauges, zones = _grid_network()
    storm = storm_for(gauges, seed=2019)
    series = readings(storm, gauges, END)
    again = readings(storm_for(gauges, seed=2019), gauges, END)
    other = readings(storm_for(gauges, seed=7), gauges, END)
    assert np.array_equal(series.tenths, again.tenths) and not np.array_equal(series.tenths, other.tenths)
    assert series.steps == 144 and series.times[-1] == END and series.times[0] == END - timedelta(minutes=5 * 143)
    assert series.tenths.min() >= 0 and series.tenths.dtype == np.int32
    assert series.tenths.max() / 10 <= MAX_RATE_MM_H / 12 + 0.1
    lowest_1h = min(r.mm for table in CONFIG.levels.values() for r in table.rows if r.window_h == 1)
    assert series.tenths.max() / 10 < lowest_1h, "one reading alone must never reach a threshold"
    totals = series.totals_mm()
    assert totals.max() > 150 and np.quantile(totals, 0.25) < 40, "wet along the track, dry far from it"
    counts = colour_counts(expected_colours(series, zones, CONFIG, peak=False))
    assert counts["none"] > len(zones) / 3 and counts["red"] and counts["orange"] and counts["yellow"]


def test_the_peak_over_time_is_at_least_the_end_of_storm_colour() -> None:
    gauges, zones = _grid_network(9)
    series = readings(storm_for(gauges, seed=3), gauges, END)
    end = expected_colours(series, zones, CONFIG, peak=False)
    peak = expected_colours(series, zones, CONFIG, peak=True)
    rank = {None: 0} | {c: c.rank for c in Colour}
    assert all(rank[p.colour] >= rank[e.colour] for p, e in zip(peak, end, strict=True))
    assert sum(rank[p.colour] for p in peak) > sum(rank[e.colour] for e in end), "bursts mid-storm count in real time"
    assert all(e.at == END for e in end if e.colour)


def test_the_fast_replay_never_shows_more_than_the_end() -> None:
    """The server sees the record wave by wave; each window total only grows, so no zone passes its
    end-of-storm colour on the way (the latest reading goes first, so every gauge is live throughout)."""
    gauges, zones = _grid_network(9)
    series = readings(storm_for(gauges, seed=2019), gauges, END)
    final = {e.code: (e.colour.rank if e.colour else 0) for e in expected_colours(series, zones, CONFIG, peak=False)}
    waves = fast_waves(series.steps, seconds=45, block_steps=12)
    assert waves[0].steps == (series.steps - 1,) and waves[0].offset_s == 0 and waves[-1].offset_s == 45
    assert sorted(k for w in waves for k in w.steps) == list(range(series.steps)), "each step sent once"
    sent = np.zeros(series.steps, dtype=bool)
    for wave in waves:
        sent[list(wave.steps)] = True
        partial = RainSeries(series.codes, series.times, np.where(sent[:, None], series.tenths, 0), 5)
        for e in expected_colours(partial, zones, CONFIG, peak=False):
            assert (e.colour.rank if e.colour else 0) <= final[e.code]


def test_messages_and_bodies_carry_the_readings_through_the_real_parsers() -> None:
    gauges, _zones = _grid_network(3)
    series = readings(storm_for(gauges, seed=5), gauges, END)
    wave = fast_waves(series.steps, 10, block_steps=12)[3]
    messages = list(mqtt_messages(series, wave, "gridgov", "330111"))
    assert len(messages) == len(gauges)
    got = [p for topic, payload in messages for p in parse_mqtt(topic, payload, "gridgov")]
    assert all(isinstance(p, Reading) for p in got) and len(got) == len(gauges) * len(wave.steps)
    first = got[0]
    assert isinstance(first, Reading)
    assert (first.station, first.property, first.unit) == (gauges[0].code, "rainfall", "mm")
    assert (first.time, first.value) == (series.times[wave.steps[0]], series.mm(wave.steps[0], 0))
    single = next(mqtt_messages(series, fast_waves(series.steps, 10)[0], "gridgov", "330111"))
    assert single[0] == f"gridgov/330111/stations/{gauges[0].code}/rainfall" and json.loads(single[1])["unit"] == "mm"
    bodies = list(http_bodies(series, wave, size=50))
    assert [len(b["observations"]) for b in bodies] == [50, 50, len(got) - 100]
    items = [i for b in bodies for i in b["observations"]]
    parsed = parse_items(items, b"")
    assert sorted((p.station, p.time, p.value) for p in parsed if isinstance(p, Reading)) == sorted(
        (p.station, p.time, p.value) for p in got if isinstance(p, Reading)
    )
    live = realtime_waves(series, series.times[0] - timedelta(minutes=5))
    assert [w.offset_s for w in live[:3]] == [300.0, 600.0, 900.0] and live[-1].steps == (series.steps - 1,)


def test_dry_run_prints_the_expectation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'sim.db'}")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli_app, ["demo", "--no-serve"]).exit_code == 0
        result = runner.invoke(cli_app, ["simulate", "storm", "--fast", "--dry-run", "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["mode"] == "fast" and report["expectation"] == "end" and len(report["zones"]) == 770
        assert sum(report["counts"].values()) == 770 and report["counts"]["none"] < 770
        shown = runner.invoke(cli_app, ["simulate", "storm", "--dry-run"], terminal_width=200)
        assert shown.exit_code == 0 and "预计预警" in shown.output and "红色" in shown.output
        refused = runner.invoke(cli_app, ["simulate", "storm", "--http", "http://127.0.0.1:9"])
        assert refused.exit_code == 1 and "--token" in refused.output

        # a storm that is sent is a drill: the exercise window opens before the first reading (here the
        # server is unreachable, so the window stays open for the replay and its grace, then closes)
        database = Database.from_url(get_settings().database_url)
        with database.session() as session:
            assert current_exercise(session, datetime.now(UTC)) is None
        drill = ["simulate", "storm", "--fast", "--seconds", "1", "--http", "http://127.0.0.1:9", "--token", "t"]
        unreachable = runner.invoke(cli_app, [*drill, "--send-external"], terminal_width=200)
        assert unreachable.exit_code == 1 and "演练时段至" in unreachable.output
        with database.session() as session:
            window = current_exercise(session, datetime.now(UTC))
            assert window is not None and window.send_external and window.name == "模拟台风 seed 2019"
        ended = runner.invoke(cli_app, ["simulate", "end-exercise"])
        assert ended.exit_code == 0 and "已结束" in ended.output
        with database.session() as session:
            assert current_exercise(session, datetime.now(UTC)) is None
        database.engine.dispose()
    finally:
        get_settings.cache_clear()


# end to end on the demo county ---------------------------------------------------------------------
class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _build_demo(session: Session) -> None:
    build(session, seed=20240601)
    save_taxonomy(session, default_taxonomy())
    build_hazard(session, seed=20240601)
    session.commit()


def test_a_storm_over_the_demo_county_end_to_end(
    db: Database, session: Session, settings: Settings, request: pytest.FixtureRequest
) -> None:
    _build_demo(session)
    clock = Clock(END + timedelta(seconds=1))
    app = create_app(settings, db)
    app.state.clock = clock
    admin = session.scalars(select(Account).where(Account.username == "admin")).one()
    auth = bearer(session, admin)
    session.commit()
    network = load_network(session)
    series = readings(storm_for(network.gauges, seed=2019), network.gauges, END)
    expected = expected_colours(series, network.zones, load_document(session, THRESHOLDS), peak=False)
    want = {e.code: e.colour.value for e in expected if e.colour}
    counts = colour_counts(expected)
    assert counts["red"] and counts["orange"] and counts["yellow"] and counts["none"] > 300

    open_exercise(session, "模拟台风 seed 2019", END, END + timedelta(seconds=15))  # as simulate storm does
    session.commit()
    evaluator = WarningEvaluator(db, settings, clock, app.state.calendar)
    request.addfinalizer(evaluator.close)  # the PostgreSQL leader lock goes with its connection
    evaluator.step()  # builds the (empty) rolling totals
    with TestClient(app) as client:
        # 1. the backdated replay through the HTTP batch API, the evaluator stepping between waves
        for wave in fast_waves(series.steps, seconds=14, block_steps=48):
            clock.now = END + timedelta(seconds=1 + wave.offset_s)
            for body in http_bodies(series, wave):
                response = client.post("/api/v1/sensing/observations", json=body, headers=auth)
                assert response.status_code == 202 and response.json()["dead_lettered"] == 0, response.text
            evaluator.step()
        evaluator.step(whole=True)

        # 2. the right zones at the right colours, exactly as the simulation expected
        active = {
            zone.code: record
            for record, zone in session.execute(
                select(WarningRecord, RiskZone)
                .join(RiskZone, RiskZone.id == WarningRecord.zone_id)
                .where(WarningRecord.state == "active")
            )
        }
        assert {code: r.colour for code, r in active.items()} == want
        assert all(r.peak_colour == r.colour for r in active.values()), "no zone went past its end colour"
        board = client.get("/api/v1/warnings/zones", headers=auth).json()
        assert Counter(z["colour"] for z in board if z["colour"]) == Counter(want.values())

        # 3. every CAP message validates, and says it is an exercise
        messages = session.scalars(select(CapMessageRecord)).all()
        assert len(messages) >= len(want)
        for message in messages:
            assert SCHEMA.validate(etree.fromstring(message.xml.encode())), SCHEMA.error_log
            assert message.status == "Exercise" and "<status>Exercise</status>" in message.xml
        assert all(r.exercise for r in active.values())
        assert {m.msg_type for m in messages} <= {"Alert", "Update"}

        # 4. the right people at the right levels
        reach = load_document(session, REACH)
        zones = {z.code: z for z in session.scalars(select(RiskZone))}
        alerts: dict[str, Alert] = {}
        for code, record in active.items():
            alert = session.scalars(
                select(Alert).where(Alert.subject == f"warning:{record.id}", Alert.closed_at.is_(None))
            ).one()
            alerts[code] = alert
            first = set(reach.first[Colour(record.colour)])
            recipients = session.scalars(select(AlertRecipient).where(AlertRecipient.alert_id == alert.id)).all()
            levels = set(session.scalars(select(ZonePerson.level).where(ZonePerson.zone_id == zones[code].id)))
            reached = {r.role for r in recipients if r.notified_at is not None}
            assert reached == (levels & first) | ({RESIDENTS} if RESIDENTS in first else set()), code
            assert all(r.notified_at is None for r in recipients if r.role not in first), code
            if record.colour == "red":
                phones = session.scalars(
                    select(Household.phone).where(Household.zone_id == zones[code].id, Household.phone.is_not(None))
                ).all()
                assert sum(1 for r in recipients if r.role == RESIDENTS) == len(phones) > 0

        # 5. an unanswered red warning escalates once, five minutes after it was raised
        reds = sorted((c for c, r in active.items() if r.colour == "red"), key=lambda c: alerts[c].id)
        silent, answered = alerts[reds[0]], alerts[reds[1]]
        for recipient in session.scalars(select(AlertRecipient).where(AlertRecipient.alert_id == answered.id)):
            page = client.post(f"/ack/{link_token(settings.secret_key, recipient.id)}")
            assert page.status_code == 200 and 'data-testid="ack-done"' in page.text
        first_raised = min(a.started_at for a in alerts.values() if a.level == "red")
        last_raised = max(a.started_at for a in alerts.values() if a.level == "red")
        assert escalate_alerts(db, first_raised + timedelta(minutes=5) - timedelta(seconds=1), settings) == 0
        voice_before = _voice(session, silent)
        for minutes in (5, 6, 14):
            escalate_alerts(db, last_raised + timedelta(minutes=minutes), settings)
        steps = session.scalars(select(EscalationStep).where(EscalationStep.alert_id == silent.id)).all()
        assert [(s.round, s.step) for s in steps] == [(1, 0)] and "再次通知" in steps[0].outcome
        assert _voice(session, silent) == voice_before + sum(1 for r in _recipients(session, silent) if r.phone)
        (done,) = session.scalars(select(EscalationStep).where(EscalationStep.alert_id == answered.id)).all()
        assert "全部已叫应" in done.outcome
        fired = session.scalars(select(EscalationStep.alert_id).distinct()).all()
        assert {a.level for a in alerts.values() if a.id in fired} == {"red"}, "orange waits 15 min, yellow 30"
        external = set(session.scalars(select(Delivery.status).where(Delivery.channel != "inbox")))
        assert external == {"withheld"}, "a drill sends no SMS and makes no call"
        assert all(a.title.startswith("【演练】") for a in alerts.values())

        # 6. patrol cases: one per orange and red zone; one is patrolled and closed
        patrols = session.scalars(select(Case).where(Case.source.like("exercise:%"))).all()
        assert len(patrols) == sum(1 for c in want.values() if c in ("orange", "red"))
        assert {p.category_code for p in patrols} == {"0801"}
        record = active[reds[1]]
        (case,) = [p for p in patrols if p.source == f"exercise:{record.id}"]
        assert case.description.startswith("【演练】")
        officer = system_principal("巡查员", "330111/", frozenset(r.value for r in Role))
        cases = CaseService(session, clock=clock)
        for action in (Action.file, Action.dispatch, Action.accept):
            cases.act(officer, case.number, CaseAction(action=action))
        zone = zones[reds[1]]
        cases.act(
            officer, case.number, CaseAction(action=Action.feedback, comment="已巡查", lon=zone.lon, lat=zone.lat)
        )
        session.commit()

        # 7. the completion view adds up
        view = client.get(f"/api/v1/warnings/{record.id}/completion", headers=auth).json()
        recipients = _recipients(session, answered)
        assert view["reached"] == view["answered"] == view["answered_in_time"] == len(recipients)
        assert view["residents_notified"] == sum(1 for r in recipients if r.role == RESIDENTS) > 0
        assert view["patrolled"] and view["patrol_state"] == "handled" and view["waiting"] == []
        for action in (Action.verify_pass, Action.close):
            cases.act(officer, case.number, CaseAction(action=action))
        session.commit()
        view = client.get(f"/api/v1/warnings/{record.id}/completion", headers=auth).json()
        assert view["patrol_state"] == "closed" and view["patrolled"]
        unanswered = client.get(f"/api/v1/warnings/{active[reds[0]].id}/completion", headers=auth).json()
        waiting = _recipients(session, silent)
        assert (unanswered["reached"], unanswered["answered"]) == (len(waiting), 0)
        assert unanswered["waiting"] == sorted({r.name for r in waiting}) and not unanswered["patrolled"]
        listed = {w["zone_code"]: w for w in client.get("/api/v1/warnings", headers=auth).json()}
        assert set(listed) == set(want)
        assert listed[reds[1]]["answered"] == listed[reds[1]]["reached"] and listed[reds[0]]["answered"] == 0


def _recipients(session: Session, alert: Alert) -> list[AlertRecipient]:
    return list(session.scalars(select(AlertRecipient).where(AlertRecipient.alert_id == alert.id)))


def _voice(session: Session, alert: Alert) -> int:
    ids = [r.id for r in _recipients(session, alert)]
    return len(
        session.scalars(select(Delivery.id).where(Delivery.recipient_id.in_(ids), Delivery.channel == "voice")).all()
    )
