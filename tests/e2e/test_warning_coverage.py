"""Rain-gauge coverage in the browser on the demo county: from the board to the coverage page, Fuyang before the
495 new gauges (353 of 770 zones within 200 m, 736 within 2 km) and after (770 and 770), the map layer with its
200 m circles toggled on, a zone clicked for its nearest gauges, and the per-zone export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.test_shell import login

MAP_READY = '[data-testid="coverage-map"][data-loaded="true"]'


def figures(page: Page) -> tuple[str, str, str]:
    return tuple(page.get_by_test_id(f"figure-{key}").inner_text() for key in ("near", "far", "beyond"))  # type: ignore[return-value]


def test_coverage_before_and_after_the_new_gauges(page: Page, screenshot: Callable[[Page, str], None]) -> None:
    login(page, "admin")
    page.goto("/warnings")
    with page.expect_navigation():
        page.get_by_test_id("coverage-link").click()
    page.wait_for_selector(MAP_READY, timeout=30_000)
    assert figures(page) == ("770", "770", "0")
    expect(page.get_by_test_id("all-covered")).to_be_visible()
    steps = page.get_by_test_id("as-of-step")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("245")
    expect(steps.nth(1)).to_contain_text("740")

    with page.expect_navigation():
        steps.nth(0).click()
    page.wait_for_selector(MAP_READY, timeout=30_000)
    assert figures(page) == ("353", "736", "34")
    expect(page.locator('[data-figure="gauges"] strong')).to_have_text("245")
    coverage_map = page.get_by_test_id("coverage-map")
    assert coverage_map.get_attribute("data-zones") == "770" and coverage_map.get_attribute("data-gauges") == "245"
    assert coverage_map.get_attribute("data-count-near") == "353"
    expect(page.locator("path.cov-zone.band-beyond")).to_have_count(34)
    expect(page.get_by_test_id("beyond-total")).to_have_text(str(770 - 353))
    rows = page.get_by_test_id("beyond-zones").locator("tbody tr")
    expect(rows).to_have_count(50)  # the first page of 417, farthest first
    distances = [int(d.replace(",", "")) for d in page.get_by_test_id("distance").all_inner_texts()]
    assert distances == sorted(distances, reverse=True) and distances[0] > 2000

    # the 200 m circles are off until toggled in the layer control
    assert coverage_map.get_attribute("data-near-circles") == "false"
    page.locator(".leaflet-control-layers label", has_text="200米圈").locator("input").check()
    expect(coverage_map).to_have_attribute("data-near-circles", "true")

    # a zone clicked on the map shows its nearest gauges with their distances
    zone = page.locator("path.cov-zone.band-beyond").first
    zone.dispatch_event("click")
    popup = page.get_by_test_id("zone-popup")
    expect(popup).to_be_visible()
    expect(popup.locator("tr")).to_have_count(3)
    expect(popup).to_contain_text("2公里内无雨量站")
    # and one from the table, which centres the map on it
    first = rows.first.locator("a.js-zone")
    code = first.get_attribute("data-zone")
    first.click()
    expect(page.locator(f'[data-testid="zone-popup"][data-zone="{code}"]')).to_be_visible()
    page.wait_for_timeout(500)  # the pan and the popup settle before the picture
    screenshot(page, "warning-coverage")

    export = page.request.get("/warnings/coverage?format=csv&as_of=" + (steps.nth(0).get_attribute("data-day") or ""))
    assert export.ok
    table = list(csv.reader(io.StringIO(export.body().decode("utf-8-sig"))))
    assert len(table) == 771 and sum(1 for r in table[1:] if r[6] == "200米内") == 353

    with page.expect_navigation():
        page.get_by_test_id("as-of-step").nth(1).click()
    page.wait_for_selector(MAP_READY, timeout=30_000)
    assert figures(page) == ("770", "770", "0")
    expect(page.locator("path.cov-zone.band-near")).to_have_count(770)
