"""Checking answers against a checklist and the inspection cycle (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from gridgov.errors import InvalidInput
from gridgov.inspection.documents import Grade, Plan

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Hazard:
    item_code: str
    grade: Grade
    text: str
    answer: str


def cycle_start(moment: datetime, months: int) -> datetime:
    """Start (UTC-aware, local midnight) of the cycle of ``months`` months, aligned on the year, containing
    ``moment``: 3 months → the quarter (每季度一轮)."""
    local = moment.astimezone(ZONE)
    first_month = (local.month - 1) // months * months + 1
    return datetime(local.year, first_month, 1, tzinfo=ZONE)


def hazards(plan: Plan, answers: Mapping[str, object], photos: int) -> list[Hazard]:
    """The hazards the answers make; a missing, unknown or malformed answer is an error naming the item."""
    found: list[Hazard] = []
    for item in plan.checklist:
        where = f"answers.{item.code}"
        value = answers.get(item.code)
        if value is None or value == "":
            if item.kind == "text":
                continue
            raise InvalidInput(f"检查项“{item.text}”未填写 (answer required)", field=where)
        if item.kind == "yes_no" and value not in ("yes", "no"):
            raise InvalidInput(f"“{item.text}”应答是/否 (answer yes or no)", field=where)
        if item.kind == "choice" and value not in item.choices:
            raise InvalidInput(f"“{item.text}”的选项无效 (not one of {item.choices})", field=where)
        if item.kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InvalidInput(f"“{item.text}”应为数字 (a number)", field=where)
        grade = item.findings.get(str(value))
        if grade is not None:
            if item.photo_required and photos == 0:
                raise InvalidInput(f"“{item.text}”发现隐患须拍照 (a photo is required)", field="photos")
            found.append(Hazard(item.code, grade, item.text, str(value)))
    unknown = sorted(set(answers) - {item.code for item in plan.checklist})
    if unknown:
        raise InvalidInput(f"未知检查项 {unknown} (unknown items)", field=f"answers.{unknown[0]}")
    return found


def month_days(month: str) -> list[date]:
    """The days of ``YYYY-MM``."""
    try:
        year, number = (int(p) for p in month.split("-"))
        first = date(year, number, 1)
    except ValueError as exc:
        raise InvalidInput("月份格式应为YYYY-MM (month as YYYY-MM)", field="month") from exc
    following = date(year + number // 12, number % 12 + 1, 1)
    return [date.fromordinal(d) for d in range(first.toordinal(), following.toordinal())]
