"""CSV import of readings (columns station, property, time, value, unit), with errors by row and column.

Good rows are stored like readings from any other source (a repeat is counted, not stored twice) and bad
rows are dead-lettered (source ``csv``); every bad row is reported with its row number and column.
``all_or_nothing`` refuses the whole file when any row is bad, and writes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from gridgov.kit.tabular import CellError, ImportFailed
from gridgov.sensing.parsing import Reading, Refusal, parse_items, refusal
from gridgov.sensing.service import Batch, Ingestor

COLUMNS = {
    "station": ("station", "站点", "站点编码"),
    "property": ("property", "要素", "观测要素"),
    "time": ("time", "时间", "观测时间"),
    "value": ("value", "数值", "观测值"),
    "unit": ("unit", "单位"),
}
CHUNK = 5_000


@dataclass
class ImportSummary:
    rows: int = 0
    accepted: int = 0
    duplicate: int = 0
    errors: list[CellError] = field(default_factory=list)


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def parse_csv(data: bytes, name: str, zone: str) -> tuple[list[Reading | Refusal], dict[str, str], list[int]]:
    """Parts in row order, the letter of each column, and each part's row number."""
    text = data.decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ImportFailed([CellError(name, 1, "A", "文件为空 (empty file)")])
    header = [cell.strip().lower() for cell in rows[0]]
    index: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for position, cell in enumerate(header):
            if cell in names:
                index[key] = position
    missing = [k for k in COLUMNS if k not in index and k != "unit"]
    if missing:
        raise ImportFailed([CellError(name, 1, k, f"缺少列 {k} (missing column)") for k in missing])
    letters = {key: get_column_letter(position + 1) for key, position in index.items()}
    parts: list[Reading | Refusal] = []
    numbers: list[int] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {key: row[position].strip() if position < len(row) else "" for key, position in index.items()}
        where = f"{name}:{number}"
        raw = ",".join(row).encode()
        blank = next((k for k in ("station", "property", "time", "value") if not cells.get(k)), None)
        if blank is not None:
            parts.append(refusal("missing_field", f"缺少{blank} (missing {blank})", where, raw, blank))
        else:
            item = {
                "station": cells["station"],
                "property": cells["property"],
                "time": cells["time"],
                "value": _number(cells["value"]),
                "unit": cells.get("unit") or None,
            }
            (part,) = parse_items([item], raw, zone)
            parts.append(_relabel(part, where, raw))
        numbers.append(number)
    return parts, letters, numbers


def _relabel(part: Reading | Refusal, where: str, raw: bytes) -> Reading | Refusal:
    if isinstance(part, Reading):
        return Reading(part.station, part.property, part.time, part.value, part.unit, where, raw[:4096], len(raw))
    return refusal(part.kind, part.reason, where, raw, part.column)


def import_readings(
    session: Session,
    data: bytes,
    name: str,
    *,
    clock: Callable[[], datetime],
    zone: str = "Asia/Shanghai",
    all_or_nothing: bool = False,
) -> ImportSummary:
    """Write the file's readings through the shared ingest step. Flushes, never commits."""
    parts, letters, numbers = parse_csv(data, name, zone)
    summary = ImportSummary(rows=len(parts))
    ingestor = Ingestor(clock)
    for start in range(0, len(parts), CHUNK):
        chunk = parts[start : start + CHUNK]
        (outcome,) = ingestor.write(session, [Batch("csv", chunk)])
        summary.accepted += outcome.accepted
        summary.duplicate += outcome.duplicate
        for index, refused in outcome.refused:
            column = letters.get(refused.column or "", refused.column or "")
            summary.errors.append(CellError(name, numbers[start + index], column, refused.reason))
    if all_or_nothing and summary.errors:
        raise ImportFailed(summary.errors)
    session.flush()
    return summary
