"""Monthly energy and economics as a spreadsheet (sheet 月度数据, XLSX or CSV, through ``gridgov.kit.tabular``).

Import is all or nothing: every cell error (row, column) is collected and nothing is written if there is one.
Rows are matched by 统一社会信用代码 and month; a matched month is replaced, others added, nothing deleted. An
enterprise must be in the registry and in the importer's area. A month absent from the file stays missing.
The export writes the same layout."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.carbon.documents import FactorSettings
from gridgov.carbon.models import EnergyMonth, FuelMonth
from gridgov.kit.principal import Principal
from gridgov.kit.tabular import Cell, CellError, Column, ImportFailed, Row, Sheet, read_csv, read_xlsx
from gridgov.org.repository import under
from gridgov.registry.models import Enterprise

MONTH = re.compile(r"^(\d{4})-(\d{1,2})")
STEAM_UNITS = {"t": "t", "吨": "t", "gj": "GJ", "GJ": "GJ"}
BASE = (
    Column("credit_code", "统一社会信用代码"),
    Column("month", "月份(YYYY-MM)"),
    Column("electricity_kwh", "用电量(kWh)"),
    Column("gas_m3", "天然气(m³)"),
    Column("steam", "蒸汽量"),
    Column("steam_unit", "蒸汽单位(t/GJ)"),
    Column("pv_kwh", "光伏发电量(kWh)", required=False),
    Column("output_value", "工业总产值(万元)"),
    Column("tax", "实缴税金(万元)"),
    Column("employees", "从业人员(人)", required=False),
)


def sheet(factors: FactorSettings) -> Sheet:
    """The sheet with one optional column per fuel the latest factor version configures."""
    latest = max(factors.versions, key=lambda v: v.effective_from)
    fuels = tuple(
        Column(f"fuel_{key}", f"{fuel.label}({fuel.quantity_unit})", required=False)
        for key, fuel in latest.fuels.items()
    )
    return Sheet("月度数据", BASE + fuels)


@dataclass(frozen=True)
class MonthsImported:
    months: int
    enterprises: int

    def __str__(self) -> str:
        return f"{self.months} 条月度数据, {self.enterprises} 家企业"


def _number(row: Row, key: str, errors: list[CellError], *, optional: bool = False) -> float | None:
    text = row.values.get(key, "").strip()
    if not text:
        if not optional:
            errors.append(row.error(key, "不能为空；缺报的月份请整行不填 (required; leave a missing month out)"))
        return None
    try:
        value = float(text)
    except ValueError:
        errors.append(row.error(key, f"应为数字 (not a number: {text!r})"))
        return None
    if not 0 <= value < 1e13:
        errors.append(row.error(key, "应为非负数 (must not be negative)"))
        return None
    return value


def _month(row: Row, errors: list[CellError]) -> date | None:
    text = row.values.get("month", "").strip()
    found = MONTH.match(text)
    if found is None or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        errors.append(row.error("month", f"月份应为YYYY-MM (month must be YYYY-MM: {text!r})"))
        return None
    return date(int(found.group(1)), int(found.group(2)), 1)


class MonthTransfer:
    def __init__(self, session: Session, factors: FactorSettings) -> None:
        self.session = session
        self.factors = factors
        self.sheet = sheet(factors)

    def import_file(self, principal: Principal | None, data: bytes, filename: str) -> MonthsImported:
        if filename.lower().endswith(".csv"):
            rows, errors = read_csv(data, self.sheet)
        else:
            sheets, errors = read_xlsx(data, [self.sheet])
            rows = sheets.get(self.sheet.name, [])
        codes = {r.values.get("credit_code", "").strip().upper() for r in rows}
        known = {
            e.credit_code: e
            for e in self.session.scalars(select(Enterprise).where(Enterprise.credit_code.in_(codes - {""})))
        }
        seen: set[tuple[int, date]] = set()
        parsed: list[tuple[EnergyMonth, dict[str, float]]] = []
        for row in rows:
            code = row.values.get("credit_code", "").strip().upper()
            enterprise = known.get(code)
            if enterprise is None or (principal is not None and not principal.covers(enterprise.path)):
                errors.append(
                    row.error("credit_code", f"企业未登记或不在您的辖区内 (no enterprise {code!r} in your area)")
                )
            month = _month(row, errors)
            unit = STEAM_UNITS.get(row.values.get("steam_unit", "").strip())
            if unit is None:
                errors.append(row.error("steam_unit", "蒸汽单位应为t或GJ (steam unit must be t or GJ)"))
            values = {
                key: _number(row, key, errors) for key in ("electricity_kwh", "gas_m3", "steam", "output_value", "tax")
            }
            pv = _number(row, "pv_kwh", errors, optional=True)
            employees = _number(row, "employees", errors, optional=True)
            fuels: dict[str, float] = {}
            for column in self.sheet.columns[len(BASE) :]:
                quantity = _number(row, column.key, errors, optional=True)
                if quantity is not None:
                    fuels[column.key.removeprefix("fuel_")] = quantity
            if enterprise is None or month is None or unit is None or None in values.values():
                continue
            if (enterprise.id, month) in seen:
                errors.append(row.error("month", f"同一企业同一月份重复 (duplicate month {month:%Y-%m} of {code})"))
                continue
            seen.add((enterprise.id, month))
            steam = float(values["steam"] or 0)
            per_t = self.factors.effective(month).steam_gj_per_t.value
            parsed.append(
                (
                    EnergyMonth(
                        enterprise_id=enterprise.id,
                        month=month,
                        electricity_kwh=values["electricity_kwh"],
                        gas_m3=values["gas_m3"],
                        steam_gj=steam * per_t if unit == "t" else steam,
                        steam_t=steam if unit == "t" else None,
                        pv_kwh=pv,
                        output_value=values["output_value"],
                        tax=values["tax"],
                        employees=None if employees is None else int(employees),
                        source="import",
                    ),
                    fuels,
                )
            )
        if errors:
            raise ImportFailed(errors)
        return self._write(parsed)

    def _write(self, parsed: list[tuple[EnergyMonth, dict[str, float]]]) -> MonthsImported:
        keys = {(m.enterprise_id, m.month) for m, _ in parsed}
        ids = {e for e, _ in keys}
        existing = {
            (m.enterprise_id, m.month): m
            for m in self.session.scalars(select(EnergyMonth).where(EnergyMonth.enterprise_id.in_(ids)))
        }
        for old in self.session.scalars(select(FuelMonth).where(FuelMonth.enterprise_id.in_(ids))):
            if (old.enterprise_id, old.month) in keys:
                self.session.delete(old)
        self.session.flush()
        for month, fuels in parsed:
            found = existing.get((month.enterprise_id, month.month))
            if found is None:
                self.session.add(month)
            else:
                for key in ("electricity_kwh", "gas_m3", "steam_gj", "steam_t", "pv_kwh", "output_value", "tax"):
                    setattr(found, key, getattr(month, key))
                found.employees, found.source = month.employees, month.source
            for fuel, quantity in fuels.items():
                self.session.add(
                    FuelMonth(enterprise_id=month.enterprise_id, month=month.month, fuel=fuel, quantity=quantity)
                )
        self.session.flush()
        return MonthsImported(len(parsed), len(ids))

    def export_rows(self, scope: Sequence[str] | None, start: date, end: date) -> tuple[list[str], list[list[Cell]]]:
        """The months of ``[start, end)`` of the enterprises in ``scope``, in the import's layout (edit and
        re-import them)."""
        statement = (
            select(EnergyMonth, Enterprise.credit_code)
            .join(Enterprise, Enterprise.id == EnergyMonth.enterprise_id)
            .where(EnergyMonth.month >= start, EnergyMonth.month < end)
            .order_by(Enterprise.credit_code, EnergyMonth.month)
        )
        fuels_statement = select(FuelMonth).where(FuelMonth.month >= start, FuelMonth.month < end)
        if scope is not None:
            statement = statement.where(under(scope, Enterprise.path))
        fuels: dict[tuple[int, date], dict[str, float]] = {}
        for fuel in self.session.scalars(fuels_statement):
            fuels.setdefault((fuel.enterprise_id, fuel.month), {})[fuel.fuel] = fuel.quantity
        keys = [c.key.removeprefix("fuel_") for c in self.sheet.columns[len(BASE) :]]
        rows: list[list[Cell]] = []
        for month, code in self.session.execute(statement):
            extra = fuels.get((month.enterprise_id, month.month), {})
            in_tonnes = month.steam_t is not None
            rows.append(
                [code, f"{month.month:%Y-%m}", month.electricity_kwh, month.gas_m3,
                 month.steam_t if in_tonnes else month.steam_gj, "t" if in_tonnes else "GJ", month.pv_kwh,
                 month.output_value, month.tax, month.employees, *[extra.get(k) for k in keys]]
            )  # fmt: skip
        return [c.header for c in self.sheet.columns], rows
