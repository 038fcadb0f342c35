"""Coverage through HTTP on a small network with known answers: a gauge G1 commissioned on 2024-01-10 with
zones 150 m, 1.5 km and 5 km north of it, and a gauge G2 commissioned on 2024-06-01 (Beijing time) 100 m from
the far zone. Before G2: 1 zone within 200 m, 2 within 2 km; after it: 2 and 3."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, user
from tests.warning.factories import create_gauge, create_zone

LON, LAT = 119.95, 30.02
M_PER_DEG_LAT = 6_371_008.8 * 3.141592653589793 / 180
BEFORE, ON, AFTER = "2024-03-01", "2024-06-01", "2024-07-01"


def north(metres: float) -> float:
    return LAT + metres / M_PER_DEG_LAT


@dataclass(frozen=True)
class Network:
    headers: dict[str, str]
    """A 富春街道 township operator."""
    wanshi: dict[str, str]
    """A 万市镇 township operator."""
    near: str
    mid: str
    far: str


@pytest.fixture
def network(session: Session) -> Network:
    county = build_county(session)
    g1 = create_gauge(session, "G1", LON, LAT)
    g2 = create_gauge(session, "G2", LON + 100 / (M_PER_DEG_LAT * 0.8655), north(5000))
    g1.created_at = datetime(2024, 1, 10, 2, 0, tzinfo=UTC)
    g2.created_at = datetime(2024, 5, 31, 20, 0, tzinfo=UTC)  # 2024-06-01 04:00 in Beijing: commissioned on 1 June
    g1.path = g2.path = f"{COUNTY}/{FUCHUN}/{FUCHUN}001/"
    near = create_zone(session, code="FX-NEAR", lon=LON, lat=north(150), point=True)
    mid = create_zone(session, code="FX-MID", lon=LON, lat=north(1500), point=True)
    far = create_zone(session, code="FX-FAR", lon=LON, lat=north(5000), point=True)
    other = create_zone(session, code="FX-WANSHI", lon=120.05, lat=30.02, point=True)
    other.township_code, other.village_code, other.path = WANSHI, f"{WANSHI}001", f"{COUNTY}/{WANSHI}/{WANSHI}001/"
    session.flush()
    headers = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    wanshi = user(session, county, "wanshi", Role.township_operator, WANSHI)
    session.commit()
    return Network(headers, wanshi, near.code, mid.code, far.code)


def get(client: TestClient, network: Network, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers=network.headers)
    assert response.status_code == 200, response.text
    return response.json()


class TestCoverageFigures:
    def test_before_the_new_gauge(self, client: TestClient, network: Network) -> None:
        body = get(client, network, "/api/v1/warnings/coverage", as_of=BEFORE)
        assert body["as_of"] == BEFORE and body["gauges"] == 1
        assert (body["zones"], body["within_200m"], body["within_2km"], body["beyond_2km_count"]) == (3, 1, 2, 1)
        assert body["beyond_200m"] == [network.far, network.mid] and body["beyond_2km"] == [network.far]

    def test_the_day_before_its_commissioning_is_still_before(self, client: TestClient, network: Network) -> None:
        body = get(client, network, "/api/v1/warnings/coverage", as_of="2024-05-31")
        assert (body["gauges"], body["within_200m"], body["within_2km"]) == (1, 1, 2)

    @pytest.mark.parametrize("as_of", [ON, AFTER, None])
    def test_from_its_commissioning_day_on(self, client: TestClient, network: Network, as_of: str | None) -> None:
        body = get(client, network, "/api/v1/warnings/coverage", **({"as_of": as_of} if as_of else {}))
        assert (body["gauges"], body["zones"], body["within_200m"], body["within_2km"]) == (2, 3, 2, 3)
        assert body["beyond_200m"] == [network.mid] and body["beyond_2km"] == []

    def test_steps_are_the_commissioning_days_in_local_time(self, client: TestClient, network: Network) -> None:
        body = get(client, network, "/api/v1/warnings/coverage")
        assert body["steps"] == [
            {"day": "2024-01-10", "added": 1, "gauges": 1},
            {"day": "2024-06-01", "added": 1, "gauges": 2},
        ]

    def test_a_bad_date_is_refused(self, client: TestClient, network: Network) -> None:
        response = client.get("/api/v1/warnings/coverage", params={"as_of": "June"}, headers=network.headers)
        assert response.status_code == 422


class TestZoneRows:
    def test_zones_beyond_200_m_farthest_first_with_distances(self, client: TestClient, network: Network) -> None:
        page = get(client, network, "/api/v1/warnings/coverage/zones", as_of=BEFORE, beyond_m=200)
        assert page["total"] == 2
        far, mid = page["items"]
        assert (far["code"], far["band"], mid["code"], mid["band"]) == (network.far, "beyond", network.mid, "far")
        assert abs(far["distance_m"] - 5000) < 5 and abs(mid["distance_m"] - 1500) < 2
        assert [g["code"] for g in far["gauges"]] == ["G1"]
        assert far["township_code"] == FUCHUN and far["township_name"] == "富春街道"

    def test_one_zone_with_its_nearest_gauges(self, client: TestClient, network: Network) -> None:
        page = get(client, network, "/api/v1/warnings/coverage/zones", code=network.near)
        (zone,) = page["items"]
        assert zone["band"] == "near" and abs(zone["distance_m"] - 150) < 1
        assert [g["code"] for g in zone["gauges"]] == ["G1", "G2"]
        assert abs(zone["gauges"][1]["distance_m"] - 4851) < 10  # √(4850² + 100²)

    def test_the_far_zone_is_covered_after(self, client: TestClient, network: Network) -> None:
        (zone,) = get(client, network, "/api/v1/warnings/coverage/zones", code=network.far)["items"]
        assert zone["band"] == "near" and zone["gauges"][0]["code"] == "G2" and abs(zone["distance_m"] - 100) < 1

    def test_sorted_and_paged(self, client: TestClient, network: Network) -> None:
        page = get(client, network, "/api/v1/warnings/coverage/zones", as_of=BEFORE, sort="distance", limit=1, offset=1)
        assert page["total"] == 3 and [z["code"] for z in page["items"]] == [network.mid]
        codes = get(client, network, "/api/v1/warnings/coverage/zones", sort="code")["items"]
        assert [z["code"] for z in codes] == sorted([network.near, network.mid, network.far])

    def test_no_gauge_at_all_by_then(self, client: TestClient, network: Network) -> None:
        page = get(client, network, "/api/v1/warnings/coverage/zones", as_of="2023-12-31")
        assert page["total"] == 3 and {(z["band"], z["distance_m"]) for z in page["items"]} == {("beyond", None)}
        body = get(client, network, "/api/v1/warnings/coverage", as_of="2023-12-31")
        assert (body["gauges"], body["within_2km"], body["beyond_2km_count"]) == (0, 0, 3)


class TestMapLayer:
    def test_gauges_and_zones_as_of_a_date(self, client: TestClient, network: Network) -> None:
        body = get(client, network, "/api/v1/warnings/coverage/map", as_of=BEFORE)
        assert [(g["code"], g["commissioned"]) for g in body["gauges"]] == [("G1", "2024-01-10")]
        bands = {z["code"]: z["band"] for z in body["zones"]}
        assert bands == {network.near: "near", network.mid: "far", network.far: "beyond"}
        after = get(client, network, "/api/v1/warnings/coverage/map")
        assert [g["code"] for g in after["gauges"]] == ["G1", "G2"]


class TestScope:
    def test_a_township_sees_only_its_zones(self, client: TestClient, network: Network) -> None:
        body = client.get("/api/v1/warnings/coverage", headers=network.wanshi).json()
        assert (body["zones"], body["within_200m"]) == (1, 0) and body["beyond_2km"] == ["FX-WANSHI"]
        rows = client.get("/api/v1/warnings/coverage/zones", headers=network.wanshi).json()
        assert [z["code"] for z in rows["items"]] == ["FX-WANSHI"]
        layer = client.get("/api/v1/warnings/coverage/map", headers=network.wanshi).json()
        assert [z["code"] for z in layer["zones"]] == ["FX-WANSHI"]
        assert {g["code"] for g in layer["gauges"]} <= {"G1", "G2"}  # the nearest gauge, wherever it stands


class TestPage:
    def test_figures_switch_and_table(self, client: TestClient, network: Network) -> None:
        response = client.get("/warnings/coverage", params={"as_of": BEFORE}, headers=network.headers)
        assert response.status_code == 200, response.text
        html = response.text
        assert 'data-testid="figure-near">1<' in html and 'data-testid="figure-far">2<' in html
        assert 'data-testid="figure-beyond">1<' in html
        assert 'data-day="2024-01-10"' in html and 'data-day="2024-06-01"' in html
        assert html.index(f'data-zone="{network.far}"') < html.index(f'data-zone="{network.mid}"')
        assert f'data-zone="{network.near}"' not in html.split('data-testid="beyond-zones"')[1]

    def test_board_links_to_it(self, client: TestClient, network: Network) -> None:
        html = client.get("/warnings", headers=network.headers).text
        assert 'href="/warnings/coverage"' in html

    def test_xlsx_export_of_every_zone(self, client: TestClient, network: Network) -> None:
        response = client.get("/warnings/coverage", params={"as_of": BEFORE, "format": "xlsx"}, headers=network.headers)
        assert response.status_code == 200 and "coverage-2024-03-01.xlsx" in response.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("防范区编号", "防范区名称", "乡镇(街道)")
        by_code = {r[0]: r for r in rows[1:]}
        assert set(by_code) == {network.near, network.mid, network.far}
        far = by_code[network.far]
        assert far[6] == "2公里外" and far[7] == "G1" and isinstance(far[8], int | float) and abs(far[8] - 5000) < 5

    def test_csv_export(self, client: TestClient, network: Network) -> None:
        response = client.get("/warnings/coverage", params={"format": "csv"}, headers=network.headers)
        assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 4 and {r[6] for r in rows[1:]} == {"200米内", "200米~2公里"}
