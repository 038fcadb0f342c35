"""Hindcast: the shipped synthetic example against hand counts (see data/examples/README.md), the colours of the
replay against the service's own rolling totals and evaluation, and the report's edges."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gridgov.cli import app
from gridgov.warning.documents import POLICY, THRESHOLDS
from gridgov.warning.enums import Colour
from gridgov.warning.hindcast import (
    Event,
    Rain,
    detect_step,
    parse_events,
    parse_rainfall,
    parse_zones,
    per_year,
    replay,
    verify,
    zone_colours,
)
from gridgov.warning.rainfall import RollingRain
from gridgov.warning.simulation import ZoneSite, window_values
from gridgov.warning.thresholds import Assignments, compile_thresholds, evaluate, gauge_matrix

EXAMPLES = resources.files("gridgov.warning").joinpath("data/examples")
CONFIG = THRESHOLDS.default()
LIFECYCLE = POLICY.default().lifecycle
T0 = datetime(2025, 7, 1, tzinfo=UTC)
LOCAL = ZoneInfo("Asia/Shanghai")


def _example(name: str) -> bytes:
    return EXAMPLES.joinpath(name).read_bytes()


def test_the_example_adds_up_to_the_hand_counts() -> None:
    rain, errors = parse_rainfall(_example("rainfall.csv"))
    zones, zone_errors = parse_zones(_example("zones.csv"))
    events, event_errors = parse_events(_example("events.csv"))
    assert errors == zone_errors == event_errors == []
    result = replay(rain, zones, CONFIG, LIFECYCLE)
    assert result.step_minutes == 60 and result.zones == 3 and result.ignored_stations == ["HG09"]
    assert result.readings == 49 and result.without_data == []
    assert not any(w.open_at_end for w in result.warnings)
    assert per_year(result) == {
        2023: {"red": 1, "orange": 2, "yellow": 1, "blue": 1},
        2024: {"red": 1, "orange": 1, "yellow": 2, "blue": 0},
    }
    peaks = [(w.zone, w.issued_at.astimezone(LOCAL).date().isoformat(), w.peak.value) for w in result.warnings]
    assert peaks == [
        ("HZ001", "2023-06-10", "red"),
        ("HZ002", "2023-06-10", "orange"),
        ("HZ001", "2023-07-05", "yellow"),
        ("HZ003", "2023-08-20", "orange"),
        ("HZ003", "2023-09-15", "blue"),
        ("HZ001", "2024-06-01", "orange"),
        ("HZ002", "2024-06-01", "yellow"),
        ("HZ003", "2024-07-12", "red"),
        ("HZ001", "2024-08-08", "yellow"),
    ]
    s1 = result.warnings[0]
    assert (s1.measure, s1.value_mm, s1.threshold_mm) == ("3h", 75.0, 70.0)

    v = verify(result, events, [z.code for z in zones])
    assert [(o.event.zone, o.event.day.isoformat(), o.hit, o.colour) for o in v.events] == [
        ("HZ001", "2023-06-10", True, Colour.red),
        ("HZ002", "2023-06-11", True, Colour.orange),
        ("HZ002", "2023-07-05", False, None),
        ("HZ003", "2023-09-15", False, None),
        ("HZ003", "2024-07-14", False, None),
        ("HZ001", "2024-08-09", True, Colour.yellow),
    ]
    assert (v.hits, v.misses, v.warnings, len(v.false_alarms)) == (3, 3, 8, 5)
    assert sorted((w.zone, w.peak.value) for w in v.false_alarms) == [
        ("HZ001", "orange"),
        ("HZ001", "yellow"),
        ("HZ002", "yellow"),
        ("HZ003", "orange"),
        ("HZ003", "red"),
    ]
    assert v.pod == 0.5 and v.far == 0.625 and v.csi == 3 / 11
    assert v.outside == [Event("HZ001", date(2022, 5, 1))] and v.unknown_zone == [Event("HZ999", date(2023, 6, 10))]


def test_cli_report_as_json(tmp_path: Path) -> None:
    files = {}
    for name in ("rainfall.csv", "zones.csv", "events.csv"):
        files[name] = tmp_path / name
        files[name].write_bytes(_example(name))
    args = ["hindcast", str(files["rainfall.csv"]), "--zones", str(files["zones.csv"])]
    result = CliRunner().invoke(app, [*args, "--events", str(files["events.csv"]), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["per_year"]["2023"] == {"red": 1, "orange": 2, "yellow": 1, "blue": 1}
    assert report["verification"]["hits"] == 3 and report["verification"]["false_alarms"] == 5
    assert report["verification"]["hit_colours"] == {"red": 1, "orange": 1, "yellow": 1}
    shown = CliRunner().invoke(app, [*args, "--events", str(files["events.csv"])], terminal_width=200)
    assert shown.exit_code == 0 and "命中 hits" in shown.output and "0.625" in shown.output


def test_bad_rows_are_listed_and_nothing_is_replayed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("station,time,mm\nHG01,2023-06-10 11:00,5\nHG01,yesterday,5\nHG01,2023-06-10 12:00,-1\n", "utf-8")
    zones = tmp_path / "zones.csv"
    zones.write_bytes(_example("zones.csv"))
    result = CliRunner().invoke(app, ["hindcast", str(bad), "--zones", str(zones)], terminal_width=200)
    assert result.exit_code == 1
    assert "2 行有误" in result.output and "time" in result.output and "yesterday" in result.output


def test_a_dense_record_gives_what_the_sparse_one_gives() -> None:
    rain, _ = parse_rainfall(_example("rainfall.csv"))
    zones, _ = parse_zones(_example("zones.csv"))
    listed = {(r.station, r.time) for r in rain}
    dense = list(rain)
    for station in ("HG01", "HG02"):
        t = min(r.time for r in rain)
        while t <= max(r.time for r in rain):
            if (station, t) not in listed:
                dense.append(Rain(station, t, 0.0))
            t += timedelta(hours=1)
    sparse_result, dense_result = replay(rain, zones, CONFIG, LIFECYCLE), replay(dense, zones, CONFIG, LIFECYCLE)
    assert [(w.zone, w.issued_at, w.ended_at, w.peak) for w in sparse_result.warnings] == [
        (w.zone, w.issued_at, w.ended_at, w.peak) for w in dense_result.warnings
    ]


def test_step_is_detected_and_must_divide_an_hour() -> None:
    five = [Rain("G", T0 + timedelta(minutes=5 * i), 1.0) for i in range(4)]
    assert detect_step(five) == 5
    assert detect_step([Rain("G", T0, 1.0)]) == 60
    assert detect_step([Rain("G", T0, 1.0), Rain("G", T0 + timedelta(hours=3), 1.0)]) == 60
    seven = [Rain("G", T0, 1.0), Rain("G", T0 + timedelta(minutes=7), 1.0)]
    try:
        detect_step(seven)
    except ValueError as exc:
        assert "step-minutes" in str(exc)
    else:
        raise AssertionError("a 7-minute interval must be refused")


@settings(max_examples=30, deadline=None)
@given(
    amounts=st.lists(st.sampled_from([0.0, 0.0, 0.0, 0.5, 2.0, 6.5, 12.0, 24.5, 41.0]), min_size=6, max_size=60),
    level=st.sampled_from([1, 2, 3]),
)
def test_replay_colours_are_the_services(amounts: list[float], level: int) -> None:
    """Hour by hour, the colour, triggering measure, value and threshold of the replay are those the service's
    rolling totals and vectorised evaluation give; the first warning is issued at the first colour."""
    units = np.array([[round(mm * 1000)] for mm in amounts], dtype=np.int64)
    compiled = compile_thresholds(CONFIG, [("Z", level)])
    table = compiled.tables[compiled.table_index[0]]
    colour, measure, value, threshold = zone_colours(window_values(units, 60, CONFIG)[:, 0, :], table)
    gauge = RollingRain(CONFIG.windows_h)
    slots = Assignments.pack([[(0, 1)]])
    first = None
    for i, mm in enumerate(amounts):
        t = T0 + timedelta(hours=i + 1)
        gauge.add(t, mm)
        trigger = evaluate(gauge_matrix([gauge], CONFIG.measures, t, 24 * 60), slots, compiled).trigger(0, ["G"])
        rank = trigger.colour.rank if trigger.colour else 0
        assert int(colour[i]) == rank
        if rank:
            assert CONFIG.measures[measure[i]] == trigger.measure
            assert (value[i], threshold[i]) == (trigger.value_mm, trigger.threshold_mm)
            first = first or (t, trigger.colour)
    rain = [Rain("G", T0 + timedelta(hours=i + 1), mm) for i, mm in enumerate(amounts)]
    warnings = replay(rain, [ZoneSite("Z", "Z", level, (("G", 1),))], CONFIG, LIFECYCLE, step_minutes=60).warnings
    assert (
        (warnings[0].issued_at, warnings[0].peak.rank >= first[1].rank) == (first[0], True) if first else not warnings
    )
