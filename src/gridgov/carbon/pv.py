"""Rooftop PV advice (屋顶光伏建议) with ``pvlib``: the specific yield (kWh per kWp each month) at a site from a
typical-year monthly climatology (``data/climate_fuyang.csv``, source cited there; a county may load its own),
then per enterprise the capacity its usable roof allows, the yield, the part it would use itself against its
monthly load, the CO2 avoided at the grid factor in force and the simple payback.

The typical year is hourly: clear-sky irradiance (Haurwitz) scaled so each month's total matches the
climatology, split into direct and diffuse (Erbs), transposed to the module plane (isotropic sky), module
temperature (Faiman) and PVWatts DC power, less the configured system losses."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pvlib  # type: ignore[import-untyped]

from gridgov.carbon.documents import PvSettings

DAYTIME_SHARE = 0.45
"""Share of a month's electricity an enterprise uses while the sun is up (process plants run around the clock):
PV generation beyond it is fed into the grid."""


@dataclass(frozen=True)
class Climate:
    ghi_kwh_m2_day: tuple[float, ...]
    temp_c: tuple[float, ...]


def load_climate(text: str | None = None) -> Climate:
    """The bundled climatology, or ``text`` in the same CSV layout (``#`` lines are comments)."""
    if text is None:
        text = resources.files("gridgov.carbon").joinpath("data/climate_fuyang.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    if len(rows) != 12:
        raise ValueError("climatology needs 12 months")
    return Climate(tuple(float(r["ghi_kwh_m2_day"]) for r in rows), tuple(float(r["temp_c"]) for r in rows))


@lru_cache(maxsize=32)
def specific_yield(
    lat: float, lon: float, tilt: float, azimuth: float, losses: float, climate: Climate
) -> tuple[float, ...]:
    """AC kWh per kWp in each month of the typical year."""
    times = pd.date_range("2021-01-01", "2022-01-01", freq="1h", tz="Asia/Shanghai", inclusive="left")
    location = pvlib.location.Location(lat, lon, tz="Asia/Shanghai")
    sun = location.get_solarposition(times)
    clear = pvlib.clearsky.haurwitz(sun["apparent_zenith"])["ghi"]
    months = times.month.to_numpy()
    days = np.array([pd.Period(f"2021-{m:02d}").days_in_month for m in range(1, 13)])
    target = np.array(climate.ghi_kwh_m2_day) * days * 1000  # Wh/m² per month
    sums = np.array([clear[months == m].sum() for m in range(1, 13)])
    ghi = clear.to_numpy() * (target / np.where(sums > 0, sums, 1))[months - 1]
    ghi = pd.Series(np.clip(ghi, 0, 1300), index=times)
    split = pvlib.irradiance.erbs(ghi, sun["apparent_zenith"], times.day_of_year.to_numpy())
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, sun["apparent_zenith"], sun["azimuth"], split["dni"], ghi, split["dhi"], albedo=0.2
    )["poa_global"].fillna(0)
    air = pd.Series(np.array(climate.temp_c)[months - 1], index=times)
    cell = pvlib.temperature.faiman(poa, air, wind_speed=1.5)
    dc = pvlib.pvsystem.pvwatts_dc(poa, cell, pdc0=1000.0, gamma_pdc=-0.0037)
    ac = np.clip(dc.to_numpy(), 0, None) * (1 - losses) / 1000  # kWh per kWp per hour
    return tuple(float(ac[months == m].sum()) for m in range(1, 13))


@dataclass(frozen=True)
class Advice:
    capacity_kwp: float
    yield_kwh: float
    self_kwh: float
    export_kwh: float
    avoided_t: float
    cost_yuan: float
    saving_yuan: float
    payback_years: float | None


def advise(
    roof_m2: float | None,
    load_kwh: Sequence[float | None],
    yields: Sequence[float],
    grid_t_per_kwh: float,
    settings: PvSettings,
) -> Advice | None:
    """The advice for one roof against twelve months of load (a missing month counts as no load, so the part
    used on site is not overstated); None when the usable roof is below the configured minimum."""
    if roof_m2 is None or roof_m2 < settings.min_roof_m2:
        return None
    capacity = roof_m2 * settings.density_w_per_m2 / 1000
    generated = np.array(yields) * capacity
    load = np.array([0.0 if v is None else v for v in load_kwh]) * DAYTIME_SHARE
    used = np.minimum(generated, load)
    total, own = float(generated.sum()), float(used.sum())
    saving = own * settings.tariff_yuan_per_kwh + (total - own) * settings.feed_in_yuan_per_kwh
    cost = capacity * 1000 * settings.cost_yuan_per_w
    return Advice(
        capacity_kwp=capacity,
        yield_kwh=total,
        self_kwh=own,
        export_kwh=total - own,
        avoided_t=total * grid_t_per_kwh,
        cost_yuan=cost,
        saving_yuan=saving,
        payback_years=cost / saving if saving > 0 else None,
    )
