"""Pages and API over the seeded October: the cockpit, the tables with their exports, the drill-down."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from tests.evaluation.stories import OCTOBER, october_stories
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, create_person, user


@pytest.fixture
def headers(client: TestClient, session: Session) -> dict[str, str]:
    from tests.evaluation.stories import insert

    county = build_county(session)
    member = create_person(session, county, [(Role.grid_member, FUCHUN)], name="网格员")
    for index, story in enumerate(october_stories(county.units["WS-GDS"].id), start=1):
        insert(session, story, f"T2026{index:05d}", member.id)
    auth = user(session, county, "leader", Role.county_dispatcher, COUNTY)
    session.commit()
    return auth


def test_indicator_api_shows_numerators_and_denominators(client: TestClient, headers: dict[str, str]) -> None:
    body = client.get("/api/v1/evaluation/indicators", params={"period": OCTOBER}, headers=headers).json()
    units = {u["key"]: u for u in body["units"]}
    assert set(units) == {FUCHUN, WANSHI}
    rate = units[FUCHUN]["rates"]["close_rate"]
    assert (rate["numerator"], rate["denominator"]) == (units[FUCHUN]["counts"]["closed"], 9)
    jinhua = client.get(
        "/api/v1/evaluation/indicators", params={"period": OCTOBER, "rules": "jinhua"}, headers=headers
    ).json()
    assert {u["key"]: u["rates"]["close_rate"]["denominator"] for u in jinhua["units"]} == {FUCHUN: 8, WANSHI: 4}


def test_drill_api_and_page_list_the_same_cases(client: TestClient, headers: dict[str, str]) -> None:
    params = {"period": OCTOBER, "level": "township", "key": WANSHI, "rate": "close_rate", "part": "denominator"}
    body = client.get("/api/v1/evaluation/cases", params=params, headers=headers).json()
    assert body["total"] == 4 and len(body["numbers"]) == 4
    page = client.get("/evaluation/cases", params=params, headers=headers)
    assert page.status_code == 200 and all(f"/cases/{n}" in page.text for n in body["numbers"])


def test_ranking_api_and_page(client: TestClient, headers: dict[str, str]) -> None:
    body = client.get(
        "/api/v1/evaluation/ranking", params={"period": OCTOBER, "level": "township"}, headers=headers
    ).json()
    assert body["scheme"] == "jinniu" and {i["key"] for i in body["items"]} == {FUCHUN, WANSHI}
    # fewer than 10 cases to handle in either township (min_sample 10): listed, not ranked, not flagged
    assert all(i["rank"] is None and i["flag"] is None for i in body["items"])
    page = client.get("/evaluation/ranking", params={"period": OCTOBER, "scheme": "jinhua"}, headers=headers)
    assert page.status_code == 200 and "金华市区计分扣分法" in page.text and "样本不足" in page.text


def test_table_pages_export(client: TestClient, headers: dict[str, str]) -> None:
    page = client.get("/evaluation", params={"period": OCTOBER}, headers=headers)
    assert page.status_code == 200 and "富春街道" in page.text and "结案率" in page.text
    xlsx = client.get("/evaluation", params={"period": OCTOBER, "format": "xlsx"}, headers=headers)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编码", "名称", "受理数") and {r[0] for r in rows[1:]} == {FUCHUN, WANSHI}
    csv = client.get("/evaluation/ranking", params={"period": OCTOBER, "format": "csv"}, headers=headers)
    assert csv.headers["content-type"].startswith("text/csv") and "富春街道" in csv.content.decode("utf-8-sig")


def test_cockpit_page_and_api(client: TestClient, headers: dict[str, str]) -> None:
    page = client.get("/cockpit", headers=headers)
    assert page.status_code == 200 and "富阳区" in page.text and "echarts.common.min.js" in page.text
    body = client.get("/api/v1/evaluation/cockpit", params={"indicator": "close_rate"}, headers=headers).json()
    assert body["area"]["code"] == COUNTY and body["child_level"] == "township"
    assert {c["code"] for c in body["children"]} == {FUCHUN, WANSHI}
    assert len(body["trend"]["months"]) == 12
    township = client.get("/api/v1/evaluation/cockpit", params={"area": FUCHUN}, headers=headers).json()
    assert township["child_level"] == "village" and [b["code"] for b in township["breadcrumbs"]] == [COUNTY, FUCHUN]


def test_cockpit_counters_follow_the_cases(client: TestClient, headers: dict[str, str], session: Session) -> None:
    from tests.evaluation.stories import V1, Story, insert, t

    def live() -> tuple[dict[str, int], dict[str, tuple[int, int]], dict[str, int]]:
        body = client.get("/api/v1/evaluation/cockpit", headers=headers).json()
        counters = {k: v for k, v in body["counters"].items() if not k.endswith("_today")}
        return (
            counters,
            {c["code"]: (c["open"], c["overdue"]) for c in body["children"]},
            {m["code"]: m["open"] for m in body["majors"]},
        )

    counters, areas, majors = live()
    case = insert(session, Story("新上报", V1, [("report", t(11, 19))]), "T202699999", None)
    session.commit()
    now_counters, now_areas, now_majors = live()
    assert now_counters["open"] == counters["open"] + 1 and now_counters["waiting"] == counters["waiting"] + 1
    assert now_areas[FUCHUN][0] == areas[FUCHUN][0] + 1 and now_areas[WANSHI] == areas[WANSHI]
    assert now_majors["04"] == majors.get("04", 0) + 1
    case.state = "cancelled"
    session.commit()
    assert live() == (counters, areas, majors)


def test_the_indicator_table_pages_and_the_export_holds_every_area(
    client: TestClient, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridgov.evaluation import pages

    monkeypatch.setattr(pages, "FIGURE_PAGE", 1)  # two townships: one per page
    first = client.get("/evaluation", params={"period": OCTOBER}, headers=headers).text
    second = client.get("/evaluation", params={"period": OCTOBER, "offset": 1}, headers=headers).text
    assert first.count('<tr data-key="') == 1 and second.count('<tr data-key="') == 1
    assert "第 1–1 条，共 2 条" in first and 'data-testid="figures-next"' in first
    assert "第 2–2 条，共 2 条" in second and 'data-testid="figures-next"' not in second
    assert (FUCHUN in first) != (FUCHUN in second)
    csv = client.get("/evaluation", params={"period": OCTOBER, "offset": 1, "format": "csv"}, headers=headers)
    assert FUCHUN in csv.text and WANSHI in csv.text
