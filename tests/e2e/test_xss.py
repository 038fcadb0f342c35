"""Stored markup renders as text everywhere, and the Content-Security-Policy holds on every page.

The demo county is served with markup planted in every name a user can edit and a page or map shows: org nodes
(county, townships, villages, grids: a township operator renaming a village through the API is the attack the
security test found), people, units, stations, risk zones and their households, case categories (with their
major groups) and a case's description and address. A red warning is raised by readings posted to one gauge, so
the warning pages and the /ack/… page of its SMS show names too. Every page and map is then opened as the
administrator, tooltips hovered and popups opened: no planted element may exist, nothing may have run
(``window.__pwned``), the markup must read literally where the page shows that name, and the browser must
report no CSP violation (so the policy breaks no page either)."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page
from sqlalchemy import select

from gridgov.case.models import CaseCategory
from gridgov.db import Database
from gridgov.org.models import OrgNode, Person, Unit
from gridgov.sensing.models import Station
from gridgov.warning.models import Household, RiskZone, ZoneGauge, ZonePerson
from tests.e2e.conftest import PASSWORD, VIEWPORT
from tests.e2e.test_shell import point_inside
from tests.live import admin_token, demo_server

MARK = '<img src=x class=pwn onerror="window.__pwned=1">'
BREAKOUT = "</script>" + MARK  # in the cockpit's JSON block too: it must not end the script element
FUCHUN = "330111001"
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""


@dataclass(frozen=True)
class Site:
    url: str
    case: str
    warning: int
    ack: str
    village: str


def _api(url: str, token: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _marked(name: str, room: int = 8) -> str:
    return name[:room] + MARK


def _plant_in_database(workdir: Path) -> tuple[str, str, list[int]]:
    """Markup in every stored name (the edits an administrator's imports make); returns a village of 富春街道,
    the trigger gauge of one of its risk zones, and that zone's responsible people."""
    database = Database.from_url(f"sqlite:///{workdir / 'gridgov.db'}")
    with database.session() as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        for node in session.scalars(select(OrgNode)):
            node.name = node.name[:8] + BREAKOUT
        for model in (Person, Unit, RiskZone, Station):
            for row in session.scalars(select(model)):
                row.name = _marked(row.name, 4 if model is Person else 8)
        for household in session.scalars(select(Household)):
            household.head_name = _marked(household.head_name, 3)
        for category in session.scalars(select(CaseCategory)):
            category.name = _marked(category.name)
            category.major_name = _marked(category.major_name, 4)
            category.spec = {**category.spec, "name": category.name}
        village = session.scalars(
            select(OrgNode.code)
            .where(OrgNode.kind == "village", OrgNode.path.like(f"%{FUCHUN}%"))
            .order_by(OrgNode.code)
        ).first()
        zone, gauge = session.execute(
            select(RiskZone.id, ZoneGauge.station_code)
            .join(ZoneGauge, ZoneGauge.zone_id == RiskZone.id)
            .where(RiskZone.township_code == FUCHUN, ZoneGauge.rank == 1)
            .order_by(RiskZone.code)
        ).first()
        people = list(session.scalars(select(ZonePerson.person_id).where(ZonePerson.zone_id == zone)))
    database.engine.dispose()
    assert village and gauge and people
    return village, gauge, people


def _rain(url: str, token: str, gauge: str) -> None:
    """An hour of 30 mm per 5 minutes on one gauge: its zones turn red."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    now -= timedelta(minutes=now.minute % 5)
    readings = [
        {"station": gauge, "property": "rainfall", "time": (now - timedelta(minutes=5 * k)).isoformat(), "value": 30.0}
        for k in range(12)
    ]
    counts = _api(url, token, "POST", "/api/v1/sensing/observations", {"observations": readings})
    assert counts["accepted"] == 12, counts


def _wait(what: str, probe: Any, seconds: float = 90) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


def _ack_link(workdir: Path) -> str | None:
    outbox = workdir / "var" / "outbox" / "sms.jsonl"
    if not outbox.exists():
        return None
    for line in outbox.read_text("utf-8").splitlines():
        text = json.loads(line)["text"]
        if "/ack/" in text:
            return "/ack/" + text.split("/ack/", 1)[1].split()[0].rstrip("。.")
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("e2e-xss")
    env = {"GRIDGOV_DATA_DIR": str(workdir / "var"), "GRIDGOV_NOTIFY_SECONDS": "1"}
    with demo_server(workdir, env) as url:
        token = admin_token(workdir)
        village, gauge, people = _plant_in_database(workdir)
        # the attack as found: a rename through the API, and the same for a person and a station
        _api(url, token, "PATCH", f"/api/v1/org/nodes/{village}", {"name": "春华村" + BREAKOUT})
        _api(url, token, "PATCH", f"/api/v1/people/{people[0]}", {"name": "张三" + MARK})
        _api(url, token, "PATCH", f"/api/v1/sensing/stations/{gauge}", {"name": "雨量站" + MARK})
        report = {
            "category": "0201",
            "description": "棚" + MARK,
            "address": "城西路" + MARK,
            "lon": 119.96,
            "lat": 30.05,
        }
        case = _api(url, token, "POST", "/api/v1/cases", report)["number"]
        _rain(url, token, gauge)
        warned = _wait(
            "a red warning",
            lambda: [z for z in _api(url, token, "GET", "/api/v1/warnings/zones") if z["colour"] == "red"],
        )
        ack = _wait("the warning's SMS in the outbox", lambda: _ack_link(workdir))
        yield Site(url, case, warned[0]["warning_id"], ack, village)


@pytest.fixture(scope="module")
def admin(browser: Browser, site: Site) -> Iterator[Page]:
    context = _context(browser, site)
    page = context.new_page()
    page.goto("/login")
    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')
    yield page
    context.close()


def _context(browser: Browser, site: Site) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORT, base_url=site.url)
    context.set_default_timeout(20_000)
    context.add_init_script(WATCH)
    return context


def assert_clean(page: Page, where: str) -> None:
    """Nothing planted became an element or ran, and the policy blocked nothing the page needs."""
    state = page.evaluate(
        """() => ({pwned: window.__pwned, injected: document.querySelectorAll('.pwn, img[src="x"]').length,
                   violations: window.__violations || []})"""
    )
    assert state["pwned"] is None, f"{where}: planted markup ran"
    assert state["injected"] == 0, f"{where}: planted markup became {state['injected']} element(s)"
    assert state["violations"] == [], f"{where}: CSP violations {state['violations']}"


def assert_literal(text: str, where: str) -> None:
    assert MARK in text, f"{where}: the planted name is not shown as text: {text[:300]!r}"


def open_page(page: Page, path: str, ready: str | None = None) -> None:
    errors: list[str] = []

    def note(error: Exception) -> None:
        errors.append(str(error))

    page.on("pageerror", note)
    page.goto(path)
    if ready:
        page.wait_for_selector(ready, timeout=60_000)
    page.wait_for_timeout(300)
    page.remove_listener("pageerror", note)
    assert errors == [], f"{path}: script errors {errors}"


def hover_tooltips(page: Page, shapes: Locator, where: str, count: int = 3) -> None:
    """Hover ``count`` map shapes; each tooltip reads the planted name literally."""
    assert shapes.count() > 0, f"{where}: nothing on the map"
    for i in range(min(count, shapes.count())):
        x, y = point_inside(page, shapes.nth(i))
        page.mouse.move(x, y)
        tooltip = page.locator(".leaflet-tooltip").last
        tooltip.wait_for(state="visible")
        assert_literal(tooltip.inner_text(), f"{where} tooltip {i}")
        page.mouse.move(2, 2)
    assert_clean(page, where)


def body_text(page: Page) -> str:
    return page.locator("body").inner_text()


def test_logged_out_pages(browser: Browser, site: Site) -> None:
    context = _context(browser, site)
    page = context.new_page()
    for path in ("/login", site.ack):
        open_page(page, path)
        assert_clean(page, path)
    assert_literal(body_text(page), "ack page")  # the zone's name in the alert, the recipient's name
    context.close()


def test_org_browser_and_its_maps(admin: Page, site: Site) -> None:
    for path in ("/org", f"/org/{FUCHUN}", f"/org/{site.village}"):
        open_page(admin, path, '[data-testid="map"][data-loaded="true"]')
        assert_literal(body_text(admin), path)
        hover_tooltips(admin, admin.locator('#map path.leaflet-interactive:not([fill="none"])'), path)
    open_page(admin, "/people")
    assert_literal(body_text(admin), "/people")
    assert_clean(admin, "/people")


def test_case_desk_detail_report_and_taxonomy(admin: Page, site: Site) -> None:
    open_page(admin, "/cases", '[data-testid="case-map"][data-loaded="true"]')
    assert_literal(body_text(admin), "/cases")
    markers = admin.locator("#case-map path.case-marker")
    hover_tooltips(admin, markers, "/cases")
    markers.first.dispatch_event("click")
    popup = admin.locator("#case-map .leaflet-popup")
    popup.wait_for(state="visible")
    assert_literal(popup.inner_text(), "desk popup")
    assert_clean(admin, "/cases popup")
    open_page(admin, f"/cases/{site.case}")
    assert admin.locator("body").inner_text().count(MARK) >= 3  # description, address, category
    assert_clean(admin, "case detail")
    open_page(admin, "/report")
    assert_literal(" ".join(admin.locator("select option").all_inner_texts()), "/report categories")
    assert_clean(admin, "/report")
    open_page(admin, "/admin/taxonomy")
    assert_literal(body_text(admin), "/admin/taxonomy")
    assert_clean(admin, "/admin/taxonomy")
    open_page(admin, "/admin/holidays")
    assert_clean(admin, "/admin/holidays")


def test_warning_board_detail_and_coverage(admin: Page, site: Site) -> None:
    open_page(admin, "/warnings", '[data-testid="warning-map"][data-loaded="true"]')
    assert_literal(body_text(admin), "/warnings")
    hover_tooltips(admin, admin.locator("#map path.zone.level-red"), "/warnings zones", 2)
    open_page(admin, f"/warnings/{site.warning}", '[data-testid="rain-chart"][data-loaded="true"]')
    text = body_text(admin)
    assert_literal(text, "warning detail")
    assert text.count(MARK) >= 2  # the zone and the people reached
    chart = admin.locator("#rain-chart").bounding_box()
    assert chart
    admin.mouse.move(chart["x"] + chart["width"] * 0.9, chart["y"] + chart["height"] / 2)
    admin.wait_for_timeout(300)
    assert_clean(admin, "warning chart")
    open_page(admin, "/warnings/coverage", '[data-testid="coverage-map"][data-loaded="true"]')
    zones = admin.locator("#coverage-map path.cov-zone")
    hover_tooltips(admin, zones, "/warnings/coverage", 2)
    zones.first.dispatch_event("click")
    popup = admin.get_by_test_id("zone-popup")
    popup.wait_for(state="visible")
    assert popup.inner_text().count(MARK) >= 1  # the zone and its township
    assert_clean(admin, "coverage popup")


def test_cockpit_and_evaluation(admin: Page, site: Site) -> None:
    open_page(admin, "/cockpit", '#cockpit[data-evaluated="true"]')
    admin.wait_for_selector('[data-testid="cockpit-map"][data-loaded="true"]')
    assert_literal(body_text(admin), "/cockpit")  # area names, breadcrumbs (from the JSON block)
    hover_tooltips(admin, admin.locator("#cockpit-map path[data-code]"), "/cockpit")
    for chart in ("#major-chart", "#trend-chart"):
        box = admin.locator(chart).bounding_box()
        assert box
        admin.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4)
        admin.wait_for_timeout(300)
        assert_clean(admin, chart)
    admin.locator(f'#cockpit-map path[data-code="{FUCHUN}"]').dispatch_event("click")
    admin.wait_for_selector(f'#cockpit[data-area="{FUCHUN}"][data-evaluated="true"]', timeout=60_000)
    admin.wait_for_selector('[data-testid="cockpit-map"][data-loaded="true"]')
    hover_tooltips(admin, admin.locator("#cockpit-map path[data-code]"), "/cockpit 富春街道")
    for path in ("/evaluation", "/evaluation/ranking", "/evaluation/flags", "/evaluation/reports"):
        open_page(admin, path)
        assert_clean(admin, path)


def test_api_docs_and_error_page(admin: Page) -> None:
    open_page(admin, "/docs", ".swagger-ui .info")
    assert_clean(admin, "/docs")
    open_page(admin, "/org/NOPE")
    assert_clean(admin, "error page")
