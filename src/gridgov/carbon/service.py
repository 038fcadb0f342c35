"""Domain logic of the carbon module: a year (or month) of the compared enterprises computed from their monthly
rows with the factor versions in force (or one chosen explicitly), the index, the bands and the potential.
Nothing computed is stored: every figure is computed again from the rows when asked for, and carries the factor
versions it used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from gridgov.carbon import calc
from gridgov.carbon.assess import assess
from gridgov.carbon.documents import FACTORS, SCORING, FactorSettings, FactorVersion, ScoringSettings
from gridgov.carbon.models import EnergyMonth
from gridgov.carbon.pv import Advice, advise, load_climate, specific_yield
from gridgov.carbon.repository import CarbonRepository
from gridgov.configdata.service import load_document
from gridgov.errors import InvalidInput, NotFound
from gridgov.registry.models import Enterprise

NO_DATA = "no_data"
"""Reasons an enterprise is not ranked: fewer months than ``min_months``, an indicator that cannot be formed
(no land area, output, tax or employees on record), no capacity (no band)."""
FEW_MONTHS, INCOMPLETE = "few_months", "incomplete"


def month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


@dataclass(frozen=True)
class Segment:
    """Months ``[start, end)`` computed with one factor version."""

    start: date
    end: date
    version: FactorVersion


def segments(settings: FactorSettings, start: date, end: date, chosen: str | None) -> list[Segment]:
    """The months of ``[start, end)`` split by the factor version in force (one segment when ``chosen``)."""
    if chosen is not None:
        try:
            return [Segment(start, end, settings.version(chosen))]
        except KeyError:
            known = ", ".join(v.version for v in settings.versions)
            raise InvalidInput(
                f"没有此因子版本 (no factor version {chosen!r}; known: {known})", field="factors"
            ) from None
    found: list[Segment] = []
    cursor = start
    while cursor < end:
        version = settings.effective(cursor)
        following = month_start(cursor.year, cursor.month + 1)
        if found and found[-1].version.version == version.version:
            found[-1] = Segment(found[-1].start, following, version)
        else:
            found.append(Segment(cursor, following, version))
        cursor = following
    return found


@dataclass
class Row:
    """One enterprise over the period."""

    enterprise: Enterprise
    months: int
    band: str | None
    energy: dict[str, float]
    emissions: dict[str, float]
    output_value: float
    tax: float
    employees: float
    numerators: list[float]
    denominators: list[float]
    values: list[float | None]
    versions: list[str]
    score: float | None = None
    grade: str | None = None
    rank: int | None = None
    normalised: list[float] | None = None
    obstacles: list[float] | None = None
    reason: str | None = None
    """Why it is not ranked (``few_months``, ``incomplete``); None when ranked."""


@dataclass
class Band:
    key: str
    label: str
    members: list[int]
    """Enterprise ids, best index first."""
    model: int | None
    head: list[int]
    tail: list[int]
    benchmark_intensity: float | None
    means: list[float | None]
    """The band's mean of each indicator over its ranked members."""


@dataclass
class TailEntry:
    enterprise_id: int
    name: str
    band: str
    emissions: float
    output_value: float
    intensity: float
    benchmark_intensity: float
    at_benchmark: float
    contribution: float


@dataclass
class Result:
    period: str
    start: date
    end: date
    explicit_version: str | None
    versions: list[str]
    method: str
    weighting: str
    weights: list[float]
    industry: str
    rows: list[Row]
    bands: list[Band]
    tail: list[TailEntry]
    potential: float
    industry_total: float
    share: float | None = field(default=None)

    def row(self, enterprise_id: int) -> Row:
        for row in self.rows:
            if row.enterprise.id == enterprise_id:
                return row
        raise NotFound("企业不存在或不在您的辖区内 (enterprise not found in your area)")


