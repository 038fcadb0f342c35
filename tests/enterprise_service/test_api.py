"""Projects, blockers, the weekly report, and 亩均 import and exports through the API."""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov.enterprise_service.models import Project, ProjectStage
from gridgov.evaluation.report import FontMissing, font_path
from gridgov.kit.time import to_local, utcnow
from tests.enterprise_service.conftest import World

BASE = "/api/v1/enterprises"
HEADER = "统一社会信用代码,评价年度,规上(是/否),实缴税收(万元),工业增加值(万元),用地面积(亩),综合能耗(吨标煤),主要污染物排放量(吨),年平均职工人数,研发经费支出(万元),主营业务收入(万元)\n"  # noqa: E501


def _upload(client: TestClient, headers: dict[str, str], text: str) -> object:
    return client.post(
        f"{BASE}/per-mu/import", headers=headers, files={"file": ("figures.csv", io.BytesIO(text.encode()), "text/csv")}
    )


def test_per_mu_import_is_all_or_nothing_and_exports(es_client: TestClient, world: World) -> None:
    good = world.fuchun_co.credit_code
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    rows = f"{good},2025,是,300,1500,10,500,0.3,100,120,6000\n{wrong},2025,是,1,1,1,1,1,1,1,1\n"
    refused = _upload(es_client, world.admin, HEADER + rows)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    errors = refused.json()["detail"][0]["errors"]  # type: ignore[attr-defined]
    assert errors[0]["row"] == 3 and errors[0]["column"] == "A" and "校验位" in errors[0]["message"]
    assert es_client.get(f"{BASE}/per-mu", params={"year": 2025}, headers=world.admin).json()["items"] == []
    other = world.other_co.credit_code
    third = world.wanshi_co.credit_code
    rows = (
        f"{good},2025,是,300,1500,10,500,0.3,100,120,6000\n{other},2025,是,100,600,20,300,,60,30,3000\n"
        f"{third},2025,是,50,400,5,400,0.2,80,10,2000\n"
    )
    assert _upload(es_client, world.admin, HEADER + rows).json() == {"rows": 3, "detail": {}}  # type: ignore[attr-defined]
    listed = es_client.get(f"{BASE}/per-mu", params={"year": 2025}, headers=world.admin).json()
    scores = {i["credit_code"]: round(i["score"], 4) for i in listed["items"]}
    assert scores == {good: 171.044, other: 65.4945, third: 63.4615}  # the hand calculation of test_per_mu_logic
    page = es_client.get(f"{BASE}/per-mu", params={"year": 2025, "limit": 1, "offset": 1}, headers=world.admin).json()
    assert page["total"] == 3 and [i["credit_code"] for i in page["items"]] == [other]  # second by rank
    assert sum(page["counts"].values()) == 3  # counts cover the whole list, not the page
    mine = es_client.get(f"{BASE}/per-mu", params={"year": 2025}, headers=world.fuchun).json()["items"]
    assert {i["credit_code"] for i in mine} == {good, other}  # the ranks are still the county's
    sheet = es_client.get(f"{BASE}/per-mu/export", params={"year": 2025}, headers=world.admin)
    book = load_workbook(io.BytesIO(sheet.content))
    assert book.active is not None and book.active.max_row == 4
    policies = es_client.get(
        f"{BASE}/per-mu/policies", params={"year": 2025, "format": "csv", "class": "D"}, headers=world.admin
    ).text
    assert third in policies and "差别化电价" in policies and good not in policies
    assert es_client.get(f"{BASE}/per-mu/import", headers=world.grid).status_code == 405
    assert _upload(es_client, world.grid, HEADER + rows).status_code == 403  # type: ignore[attr-defined]


def test_projects_colour_blockers_and_weekly_report(es_client: TestClient, world: World, session: Session) -> None:
    today = to_local(utcnow()).date()
    co = world.fuchun_co
    project = Project(
        code="XP-01",
        name="汽配扩建",
        kind="industrial",
        investor=co.name,
        amount_wan=5e4,
        team="专班",
        leader="副区长",
        enterprise_id=co.id,
        township_code=co.township_code,
        path=co.path,
        lon=119.95,
        lat=30.02,
    )
    session.add(project)
    session.flush()
    session.add(
        ProjectStage(
            project_id=project.id,
            stage="sign",
            planned=today - timedelta(days=90),
            actual=today - timedelta(days=90),
            note="",
        )
    )
    session.add(
        ProjectStage(project_id=project.id, stage="land", planned=today - timedelta(days=10), actual=None, note="")
    )
    session.commit()
    view = es_client.get(f"{BASE}/projects/{project.id}", headers=world.fuchun).json()
    assert (view["colour"], view["delay_days"], view["current_stage"]) == ("yellow", 10, "供地")
    late = es_client.post(
        f"{BASE}/projects/{project.id}/stages",
        headers=world.fuchun,
        json={"stage": "land", "planned": (today - timedelta(days=45)).isoformat()},
    ).json()
    assert late["colour"] == "red"
    future = es_client.post(
        f"{BASE}/projects/{project.id}/stages",
        headers=world.fuchun,
        json={"stage": "land", "actual": (today + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 422 and future.json()["detail"][0]["loc"] == ["body", "actual"]
    blocker = es_client.post(
        f"{BASE}/projects/{project.id}/blockers",
        headers=world.grid,
        json={"category": "land", "title": "供地红线", "description": "红线调整未批复"},
    )
    assert blocker.status_code == 201 and blocker.json()["project_id"] == project.id
    detail = es_client.get(f"{BASE}/projects/{project.id}", headers=world.fuchun).json()
    assert [b["title"] for b in detail["blockers"]] == ["供地红线"]
    assert len(detail["stages"]) == 7
    xlsx = es_client.get(f"{BASE}/projects/weekly-report", headers=world.fuchun)
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert xlsx.status_code == 200 and sheet.cell(2, 2).value == "汽配扩建"
    pdf = es_client.get(f"{BASE}/projects/weekly-report", params={"format": "pdf"}, headers=world.fuchun)
    try:
        font_path()
    except FontMissing:  # this machine has no Chinese font: the report says so instead of a broken PDF
        assert pdf.status_code == 500 and "fonts-wqy-microhei" in pdf.text
    else:
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
