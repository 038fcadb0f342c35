"""Each role's first day (issue 17): where they land after signing in, a nav of what they can use, the inbox with
its unread badge, and pages that fit a 390 px phone without sideways scrolling."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from tests.e2e.test_cases import point_in_own_grid, report_through_api
from tests.e2e.test_shell import PASSWORD

PHONE: ViewportSize = {"width": 390, "height": 844}
ROLES = {
    # user: (landing, nav it must offer, nav it must not offer)
    "admin": ("/cockpit", {"/cockpit", "/cases", "/org", "/inbox"}, {"/my"}),
    "dispatcher": ("/cockpit", {"/cockpit", "/cases", "/evaluation"}, {"/my", "/docs"}),
    "leader": ("/cockpit", {"/cockpit", "/evaluation"}, {"/my", "/docs"}),
    "fuchun": ("/cases?state=reported", {"/cases", "/report", "/cockpit"}, {"/my", "/docs"}),
    "handler": ("/cases?view=unit&state=dispatched", {"/cases", "/inbox"}, {"/cockpit", "/evaluation", "/docs"}),
    "grid": ("/my", {"/my", "/cases", "/report", "/inbox"}, {"/cockpit", "/evaluation", "/docs", "/org"}),
}


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')


def nav_paths(page: Page) -> list[str]:
    return list(page.locator('[data-testid="nav"] a').evaluate_all("els => els.map(e => e.getAttribute('href'))"))


def _collect_errors(errors: list[str]) -> Callable[[ConsoleMessage], None]:
    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    return collect


def test_each_role_lands_on_its_work_and_every_nav_entry_opens(
    new_page: Callable[[], Page], screenshot: Callable[[Page, str], None]
) -> None:
    for user, (landing, must, must_not) in ROLES.items():
        page = new_page()
        sign_in(page, user)
        assert page.url.endswith(landing), f"{user} landed on {page.url}, not {landing}"
        paths = nav_paths(page)
        assert must <= set(paths), f"{user}'s nav {paths} lacks {must - set(paths)}"
        assert not must_not & set(paths), f"{user}'s nav offers {must_not & set(paths)}"
        for path in paths:
            status = page.request.get(path).status
            assert status == 200, f"{user}'s nav entry {path} answers {status}"
        screenshot(page, f"landing-{user}")
        page.context.close()


def test_inbox_pages_filters_badge_and_opening_marks_read(
    new_page: Callable[[], Page], screenshot: Callable[[Page, str], None]
) -> None:
    grid = new_page()
    sign_in(grid, "grid")
    _code, lon, lat = point_in_own_grid(grid)
    for n in range(3):  # each report notifies the township's platform (新上报案件)
        report_through_api(grid, "0404", f"浏览器测试：消息 {n}", lon, lat)
    page = new_page()
    sign_in(page, "fuchun")
    badge = page.get_by_test_id("unread-badge")
    expect(badge).to_be_visible()
    unread = int(badge.inner_text())
    assert unread > 0, "the township operator has no unread notices after the demo's reports"
    page.goto("/inbox")
    items = page.locator('[data-testid="inbox-items"] > li')
    assert 0 < items.count() <= 20, "the inbox shows one page of at most 20 items"
    expect(page.get_by_test_id("inbox-total")).to_contain_text(str(unread))
    screenshot(page, "inbox")

    page.select_option('select[name="kind"]', "assignment")
    with page.expect_navigation():
        page.get_by_test_id("inbox-filters").get_by_role("button").click()
    kinds = set(items.evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert kinds == {"assignment"}, kinds

    with page.expect_navigation():
        items.first.locator('form[action$="/open"] button').click()
    assert re.search(r"/cases/\d+$", page.url), f"opening a notice went to {page.url}"
    expect(page.get_by_test_id("unread-badge")).to_have_text(str(unread - 1))

    page.goto("/inbox?state=read")
    assert set(items.evaluate_all("els => els.map(e => e.dataset.read)")) == {"true"}
    page.goto("/inbox")
    with page.expect_navigation():
        page.get_by_test_id("inbox-read-all").click()
    expect(page.get_by_test_id("inbox-done")).to_be_visible()
    expect(page.get_by_test_id("unread-badge")).to_be_hidden()


def test_phone_pages_do_not_scroll_sideways_and_nav_hides_behind_menu(
    browser: Browser, app_url: str, screenshot: Callable[[Page, str], None]
) -> None:
    for user, locale in (("admin", "en"), ("fuchun", "zh-CN"), ("grid", "en"), ("handler", "zh-CN")):
        context = browser.new_context(viewport=PHONE, base_url=app_url)
        context.add_cookies([{"name": "gridgov_lang", "value": locale, "url": app_url}])
        page = context.new_page()
        errors: list[str] = []
        page.on("console", _collect_errors(errors))
        sign_in(page, user)
        nav = page.get_by_test_id("nav")
        expect(nav).to_be_hidden()
        assert page.locator(".topbar").bounding_box()["height"] < 60  # type: ignore[index]
        screenshot(page, f"phone-{user}-landing")
        page.get_by_test_id("menu-toggle").click()
        expect(nav).to_be_visible()
        screenshot(page, f"phone-{user}-menu")
        for path in nav_paths(page):
            if path == "/docs":
                continue
            page.goto(path)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
            assert width[0] <= width[1], f"{path} is {width[0]} px wide in a {width[1]} px phone ({user}, {locale})"
        assert not errors, f"console errors for {user}: {errors}"
        context.close()


CJK_OUTSIDE_DATA = r"""() => {
  const found = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim(), el = node.parentElement;
    if (!text || !/[\u4e00-\u9fff]/.test(text)) continue;
    if (el.closest('[translate="no"], script, style, option, optgroup, .leaflet-container')) continue;
    if (!el.getClientRects().length) continue;
    found.push(text.slice(0, 40));
  }
  return found;
}"""
"""Visible text in Chinese outside data marked translate="no" (place, person, category and unit names)."""


def test_english_pages_show_no_chinese_labels(browser: Browser, app_url: str) -> None:
    for user, paths in (("grid", ("/my", "/inbox", "/cases", "/report")), ("fuchun", ("/cases", "/inbox"))):
        context = browser.new_context(base_url=app_url)
        context.add_cookies([{"name": "gridgov_lang", "value": "en", "url": app_url}])
        page = context.new_page()
        sign_in(page, user)
        for path in paths:
            page.goto(path)
            assert page.evaluate(CJK_OUTSIDE_DATA) == [], f"Chinese labels on the English {path} ({user})"
        context.close()
