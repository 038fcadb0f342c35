"""A township operator reaches nothing of another township through the carbon API. ``CHECKS`` names every
route of the module (method, OpenAPI path); the core's route-enumeration test counts it."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from httpx2 import Response
from openpyxl import Workbook

from tests.carbon.conftest import YEAR, Park

WANSHI_NAME = "万市化工"


def _no_wanshi(response: Response) -> None:
    assert response.status_code == 200, response.text[:300]
    assert WANSHI_NAME not in response.text, response.text[:500]


def _get(path: str) -> Callable[[Park], None]:
    return lambda p: _no_wanshi(p.client.get(path, params={"year": YEAR}, headers=p.fuchun))


def _detail(p: Park) -> None:
    response = p.client.get(f"/api/v1/carbon/enterprises/{p.wanshi_ids[0]}", params={"year": YEAR}, headers=p.fuchun)
    assert response.status_code == 404, response.text[:300]


def _import(p: Park) -> None:
    code = p.client.get(f"/api/v1/carbon/enterprises/{p.wanshi_ids[0]}", headers=p.wanshi).json()["enterprise"]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "月度数据"
    sheet.append(["统一社会信用代码", "月份(YYYY-MM)", "用电量(kWh)", "天然气(m³)", "蒸汽量", "蒸汽单位(t/GJ)",
                  "工业总产值(万元)", "实缴税金(万元)"])  # fmt: skip
    sheet.append([code["credit_code"], f"{YEAR}-01", 1, 1, 1, "t", 1, 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    files = {"file": ("m.xlsx", buffer.getvalue())}
    response = p.client.post("/api/v1/carbon/months/import", files=files, headers=p.fuchun)
    assert response.status_code == 422 and "不在您的辖区内" in response.text, response.text[:300]
    again = p.client.get(f"/api/v1/carbon/enterprises/{p.wanshi_ids[0]}", params={"year": YEAR}, headers=p.wanshi)
    assert again.json()["months"][0]["electricity_kwh"] == 400_000.0


def _export(p: Park) -> None:
    response = p.client.get("/api/v1/carbon/months/export", params={"year": YEAR, "format": "csv"}, headers=p.fuchun)
    assert response.status_code == 200, response.text[:300]
    codes = [p.client.get(f"/api/v1/carbon/enterprises/{i}", headers=p.wanshi).json()["enterprise"]["credit_code"]
             for i in p.wanshi_ids]  # fmt: skip
    assert not any(code in response.text for code in codes)
    assert response.text.count(f"{YEAR}-") >= 106 * 12


CHECKS: dict[tuple[str, str], list[Callable[[Park], None]]] = {
    ("GET", "/api/v1/carbon/ranking"): [_get("/api/v1/carbon/ranking")],
    ("GET", "/api/v1/carbon/enterprises/{enterprise_id}"): [_detail],
    ("GET", "/api/v1/carbon/bands"): [_get("/api/v1/carbon/bands")],
    ("GET", "/api/v1/carbon/potential"): [_get("/api/v1/carbon/potential")],
    ("POST", "/api/v1/carbon/months/import"): [_import],
    ("GET", "/api/v1/carbon/pv"): [_get("/api/v1/carbon/pv")],
    ("GET", "/api/v1/carbon/months/export"): [_export],
}


@pytest.mark.parametrize("route", sorted(CHECKS), ids=lambda r: f"{r[0]} {r[1]}")
def test_township_operator_cannot_reach_other_township(park: Park, route: tuple[str, str]) -> None:
    for check in CHECKS[route]:
        check(park)


def test_the_other_township_sees_its_own(park: Park) -> None:
    body = park.client.get("/api/v1/carbon/ranking", params={"year": YEAR}, headers=park.wanshi).json()
    assert sorted(r["enterprise_id"] for r in body["rows"]) == park.wanshi_ids


def test_reading_needs_the_permission(park: Park) -> None:
    assert park.client.get("/api/v1/carbon/ranking").status_code == 401
