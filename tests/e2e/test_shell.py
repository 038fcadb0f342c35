"""What a user of the web shell would notice breaking: sign-in, the org browser and its map, scoping, masking,
language switch, sign-out. Runs against the real demo county (富阳区 330111)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

PASSWORD = "gridgov-demo"

COUNTY = "330111"
FUCHUN = "330111001"  # 富春街道
WANSHI = "330111100"  # 万市镇
SOME_TOWNSHIPS = ("富春街道", "万市镇", "渔山乡", "春江街道", "新登镇", "场口镇")
TOWNSHIP_URL = re.compile(r"/org/330111\d{3}$")
MAP_READY = '[data-testid="map"][data-loaded="true"]'
POLYGONS = "#map path.leaflet-interactive"


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')


def wait_for_map(page: Page) -> Locator:
    page.wait_for_selector(MAP_READY, timeout=20_000)
    return page.locator(POLYGONS)


def filled_polygons(page: Page) -> Locator:
    """Clickable child areas: the parent outline is drawn unfilled (fill="none"), children are filled."""
    return page.locator(f'{POLYGONS}:not([fill="none"])')


def point_inside(page: Page, path: Locator) -> tuple[float, float]:
    """A viewport point where ``path`` is the topmost element (bounding-box centres can miss concave shapes)."""
    path.scroll_into_view_if_needed()
    point = path.evaluate(
        """(el) => {
            const r = el.getBoundingClientRect();
            for (let n = 2; n <= 32; n *= 2) {
                for (let i = 1; i < n; i++) {
                    for (let j = 1; j < n; j++) {
                        const x = r.left + (r.width * i) / n, y = r.top + (r.height * j) / n;
                        if (document.elementFromPoint(x, y) === el) return [x, y];
                    }
                }
            }
            return null;
        }"""
    )
    assert point is not None, "no visible point inside the polygon"
    return float(point[0]), float(point[1])


def children_names(page: Page) -> list[str]:
    cells = page.locator('[data-testid="children"] tbody tr td:nth-child(2)')
    return [name.strip() for name in cells.all_inner_texts()]


def phones(page: Page) -> list[str]:
    cells = page.locator('[data-testid="people"] tbody td.mono').all_inner_texts()
    return [cell.strip() for cell in cells if cell.strip()]


# --- sign-in ---------------------------------------------------------------------------------------------------


def test_login_page_is_chinese_by_default(page: Page, screenshot: Callable[[Page, str], None]) -> None:
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("登录")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator('input[name="csrf_token"]')).to_have_count(1)
    screenshot(page, "login")


def test_wrong_password_shows_error_and_stays_on_login(page: Page) -> None:
    login(page, "dispatcher", "not-the-password")
    assert page.url.split("?")[0].endswith("/login")
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page.get_by_test_id("login-error")).not_to_be_empty()
    expect(page.locator('input[name="username"]')).to_have_value("dispatcher")
    # and the user really is not signed in
    page.goto("/org")
    assert "/login" in page.url


def test_protected_page_redirects_to_login_and_back(page: Page) -> None:
    page.goto(f"/org/{FUCHUN}")
    assert re.search(r"/login\?next=%2Forg%2F330111001$|/login\?next=/org/330111001$", page.url), page.url
    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')
    assert page.url.endswith(f"/org/{FUCHUN}")
    expect(page.get_by_test_id("node-name")).to_contain_text("富春街道")


# --- org browser and map ----------------------------------------------------------------------------------------


def test_admin_lands_on_county_with_townships_and_map(page: Page, screenshot: Callable[[Page, str], None]) -> None:
    login(page, "admin")
    page.goto("/org")
    page.wait_for_url(f"**/org/{COUNTY}")
    expect(page.get_by_test_id("node-name")).to_contain_text("富阳区")
    names = children_names(page)
    assert len(names) == 24, names
    for township in SOME_TOWNSHIPS:
        assert township in names, f"{township} missing from {names}"
    assert page.get_by_test_id("who").inner_text().strip(), "signed-in user not shown in the top bar"

    wait_for_map(page)
    expect(filled_polygons(page)).to_have_count(24)
    screenshot(page, "county")


def test_clicking_a_polygon_drills_down_to_that_township(page: Page, screenshot: Callable[[Page, str], None]) -> None:
    login(page, "admin")
    page.goto("/org")
    page.wait_for_url(f"**/org/{COUNTY}")
    township_names = set(children_names(page))
    wait_for_map(page)
    polygon = filled_polygons(page).nth(5)
    x, y = point_inside(page, polygon)
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_be_visible()
    hovered = tooltip.inner_text().strip()
    assert hovered in township_names, f"tooltip {hovered!r} is not a township of the county"

    with page.expect_navigation():
        page.mouse.click(x, y)
    assert TOWNSHIP_URL.search(page.url), page.url
    expect(page.get_by_test_id("node-name")).to_contain_text(hovered)
    expect(page.locator("nav.crumbs")).to_contain_text("富阳区")
    # the township draws its villages
    wait_for_map(page)
    assert filled_polygons(page).count() > 0, "township map drew no village polygons"
    assert len(children_names(page)) == filled_polygons(page).count()
    screenshot(page, "township")


def test_children_table_link_drills_down(page: Page) -> None:
    login(page, "admin")
    page.goto("/org")
    page.wait_for_url(f"**/org/{COUNTY}")
    with page.expect_navigation():
        page.get_by_test_id("children").get_by_role("link", name="渔山乡").click()
    assert TOWNSHIP_URL.search(page.url), page.url
    expect(page.get_by_test_id("node-name")).to_contain_text("渔山乡")


# --- scoping and masking ----------------------------------------------------------------------------------------


def test_township_operator_sees_only_their_township(page: Page) -> None:
    login(page, "fuchun")
    page.goto("/org")
    page.wait_for_url(f"**/org/{FUCHUN}")
    expect(page.get_by_test_id("node-name")).to_contain_text("富春街道")
    assert children_names(page), "富春街道 shows no villages/communities"
    # the breadcrumb shows the county but must not link to it
    expect(page.locator(f'nav.crumbs a[href="/org/{COUNTY}"]')).to_have_count(0)

    response = page.goto(f"/org/{WANSHI}")
    assert response is not None
    assert response.status in (403, 404), f"out-of-area page answered {response.status}"
    expect(page.get_by_test_id("node-name")).to_have_count(0)
    expect(page.get_by_test_id("children")).to_have_count(0)
    expect(page.get_by_test_id("people")).to_have_count(0)

    response = page.goto(f"/org/{COUNTY}")
    assert response is not None
    assert response.status in (403, 404), f"county page answered {response.status} to a township operator"


def test_wanshi_code_really_is_wanshi(page: Page) -> None:
    """Guards the scoping test above: 330111100 is 万市镇 for someone allowed to see it."""
    login(page, "admin")
    page.goto(f"/org/{WANSHI}")
    expect(page.get_by_test_id("node-name")).to_contain_text("万市镇")


def people_rows(page: Page) -> dict[str, str]:
    """Name (without the 演示 badge) → phone, from the people table."""
    rows: dict[str, str] = {}
    for row in page.locator('[data-testid="people"] tbody tr').all():
        cells = row.locator("td")
        if cells.count() < 2:
            continue
        name = cells.nth(0).inner_text().split()[0]
        rows[name] = cells.nth(1).inner_text().strip()
    return rows


def test_grid_member_sees_others_phones_masked(page: Page, new_page: Callable[[], Page]) -> None:
    """grid_member lacks pii:read: other people's phones are masked; their own stays in full (by design).

    In the demo a grid member's area holds nobody but themselves, so an admin first registers a resident
    in that grid (through the JSON API, with the page session's CSRF token)."""
    login(page, "grid")
    page.goto("/org")
    areas = page.get_by_test_id("areas").locator("a")
    assert areas.count() > 1, "the demo grid member serves several grids, listed on /org"
    areas.first.click()
    page.wait_for_url(re.compile(r"/org/330111\d{9}$"))
    grid_code = page.url.rsplit("/", 1)[-1]
    own_name = page.get_by_test_id("who").inner_text().split("·")[0].strip()
    assert re.fullmatch(r"100\d{8}", people_rows(page)[own_name]), "a grid member sees their own phone in full"

    admin = new_page()
    login(admin, "admin")
    token = admin.locator('form[action="/logout"] input[name="csrf_token"]').get_attribute("value")
    assert token
    created = admin.request.post(
        "/api/v1/people",
        headers={"x-csrf-token": token},
        data={"name": "掩码测试居民", "phone": "10012345678", "roles": [{"role": "resident", "node_code": grid_code}]},
    )
    assert created.status == 201, created.text()
    admin.goto("/people?q=掩码测试居民")
    assert people_rows(admin) == {"掩码测试居民": "10012345678"}

    page.goto("/people")
    rows = people_rows(page)
    assert rows.get("掩码测试居民") == "100****5678", rows
    others = {name: phone for name, phone in rows.items() if name != own_name}
    for name, phone in others.items():
        assert re.fullmatch(r"\d{3}\*{4}\d{4}", phone), f"unmasked phone {phone!r} of {name} shown to a grid member"
    assert "10012345678" not in page.content(), "the full number leaked into the page"


def test_admin_sees_full_phones(page: Page) -> None:
    login(page, "admin")
    page.goto("/org")
    page.wait_for_url(f"**/org/{COUNTY}")
    numbers = phones(page)
    assert numbers, "admin sees no phones on the county page"
    for number in numbers:
        assert re.fullmatch(r"100\d{8}", number), f"admin should see the full demo number, got {number!r}"


# --- language and sign-out --------------------------------------------------------------------------------------


def test_language_switch_to_english_and_back(page: Page) -> None:
    page.goto("/login")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.url.split("?")[0].endswith("/login"), page.url
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')
    page.goto("/org")
    expect(page.locator("nav.nav")).to_contain_text("Organisation")
    expect(page.get_by_test_id("node-name")).to_contain_text("County")

    with page.expect_navigation():
        page.get_by_role("link", name="中文").click()
    expect(page.locator("nav.nav")).to_contain_text("组织")
    expect(page.get_by_test_id("node-name")).to_contain_text("富阳区")


def test_logout_returns_to_login_and_protects_pages(page: Page) -> None:
    login(page, "dispatcher")
    expect(page.get_by_test_id("who")).to_be_visible()
    with page.expect_navigation():
        page.locator('form[action="/logout"] button').click()
    assert page.url.split("?")[0].endswith("/login"), page.url
    expect(page.locator("h1")).to_have_text("登录")
    page.goto("/org")
    assert "/login" in page.url, f"/org after sign-out went to {page.url}"
    expect(page.get_by_test_id("node-name")).to_have_count(0)
