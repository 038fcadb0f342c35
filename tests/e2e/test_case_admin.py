"""The administrator's configuration pages in the browser: the taxonomy table, replacing it by upload (a
good file changes a time limit, a bad one is refused whole with the category and field named), the holiday
table, and what a township operator may not do. Runs against the demo county; every change is undone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.e2e.test_shell import login


def upload(page: Page, name: str, data: bytes) -> None:
    form = page.get_by_test_id("taxonomy-upload")
    form.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
    )
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


@pytest.fixture
def admin(page: Page) -> Iterator[Page]:
    """The demo's administrator on the taxonomy page; the taxonomy in use is put back afterwards."""
    login(page, "admin")
    original = page.request.get("/admin/taxonomy.yaml")
    assert original.ok, original.text()
    yield page
    page.goto("/admin/taxonomy")
    upload(page, "original.yaml", original.body())
    expect(page.get_by_test_id("taxonomy-errors")).to_have_count(0)


def test_admin_changes_a_time_limit_and_a_bad_file_changes_nothing(
    admin: Page, screenshot: Callable[[Page, str], None]
) -> None:
    page = admin
    page.goto("/cases")
    with page.expect_navigation():
        page.get_by_role("link", name="数据配置").click()
    expect(page.locator("h1")).to_contain_text("案件分类与时限")
    table = page.get_by_test_id("taxonomy")
    expect(table.locator("tbody[data-major]")).to_have_count(10)
    row = table.locator('tr[data-code="0401"]')
    expect(row).to_contain_text("暴露垃圾")
    expect(row.locator('[data-field="limits.filing"]')).to_have_text("1工作时")
    expect(table.locator('tr[data-code="0102"] [data-field="stages"] li')).to_have_count(3)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1400, f"the taxonomy page scrolls sideways ({width}px)"
    screenshot(page, "admin-taxonomy")

    raw = yaml.safe_load(page.request.get("/admin/taxonomy.yaml").text())
    entry = next(c for c in raw["categories"] if c["code"] == "0401")
    entry["limits"]["filing"] = {"amount": 2, "unit": "working_hours"}
    upload(page, "taxonomy.yaml", yaml.safe_dump(raw, allow_unicode=True).encode())
    expect(page.get_by_test_id("taxonomy-saved")).to_contain_text("修改：0401")
    expect(row.locator('[data-field="limits.filing"]')).to_have_text("2工作时")

    entry["limits"]["filing"] = {"amount": -1, "unit": "working_hours"}
    next(c for c in raw["categories"] if c["code"] == "0201")["tier"] = "province"
    upload(page, "taxonomy.yaml", yaml.safe_dump(raw, allow_unicode=True).encode())
    errors = page.get_by_test_id("taxonomy-errors")
    expect(errors).to_contain_text("未保存")
    expect(errors.locator('li[data-code="0401"][data-field="limits.filing.amount"]')).to_contain_text("立案时限")
    expect(errors.locator('li[data-code="0201"][data-field="tier"]')).to_be_visible()
    screenshot(page, "admin-taxonomy-errors")
    page.goto("/admin/taxonomy")
    expect(row.locator('[data-field="limits.filing"]')).to_have_text("2工作时")  # the bad file saved nothing
    expect(page.locator('tr[data-code="0201"]')).to_contain_text("乡镇(街道)级")


def test_admin_loads_and_removes_a_years_holidays(page: Page, screenshot: Callable[[Page, str], None]) -> None:
    login(page, "admin")
    page.goto("/admin/holidays")
    warning = page.get_by_test_id("calendar-warning")
    expect(warning).to_contain_text("2027")
    expect(page.get_by_test_id("package-years")).to_contain_text("2004–2026")
    form = page.get_by_test_id("holidays-form")
    form.locator("textarea").fill("2027-01-01,休,元旦\n2027-01-04,班,元旦调休")
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("holiday-errors")).to_contain_text("第2行 B列")
    expect(form.locator("textarea")).to_have_value(re.compile("2027-01-04,班"))  # kept for correcting
    expect(page.get_by_test_id("year-2027")).to_have_count(0)

    form.locator("textarea").fill("2027-01-01,休,元旦\n2027-02-06,班,春节调休上班\n2027-02-08,休,春节")
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("holidays-loaded")).to_contain_text("已导入 3 天")
    year = page.get_by_test_id("year-2027")
    expect(year.locator("tbody tr")).to_have_count(3)
    expect(year.locator('tr[data-day="2027-02-06"]')).to_contain_text("星期六")
    expect(page.get_by_test_id("calendar-warning")).to_have_count(0)
    page.goto("/cases")
    expect(page.get_by_test_id("calendar-warning")).to_have_count(0)
    page.goto("/admin/holidays")
    screenshot(page, "admin-holidays")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_test_id("clear-2027").click()
    expect(page.get_by_test_id("holidays-cleared")).to_contain_text("2027")
    expect(page.get_by_test_id("calendar-warning")).to_contain_text("2027")


def test_township_operator_sees_the_tables_but_no_upload(page: Page) -> None:
    login(page, "fuchun")
    page.goto("/admin/taxonomy")
    expect(page.get_by_test_id("read-only")).to_be_visible()
    expect(page.get_by_test_id("taxonomy-upload")).to_have_count(0)
    expect(page.get_by_test_id("taxonomy").locator('tr[data-code="0401"]')).to_be_visible()
    page.goto("/admin/holidays")
    expect(page.get_by_test_id("holidays-form")).to_have_count(0)
    token = page.locator('form[action="/logout"] input[name="csrf_token"]').get_attribute("value") or ""
    refused = page.request.post("/admin/holidays", form={"rows": "2027-01-01,休,元旦", "csrf_token": token})
    assert refused.status == 403 and "县级" in refused.text()