class CarbonService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = CarbonRepository(session)

    def factors(self) -> FactorSettings:
        return load_document(self.session, FACTORS)

    def scoring(self) -> ScoringSettings:
        return load_document(self.session, SCORING)

    def year(self, year: int, scope: Sequence[str] | None, factors: str | None = None) -> Result:
        """The compared enterprises in ``scope`` over ``year``: indicators, index, bands, potential."""
        if not 2000 <= year <= 2100:
            raise InvalidInput("年份应在2000–2100之间 (year must be 2000–2100)", field="year")
        return self.compute(f"{year}", date(year, 1, 1), date(year + 1, 1, 1), scope, factors)

    def compute(self, period: str, start: date, end: date, scope: Sequence[str] | None, chosen: str | None) -> Result:
        settings = self.scoring()
        span = (end.year - start.year) * 12 + end.month - start.month
        enterprises = self.repo.enterprises(scope, settings.industry.prefixes)
        position = {e.id: i for i, e in enumerate(enterprises)}
        n = len(enterprises)
        quantities = {k: np.zeros(n) for k in ("electricity_kwh", "gas_m3", "steam_gj", "pv_kwh", "output", "tax")}
        parts = {k: np.zeros(n) for k in ("electricity", "gas", "steam", "fuels", "pv_avoided")}
        months, staff, staff_months = np.zeros(n), np.zeros(n), np.zeros(n)
        versions: list[list[str]] = [[] for _ in range(n)]
        chunks = segments(self.factors(), start, end, chosen)
        for segment in chunks:
            sums = [s for s in self.repo.sums(segment.start, segment.end, scope) if s.enterprise_id in position]
            rows = np.array([position[s.enterprise_id] for s in sums], dtype=np.int64)
            if not len(rows):
                continue
            columns = {
                "electricity_kwh": np.array([s.electricity_kwh for s in sums]),
                "gas_m3": np.array([s.gas_m3 for s in sums]),
                "steam_gj": np.array([s.steam_gj for s in sums]),
                "pv_kwh": np.array([s.pv_kwh for s in sums]),
                "output": np.array([s.output_value for s in sums]),
                "tax": np.array([s.tax for s in sums]),
            }
            fuels: dict[str, np.ndarray] = {}
            local = {int(r): i for i, r in enumerate(rows)}
            for enterprise_id, fuel, quantity in self.repo.fuel_sums(segment.start, segment.end, scope):
                if enterprise_id in position and position[enterprise_id] in local:
                    fuels.setdefault(fuel, np.zeros(len(rows)))[local[position[enterprise_id]]] += quantity
            computed = calc.emissions(
                calc.Energy(
                    columns["electricity_kwh"], columns["gas_m3"], columns["steam_gj"], columns["pv_kwh"], fuels
                ),
                segment.version.factors(),
            )
            for key, column in columns.items():
                quantities[key][rows] += column
            for key in ("electricity", "gas", "steam", "fuels", "pv_avoided"):
                parts[key][rows] += getattr(computed, key)
            counts = np.array([s.months for s in sums], dtype=np.float64)
            months[rows] += counts
            reported = np.array([s.employees if s.employees is not None else np.nan for s in sums])
            has = ~np.isnan(reported)
            staff[rows[has]] += reported[has] * counts[has]
            staff_months[rows[has]] += counts[has]
            for r in rows:
                versions[int(r)].append(segment.version.version)
        registry_staff = np.array([float(e.employees or 0) for e in enterprises])
        with np.errstate(divide="ignore", invalid="ignore"):
            employees = np.where(staff_months > 0, staff / staff_months, registry_staff)
        total = parts["electricity"] + parts["gas"] + parts["steam"] + parts["fuels"]
        activity = calc.Activity(
            land_mu=np.array([(e.land_area_m2 or 0.0) / calc.M2_PER_MU for e in enterprises]),
            output_value=quantities["output"],
            tax=quantities["tax"],
            employees=employees,
            months=months,
        )
        bands = [settings.band(e.capacity_kva) for e in enterprises]
        needed = min(settings.min_months, span)
        found = assess(total, parts["pv_avoided"], activity, [b.key if b else None for b in bands], settings, needed)
        values = found.indicators.values
        result_rows: list[Row] = []
        for i, enterprise in enumerate(enterprises):
            band = bands[i]
            result_rows.append(
                Row(
                    enterprise=enterprise,
                    months=int(months[i]),
                    band=band.key if band else None,
                    energy={
                        "electricity_kwh": float(quantities["electricity_kwh"][i]),
                        "gas_m3": float(quantities["gas_m3"][i]),
                        "steam_gj": float(quantities["steam_gj"][i]),
                        "pv_kwh": float(quantities["pv_kwh"][i]),
                    },
                    emissions={k: float(v[i]) for k, v in parts.items()} | {"total": float(total[i])},
                    output_value=float(quantities["output"][i]),
                    tax=float(quantities["tax"][i]),
                    employees=float(employees[i]),
                    numerators=[float(v) for v in found.indicators.numerators[i]],
                    denominators=[float(v) for v in found.indicators.denominators[i]],
                    values=[None if np.isnan(v) else float(v) for v in values[i]],
                    versions=versions[i],
                    reason=FEW_MONTHS if months[i] < needed else INCOMPLETE,
                )
            )
        composite = found.index
        order = sorted(range(len(found.ranked)), key=lambda k: (-float(composite.scores[k]), int(found.ranked[k])))
        for rank, k in enumerate(order, start=1):
            row = result_rows[int(found.ranked[k])]
            row.score = float(composite.scores[k])
            row.grade = settings.grade(row.score)
            row.rank = rank
            row.reason = None
            row.normalised = [float(v) for v in composite.normalised[k]]
            row.obstacles = [float(v) for v in composite.obstacles[k]]
        sub, groups = found.in_band, found.groups
        band_rows: list[Band] = []
        for band in settings.bands:
            group = groups.get(band.key)
            members = [int(sub[k]) for k in group.members] if group else []
            band_rows.append(
                Band(
                    key=band.key,
                    label=band.label,
                    members=[enterprises[r].id for r in members],
                    model=enterprises[members[0]].id if members else None,
                    head=[enterprises[int(sub[k])].id for k in group.head] if group else [],
                    tail=[enterprises[int(sub[k])].id for k in group.tail] if group else [],
                    benchmark_intensity=group.benchmark_intensity if group else None,
                    means=[
                        float(np.mean(values[members, j])) if members else None for j in range(len(calc.INDICATORS))
                    ],
                )
            )
        tail: list[TailEntry] = []
        for k, contribution in sorted(found.contributions.items(), key=lambda item: -item[1]):
            r = int(sub[k])
            band_key = bands[r].key  # type: ignore[union-attr]
            intensity = groups[band_key].benchmark_intensity or 0.0
            output = float(quantities["output"][r])
            tail.append(
                TailEntry(
                    enterprise_id=enterprises[r].id,
                    name=enterprises[r].name,
                    band=band_key,
                    emissions=float(total[r]),
                    output_value=output,
                    intensity=float(total[r]) / output if output > 0 else 0.0,
                    benchmark_intensity=intensity,
                    at_benchmark=intensity * output,
                    contribution=contribution,
                )
            )
        potential, industry_total = found.potential, found.total
        result_rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.enterprise.id))
        return Result(
            period=period,
            start=start,
            end=end,
            explicit_version=chosen,
            versions=list(dict.fromkeys(s.version.version for s in chunks)),
            method=settings.method,
            weighting=settings.weighting,
            weights=[float(w) for w in composite.weights],
            industry=settings.industry.label,
            rows=result_rows,
            bands=band_rows,
            tail=tail,
            potential=potential,
            industry_total=industry_total,
            share=found.share,
        )


