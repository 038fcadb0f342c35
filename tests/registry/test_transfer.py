"""Import and export of enterprises and places: errors by sheet, row and column, nothing written on error."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.kit.tabular import ImportFailed
from gridgov.org.enums import Role
from gridgov.registry.credit_code import generate
from gridgov.registry.models import Enterprise, Place
from gridgov.registry.transfer import RegistryTransfer
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, user

HEADERS = ["统一社会信用代码", "企业名称", "行业代码(GB/T 4754)", "所在区域代码", "经度", "纬度", "联系电话"]


def workbook(title: str, headers: list[str], rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(session: Session) -> None:
    build_county(session)
    good = [generate("330111", 1), "富春化工", "C2614", FUCHUN, None, None, "13812345678"]
    bad_code = [generate("330111", 2)[:-1] + "0", "坏码", "C2614", FUCHUN, None, None, None]
    bad_industry = [generate("330111", 3), "坏行业", "Z12", None, 119.95, 30.02, None]
    outside = [generate("330111", 4), "境外", "C2614", None, 100.0, 30.0, None]
    data = workbook("企业", HEADERS, [good, bad_code, bad_industry, outside])
    with pytest.raises(ImportFailed) as failed:
        RegistryTransfer(session).import_enterprises(data, "e.xlsx")
    where = {(e.row, e.column) for e in failed.value.errors}
    assert where == {(3, "A"), (4, "C"), (5, "E")}, failed.value.errors
    assert "校验位" in next(e.message for e in failed.value.errors if e.row == 3)
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0

    summary = RegistryTransfer(session).import_enterprises(workbook("企业", HEADERS, [good]), "e.xlsx")
    assert (summary.added, summary.updated) == (1, 0)
    again = RegistryTransfer(session).import_enterprises(
        RegistryTransfer(session).export("enterprises", "csv"), "e.csv"
    )
    assert (again.added, again.updated) == (0, 1)


def test_places_import_checks_type_attributes_and_owner(session: Session) -> None:
    build_county(session)
    RegistryTransfer(session).import_enterprises(
        workbook("企业", HEADERS, [[generate("330111", 1), "富春化工", "C2614", FUCHUN, None, None, None]]), "e.xlsx"
    )
    headers = ["场所编码", "场所类型", "场所名称", "所在区域代码", "所属企业统一社会信用代码", "属性"]
    rows: list[list[object]] = [
        ["P1", "出租房", "城西出租房", f"{FUCHUN}001001", None, "出租间数=6；房东同住=是"],
        ["P2", "仓库", "化工仓库", FUCHUN, generate("330111", 1), "存放危险品=否"],
        ["P3", "城堡", "错类型", FUCHUN, None, None],
        ["P4", "学校", "错属性", FUCHUN, None, "学段=大学"],
        ["P5", "仓库", "无主", FUCHUN, generate("330111", 9), None],
    ]
    with pytest.raises(ImportFailed) as failed:
        RegistryTransfer(session).import_places(workbook("场所", headers, rows), "p.xlsx")
    assert {(e.row, e.column) for e in failed.value.errors} == {(4, "B"), (5, "F"), (6, "E")}
    assert session.scalar(select(func.count()).select_from(Place)) == 0
    summary = RegistryTransfer(session).import_places(workbook("场所", headers, rows[:2]), "p.xlsx")
    assert summary.added == 2
    rental = session.scalars(select(Place).where(Place.code == "P1")).one()
    assert rental.attributes == {"rooms": 6, "landlord_on_site": True} and rental.grid_code == f"{FUCHUN}001001"
    exported = RegistryTransfer(session).export("places", "csv").decode("utf-8-sig")
    assert "出租间数=6" in exported and generate("330111", 1) in exported


def test_upload_and_export_through_http(client: TestClient, session: Session) -> None:
    county = build_county(session)
    fuchun = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()
    wanshi = [generate("330111", 5), "万市纸业", "C2221", WANSHI, None, None, None]
    upload = {"file": ("e.xlsx", workbook("企业", HEADERS, [wanshi]), "application/octet-stream")}
    refused = client.post("/api/v1/enterprises/import", files=upload, headers=fuchun)
    assert refused.status_code in (404, 422) and "辖区" in refused.text, refused.text
    done = client.post("/api/v1/enterprises/import", files=upload, headers=admin)
    assert done.status_code == 200 and done.json() == {"added": 1, "updated": 0}, done.text
    mine = client.get("/api/v1/enterprises/export", params={"format": "csv"}, headers=fuchun)
    assert mine.status_code == 200 and "万市纸业" not in mine.text
    everything = client.get("/api/v1/enterprises/export", params={"format": "csv"}, headers=admin)
    assert "万市纸业" in everything.text
