"""Choosing the place of a report without GPS (issue 17 item 8): tap the map, or find a village or grid by name;
the point lands in the longitude and latitude fields and the report is filed where it was put."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.test_cases import reported_number
from tests.e2e.test_shell import login

PHONE = {"width": 390, "height": 844}
READY = '[data-testid="pick-map"][data-loaded]:not([data-loaded="error"]):not([data-loaded="0"])'


def test_a_grid_member_picks_the_place_on_the_map_or_by_name(
    new_page: Callable[[], Page], screenshot: Callable[[Page, str], None]
) -> None:
    page = new_page()
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    login(page, "grid")
    page.goto("/report")
    page.wait_for_selector(READY, timeout=20_000)
    assert page.locator('input[name="lon"]').input_value() == ""

    page.get_by_test_id("pick-map").click()  # the middle of the map: inside the member's area
    lon, lat = page.locator('input[name="lon"]').input_value(), page.locator('input[name="lat"]').input_value()
    assert lon and lat and 119 < float(lon) < 121 and 29 < float(lat) < 31, (lon, lat)
    assert page.get_by_test_id("pick-map").get_attribute("data-picked") == f"{lon},{lat}"

    names = page.locator("#place-list option").evaluate_all("options => options.map(o => o.value)")
    grids = [n for n in names if "网格" in n]
    assert grids, names[:10]
    search = page.get_by_test_id("place-search")
    search.fill(grids[0])
    search.dispatch_event("change")
    expect(page.locator('input[name="lon"]')).not_to_have_value(lon)
    page.wait_for_timeout(600)  # the zoom animation ends
    screenshot(page, "report-map-picker-phone")

    page.get_by_test_id("report-category").select_option("0404")
    page.fill('textarea[name="description"]', "浏览器测试：地图选点上报")
    page.get_by_test_id("report-submit").click()
    number = reported_number(page)
    case = page.request.get(f"/api/v1/cases/{number}").json()
    grid = page.request.get(f"/api/v1/org/nodes/{case['grid_code']}").json()
    assert grids[0].startswith(grid["name"]), (grids[0], grid["name"])  # filed in the grid that was found
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the report page scrolls sideways: {width}px"
