"""The carbon API on the demo park: indicators equal a hand calculation, a missing month is missing (not zero),
a factor version chosen explicitly changes the figures and says so, imports are all or nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from gridgov.carbon.calc import M2_PER_MU
from tests.carbon.conftest import YEAR, Park

HEADERS = ["统一社会信用代码", "月份(YYYY-MM)", "用电量(kWh)", "天然气(m³)", "蒸汽量", "蒸汽单位(t/GJ)",
           "光伏发电量(kWh)", "工业总产值(万元)", "实缴税金(万元)"]  # fmt: skip


def _detail(park: Park, enterprise_id: int, **params: str | int) -> dict[str, object]:
    response = park.client.get(
        f"/api/v1/carbon/enterprises/{enterprise_id}", params={"year": YEAR, **params}, headers=park.admin
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("i", [0, 1, 2])
def test_three_enterprises_by_hand(park: Park, i: int) -> None:
    body = _detail(park, park.wanshi_ids[i])
    month = 400_000 * (i + 1) * 0.55 / 1000 + 20_000 * 2.1622 / 1000 + 900 * 0.11
    total = 12 * month
    expected = {
        "land": total / (20_000 / M2_PER_MU),
        "output": total / (800 * 12),
        "tax": total / (40 * 12),
        "per_capita": total / 80,
        "pv": 0.0,
    }
    found = {f["key"]: f for f in body["indicators"]}  # type: ignore[attr-defined]
    for key, value in expected.items():
        assert found[key]["value"] == pytest.approx(value, rel=1e-9), key
    assert found["output"]["numerator"] == pytest.approx(total) and found["output"]["denominator"] == 9600
    assert body["basis"]["versions"] == ["2023"]  # type: ignore[index]


def test_a_factor_version_chosen_explicitly_changes_the_figures(park: Park) -> None:
    now = _detail(park, park.wanshi_ids[0])
    older = _detail(park, park.wanshi_ids[0], factors="2021")
    assert older["basis"]["explicit_version"] == "2021" and older["basis"]["versions"] == ["2021"]  # type: ignore[index]
    delta = 12 * 400_000 * (0.5422 - 0.55) / 1000
    assert older["emissions"]["total"] == pytest.approx(now["emissions"]["total"] + delta)  # type: ignore[index]
    bad = park.client.get("/api/v1/carbon/ranking", params={"factors": "1999"}, headers=park.admin)
    assert bad.status_code == 422 and "factors" in bad.text


def test_ranking_grades_and_bands(park: Park) -> None:
    body = park.client.get("/api/v1/carbon/ranking", params={"year": YEAR}, headers=park.fuchun).json()
    ranked = [r for r in body["rows"] if r["rank"]]
    assert len(ranked) == 106 and [r["rank"] for r in ranked] == list(range(1, 107))
    assert all(r["grade"] in "ABCD" and r["synthetic"] for r in ranked)
    assert ranked[0]["score"] >= ranked[-1]["score"]
    bands = park.client.get("/api/v1/carbon/bands", params={"year": YEAR}, headers=park.fuchun).json()
    assert sum(b["members"] for b in bands["bands"]) == 106
    for band in bands["bands"]:
        if band["members"]:
            assert band["model_id"] and band["head"] and band["benchmark_intensity"] > 0


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "月度数据"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_bad_rows_are_refused_with_row_and_column_and_nothing_written(park: Park) -> None:
    code = _detail(park, park.wanshi_ids[1])["enterprise"]["credit_code"]  # type: ignore[index]
    data = _xlsx([
        [code, f"{YEAR + 1}-01", 1000, 10, 2, "t", None, 50, 3],
        [code, f"{YEAR + 1}-13", 1000, 10, 2, "t", None, 50, 3],
        [code, f"{YEAR + 1}-02", -5, 10, 2, "吨", None, 50, 3],
        ["91330111MA00000000", f"{YEAR + 1}-03", 1, 1, 1, "kg", None, 1, None],
    ])  # fmt: skip
    response = park.client.post("/api/v1/carbon/months/import", files={"file": ("m.xlsx", data)}, headers=park.admin)
    assert response.status_code == 422, response.text
    errors = {(e["row"], e["column"]) for e in response.json()["detail"][0]["errors"]}
    assert {(3, "B"), (4, "C"), (5, "A"), (5, "F"), (5, "I")} <= errors, errors
    after = _detail(park, park.wanshi_ids[1], year=YEAR + 1)
    assert not any(m["reported"] for m in after["months"])  # type: ignore[attr-defined]


def test_an_import_writes_months_and_a_missing_month_stays_missing(park: Park) -> None:
    code = _detail(park, park.wanshi_ids[2])["enterprise"]["credit_code"]  # type: ignore[index]
    text = (
        ",".join(HEADERS) + f"\n{code},{YEAR + 1}-01,1000,10,2,t,,50,3\n{code},{YEAR + 1}-03,2000,0,5.4,GJ,100,60,3\n"
    )
    files = {"file": ("m.csv", text.encode())}
    response = park.client.post("/api/v1/carbon/months/import", files=files, headers=park.wanshi)
    assert response.status_code == 200, response.text
    assert response.json() == {"months": 2, "enterprises": 1}
    months = _detail(park, park.wanshi_ids[2], year=YEAR + 1)["months"]
    january, february, march = months[0], months[1], months[2]  # type: ignore[index]
    assert january["reported"] and january["steam_gj"] == pytest.approx(2 * 2.7)
    assert not february["reported"] and february["electricity_kwh"] is None and february["emissions_t"] is None
    assert march["pv_kwh"] == 100 and march["steam_gj"] == 5.4
    ranking = park.client.get("/api/v1/carbon/ranking", params={"year": YEAR + 1}, headers=park.wanshi).json()
    (row,) = [r for r in ranking["rows"] if r["enterprise_id"] == park.wanshi_ids[2]]
    assert row["rank"] is None and row["not_ranked"] == "few_months" and row["months"] == 2


def test_a_year_without_data_ranks_nobody(park: Park) -> None:
    for path in ("ranking", "bands", "potential", "pv"):
        response = park.client.get(f"/api/v1/carbon/{path}", params={"year": 2030}, headers=park.wanshi)
        assert response.status_code == 200, response.text
    body = park.client.get("/api/v1/carbon/potential", params={"year": 2030}, headers=park.wanshi).json()
    assert body["potential_t"] == 0 and body["tail"] == [] and body["share"] is None


def test_export_reimports_unchanged(park: Park) -> None:
    exported = park.client.get("/api/v1/carbon/months/export", params={"year": YEAR}, headers=park.wanshi)
    assert exported.status_code == 200 and exported.content.startswith(b"PK")
    before = _detail(park, park.wanshi_ids[0])["emissions"]
    files = {"file": ("m.xlsx", exported.content)}
    response = park.client.post("/api/v1/carbon/months/import", files=files, headers=park.wanshi)
    assert response.status_code == 200, response.text
    assert response.json() == {"months": 36, "enterprises": 3}
    assert _detail(park, park.wanshi_ids[0])["emissions"] == before
