"""Tables of the park carbon steward (园区碳管家): an enterprise's energy use and economics per month.

Enterprises are the core registry's (``enterprise.id``); nothing about them is copied here. A month with no row
is missing (缺报), never zero; a row's optional quantities (PV, employees) are NULL when not reported."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin


class EnergyMonth(TimestampMixin, Base):
    """One enterprise's month (月度能耗与经济数据): energy bought or generated, output value, tax, employees."""

    __tablename__ = "carbon_month"
    __table_args__ = (UniqueConstraint("enterprise_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date, index=True)
    """First day of the month."""
    electricity_kwh: Mapped[float] = mapped_column(Float)
    """Purchased grid electricity (网购电量, kWh), the power company's export or the meters' sum."""
    gas_m3: Mapped[float] = mapped_column(Float)
    """Natural gas (天然气, Nm³)."""
    steam_gj: Mapped[float] = mapped_column(Float)
    """Purchased steam/heat (外购蒸汽, GJ); steam metered in tonnes is converted on import with the factor
    version's GJ per tonne and kept in ``steam_t`` too."""
    steam_t: Mapped[float | None] = mapped_column(Float)
    pv_kwh: Mapped[float | None] = mapped_column(Float)
    """Own rooftop PV generation (光伏发电量, kWh); NULL: no PV or not reported."""
    output_value: Mapped[float] = mapped_column(Float)
    """Industrial output value (工业总产值, 万元)."""
    tax: Mapped[float] = mapped_column(Float)
    """Tax paid (实缴税金, 万元)."""
    employees: Mapped[int | None] = mapped_column(Integer)
    """Employees at month end (从业人员); NULL: the registry's figure."""
    source: Mapped[str] = mapped_column(String(20), default="import")
    """import 导入 / meter 计量 / demo 模拟."""


class FuelMonth(TimestampMixin, Base):
    """Another fuel of an enterprise's month (其他燃料), one of those the factor document configures."""

    __tablename__ = "carbon_fuel"
    __table_args__ = (UniqueConstraint("enterprise_id", "month", "fuel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date)
    fuel: Mapped[str] = mapped_column(String(32))
    """A key of the factor version's ``fuels`` (``diesel``, ``coal``…)."""
    quantity: Mapped[float] = mapped_column(Float)
    """In the fuel's configured unit (t, kg, m³…)."""
