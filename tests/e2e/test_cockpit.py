"""The cockpit in the browser on the demo county (with its six months of history): counters, map, charts and
ranking load; clicking a township on the map drills into it, and its link reaches the township's cases."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.test_shell import login

FUCHUN = "330111001"
EVALUATED = '#cockpit[data-evaluated="true"]'
MAP_READY = '[data-testid="cockpit-map"][data-loaded="true"]'


def test_cockpit_drills_from_the_county_to_a_township_and_its_cases(
    page: Page, screenshot: Callable[[Page, str], None]
) -> None:
    login(page, "admin")
    page.goto("/cockpit")
    expect(page.get_by_test_id("cockpit-area")).to_have_text("富阳区")
    page.wait_for_selector(MAP_READY, timeout=30_000)
    page.wait_for_selector(EVALUATED, timeout=60_000)
    assert int(page.locator('[data-counter="open"]').inner_text()) > 0
    assert page.locator("#children-body tr").count() == 24  # the 24 townships and streets
    assert page.locator("#cockpit-map path[data-code]").count() == 24
    assert page.locator("#children-body .flag-red").count() > 0  # last month's 赛马比拼 has red flags
    assert page.locator("#trend-chart canvas").count() == 1 and page.locator("#major-chart canvas").count() == 1
    page.select_option('[data-testid="indicator"]', "close_rate")
    expect(page.locator("#indicator-head")).to_have_text("结案率")
    page.wait_for_timeout(600)  # let the charts finish their entry animation before the picture
    screenshot(page, "cockpit")

    page.locator(f'#cockpit-map path[data-code="{FUCHUN}"]').dispatch_event("click")
    page.wait_for_selector(f'#cockpit[data-area="{FUCHUN}"][data-evaluated="true"]', timeout=60_000)
    expect(page.get_by_test_id("cockpit-area")).to_have_text("富春街道")
    page.wait_for_selector(MAP_READY, timeout=30_000)
    assert page.locator("#cockpit-map path[data-code]").count() > 5  # its villages and communities
    assert page.url.endswith(f"/cockpit?area={FUCHUN}")
    screenshot(page, "cockpit-township")

    page.get_by_test_id("cases-link").click()
    page.wait_for_url(f"**/cases?township={FUCHUN}")
    rows = page.get_by_test_id("cases").locator("tbody tr")
    assert rows.count() > 0
    assert set(rows.locator("td:nth-child(5)").all_inner_texts()) == {"富春街道"}
    number = rows.first.get_attribute("data-number")
    assert number
    rows.first.locator(f'a[href="/cases/{number}"]').click()
    page.wait_for_url(f"**/cases/{number}")
    expect(page.locator("h1")).to_contain_text(number)


def test_the_children_table_names_each_figure_once(page: Page) -> None:
    """With the map showing 在办案件 or 超期案件 (columns of their own), no third column repeats it."""
    login(page, "admin")
    page.goto("/cockpit")
    page.wait_for_selector(EVALUATED, timeout=60_000)
    head = page.get_by_test_id("children").locator("thead th:visible")
    for indicator in ("open", "overdue", "close_rate"):
        page.select_option('[data-testid="indicator"]', indicator)
        names = head.all_inner_texts()
        assert len(names) == len(set(names)), f"{indicator}: a column is repeated: {names}"
        cells = page.locator("#children-body tr").first.locator("td:visible")
        assert cells.count() == len(names), f"{indicator}: {cells.count()} cells under {len(names)} headings"
    expect(page.locator("#indicator-head")).to_have_text("结案率")
