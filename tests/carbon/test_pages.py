"""The carbon pages render the same figures as the API, in Chinese and English."""

from __future__ import annotations

import json
import re
from importlib.resources import files

from gridgov.i18n import LOCALE_COOKIE
from tests.carbon.conftest import YEAR, Park


def test_park_page(park: Park) -> None:
    page = park.client.get("/carbon", params={"year": YEAR}, headers=park.fuchun)
    assert page.status_code == 200, page.text[:300]
    assert "碳排放综合评价指数排名" in page.text and "42,5" in page.text and "万市化工" not in page.text
    assert "行业对标" in page.text and "C2614" in page.text
    assert "<script>" not in page.text


def test_enterprise_page_in_english(park: Park) -> None:
    top = park.client.get("/api/v1/carbon/ranking", params={"year": YEAR}, headers=park.fuchun).json()["rows"][40]
    park.client.cookies.set(LOCALE_COOKIE, "en")
    try:
        page = park.client.get(
            f"/carbon/enterprises/{top['enterprise_id']}", params={"year": YEAR}, headers=park.fuchun
        )
        index = park.client.get("/carbon", params={"year": YEAR}, headers=park.fuchun)
    finally:
        park.client.cookies.delete(LOCALE_COOKIE)
    assert page.status_code == 200, page.text[:300]
    assert "Obstacle degree" in page.text and "Band mean" in page.text
    chinese = json.loads(files("gridgov.carbon.i18n").joinpath("zh-CN.json").read_text("utf-8"))
    for text in (page.text, index.text):
        shown = re.sub(r"<[^>]+>", " ", text).replace("（模拟）", "")
        assert not [label for label in chinese.values() if len(label) > 1 and label in shown]


def test_other_township_enterprise_page_is_not_found(park: Park) -> None:
    page = park.client.get(f"/carbon/enterprises/{park.wanshi_ids[0]}", params={"year": YEAR}, headers=park.fuchun)
    assert page.status_code == 404


def test_panel_on_the_registry_enterprise_page(park: Park) -> None:
    top = park.client.get("/api/v1/carbon/ranking", params={"year": YEAR}, headers=park.fuchun).json()["rows"][0]
    page = park.client.get(f"/registry/enterprises/{top['enterprise_id']}", headers=park.fuchun)
    assert page.status_code == 200, page.text[:300]
    assert 'id="panel-carbon.index"' in page.text and 'data-testid="carbon-panel"' in page.text


def test_cockpit_tile_counts_grades_in_the_area(park: Park) -> None:
    from gridgov.carbon.panel import grade_counts
    from tests.factories import COUNTY, FUCHUN

    with park.database.sessions() as session:
        found = grade_counts(session, [f"{COUNTY}/{FUCHUN}/"])
    assert sum(found.values()) == 106 and set(found) <= {f"carbon.grade.{g}" for g in "ABCD"}


def test_chart_script_is_served(park: Park) -> None:
    script = park.client.get("/static/carbon/js/carbon.js")
    assert script.status_code == 200 and "band-chart" in script.text
