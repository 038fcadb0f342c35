"""Every table page exports as XLSX or CSV: the rows shown, with numbers as numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cell = str | int | float | None


def table_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Cell]]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        for index, header in enumerate(headers, start=1):
            width = max([len(str(header)) * 2, *(len(str(r[index - 1] or "")) + 2 for r in rows[:200])])
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(max(width, 8), 40)
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_csv(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(["" if c is None else c for c in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def download(fmt: str, name: str, title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Response:
    if fmt == "xlsx":
        data, media, suffix = table_xlsx([(title, headers, rows)]), XLSX, "xlsx"
    else:
        data, media, suffix = table_csv(headers, rows), "text/csv; charset=utf-8", "csv"
    filename = f"{name}.{suffix}"
    plain = filename.encode("ascii", "ignore").decode() or f"export.{suffix}"
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})