@dataclass
class MonthRow:
    """One month of an enterprise; ``row`` None when it was not reported (缺报)."""

    month: date
    row: EnergyMonth | None
    version: str
    emissions: float | None
    pv_avoided: float | None


@dataclass
class IndustryTotal:
    industry_code: str
    enterprises: int
    emissions: float
    output_value: float


def industries(result: Result) -> list[IndustryTotal]:
    """The compared enterprises by GB/T 4754 class (行业对标), largest emitter first."""
    found: dict[str, IndustryTotal] = {}
    for row in result.rows:
        code = row.enterprise.industry_code
        entry = found.setdefault(code, IndustryTotal(code, 0, 0.0, 0.0))
        entry.enterprises += 1
        entry.emissions += row.emissions["total"]
        entry.output_value += row.output_value
    return sorted(found.values(), key=lambda i: -i.emissions)


def monthly(service: CarbonService, enterprise_id: int, start: date, end: date, chosen: str | None) -> list[MonthRow]:
    """The enterprise's months of ``[start, end)`` each with its own factor version (or ``chosen``)."""
    settings = service.factors()
    rows = {m.month: m for m in service.repo.months(enterprise_id, start, end)}
    fuels: dict[date, dict[str, float]] = {}
    for fuel in service.repo.fuels(enterprise_id, start, end):
        fuels.setdefault(fuel.month, {})[fuel.fuel] = fuel.quantity
    found: list[MonthRow] = []
    for segment in segments(settings, start, end, chosen):
        factors = segment.version.factors()
        cursor = segment.start
        while cursor < segment.end:
            row = rows.get(cursor)
            if row is None:
                found.append(MonthRow(cursor, None, factors.version, None, None))
            else:
                one = calc.emissions(
                    calc.Energy(
                        np.array([row.electricity_kwh]),
                        np.array([row.gas_m3]),
                        np.array([row.steam_gj]),
                        np.array([row.pv_kwh or 0.0]),
                        {k: np.array([q]) for k, q in fuels.get(cursor, {}).items()},
                    ),
                    factors,
                )
                found.append(MonthRow(cursor, row, factors.version, float(one.total[0]), float(one.pv_avoided[0])))
            cursor = month_start(cursor.year, cursor.month + 1)
    return found


COUNTY_SITE = (30.05, 119.96)
"""富阳 (the demo county's seat): where an enterprise without coordinates is assumed to be."""


@dataclass
class PvRow:
    enterprise: Enterprise
    advice: Advice


@dataclass
class PvList:
    version: str
    rows: list[PvRow]


def pv_advice(service: CarbonService, result: Result, today: date) -> PvList:
    """Rooftop PV advice for the compared enterprises of ``result``, largest CO2 avoided first, at the grid
    factor in force ``today`` and each enterprise's monthly load of the result's period."""
    settings = service.scoring().pv
    version = service.factors().effective(today)
    climate = load_climate()
    enterprises = [r.enterprise for r in result.rows]
    loads = service.repo.electricity(result.start, result.end, [e.id for e in enterprises])
    found: list[PvRow] = []
    for enterprise in enterprises:
        lat, lon = (enterprise.lat, enterprise.lon) if enterprise.lat and enterprise.lon else COUNTY_SITE
        yields = specific_yield(round(lat, 1), round(lon, 1), settings.tilt, settings.azimuth, settings.losses, climate)
        months = [loads[enterprise.id].get(month_start(result.start.year, result.start.month + k)) for k in range(12)]
        advice = advise(enterprise.roof_area_m2, months, yields, version.factors().electricity_t_per_kwh, settings)
        if advice is not None:
            found.append(PvRow(enterprise, advice))
    found.sort(key=lambda r: (-r.advice.avoided_t, r.enterprise.id))
    return PvList(version.version, found)
