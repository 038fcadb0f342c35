"""The one spreadsheet writer and reader: inert cells out, control characters and archive bombs refused in."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from gridgov.errors import InvalidInput
from gridgov.kit import tabular
from gridgov.kit.tabular import Column, Sheet, csv_bytes, read_csv, read_xlsx, write_csv, write_xlsx, xlsx_bytes

HYPERLINK = '=HYPERLINK("http://x","y")'
PEOPLE = Sheet("人员", (Column("name", "姓名"), Column("phone", "手机号"), Column("note", "备注", required=False)))
cells = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=12),
    st.sampled_from([HYPERLINK, "-1", "+1", "@x", "\tx", "\rx", "'=x"]),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)


def _sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


def test_xlsx_writes_formula_text_as_quoted_text_and_numbers_as_numbers() -> None:
    data = xlsx_bytes([("人员", ["姓名", "数值", "文本"], [[HYPERLINK, -1, "-1"], ["a\x0bb", 2.5, "@x"]])])
    assert "<f>" not in _sheet_xml(data)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    name, number, text = sheet[2]
    assert (name.value, name.data_type, name.quotePrefix) == (HYPERLINK, "s", True)
    assert (number.value, number.data_type) == (-1, "n")
    assert (text.value, text.data_type, text.quotePrefix) == ("-1", "s", True)
    assert [c.value for c in sheet[3]] == ["a\ufffdb", 2.5, "@x"]


def test_csv_prefixes_formula_text_and_leaves_numbers() -> None:
    data = csv_bytes(["姓名", "数值", "文本"], [[HYPERLINK, -1, "-1"], ["张三", None, "a\x0bb"]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ["'" + HYPERLINK, "-1", "'-1"]
    assert rows[2] == ["张三", "", "a\ufffdb"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(cells, cells, cells), min_size=1, max_size=5))
def test_no_export_cell_is_a_formula(rows: list[tuple[object, object, object]]) -> None:
    data = xlsx_bytes([("表", ["a", "b", "c"], rows)])  # type: ignore[list-item]
    assert "<f>" not in _sheet_xml(data)
    for row in csv.reader(io.StringIO(csv_bytes(["a", "b", "c"], rows).decode("utf-8-sig"))):  # type: ignore[arg-type]
        for value in row:
            assert not value.startswith(("=", "+", "@", "\t", "\r")) and not (
                value.startswith("-") and not _is_number(value)
            )


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def test_export_then_import_gives_back_the_same_text() -> None:
    rows = [[HYPERLINK, "13800000001", "-1"], ["'=x", "13800000002", "多行\n备注"]]
    imported, errors = read_xlsx(write_xlsx([(PEOPLE, rows)]), [PEOPLE])
    assert errors == [] and [list(r.values.values()) for r in imported["人员"]] == rows
    again, errors = read_csv(write_csv(PEOPLE, rows), PEOPLE)
    assert errors == [] and [list(r.values.values()) for r in again] == rows


def test_a_control_character_in_an_imported_cell_is_a_cell_error() -> None:
    data = "姓名,手机号\n张三,13800000001\n李\x0b四,13800000002\n".encode()
    rows, errors = read_csv(data, PEOPLE)
    assert len(rows) == 2
    assert [(e.row, e.column) for e in errors] == [(3, "A")]
    assert "U+000B" in errors[0].message


def _bomb(size: int) -> bytes:
    """A zip whose one sheet is ``size`` bytes of the same character: tiny packed, huge unpacked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"0" * 2**20
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize(("inflated", "says"), [(64 * 2**20, "压缩比"), (256 * 2**20, "超过上限")])
def test_an_archive_bomb_is_refused_before_it_is_opened(inflated: int, says: str) -> None:
    bomb = _bomb(inflated)
    assert len(bomb) < 2**20
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as refused:
        read_xlsx(bomb, [PEOPLE])
    assert time.perf_counter() - started < 1.0
    assert says in refused.value.message and refused.value.field == "file"


def test_an_archive_inflating_past_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "MAX_XLSX_INFLATED", 2**20)
    data = write_xlsx([(PEOPLE, [[f"人员{i}", f"138{i:08d}", ""] for i in range(20_000)])])
    with pytest.raises(InvalidInput) as refused:
        read_xlsx(data, [PEOPLE])
    assert "超过上限" in refused.value.message


def test_a_real_workbook_passes_the_archive_check() -> None:
    rows = [["富春街道城西社区第一网格", "13800000000", "备注"]] * 20_000
    imported, errors = read_xlsx(write_xlsx([(PEOPLE, rows)]), [PEOPLE])
    assert not errors and len(imported["人员"]) == 20_000
