"""Reading and writing the spreadsheets counties keep (XLSX and CSV), with row/column error reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from gridgov.errors import InvalidInput


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


def _rows(sheet: Sheet, table: Iterable[Sequence[Any]]) -> tuple[list[Row], list[CellError]]:
    iterator = iter(table)
    try:
        headers = [_cell(v) for v in next(iterator)]
    except StopIteration:
        return [], [CellError(sheet.name, 1, "A", "空表 (empty sheet)")]
    found, errors = _header_map(sheet, headers)
    rows: list[Row] = []
    for number, raw in enumerate(iterator, start=2):
        cells = [_cell(v) for v in raw]
        if not any(cells):
            continue
        values = {key: cells[i] if i < len(cells) else "" for key, i in found.items()}
        letters = {key: get_column_letter(i + 1) for key, i in found.items()}
        rows.append(Row(sheet.name, number, values, letters))
    return rows, errors


def read_xlsx(data: bytes, sheets: Sequence[Sheet]) -> tuple[dict[str, list[Row]], list[CellError]]:
    """Rows of every sheet present (by name); sheets absent from the workbook are skipped."""
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
    return _rows(sheet, csv.reader(io.StringIO(text)))


def write_xlsx(tables: Sequence[tuple[Sheet, Sequence[Sequence[str]]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for sheet, rows in tables:
        ws = workbook.create_sheet(sheet.name)
        ws.append([c.header for c in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(list(row))
        for index, column in enumerate(sheet.columns, start=1):
            width = max([len(column.header) * 2, *(len(str(r[index - 1])) for r in rows[:200])]) + 2
            ws.column_dimensions[get_column_letter(index)].width = min(width, 60)
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(sheet: Sheet, rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in sheet.columns])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
