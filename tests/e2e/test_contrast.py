"""Readable buttons: every primary button's text stands out from its own background (WCAG contrast ≥ 4.5),
measured on the computed style Chromium renders — the case detail page's 立案/派遣 once were white on white."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_cases import fill_report, point_in_own_grid, reported_number
from tests.e2e.test_shell import login

MIN_CONTRAST = 4.5

# the WCAG 2 contrast ratio between an element's text colour and the first opaque background behind it
CONTRAST_JS = """
(el) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const fg = rgb(getComputedStyle(el).color);
  let node = el, bg = null;
  while (node) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def contrast(button: Locator) -> float:
    expect(button).to_be_visible()
    return float(button.evaluate(CONTRAST_JS))


def test_primary_action_buttons_on_the_case_detail_page_are_readable(
    new_page: Callable[[], Page], screenshot: Callable[[Page, str], None]
) -> None:
    grid = new_page()
    login(grid, "grid")
    _code, lon, lat = point_in_own_grid(grid)
    fill_report(grid, "0401", "浏览器测试：按钮对比度", lon, lat)
    grid.get_by_test_id("report-submit").click()
    number = reported_number(grid)

    operator = new_page()
    login(operator, "fuchun")
    operator.goto(f"/cases/{number}")
    file_button = operator.get_by_test_id("action-file").locator("button.primary")
    expect(file_button).to_have_text("立案")
    ratio = contrast(file_button)
    assert ratio >= MIN_CONTRAST, f"立案 button contrast {ratio:.2f} < {MIN_CONTRAST}"
    screenshot(operator, "case-detail-actions")

    others = operator.locator(".action-form button:not(.primary)")
    for i in range(others.count()):  # the secondary buttons stay readable too
        assert contrast(others.nth(i)) >= MIN_CONTRAST, others.nth(i).inner_text()

    with operator.expect_navigation():
        file_button.click()
    expect(operator.get_by_test_id("case-state")).to_have_text("已立案")
    primary = operator.locator(".action-form button.primary")
    expect(primary).to_have_count(1)
    ratio = contrast(primary)
    assert ratio >= MIN_CONTRAST, f"{primary.inner_text()} button contrast {ratio:.2f} < {MIN_CONTRAST}"


def test_primary_buttons_on_other_pages_are_readable(new_page: Callable[[], Page]) -> None:
    page = new_page()
    page.goto("/login")
    assert contrast(page.locator('form[action="/login"] button.primary')) >= MIN_CONTRAST
    login(page, "grid")
    page.goto("/report")
    assert contrast(page.get_by_test_id("report-submit")) >= MIN_CONTRAST
    page = new_page()
    login(page, "admin")
    for path in ("/admin/taxonomy", "/admin/holidays"):
        page.goto(path)
        buttons = page.locator("main button.primary")
        assert buttons.count() > 0, path
        for i in range(buttons.count()):
            assert contrast(buttons.nth(i)) >= MIN_CONTRAST, f"{path}: {buttons.nth(i).inner_text()}"
