"""A simulated typhoon in the browser: the demo county served with its embedded MQTT broker, ``gridgov simulate
storm --fast`` publishing over MQTT, then the warning board shows the expected zones coloured on the map and the
active warnings with their 叫应 progress, one warning's completion view shows its gauge's rainfall, and a
recipient confirms through the /ack/{token} link of the SMS they were sent."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD, VIEWPORT
from tests.live import _free_port, admin_token, demo_server

BOARD_READY = '[data-testid="warning-map"][data-loaded="true"]'
CHART_READY = '[data-testid="rain-chart"][data-loaded="true"]'
SETTLE_SECONDS = 120


@dataclass(frozen=True)
class Storm:
    url: str
    workdir: Path
    token: str
    expected: dict[str, str]
    """Zone code → colour the simulation's dry run expects (zones left without a warning are absent)."""


RAINFALL = (
    "SELECT count(*) FROM sensing_observation o JOIN sensing_datastream d ON d.id = o.datastream_id "
    "WHERE d.property = 'rainfall'"
)
"""The rain gauges' readings (the demo's other modules add readings of their own meters)."""


def _env(workdir: Path, broker_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "GRIDGOV_DATABASE_URL": f"sqlite:///{workdir / 'gridgov.db'}",
        "GRIDGOV_ENVIRONMENT": "test",
        "GRIDGOV_MQTT_INGEST": "true",
        "GRIDGOV_MQTT_EMBEDDED_BIND": f"127.0.0.1:{broker_port}",
        "GRIDGOV_MQTT_CLIENT_ID": f"gridgov-e2e-{uuid.uuid4().hex[:8]}",
        "GRIDGOV_DATA_DIR": str(workdir / "var"),
        "GRIDGOV_NOTIFY_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }


def _gridgov(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gridgov", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"gridgov {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def _rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as connection:
        return connection.execute(sql).fetchall()


def _wait_for_consumer(database: Path, broker_port: int, token: str) -> None:
    """Publish one dry reading (a day before the storm) until the server's consumer has stored it: then the
    consumer is subscribed and the storm's messages will not be missed. The embedded broker wants a
    gateway's credentials: the admin's token will do."""
    probe = json.dumps({"time": (datetime.now(UTC) - timedelta(hours=20)).isoformat(), "value": 0.0}).encode()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex[:6]}")
    client.username_pw_set("admin", token)
    client.connect("127.0.0.1", broker_port)
    client.loop_start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            client.publish("gridgov/330111/stations/YL0001/rainfall", probe, qos=1).wait_for_publish(5)
            time.sleep(1)
            if _rows(database, RAINFALL)[0][0]:
                return
        pytest.fail("the server's MQTT consumer stored nothing within 60 s")
    finally:
        client.disconnect()
        client.loop_stop()


def _api(storm_url: str, token: str, path: str) -> Any:
    request = urllib.request.Request(f"{storm_url}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _board_colours(storm: Storm) -> dict[str, str]:
    zones = _api(storm.url, storm.token, "/api/v1/warnings/zones")
    return {z["code"]: z["colour"] for z in zones if z["colour"]}


@pytest.fixture(scope="module")
def storm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storm]:
    """The demo county after a seeded typhoon, published over MQTT by ``gridgov simulate storm --fast``."""
    workdir = tmp_path_factory.mktemp("e2e-storm")
    broker_port = _free_port()
    env = _env(workdir, broker_port)
    with demo_server(workdir, env) as url:
        token = admin_token(workdir)  # before the storm: the server then writes hard
        _wait_for_consumer(workdir / "gridgov.db", broker_port, token)
        dry = json.loads(_gridgov(env, "simulate", "storm", "--fast", "--dry-run", "--json"))
        expected = {z["code"]: z["colour"] for z in dry["zones"] if z["colour"]}
        assert dry["mode"] == "fast" and Counter(expected.values())["red"] >= 2
        # a drill; with --send-external its SMS (marked 【演练】) reach the outbox, where the test finds a link
        _gridgov(env, "simulate", "storm", "--fast", "--seconds", "20", "--json", "--send-external")
        storm = Storm(url, workdir, token, expected)
        deadline = time.monotonic() + SETTLE_SECONDS
        while _board_colours(storm) != expected and time.monotonic() < deadline:
            time.sleep(2)
        yield storm


def test_the_storm_raises_exactly_the_expected_zones(storm: Storm) -> None:
    assert _board_colours(storm) == storm.expected
    stored = _rows(storm.workdir / "gridgov.db", RAINFALL)[0][0]
    assert stored == 740 * 144 + 1, "every published reading stored once (and the probe)"
    assert _rows(storm.workdir / "gridgov.db", "SELECT count(*) FROM sensing_dead_letter")[0][0] == 0


def _page(browser: Browser, storm: Storm) -> Page:
    context = browser.new_context(viewport=VIEWPORT, base_url=storm.url)
    context.set_default_timeout(20_000)
    return context.new_page()


def _login(page: Page) -> None:
    page.goto("/login")
    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')


def _ack_link(storm: Storm, title: str) -> str:
    """The /ack/{token} path of an SMS sent about ``title`` (the notify worker writes the outbox)."""
    outbox = storm.workdir / "var" / "outbox" / "sms.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if outbox.exists():
            for line in outbox.read_text("utf-8").splitlines():
                message = json.loads(line)
                found = re.search(r"/ack/[0-9]+\.[0-9a-f]+", message["text"])
                if message["subject"] == title and found:
                    return found.group(0)
        time.sleep(1)
    raise AssertionError(f"no SMS about {title} in {outbox}")


def test_board_completion_view_and_a_confirmation(
    storm: Storm, browser: Browser, screenshot: Callable[[Page, str], None]
) -> None:
    page = _page(browser, storm)
    _login(page)
    page.goto("/warnings")
    page.wait_for_selector(BOARD_READY)
    counts = Counter(storm.expected.values())
    for colour in ("red", "orange", "yellow", "blue"):
        expect(page.locator(f"path.zone.level-{colour}")).to_have_count(counts[colour])
        expect(page.locator(f'[data-testid="warning-counts"] [data-colour="{colour}"]')).to_have_text(
            str(counts[colour])
        )
    assert page.locator("#map").get_attribute("data-gauges") == "740"
    rows = page.locator('[data-testid="active-warnings"] tbody tr')
    expect(rows).to_have_count(len(storm.expected))
    expect(rows.first).to_have_attribute("data-colour", "red")
    expect(rows.first.get_by_test_id("progress")).to_contain_text(re.compile(r"0 / \d+"))
    expect(page.get_by_test_id("ack-summary")).to_contain_text("叫应进度")
    expect(page.get_by_test_id("exercise-window")).to_contain_text("演练")
    expect(rows.first).to_have_attribute("data-exercise", "true")
    expect(page.get_by_test_id("wettest-gauges").locator("tbody tr")).to_have_count(10)
    screenshot(page, "warning-board")

    zone_name = rows.first.locator("a").inner_text()
    with page.expect_navigation():
        rows.first.locator("a").click()
    warning_url = page.url
    page.wait_for_selector(CHART_READY)
    assert int(page.get_by_test_id("rain-chart").get_attribute("data-points") or 0) >= 144
    expect(page.locator("h1")).to_contain_text("红色预警")
    reached = int(page.get_by_test_id("reached").inner_text())
    assert reached > 0 and page.get_by_test_id("answered").inner_text().startswith("0 ")
    expect(page.get_by_test_id("recipients").locator("tbody tr")).to_have_count(reached)
    expect(page.get_by_test_id("patrol")).to_contain_text("巡查中")
    expect(page.get_by_test_id("cap-messages").locator("li").first).to_contain_text("Alert")

    # a recipient opens the link of the SMS they received, without logging in, and confirms
    link = _ack_link(storm, f"【演练】{zone_name}地质灾害红色预警")  # the alert's title, the SMS's subject
    phone = _page(browser, storm)
    phone.goto(link)
    with phone.expect_navigation():
        phone.get_by_test_id("ack-button").click()
    expect(phone.get_by_test_id("ack-done")).to_be_visible()

    page.goto(warning_url)
    page.wait_for_selector(CHART_READY)
    expect(page.get_by_test_id("answered")).to_contain_text("1 (")
    expect(page.get_by_test_id("recipients").locator('tr[data-acked="true"]')).to_have_count(1)
    screenshot(page, "warning-detail")
    page.goto("/warnings")
    expect(page.locator('[data-testid="active-warnings"] tbody tr').first.get_by_test_id("progress")).to_contain_text(
        f"1 / {reached}"
    )
