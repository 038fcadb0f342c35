"""Rooftop PV advice: the typical-year yield is plausible for the county, the advice follows the roof, the load
and the prices, and the API ranks it by CO2 avoided."""

from __future__ import annotations

import pytest

from gridgov.carbon.documents import PvSettings
from gridgov.carbon.pv import advise, load_climate, specific_yield
from tests.carbon.conftest import YEAR, Park


def test_specific_yield_is_plausible_for_fuyang() -> None:
    yields = specific_yield(30.0, 120.0, 20, 180, 0.14, load_climate())
    assert 900 < sum(yields) < 1150  # kWh/kWp/yr, Zhejiang rooftops ~1000–1100 before losses
    assert max(yields) == yields[6] and min(yields) in (yields[0], yields[1], yields[11])


def test_advice_by_hand() -> None:
    settings = PvSettings(density_w_per_m2=100, cost_yuan_per_w=3.0, tariff_yuan_per_kwh=0.8, feed_in_yuan_per_kwh=0.4,
                          min_roof_m2=500)  # fmt: skip
    yields = [100.0] * 12
    loads: list[float | None] = [10_000.0] * 11 + [None]
    advice = advise(1_000, loads, yields, 0.00055, settings)
    assert advice is not None and advice.capacity_kwp == 100 and advice.yield_kwh == 120_000
    assert advice.self_kwh == pytest.approx(11 * 4_500) and advice.export_kwh == pytest.approx(120_000 - 49_500)
    assert advice.avoided_t == pytest.approx(66.0)
    saving = 49_500 * 0.8 + 70_500 * 0.4
    assert advice.payback_years == pytest.approx(300_000 / saving)
    assert advise(499, loads, yields, 0.00055, settings) is None


def test_api_ranks_by_avoided(park: Park) -> None:
    body = park.client.get("/api/v1/carbon/pv", params={"year": YEAR}, headers=park.fuchun).json()
    avoided = [r["avoided_t"] for r in body["rows"]]
    assert avoided and avoided == sorted(avoided, reverse=True) and body["factor_version"] == "2023"
    assert all(r["roof_area_m2"] >= 500 and r["payback_years"] > 0 for r in body["rows"])
