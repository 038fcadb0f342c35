"""The registry workbook: import, export and re-import give the same registry; any bad cell rejects it all."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.kit.tabular import ImportFailed
from gridgov.registry.credit_code import generate
from gridgov.registry.models import Enterprise
from gridgov.water.models import IntakePoint, IntakeUser, Permit
from gridgov.water.transfer import PERMITS, POINTS, USERS, WaterTransfer
from tests.factories import FUCHUN, WANSHI, build_county

A, B = generate("330111", 1), generate("330111", 2)


def _workbook(users: list[list[object]], points: list[list[object]], permits: list[list[object]]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet, rows in ((USERS, users), (POINTS, points), (PERMITS, permits)):
        ws = book.create_sheet(sheet.name)
        ws.append([c.header for c in sheet.columns])
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = _workbook(
    [
        [A, "富春纺织有限公司", FUCHUN, f"{FUCHUN}001", "C1751", "张三", "13800000001", 120000],
        [B, "万市酒店", WANSHI, None, "H6110", None, None, 8000],
    ],
    [[A, "1号取水口", 119.95, 30.02, "地表水", "WM0001"], [B, "井1", 120.05, 30.02, "ground", None]],
    [
        ["取水(浙)字[2024]第001号", A, "1号取水口", 150000, "工业用水", "2024-01-01", "2028-12-31", None],
        ["取水(浙)字[2024]第002号", B, None, 10000, "服务业用水", "2024-01-01", "2028-12-31", "valid"],
    ],
)


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(t)) for t in (IntakeUser, IntakePoint, Permit)
    )


def test_import_export_round_trip(wsession: Session) -> None:
    build_county(wsession)
    summary = WaterTransfer(wsession).import_xlsx(GOOD)
    assert (summary.users, summary.points, summary.permits) == (2, 2, 2)
    user = wsession.scalars(select(IntakeUser).where(IntakeUser.credit_code == A)).one()
    assert user.path == f"330111/{FUCHUN}/{FUCHUN}001/" and user.name == "富春纺织有限公司"
    registered = wsession.get(Enterprise, user.enterprise_id)  # the core registry knows it, at the same place
    assert registered is not None and (registered.credit_code, registered.path) == (A, user.path)
    user.name = "=HYPERLINK(1)"  # a name that looks like a formula is exported as text
    assert wsession.scalars(select(IntakeUser.path).where(IntakeUser.credit_code == B)).one() == f"330111/{WANSHI}/"
    exported = WaterTransfer(wsession).export_xlsx()
    sheet = load_workbook(io.BytesIO(exported))["取水户"]
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == "=HYPERLINK(1)"  # text, not a formula
    before = _counts(wsession)
    WaterTransfer(wsession).import_xlsx(exported)
    assert _counts(wsession) == before == (2, 2, 2)
    permit = wsession.scalars(select(Permit).where(Permit.number == "取水(浙)字[2024]第001号")).one()
    assert permit.point_id is not None and permit.annual_volume_m3 == 150000


def test_a_bad_cell_rejects_the_whole_workbook(wsession: Session) -> None:
    build_county(wsession)
    bad = _workbook(
        [
            [A, "富春纺织", FUCHUN, None, "C1751", None, None, 1000],
            [A[:17] + ("0" if A[17] != "0" else "1"), "坏代码", "999999999", None, "C1751", None, None, "很多"],
        ],
        [[A, "1号取水口", 119.95, 30.02, "河水", None]],
        [],
    )
    with pytest.raises(ImportFailed) as caught:
        WaterTransfer(wsession).import_xlsx(bad)
    where = {(e.sheet, e.row, e.column) for e in caught.value.errors}
    assert ("取水户", 3, "A") in where  # the check character
    assert ("取水户", 3, "C") in where  # unknown township
    assert ("取水户", 3, "H") in where  # not a number
    assert ("取水点", 2, "E") in where  # unknown source
    assert _counts(wsession) == (0, 0, 0)
    assert wsession.scalar(select(func.count()).select_from(Enterprise)) == 0
