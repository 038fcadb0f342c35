"""The demo park reproduces the seed's figures through the API users call: 42,500 t (±1 %) and 4.66 %
(±0.05 percentage points) of the chemical industry's emissions, with the tail list summing to the total."""

from __future__ import annotations

import math

from tests.carbon.conftest import YEAR, Park


def test_potential_matches_the_seed(park: Park) -> None:
    response = park.client.get("/api/v1/carbon/potential", params={"year": YEAR}, headers=park.fuchun)
    assert response.status_code == 200, response.text
    body = response.json()
    assert abs(body["potential_t"] - 42_500) <= 425, body["potential_t"]
    assert abs(100 * body["share"] - 4.66) <= 0.05, body["share"]
    assert body["tail"] and math.isclose(sum(t["contribution_t"] for t in body["tail"]), body["potential_t"])
    for entry in body["tail"]:
        assert math.isclose(entry["at_benchmark_t"], entry["benchmark_intensity"] * entry["output_value"])
        assert math.isclose(entry["contribution_t"], max(0.0, entry["emissions_t"] - entry["at_benchmark_t"]))
    assert body["basis"]["versions"] == ["2023"]


def test_summary_is_what_the_api_says(park: Park) -> None:
    assert park.summary.enterprises == 106 and park.summary.months == 106 * 12
    assert abs(park.summary.potential_t - 42_500) <= 425
