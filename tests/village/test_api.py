"""Through HTTP: a project's dividends as calculated and recorded years; imports that name row and column and
write nothing on error; score export and import; the year's report as PDF and XLSX; the pages in both languages
with a resident's actions."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.kit.time import utcnow
from gridgov.org.enums import Role
from gridgov.village.models import Collective, Project, Shareholding
from gridgov.village.services_assessment import install_set
from gridgov.village.services_residents import ResidentServices
from tests.factories import COUNTY, FUCHUN, build_county, user
from tests.village.factories import CHENGXI, CHENGXI_PATH, place, staff
from tests.village.test_assessment import SPEC

V = "/api/v1/village"
CHUNHUI = f"{FUCHUN}002"


def _book(rows: list[list[object]], sheet: str) -> dict[str, tuple[str, bytes]]:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {"file": ("data.xlsx", buffer.getvalue())}


@pytest.fixture
def setup(vsession: Session) -> dict[str, dict[str, str]]:
    county = build_county(vsession)
    coops = [
        Collective(code=f"C{i}", name=f"{n}股份经济合作社", kind="cooperative", village_code=code,
                   township_code=FUCHUN, path=county[code].path)
        for i, (n, code) in enumerate((("城西", CHENGXI), ("春晖", CHUNHUI)))
    ]  # fmt: skip
    project = Project(code="MARKET", name="木材市场", township_code=FUCHUN, path=f"{COUNTY}/{FUCHUN}/",
                      planned_investment=Decimal(1_000_000), reserve_rate=Decimal(0))  # fmt: skip
    vsession.add_all([*coops, project])
    vsession.flush()
    vsession.add(
        Shareholding(project_id=project.id, collective_id=coops[0].id, invested=Decimal(0), share=Decimal("0.3"))
    )
    vsession.add(
        Shareholding(project_id=project.id, collective_id=coops[1].id, invested=Decimal(0), share=Decimal("0.7"))
    )
    install_set(vsession, county[FUCHUN], [county[CHENGXI], county[CHUNHUI]], SPEC)
    hall = place(vsession, "HALL", "venue")
    start = utcnow() + timedelta(days=1)
    ResidentServices(vsession).add_activity(
        staff(), hall.id, "activity", "书画课", start, start + timedelta(hours=2), 1, 5
    )
    place(vsession, "MEAL", "canteen", CHENGXI_PATH)
    headers = {
        "ops": user(vsession, county, "ops", Role.township_operator, FUCHUN),
        "me": user(vsession, county, "me", Role.resident, CHENGXI),
        "cadre": user(vsession, county, "cadre", Role.village_cadre, CHENGXI),
    }
    vsession.commit()
    return headers


def test_economy_through_the_api(vclient: TestClient, vsession: Session, setup: dict[str, dict[str, str]]) -> None:
    ops = setup["ops"]
    put = vclient.put(f"{V}/projects/MARKET/years/2022", json={"income": "2500000", "costs": "0"}, headers=ops)
    assert put.status_code == 200, put.text
    dividends = {d["holder"]: d["amount"] for d in put.json()["years"][0]["dividends"]}
    assert dividends == {"C0": "750000.00", "C1": "1750000.00"}
    assert vclient.put(f"{V}/projects/MARKET/years/2022", json={"income": "-1"}, headers=ops).status_code == 422
    incomes = vclient.get(f"{V}/incomes", params={"years": [2022]}, headers=ops).json()
    assert {r["collective"]: (r["sources"].get("dividend"), r["weak"]) for r in incomes} == {
        "C0": ("750000.00", False),
        "C1": ("1750000.00", False),
    }
    bad = _book(
        [["项目编码", "参与方编码", "出资(元)", "约定比例(0-1)"], ["MARKET", "C0", 10, 0.5], ["NOPE", "C1", "x", 2]],
        "入股",
    )
    refused = vclient.post(f"{V}/shareholdings/import", files=bad, headers=ops)
    assert refused.status_code == 422 and "第3行" in refused.text and "A列" in refused.text and "C列" in refused.text
    assert vsession.scalar(select(func.count()).select_from(Shareholding).where(Shareholding.invested == 10)) == 0
    good = _book([["项目编码", "参与方编码", "出资(元)"], ["MARKET", "C0", 10]], "入股")
    assert vclient.post(f"{V}/shareholdings/import", files=good, headers=ops).json() == {"written": 1}
    csv = vclient.get(f"{V}/shareholdings/export", params={"format": "csv"}, headers=ops)
    assert "MARKET,C0,10" in csv.text


def test_assessment_through_the_api(vclient: TestClient, setup: dict[str, dict[str, str]]) -> None:
    ops, cadre = setup["ops"], setup["cadre"]
    rows: list[list[object]] = [
        ["指标编码", "村社代码", "期间", "得分", "说明"],
        ["M01", CHENGXI, "2022-Q1", 4, ""],
        ["M02", CHENGXI, "2022-Q1", 9, ""],
    ]
    refused = vclient.post(f"{V}/assessment/scores/import", files=_book(rows, "考核得分"), headers=ops)
    assert refused.status_code == 422 and "第3行" in refused.text, refused.text
    rows[2][3] = 5
    assert vclient.post(f"{V}/assessment/scores/import", files=_book(rows, "考核得分"), headers=ops).json() == {
        "written": 2
    }
    board = vclient.get(f"{V}/assessment/{FUCHUN}/board", params={"period": "2022-Q1"}, headers=cadre).json()
    assert [(r["village"], r["score"], r["rank"]) for r in board["ranking"]] == [(CHENGXI, 9.0, 1), (CHUNHUI, 0.0, 2)]
    exported = vclient.get(
        f"{V}/assessment/{FUCHUN}/scores/export", params={"year": 2022, "format": "csv"}, headers=ops
    )
    assert f"M01,{CHENGXI},2022-Q1,4" in exported.text
    score_id = vclient.put(
        f"{V}/assessment/scores",
        json={"indicator_id": 1, "village": CHENGXI, "period": "2022-Q2", "points": 3},
        headers=ops,
    )
    assert score_id.status_code in (200, 404)
    one = vclient.get(f"{V}/assessment/{FUCHUN}/years/2022", headers=ops).json()
    assert one["villages"][0]["code"] == CHENGXI
    pdf = vclient.get(f"{V}/assessment/{FUCHUN}/years/2022/report", params={"format": "pdf"}, headers=ops)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = vclient.get(f"{V}/assessment/{FUCHUN}/years/2022/report", params={"format": "xlsx"}, headers=ops)
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_pages_in_both_languages(vclient: TestClient, setup: dict[str, dict[str, str]], locale: str) -> None:
    vclient.cookies.set("gridgov_lang", locale)
    ops, me = setup["ops"], setup["me"]
    economy = vclient.get("/village", headers=ops)
    assessment = vclient.get("/village/assessment", params={"period": "2022-Q1"}, headers=ops)
    mine = vclient.get("/village/me", headers=me)
    for page in (economy, assessment, mine):
        assert page.status_code == 200, page.text[:300]
    assert 'data-testid="project-MARKET"' in economy.text and 'data-testid="ranking"' in assessment.text
    if locale == "en":
        labels = re.findall(r"<(?:h1|th|button|label)[^>]*>([^<]+)<", economy.text + assessment.text + mine.text)
        assert not [label for label in labels if re.search(r"[\u4e00-\u9fff]", label)]
    assert vclient.get("/village", headers=me, follow_redirects=False).headers["location"] == "/village/me"
    activity = re.search(r'action="/village/me/book/(\d+)"', mine.text)
    assert activity is not None
    booked = vclient.post(f"/village/me/book/{activity.group(1)}", headers=me, follow_redirects=True)
    assert 'data-testid="outcome"' in booked.text and f"/village/me/cancel/{activity.group(1)}" in booked.text
