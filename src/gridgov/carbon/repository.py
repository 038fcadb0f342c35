"""Queries of the carbon module (all of them): the compared enterprises, their months summed per enterprise
over a date range, their other fuels, one enterprise's months."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridgov.carbon.models import EnergyMonth, FuelMonth
from gridgov.org.repository import under
from gridgov.registry.models import Enterprise


@dataclass(frozen=True)
class Sums:
    """One enterprise's months in a range, summed (SQL ``SUM``; employees averaged over the months reported)."""

    enterprise_id: int
    electricity_kwh: float
    gas_m3: float
    steam_gj: float
    pv_kwh: float
    output_value: float
    tax: float
    employees: float | None
    months: int


class CarbonRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enterprises(self, scope: Sequence[str] | None, prefixes: Sequence[str]) -> list[Enterprise]:
        """Active enterprises in ``scope`` (None: everywhere) of the industries starting with ``prefixes``."""
        statement = select(Enterprise).where(Enterprise.active.is_(True)).order_by(Enterprise.id)
        if scope is not None:
            statement = statement.where(under(scope, Enterprise.path))
        industries = [Enterprise.industry_code.startswith(p, autoescape=True) for p in prefixes]
        statement = statement.where(or_(*industries))
        return list(self.session.scalars(statement))

    def sums(self, start: date, end: date, scope: Sequence[str] | None) -> list[Sums]:
        """Per enterprise in ``scope``: its months of ``[start, end)`` summed."""
        m = EnergyMonth
        statement = (
            select(
                m.enterprise_id,
                func.sum(m.electricity_kwh),
                func.sum(m.gas_m3),
                func.sum(m.steam_gj),
                func.coalesce(func.sum(m.pv_kwh), 0.0),
                func.sum(m.output_value),
                func.sum(m.tax),
                func.avg(m.employees),
                func.count(),
            )
            .where(m.month >= start, m.month < end)
            .group_by(m.enterprise_id)
        )
        if scope is not None:
            statement = statement.join(Enterprise, Enterprise.id == m.enterprise_id).where(
                under(scope, Enterprise.path)
            )
        return [
            Sums(
                enterprise_id=int(r[0]),
                electricity_kwh=float(r[1]),
                gas_m3=float(r[2]),
                steam_gj=float(r[3]),
                pv_kwh=float(r[4]),
                output_value=float(r[5]),
                tax=float(r[6]),
                employees=None if r[7] is None else float(r[7]),
                months=int(r[8]),
            )
            for r in self.session.execute(statement)
        ]

    def fuel_sums(self, start: date, end: date, scope: Sequence[str] | None) -> list[tuple[int, str, float]]:
        """(enterprise id, fuel, quantity) over ``[start, end)``."""
        f = FuelMonth
        statement = (
            select(f.enterprise_id, f.fuel, func.sum(f.quantity))
            .where(f.month >= start, f.month < end)
            .group_by(f.enterprise_id, f.fuel)
        )
        if scope is not None:
            statement = statement.join(Enterprise, Enterprise.id == f.enterprise_id).where(
                under(scope, Enterprise.path)
            )
        return [(int(e), str(k), float(q)) for e, k, q in self.session.execute(statement)]

    def months(self, enterprise_id: int, start: date, end: date) -> list[EnergyMonth]:
        return list(
            self.session.scalars(
                select(EnergyMonth)
                .where(EnergyMonth.enterprise_id == enterprise_id, EnergyMonth.month >= start, EnergyMonth.month < end)
                .order_by(EnergyMonth.month)
            )
        )

    def fuels(self, enterprise_id: int, start: date, end: date) -> list[FuelMonth]:
        return list(
            self.session.scalars(
                select(FuelMonth)
                .where(FuelMonth.enterprise_id == enterprise_id, FuelMonth.month >= start, FuelMonth.month < end)
                .order_by(FuelMonth.month, FuelMonth.fuel)
            )
        )

    def years(self) -> list[int]:
        """Years with any data, newest first."""
        found = self.session.scalars(select(EnergyMonth.month).distinct())
        return sorted({d.year for d in found}, reverse=True)

    def electricity(self, start: date, end: date, ids: Sequence[int]) -> dict[int, dict[date, float]]:
        """Enterprise id → month → electricity (kWh) of the months reported in ``[start, end)``."""
        found: dict[int, dict[date, float]] = {i: {} for i in ids}
        m = EnergyMonth
        for chunk in range(0, len(ids), 500):
            rows = self.session.execute(
                select(m.enterprise_id, m.month, m.electricity_kwh).where(
                    m.enterprise_id.in_(ids[chunk : chunk + 500]), m.month >= start, m.month < end
                )
            )
            for enterprise_id, month, kwh in rows:
                found[enterprise_id][month] = kwh
        return found
