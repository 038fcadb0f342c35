"""Every table page exports as XLSX or CSV: the rows shown, with numbers as numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from fastapi.responses import Response

from gridgov.kit.tabular import Cell, csv_bytes, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
__all__ = ["XLSX", "Cell", "download", "table_csv", "table_xlsx"]


def table_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Cell]]]]) -> bytes:
    """Through the one writer of ``gridgov.kit.tabular`` (formulas neutralised), first column frozen too."""
    return xlsx_bytes(sheets, freeze="B2", widths=(8, 40))


def table_csv(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    return csv_bytes(headers, rows)


def download(fmt: str, name: str, title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Response:
    if fmt == "xlsx":
        data, media, suffix = table_xlsx([(title, headers, rows)]), XLSX, "xlsx"
    else:
        data, media, suffix = table_csv(headers, rows), "text/csv; charset=utf-8", "csv"
    filename = f"{name}.{suffix}"
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_.") or f"export.{suffix}"  # a safe header token
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})
