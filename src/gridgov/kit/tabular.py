"""Reading and writing the spreadsheets counties keep (XLSX and CSV), with row/column error reports.

Every export of the platform is written by ``xlsx_bytes``/``csv_bytes`` here, so no cell runs as a formula
(a text starting with ``= + - @``, tab or CR is stored as text: an XLSX string cell with Excel's quote
prefix, a CSV cell with a leading apostrophe) and no stored control character breaks a file; numbers stay
numbers. Reading refuses an XLSX archive that would inflate beyond ``MAX_XLSX_INFLATED`` or by more than
``MAX_XLSX_RATIO`` per member before opening it, and reports a control character in a cell as a cell error.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from gridgov.errors import InvalidInput
from gridgov.kit.text import CONTROL, FORMULA_START, control_message, from_inert, inert

Cell = str | int | float | None
"""An exported cell: text is neutralised, numbers are written as numbers."""
MAX_XLSX_INFLATED = 200 * 1024 * 1024
"""Largest total uncompressed size of an uploaded XLSX archive (a 20 MB sheet inflates to ~150 MB)."""
MAX_XLSX_RATIO = 200
"""Largest compression ratio of one member: office XML compresses ~10–30×; bombs compress ~1000×."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    """The Chinese header written on export; imports also accept ``key`` and ``aliases``."""
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.sheet} 第{self.row}行 {self.column}列: {self.message}"


@dataclass
class Row:
    sheet: str
    number: int
    """1-based row number as the spreadsheet shows it (the header is row 1)."""
    values: dict[str, str]
    letters: dict[str, str] = field(default_factory=dict)

    def error(self, key: str, message: str) -> CellError:
        return CellError(self.sheet, self.number, self.letters.get(key, key), message)


class ImportFailed(InvalidInput):
    """Raised with every cell error found; nothing has been written."""

    def __init__(self, errors: Sequence[CellError]):
        shown = "; ".join(str(e) for e in errors[:10])
        more = f" …(共{len(errors)}处错误)" if len(errors) > 10 else ""
        super().__init__(
            f"导入失败，未写入任何数据 (import rejected, nothing written): {shown}{more}",
            extra={"errors": [e.__dict__ for e in errors]},
        )
        self.errors = list(errors)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_map(sheet: Sheet, headers: Sequence[str]) -> tuple[dict[str, int], list[CellError]]:
    names = {c.key: {c.key, c.header, *c.aliases} for c in sheet.columns}
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        for key, accepted in names.items():
            if header.strip() in accepted:
                found[key] = index
    errors = [
        CellError(sheet.name, 1, c.header, f"缺少列 (missing column {c.header!r})")
        for c in sheet.columns
        if c.required and c.key not in found
    ]
    return found, errors


def _rows(
    sheet: Sheet, table: Iterable[Sequence[Any]], *, csv_cells: bool = False
) -> tuple[list[Row], list[CellError]]:
    """``csv_cells``: undo ``inert`` (a CSV cell ``'=…`` we exported is the text ``=…``)."""
    iterator = iter(table)
    try:
        headers = [_cell(v) for v in next(iterator)]
    except StopIteration:
        return [], [CellError(sheet.name, 1, "A", "空表 (empty sheet)")]
    found, errors = _header_map(sheet, headers)
    letters = {key: get_column_letter(i + 1) for key, i in found.items()}
    rows: list[Row] = []
    for number, raw in enumerate(iterator, start=2):
        cells = [from_inert(_cell(v)) if csv_cells else _cell(v) for v in raw]
        if not any(cells):
            continue
        values = {key: cells[i] if i < len(cells) else "" for key, i in found.items()}
        for key, value in values.items():
            message = control_message(value)
            if message is not None:
                errors.append(CellError(sheet.name, number, letters[key], message))
        rows.append(Row(sheet.name, number, values, letters))
    return rows, errors


def check_archive(data: bytes) -> None:
    """Refuse an XLSX (a zip archive) that would inflate too far, reading only its central directory."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InvalidInput(f"无法读取XLSX文件 (not a readable .xlsx file: {exc})", field="file") from exc
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_INFLATED:
        raise InvalidInput(
            f"XLSX解压后{total // 2**20}MB，超过上限{MAX_XLSX_INFLATED // 2**20}MB "
            f"(archive inflates to {total // 2**20} MB, more than {MAX_XLSX_INFLATED // 2**20} MB)",
            field="file",
        )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise InvalidInput(
                f"XLSX中的{member.filename}压缩比{ratio}:1，疑似压缩炸弹 "
                f"(member {member.filename} inflates {ratio}:1, more than {MAX_XLSX_RATIO}:1)",
                field="file",
            )


def read_xlsx(data: bytes, sheets: Sequence[Sheet]) -> tuple[dict[str, list[Row]], list[CellError]]:
    """Rows of every sheet present (by name); sheets absent from the workbook are skipped."""
    check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise InvalidInput(f"无法读取XLSX文件 (not a readable .xlsx file: {exc})", field="file") from exc
    result: dict[str, list[Row]] = {}
    errors: list[CellError] = []
    for sheet in sheets:
        if sheet.name not in workbook.sheetnames:
            continue
        rows, sheet_errors = _rows(sheet, workbook[sheet.name].iter_rows(values_only=True))
        result[sheet.name] = rows
        errors += sheet_errors
    workbook.close()
    if not result:
        names = "、".join(s.name for s in sheets)
        raise InvalidInput(f"工作簿中没有可导入的工作表 (no sheet named {names})", field="file")
    return result, errors


def read_csv(data: bytes, sheet: Sheet) -> tuple[list[Row], list[CellError]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("CSV编码无法识别，请使用UTF-8或GB18030 (unknown CSV encoding)", field="file")
    return _rows(sheet, csv.reader(io.StringIO(text)), csv_cells=True)


def xlsx_bytes(
    sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Cell]]]],
    *,
    freeze: str = "A2",
    widths: tuple[int, int] = (0, 60),
) -> bytes:
    """A workbook of (title, headers, rows) sheets: bold headers, columns sized to the first rows, the
    header row frozen. Text starting like a formula is a string cell with the quote prefix (shown and
    edited as text, read back unchanged); control characters XML cannot hold become U+FFFD."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, headers, rows in sheets:
        ws = workbook.create_sheet(title[:31])
        ws.append([CONTROL.sub("\ufffd", h) for h in headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for number, row in enumerate(rows, start=2):
            values = [CONTROL.sub("\ufffd", v) if isinstance(v, str) else v for v in row]
            ws.append(values)
            for column, value in enumerate(values, start=1):
                if isinstance(value, str) and value.startswith(FORMULA_START):
                    cell = ws.cell(number, column)
                    cell.data_type = "s"
                    cell.quotePrefix = True
        for index, header in enumerate(headers, start=1):
            width = max([len(header) * 2, *(len(str(r[index - 1] or "")) + 2 for r in rows[:200] if len(r) >= index)])
            ws.column_dimensions[get_column_letter(index)].width = min(max(width, widths[0]), widths[1])
        ws.freeze_panes = freeze
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 CSV with a BOM (so Excel opens it as UTF-8); text cells neutralised by ``inert``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([inert(h) for h in headers])
    writer.writerows([inert(c) if isinstance(c, str) else "" if c is None else c for c in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(tables: Sequence[tuple[Sheet, Sequence[Sequence[Cell]]]]) -> bytes:
    return xlsx_bytes([(sheet.name, [c.header for c in sheet.columns], rows) for sheet, rows in tables])


def write_csv(sheet: Sheet, rows: Sequence[Sequence[Cell]]) -> bytes:
    return csv_bytes([c.header for c in sheet.columns], rows)
