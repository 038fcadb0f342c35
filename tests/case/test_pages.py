"""Case pages through HTTP: the desk's map data, and the administration of the taxonomy and the holiday table
(who may change them, uploads that change a time limit, uploads that are refused whole, the audit trail)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.audit.models import AuditLog
from gridgov.case import pages
from gridgov.case.catalogue import save_taxonomy
from gridgov.case.models import CaseCategory, Holiday
from gridgov.case.taxonomy import default_taxonomy
from gridgov.org.enums import Role, UnitKind
from gridgov.org.models import Unit
from tests.factories import COUNTY, FUCHUN, PASSWORD, County, build_county, create_account, create_person, user

CST = ZoneInfo("Asia/Shanghai")
POINT = {"lon": 119.92, "lat": 30.02}  # 城西社区第1网格, 富春街道
GRID = "330111001001001"


@dataclass
class Admin:
    client: TestClient
    admin: dict[str, str]
    dispatcher: dict[str, str]
    operator: dict[str, str]
    grid: dict[str, str]

    def limits(self, code: str) -> dict[str, Any]:
        taxonomy = self.client.get("/api/v1/cases/categories", headers=self.grid).json()
        found: dict[str, Any] = next(c for c in taxonomy["categories"] if c["code"] == code)
        return found

    def upload(self, who: dict[str, str], name: str, data: bytes) -> Response:
        return self.client.post(
            "/admin/taxonomy",
            files={"file": (name, data, "application/octet-stream")},
            headers=who,
            follow_redirects=False,
        )


@pytest.fixture
def county(session: Session) -> County:
    county = build_county(session)
    unit = Unit(code=f"{FUCHUN}-ZHXX", name="富春街道综合信息指挥室", kind=UnitKind.department.value)
    unit.node_id = county[FUCHUN].id
    county.units[unit.code] = unit
    session.add(unit)
    session.flush()
    return county


@pytest.fixture
def desk(client: TestClient, app: FastAPI, session: Session, county: County) -> Admin:
    save_taxonomy(session, default_taxonomy())  # as the demo does: the taxonomy lives in the database
    admin = user(session, county, "admin", Role.admin, COUNTY)
    dispatcher = user(session, county, "dispatcher", Role.county_dispatcher, COUNTY)
    operator = user(session, county, "op", Role.township_operator, FUCHUN)
    grid = user(session, county, "gm", Role.grid_member, GRID, grids=[GRID])
    session.commit()
    app.state.clock = lambda: datetime(2026, 11, 23, 10, 0, tzinfo=CST)
    return Admin(client, admin, dispatcher, operator, grid)


def report(desk: Admin, category: str = "0401") -> str:
    response = desk.client.post(
        "/api/v1/cases", json={"category": category, "description": "路边垃圾堆放", **POINT}, headers=desk.grid
    )
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


def yaml_with(desk: Admin, change: Callable[[Any], object]) -> bytes:
    raw = yaml.safe_load(desk.client.get("/admin/taxonomy.yaml", headers=desk.admin).text)
    change(raw)
    return yaml.safe_dump(raw, allow_unicode=True).encode()


def category(raw: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in raw["categories"] if c["code"] == code)
    return found


class TestPermissions:
    def test_grid_member_sees_no_configuration(self, desk: Admin) -> None:
        for url in ("/admin/taxonomy", "/admin/holidays", "/admin/taxonomy.yaml", "/admin/taxonomy.xlsx"):
            assert desk.client.get(url, headers=desk.grid).status_code == 403, url
        assert desk.upload(desk.grid, "t.yaml", b"{}").status_code == 403
        page = desk.client.get("/cases", headers=desk.grid)
        assert page.status_code == 200 and 'href="/admin/taxonomy"' not in page.text

    def test_township_operator_reads_but_may_not_change(self, desk: Admin, session: Session) -> None:
        page = desk.client.get("/admin/taxonomy", headers=desk.operator)
        assert page.status_code == 200 and 'data-testid="read-only"' in page.text
        assert 'action="/admin/taxonomy"' not in page.text  # no upload form
        data = yaml_with(desk, lambda raw: category(raw, "0401")["limits"].update(filing=[9, "working_days"]))
        refused = desk.upload(desk.operator, "t.yaml", data)
        assert refused.status_code == 403 and "县级" in refused.text
        assert desk.limits("0401")["limits"]["filing"]["amount"] != 9
        holidays = desk.client.post("/admin/holidays", data={"rows": "2027-01-01,休,元旦"}, headers=desk.operator)
        assert holidays.status_code == 403
        assert desk.client.post("/admin/holidays/2026/delete", headers=desk.operator).status_code == 403
        assert session.scalars(select(Holiday)).first() is None

    def test_county_dispatcher_without_data_import_is_refused(self, desk: Admin) -> None:
        assert desk.client.get("/admin/holidays", headers=desk.dispatcher).status_code == 200
        refused = desk.client.post("/admin/holidays", data={"rows": "2027-01-01,休,元旦"}, headers=desk.dispatcher)
        assert refused.status_code == 403 and "data:import" in refused.text

    def test_forms_need_the_csrf_token(self, desk: Admin, session: Session, county: County) -> None:
        person = create_person(session, county, [(Role.admin, COUNTY)], name="管理员")
        create_account(session, person, "webadmin")
        session.commit()
        login = desk.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token
        form = {"username": "webadmin", "password": PASSWORD, "csrf_token": token.group(1)}
        assert desk.client.post("/login", data=form, follow_redirects=False).status_code == 303
        page = desk.client.get("/admin/holidays")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf and 'enctype="multipart/form-data"' in page.text
        rows = {"rows": "2027-01-01,休,元旦"}
        assert desk.client.post("/admin/holidays", data=rows, follow_redirects=False).status_code == 403
        ok = desk.client.post("/admin/holidays", data={**rows, "csrf_token": csrf.group(1)}, follow_redirects=False)
        assert ok.status_code == 303, ok.text
        assert [h.name for h in session.scalars(select(Holiday))] == ["元旦"]


class TestTaxonomy:
    def test_page_lists_majors_categories_limits_and_flags(self, desk: Admin) -> None:
        page = desk.client.get("/admin/taxonomy", headers=desk.admin)
        assert page.status_code == 200
        assert 'data-major="01"' in page.text and "道路与市政设施" in page.text
        row = re.search(r'<tr data-code="0102".*?</tr>', page.text, re.S)
        assert row, page.text[:2000]
        assert "井盖缺损" in row.group(0) and "0.5紧急工作时" in row.group(0) and "现场围护" in row.group(0)
        assert "乡镇(街道)级" in row.group(0) and 'data-active="true"' in row.group(0)
        assert 'action="/admin/taxonomy"' in page.text and 'name="csrf_token"' in page.text

    def test_yaml_upload_changes_a_time_limit_and_is_audited(self, desk: Admin, session: Session) -> None:
        assert desk.limits("0401")["limits"]["filing"] != {"amount": 2.0, "unit": "working_days"}
        data = yaml_with(desk, lambda raw: category(raw, "0401")["limits"].update(filing=[2, "working_days"]))
        response = desk.upload(desk.admin, "taxonomy.yaml", data)
        assert response.status_code == 303, response.text
        assert "changed=0401" in response.headers["location"]
        assert desk.limits("0401")["limits"]["filing"] == {"amount": 2.0, "unit": "working_days"}
        page = desk.client.get(response.headers["location"], headers=desk.admin)
        assert "修改：0401" in page.text
        assert re.search(r'data-code="0401".*?data-field="limits.filing">2工作日<', page.text, re.S)
        row = session.scalars(select(CaseCategory).where(CaseCategory.code == "0401")).one()
        audit = session.scalars(
            select(AuditLog).where(AuditLog.entity == "case_category", AuditLog.entity_id == str(row.id))
        ).all()
        update = [a for a in audit if a.action == "update"]
        assert update and update[-1].actor_name == "admin"
        assert update[-1].after and "spec" in update[-1].after

    def test_xlsx_round_trip_changes_a_limit_and_deactivates_a_category(self, desk: Admin) -> None:
        download = desk.client.get("/admin/taxonomy.xlsx", headers=desk.admin)
        assert download.status_code == 200
        workbook = load_workbook(io.BytesIO(download.content))
        assert workbook.sheetnames == ["大类", "小类", "处置阶段"]
        sheet = workbook["小类"]
        headers = [c.value for c in sheet[1]]
        for cells in sheet.iter_rows(min_row=2):
            if cells[0].value == "0401":
                cells[headers.index("立案时限")].value = "3工作时"
            if cells[0].value == "1001":
                cells[headers.index("启用")].value = "否"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = desk.upload(desk.admin, "分类.xlsx", buffer.getvalue())
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        assert "changed=0401" in location and "deactivated=1001" in location
        assert desk.limits("0401")["limits"]["filing"] == {"amount": 3.0, "unit": "working_hours"}
        codes = [c["code"] for c in desk.client.get("/api/v1/cases/categories", headers=desk.grid).json()["categories"]]
        assert "1001" not in codes and len(codes) == 18
        page = desk.client.get("/admin/taxonomy", headers=desk.admin).text
        assert re.search(r'<tr data-code="1001" data-active="false"', page)

    def test_bad_yaml_names_category_and_field_and_saves_nothing(self, desk: Admin, session: Session) -> None:
        def break_it(raw: dict[str, Any]) -> None:
            category(raw, "0401")["limits"] = {"filing": [0, "working_days"], "dispatch": [1, "fortnights"]}
            category(raw, "0402")["tier"] = "city"
            category(raw, "0101")["name"] = "改了名字"  # valid on its own: must not be saved either

        before = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
        response = desk.upload(desk.admin, "taxonomy.yaml", yaml_with(desk, break_it))
        assert response.status_code == 422
        text = response.text
        assert 'data-code="0401" data-field="limits.filing.amount"' in text and "立案时限" in text
        assert 'data-code="0401" data-field="limits.dispatch.unit"' in text and "派遣时限" in text
        assert 'data-code="0402" data-field="tier"' in text
        assert "未保存" in text
        assert desk.limits("0101")["name"] == "道路坑洼破损"
        assert desk.limits("0401")["limits"]["filing"]["amount"] > 0
        assert session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) == before

    def test_bad_xlsx_cell_is_named_by_sheet_row_and_column(self, desk: Admin) -> None:
        workbook = load_workbook(io.BytesIO(desk.client.get("/admin/taxonomy.xlsx", headers=desk.admin).content))
        sheet = workbook["小类"]
        row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "0401")
        row[5].value = "三天"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = desk.upload(desk.admin, "t.xlsx", buffer.getvalue())
        assert response.status_code == 422
        text = response.text
        assert 'data-code="0401" data-field="limits.filing"' in text
        assert f"小类 第{row[0].row}行 F列" in text and "三天" in text

    def test_a_retired_category_keeps_its_cases_readable(self, desk: Admin) -> None:
        number = report(desk, "0401")
        data = yaml_with(desk, lambda raw: raw["categories"].remove(category(raw, "0401")))
        response = desk.upload(desk.admin, "taxonomy.yaml", data)
        assert response.status_code == 303  # saved: 0401 deactivated
        assert desk.client.get("/cases", headers=desk.operator).status_code == 200
        case = desk.client.get(f"/api/v1/cases/{number}", headers=desk.operator)
        assert case.status_code == 200 and case.json()["category_name"] == "暴露垃圾"
        refused = desk.client.post(
            "/api/v1/cases", json={"category": "0401", "description": "再报", **POINT}, headers=desk.grid
        )
        assert refused.status_code == 422 and "已停用" in refused.text

    def test_not_a_taxonomy_file(self, desk: Admin) -> None:
        for name, data in (("t.txt", b"hello"), ("t.yaml", b"- a\n- b\n"), ("t.yaml", b"a: [")):
            response = desk.upload(desk.admin, name, data)
            assert response.status_code == 422 and "未保存" in response.text, name


class TestHolidays:
    def test_page_shows_package_years_loaded_years_and_the_gap(self, desk: Admin) -> None:
        page = desk.client.get("/admin/holidays", headers=desk.admin)
        assert page.status_code == 200
        assert re.search(r'data-testid="package-years">2004–2026', page.text)
        assert 'data-testid="calendar-warning"' in page.text and "2027" in page.text
        assert 'action="/admin/holidays"' in page.text

    def test_load_a_year_then_clear_it(self, desk: Admin, session: Session) -> None:
        calendar = "/api/v1/cases/calendar"
        assert desk.client.get(calendar, headers=desk.operator).json() == {"missing_years": [2027]}
        rows = "日期,类型,名称\n2027-01-01,休,元旦\n2027-02-06,班,春节调休上班\n2027-02-08\t休\t春节\n"
        response = desk.client.post("/admin/holidays", data={"rows": rows}, headers=desk.admin, follow_redirects=False)
        assert response.status_code == 303, response.text
        assert desk.client.get(calendar, headers=desk.operator).json() == {"missing_years": []}
        page = desk.client.get(response.headers["location"], headers=desk.admin).text
        assert "已导入 3 天" in page and 'data-testid="year-2027"' in page
        assert re.search(r'data-day="2027-02-06" class="work">.*?星期六.*?班.*?春节调休上班', page, re.S)
        assert 'data-testid="calendar-warning"' not in page
        audit = session.scalars(select(AuditLog).where(AuditLog.entity == "holiday")).all()
        assert len(audit) == 3 and {a.actor_name for a in audit} == {"admin"}

        cleared = desk.client.post("/admin/holidays/2027/delete", headers=desk.admin, follow_redirects=False)
        assert cleared.status_code == 303
        assert "已删除 2027 年导入的 3 天" in desk.client.get(cleared.headers["location"], headers=desk.admin).text
        assert desk.client.get(calendar, headers=desk.operator).json() == {"missing_years": [2027]}
        deleted = session.scalars(select(AuditLog).where(AuditLog.entity == "holiday", AuditLog.action == "delete"))
        assert len(deleted.all()) == 3

    def test_csv_file_in_gb18030(self, desk: Admin, session: Session) -> None:
        data = "2027-10-01,休,国庆节\n2027-10-09,班,国庆节调休上班\n".encode("gb18030")
        response = desk.client.post(
            "/admin/holidays",
            files={"file": ("2027.csv", data, "text/csv")},
            headers=desk.admin,
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert [(h.name, h.is_workday) for h in session.scalars(select(Holiday).order_by(Holiday.day))] == [
            ("国庆节", False),
            ("国庆节调休上班", True),
        ]

    def test_bad_rows_are_named_and_nothing_is_loaded(self, desk: Admin, session: Session) -> None:
        rows = "2027-01-01,休,元旦\n2027-01-04,班,元旦调休\n2027-02-30,休,春节\n2027-03-01,放假,x\n"
        response = desk.client.post("/admin/holidays", data={"rows": rows}, headers=desk.admin)
        assert response.status_code == 422
        assert "第2行 B列" in response.text and "星期一" in response.text
        assert "第3行 A列" in response.text and "第4行 B列" in response.text
        assert "2027-02-30" in response.text  # the pasted rows are kept for correcting
        assert session.scalars(select(Holiday)).first() is None


class TestDeskMap:
    def test_rows_carry_what_the_map_draws_and_only_one_page(
        self, desk: Admin, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        numbers = [report(desk) for _ in range(3)]
        monkeypatch.setattr(pages, "PAGE_SIZE", 2)
        page = desk.client.get("/cases", headers=desk.operator)
        assert page.status_code == 200
        rows = re.findall(
            r'<tr data-number="(\d+)" data-state="reported" data-colour="green"\s+data-lon="([\d.]+)"', page.text
        )
        assert [n for n, _lon in rows] == numbers[::-1][:2] and all(float(lon) == POINT["lon"] for _n, lon in rows)
        assert 'data-testid="case-map"' in page.text and "/static/js/casemap.js" in page.text
        assert 'data-boundaries="/api/v1/geo/boundaries?kind=township&amp;kind=grid"' in page.text

    def test_boundaries_follow_the_scope_and_the_township_filter(self, desk: Admin) -> None:
        county_wide = desk.client.get("/cases", headers=desk.admin).text
        assert 'data-boundaries="/api/v1/geo/boundaries?kind=township"' in county_wide
        filtered = desk.client.get(f"/cases?township={FUCHUN}", headers=desk.admin).text
        assert f"parent={FUCHUN}&amp;kind=township&amp;kind=grid" in filtered
        outlines = desk.client.get(
            f"/api/v1/geo/boundaries?parent={FUCHUN}&kind=township&kind=grid", headers=desk.admin
        )
        kinds = sorted(f["properties"]["kind"] for f in outlines.json()["features"])
        assert kinds == ["grid"] * 4 + ["township"]

    def test_closed_cases_are_grey(self, desk: Admin) -> None:
        number = report(desk)
        cancelled = desk.client.post(
            f"/api/v1/cases/{number}/actions", json={"action": "cancel", "comment": "重复"}, headers=desk.operator
        )
        assert cancelled.status_code == 200, cancelled.text
        page = desk.client.get("/cases", headers=desk.operator).text
        assert re.search(rf'<tr data-number="{number}" data-state="cancelled" data-colour="closed"', page)
