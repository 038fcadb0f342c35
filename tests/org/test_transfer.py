from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.db import Database
from gridgov.kit.tabular import ImportFailed
from gridgov.org.enums import Role
from gridgov.org.models import OrgNode, Person
from gridgov.org.transfer import OrgTransfer
from tests.factories import COUNTY, FUCHUN, County, build_county, create_person, user


def _sheets(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames}


def _workbook(rows: dict[str, list[list[str]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for name, table in rows.items():
        sheet = workbook.create_sheet(name)
        for row in table:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class TestRoundTrip:
    def test_xlsx_export_imports_into_an_empty_database_and_exports_the_same(self, db: Database) -> None:
        with db.sessions() as session:
            county = build_county(session)
            create_person(
                session,
                county,
                [(Role.grid_member, "330111001001001")],
                grids=["330111001001001"],
                units=["FC-GDS"],
                name="张三",
            )
            create_person(session, county, [(Role.village_cadre, "330111100001")], name="李四", id_number=None)
            first = OrgTransfer(session).export_xlsx()
            session.rollback()  # empty the database again
        with db.sessions() as session:
            assert session.scalar(select(func.count(OrgNode.id))) == 0
            summary = OrgTransfer(session).import_file(first, "org.xlsx")
            assert (summary.nodes_created, summary.units_created, summary.people_created) == (12, 3, 2)
            second = OrgTransfer(session).export_xlsx()
        assert _sheets(second) == _sheets(first)
        org = _sheets(first)["组织"]
        assert org[0] == ("编码", "名称", "类型", "上级编码")
        assert ("330111001", "富春街道", "乡镇(街道)", "330111") in org

    def test_csv_round_trip_for_org_sheet(self, session: Session) -> None:
        build_county(session)
        data = OrgTransfer(session).export_csv("org")
        assert data.startswith("\ufeff编码,名称,类型,上级编码".encode())
        summary = OrgTransfer(session).import_file(data, "org.csv", "org")
        assert summary.nodes_created == 0 and summary.nodes_updated == 0


class TestBadRows:
    def test_bad_row_reported_by_row_and_column_and_nothing_imported(self, session: Session) -> None:
        data = _workbook(
            {
                "组织": [
                    ["编码", "名称", "类型", "上级编码"],
                    ["330111", "富阳区", "县(区)", ""],
                    ["330111001", "富春街道", "乡镇(街道)", "330111"],
                    ["330111001001", "城西社区", "小区", "330111001"],
                    ["330111002001", "错位村", "村(社区)", "330111001"],
                ],
                "人员": [
                    ["姓名", "手机号", "身份证号", "角色", "所属单位", "服务网格"],
                    ["张三", "1380000", "", "网格员@330111001", "", ""],
                ],
            }
        )
        with pytest.raises(ImportFailed) as failure:
            OrgTransfer(session).import_file(data, "bad.xlsx")
        where = {(e.sheet, e.row, e.column) for e in failure.value.errors}
        assert ("组织", 4, "C") in where  # unknown kind 小区
        assert ("组织", 5, "A") in where  # code does not extend its parent's code
        assert ("人员", 2, "B") in where  # short phone
        assert session.scalar(select(func.count(OrgNode.id))) == 0
        assert session.scalar(select(func.count(Person.id))) == 0

    def test_missing_column_is_reported(self, session: Session) -> None:
        data = _workbook({"组织": [["编码", "名称"], ["330111", "富阳区"]]})
        with pytest.raises(ImportFailed) as failure:
            OrgTransfer(session).import_file(data, "bad.xlsx")
        assert any(e.row == 1 and e.column == "类型" for e in failure.value.errors)

    def test_not_an_xlsx_file(self, session: Session) -> None:
        with pytest.raises(Exception, match="xlsx"):
            OrgTransfer(session).import_file(b"not a workbook", "x.xlsx")


class TestHttp:
    def test_upload_reports_cells_and_writes_nothing(self, client: TestClient, session: Session) -> None:
        county: County = build_county(session)
        headers = user(session, county, "admin", Role.admin, COUNTY)
        session.commit()
        data = _workbook({"组织": [["编码", "名称", "类型", "上级编码"], ["330111001009", "新村", "村", "330111009"]]})
        response = client.post("/api/v1/org/import", headers=headers, files={"file": ("org.xlsx", data)})
        assert response.status_code == 422
        errors = response.json()["detail"][0]["errors"]
        assert errors == [
            {"sheet": "组织", "row": 2, "column": "D", "message": "上级编码330111009不存在 (unknown parent)"}
        ]
        assert client.get("/api/v1/org/nodes/330111001009", headers=headers).status_code == 404

    def test_upload_creates_rows(self, client: TestClient, session: Session) -> None:
        county: County = build_county(session)
        headers = user(session, county, "op", Role.township_operator, FUCHUN)
        session.commit()
        data = _workbook(
            {
                "组织": [["编码", "名称", "类型", "上级编码"], ["330111001009", "新村", "村", "330111001"]],
                "人员": [["姓名", "手机号", "角色"], ["王五", "13912345678", "村社干部@330111001009"]],
            }
        )
        response = client.post("/api/v1/org/import", headers=headers, files={"file": ("org.xlsx", data)})
        assert response.status_code == 200, response.text
        assert response.json()["nodes_created"] == 1 and response.json()["people_created"] == 1
        assert client.get("/api/v1/org/nodes/330111001009", headers=headers).json()["name"] == "新村"
