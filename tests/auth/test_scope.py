"""A township operator reaches nothing of another township through any API route.

The table below must name every route under /api/v1 of the core: a new route without a scope check fails
``test_every_api_route_is_checked``. A module checks its own routes in ``tests/<module>/test_scope.py``, whose
``CHECKS`` table (same keys: method and OpenAPI path) counts here.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.auth.models import Account, ApiToken
from gridgov.auth.service import principal_for
from gridgov.evaluation.periods import Period
from gridgov.kit.time import utcnow
from gridgov.module import installed
from gridgov.notify.service import Alerting, AlertRequest, Target
from gridgov.org.enums import Role
from gridgov.org.models import Person
from gridgov.registry.credit_code import generate
from gridgov.registry.schemas import EnterpriseCreate, PlaceCreate
from gridgov.registry.service import RegistryService
from gridgov.sensing.models import Datastream, Observation
from gridgov.sensing.schemas import StationCreate
from gridgov.sensing.service import SensingService
from gridgov.warning.models import RiskZone
from gridgov.warning.service import WarningService
from tests.factories import COUNTY, FUCHUN, WANSHI, County, build_county, create_person, user

WANSHI_VILLAGE = "330111100001"
WANSHI_GRID = "330111100001001"
WANSHI_POINT = {"lon": 120.05, "lat": 30.02}
FUCHUN_POINT = {"lon": 119.95, "lat": 30.02}
WANSHI_ORDER = "类别代码,问题描述,经度,纬度\n0401,万市垃圾,120.05,30.02\n".encode()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class World:
    client: TestClient
    headers: dict[str, str]
    wanshi_person: Person
    wanshi_case: str
    wanshi_alert: int
    wanshi_recipient: int

    def call(self, method: str, url: str, **kwargs: object) -> Response:
        return self.client.request(method, url, headers=self.headers, **kwargs)  # type: ignore[arg-type]


def _denied(response: Response) -> None:
    assert response.status_code in (403, 404), f"{response.status_code}: {response.text[:300]}"


def _sta_empty(response: Response) -> None:
    assert response.status_code == 200, response.text[:300]
    assert response.json()["@iot.count"] == 0 and response.json()["value"] == []


def _no_wanshi(response: Response) -> None:
    assert response.status_code in (200, 201), response.text[:300]
    assert WANSHI not in response.text and "万市" not in response.text, response.text[:500]


def _nothing_unread(w: World) -> None:
    """万市's notices (its case's, its alert's) are not counted in 富春's badge."""
    response = w.call("GET", "/api/v1/inbox/unread")
    assert response.status_code == 200 and response.json() == {"unread": 0}, response.text


def _marks_none_of_others(w: World) -> None:
    """Marking ids read touches only one's own items: 万市's stay unread."""
    response = w.call("POST", "/api/v1/inbox/read", json={"ids": list(range(1, 400))})
    assert response.status_code == 200 and response.json()["marked"] == 0, response.text


def _module_ranking(w: World, level: str) -> None:
    params = {"key": "warning.ack_in_time_rate", "level": level, "period": _this_month()}
    _no_wanshi(w.call("GET", "/api/v1/evaluation/module-indicators/ranking", params=params))


def _batch_out_of_scope(response: Response) -> None:
    body = response.json()
    assert body["codes"] == [None] and body["areas"] == {} and body["out_of_scope"] == 1, body


def _unit_refused(response: Response) -> None:
    assert response.status_code == 422, response.text[:300]
    assert "owner_unit_code" in response.text


def _import_rejected(response: Response) -> None:
    assert response.status_code in (403, 404, 422), response.text[:300]
    assert "不在您的辖区内" in response.text


def _xlsx_with_wanshi_village() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "组织"
    sheet.append(["编码", "名称", "类型", "上级编码"])
    sheet.append(["330111100009", "越界村", "村(社区)", WANSHI])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


STA = "/api/v1/sensorthings/v1.1"
WANSHI_GAUGE: dict[str, int] = {}
"""Ids of a rain gauge in 万市镇 with one reading (set by the ``world`` fixture)."""


def _sta_denied(path: str) -> Callable[[World], None]:
    return lambda w: _denied(w.call("GET", STA + path.format(**WANSHI_GAUGE)))


def _sta_no_wanshi(path: str, **params: str) -> Callable[[World], None]:
    return lambda w: _no_wanshi(w.call("GET", STA + path, params={"$top": "1000", **params}))


def _this_month() -> str:
    return Period.month_of(utcnow()).key


def _enterprise(serial: int, **where: object) -> dict[str, object]:
    return {"credit_code": generate(COUNTY, serial), "name": "越界企业", "industry_code": "C2614", **where}


def _place(code: str, **where: object) -> dict[str, object]:
    return {"code": code, "type_code": "warehouse", "name": "越界仓库", **where}


def _firm_csv() -> tuple[str, bytes]:
    return (
        "e.csv",
        f"统一社会信用代码,企业名称,行业代码,所在区域代码\n{generate(COUNTY, 903)},越界,C2614,{WANSHI}\n".encode(),
    )


def _place_csv() -> tuple[str, bytes]:
    return (
        "p.csv",
        f"场所编码,场所类型,场所名称,经度,纬度\nWS-X3,仓库,越界,{WANSHI_POINT['lon']},{WANSHI_POINT['lat']}\n".encode(),
    )


def _registry_checks() -> dict[tuple[str, str], list[Callable[[World], None]]]:
    """The registry's routes: a 万市 enterprise and place (made by ``world``) are out of 富春's reach."""
    one = "/api/v1/enterprises/{enterprise_id}"
    place = "/api/v1/places/{place_id}"
    return {
        ("GET", "/api/v1/enterprises"): [
            lambda w: _no_wanshi(w.call("GET", "/api/v1/enterprises", params={"limit": 500})),
            lambda w: _no_wanshi(w.call("GET", "/api/v1/enterprises", params={"township": WANSHI})),
            lambda w: _no_wanshi(w.call("GET", "/api/v1/enterprises", params={"q": "万市", "active": "false"})),
        ],
        ("POST", "/api/v1/enterprises"): [
            lambda w: _denied(w.call("POST", "/api/v1/enterprises", json=_enterprise(901, **WANSHI_POINT))),
            lambda w: _denied(w.call("POST", "/api/v1/enterprises", json=_enterprise(902, area_code=WANSHI_GRID))),
        ],
        ("GET", "/api/v1/enterprises/by-code/{credit_code}"): [
            lambda w: _denied(w.call("GET", f"/api/v1/enterprises/by-code/{generate(COUNTY, 900)}")),
        ],
        ("GET", one): [lambda w: _denied(w.call("GET", one.format(**WANSHI_GAUGE)))],
        ("PATCH", one): [
            lambda w: _denied(w.call("PATCH", one.format(**WANSHI_GAUGE), json={"name": "改名"})),
            lambda w: _denied(w.call("PATCH", one.format(**WANSHI_GAUGE), json={"active": False})),
        ],
        ("GET", "/api/v1/places"): [
            lambda w: _no_wanshi(w.call("GET", "/api/v1/places", params={"limit": 500})),
            lambda w: _no_wanshi(w.call("GET", "/api/v1/places", params={"township": WANSHI, "type": "warehouse"})),
        ],
        ("POST", "/api/v1/places"): [
            lambda w: _denied(w.call("POST", "/api/v1/places", json=_place("WS-X1", **WANSHI_POINT))),
            lambda w: _denied(w.call("POST", "/api/v1/places", json=_place("WS-X2", area_code=WANSHI_VILLAGE))),
        ],
        ("POST", "/api/v1/enterprises/import"): [
            lambda w: _import_rejected(w.call("POST", "/api/v1/enterprises/import", files={"file": _firm_csv()})),
        ],
        ("GET", "/api/v1/enterprises/export"): [
            lambda w: _no_wanshi(w.call("GET", "/api/v1/enterprises/export", params={"format": "csv"})),
        ],
        ("POST", "/api/v1/places/import"): [
            lambda w: _import_rejected(w.call("POST", "/api/v1/places/import", files={"file": _place_csv()})),
        ],
        ("GET", "/api/v1/places/export"): [
            lambda w: _no_wanshi(w.call("GET", "/api/v1/places/export", params={"format": "csv"})),
        ],
        ("GET", place): [lambda w: _denied(w.call("GET", place.format(**WANSHI_GAUGE)))],
        ("PATCH", place): [lambda w: _denied(w.call("PATCH", place.format(**WANSHI_GAUGE), json={"name": "改名"}))],
    }


def _evaluation_levels(w: World) -> None:
    for level in ("village", "grid", "unit", "member"):
        params = {"period": _this_month(), "level": level}
        _no_wanshi(w.call("GET", "/api/v1/evaluation/indicators", params=params))


CHECKS: dict[tuple[str, str], list[Callable[[World], None]]] = {
    ("GET", "/api/v1/me"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/me"))],
    ("POST", "/api/v1/auth/tokens"): [
        lambda w: _no_wanshi(w.call("POST", "/api/v1/auth/tokens", json={"name": "mine"}))
    ],
    ("GET", "/api/v1/auth/tokens"): [
        lambda w: _no_wanshi(w.call("GET", "/api/v1/auth/tokens")),
        lambda w: _denied(w.call("GET", "/api/v1/auth/tokens", params={"username": "admin"})),
    ],
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): [
        lambda w: _denied(w.call("DELETE", f"/api/v1/auth/tokens/{WANSHI_GAUGE['admin_token']}")),
    ],
    ("GET", "/api/v1/org/nodes"): [
        lambda w: _denied(w.call("GET", "/api/v1/org/nodes", params={"parent": WANSHI})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/org/nodes", params={"limit": 500})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/org/nodes", params={"q": "万市"})),
    ],
    ("GET", "/api/v1/org/nodes/{code}"): [
        lambda w: _denied(w.call("GET", f"/api/v1/org/nodes/{WANSHI}")),
        lambda w: _denied(w.call("GET", f"/api/v1/org/nodes/{WANSHI_GRID}")),
        lambda w: _denied(w.call("GET", f"/api/v1/org/nodes/{COUNTY}")),
    ],
    ("POST", "/api/v1/org/nodes"): [
        lambda w: _denied(
            w.call(
                "POST",
                "/api/v1/org/nodes",
                json={
                    "code": "330111100009",
                    "name": "越界村",
                    "kind": "village",
                    "parent_code": WANSHI,
                },
            )
        ),
    ],
    ("PATCH", "/api/v1/org/nodes/{code}"): [
        lambda w: _denied(w.call("PATCH", f"/api/v1/org/nodes/{WANSHI_VILLAGE}", json={"name": "改名"})),
    ],
    ("GET", "/api/v1/org/units"): [
        lambda w: _denied(w.call("GET", "/api/v1/org/units", params={"node": WANSHI})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/org/units")),
    ],
    ("POST", "/api/v1/org/units"): [
        lambda w: _denied(
            w.call(
                "POST",
                "/api/v1/org/units",
                json={
                    "code": "WS-X",
                    "name": "越界站",
                    "kind": "office",
                    "node_code": WANSHI,
                },
            )
        ),
    ],
    ("GET", "/api/v1/people"): [
        lambda w: _denied(w.call("GET", "/api/v1/people", params={"node": WANSHI})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/people", params={"limit": 500})),
    ],
    ("GET", "/api/v1/people/{person_id}"): [
        lambda w: _denied(w.call("GET", f"/api/v1/people/{w.wanshi_person.id}")),
    ],
    ("POST", "/api/v1/people"): [
        lambda w: _denied(
            w.call(
                "POST",
                "/api/v1/people",
                json={
                    "name": "越界",
                    "phone": "13900009999",
                    "roles": [{"role": "grid_member", "node_code": WANSHI_GRID}],
                },
            )
        ),
        lambda w: _denied(
            w.call(
                "POST",
                "/api/v1/people",
                json={
                    "name": "越界",
                    "phone": "13900009998",
                    "unit_codes": ["WS-GDS"],
                },
            )
        ),
    ],
    ("PATCH", "/api/v1/people/{person_id}"): [
        lambda w: _denied(w.call("PATCH", f"/api/v1/people/{w.wanshi_person.id}", json={"name": "改名"})),
    ],
    ("POST", "/api/v1/geo/locate"): [lambda w: _denied(w.call("POST", "/api/v1/geo/locate", json=WANSHI_POINT))],
    ("POST", "/api/v1/geo/locate/batch"): [
        lambda w: _no_wanshi(w.call("POST", "/api/v1/geo/locate/batch", json={"points": [[120.05, 30.02]]})),
        lambda w: _batch_out_of_scope(w.call("POST", "/api/v1/geo/locate/batch", json={"points": [[120.05, 30.02]]})),
    ],
    ("GET", "/api/v1/geo/boundaries"): [
        lambda w: _denied(w.call("GET", "/api/v1/geo/boundaries", params={"parent": WANSHI})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/geo/boundaries", params={"kind": ["township", "village", "grid"]})),
    ],
    ("GET", "/api/v1/org/nodes/{code}/boundary"): [
        lambda w: _denied(w.call("GET", f"/api/v1/org/nodes/{WANSHI}/boundary")),
    ],
    ("PUT", "/api/v1/org/nodes/{code}/boundary"): [
        lambda w: _denied(
            w.call(
                "PUT",
                f"/api/v1/org/nodes/{WANSHI_GRID}/boundary",
                json={
                    "type": "Polygon",
                    "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]],
                },
            )
        ),
    ],
    ("POST", "/api/v1/geo/boundaries"): [
        lambda w: _denied(
            w.call(
                "POST",
                "/api/v1/geo/boundaries",
                json={
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"code": WANSHI_GRID},
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]],
                            },
                        }
                    ],
                },
            )
        ),
    ],
    ("POST", "/api/v1/org/import"): [
        lambda w: _import_rejected(
            w.call(
                "POST",
                "/api/v1/org/import",
                files={
                    "file": ("org.xlsx", _xlsx_with_wanshi_village(), "application/octet-stream"),
                },
            )
        ),
    ],
    ("GET", "/api/v1/org/export"): [
        lambda w, sheet=sheet: _no_wanshi(w.call("GET", "/api/v1/org/export", params={"format": "csv", "sheet": sheet}))
        for sheet in ("org", "units", "people")
    ],
    ("GET", "/api/v1/cases/calendar"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/cases/calendar"))],
    ("GET", "/api/v1/cases/categories"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/cases/categories"))],
    ("POST", "/api/v1/cases"): [
        lambda w: _denied(
            w.call("POST", "/api/v1/cases", json={"category": "0201", "description": "越界", **WANSHI_POINT})
        ),
    ],
    ("GET", "/api/v1/cases"): [
        lambda w: _no_wanshi(w.call("GET", "/api/v1/cases", params={"limit": 200})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/cases", params={"township": WANSHI})),
    ],
    ("GET", "/api/v1/cases/{number}"): [lambda w: _denied(w.call("GET", f"/api/v1/cases/{w.wanshi_case}"))],
    ("POST", "/api/v1/cases/{number}/actions"): [
        lambda w: _denied(w.call("POST", f"/api/v1/cases/{w.wanshi_case}/actions", json={"action": "file"})),
        lambda w: _denied(w.call("POST", f"/api/v1/cases/{w.wanshi_case}/actions", json={"action": "comment"})),
    ],
    ("POST", "/api/v1/cases/{number}/attachments"): [
        lambda w: _denied(w.call("POST", f"/api/v1/cases/{w.wanshi_case}/attachments", files={"file": ("a.png", PNG)})),
    ],
    ("GET", "/api/v1/cases/{number}/attachments/{attachment_id}"): [
        lambda w: _denied(w.call("GET", f"/api/v1/cases/{w.wanshi_case}/attachments/1")),
    ],
    ("POST", "/api/v1/cases/import"): [
        lambda w: _import_rejected(
            w.call("POST", "/api/v1/cases/import", files={"file": ("orders.csv", WANSHI_ORDER)})
        ),
    ],
    ("GET", STA): [lambda w: _no_wanshi(w.call("GET", STA))],
    ("GET", STA + "/{resource_path}"): [
        _sta_no_wanshi("/Things", **{"$expand": "Datastreams,Locations,HistoricalLocations"}),
        _sta_no_wanshi("/Datastreams", **{"$expand": "Thing,Observations,Sensor,ObservedProperty"}),
        _sta_no_wanshi("/FeaturesOfInterest", **{"$expand": "Observations"}),
        _sta_no_wanshi("/Sensors"),
        _sta_no_wanshi("/Things", **{"$filter": "Datastreams/Observations/result ge 0"}),
        lambda w: _sta_empty(w.call("GET", STA + "/Observations", params={"$top": "1000", "$count": "true"})),
        *(
            _sta_denied(path)
            for path in (
                "/Things({thing})",
                "/Things({thing})/Locations",
                "/Things({thing})/Datastreams",
                "/Things({thing})/name/$value",
                "/Things({thing})/$ref",
                "/Locations({thing})",
                "/HistoricalLocations({thing})/Thing",
                "/FeaturesOfInterest({thing})",
                "/Datastreams({datastream})",
                "/Datastreams({datastream})/Thing",
                "/Sensors({datastream})",
                "/Datastreams({datastream})/Observations",
                "/Observations({observation})",
                "/Observations({observation})/FeatureOfInterest",
            )
        ),
    ],
    ("POST", "/api/v1/sensing/observations"): [
        lambda w: _denied(
            w.call(
                "POST",
                "/api/v1/sensing/observations",
                json={"observations": [{"station": "X", "property": "rainfall", "time": 0, "value": 1}]},
            )
        ),
    ],
    ("GET", "/api/v1/sensing/stations"): [
        lambda w: _no_wanshi(w.call("GET", "/api/v1/sensing/stations", params={"limit": 500})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/sensing/stations", params={"kind": "rain_gauge"})),
    ],
    ("GET", "/api/v1/sensing/stations/{code}"): [
        lambda w: _denied(w.call("GET", "/api/v1/sensing/stations/RG-WS-SCOPE")),
    ],
    ("POST", "/api/v1/sensing/stations"): [
        lambda w: _denied(
            w.call(
                "POST",
                "/api/v1/sensing/stations",
                json={"code": "RG-WS-X", "kind": "rain_gauge", "name": "越界站", **WANSHI_POINT},
            )
        ),
        lambda w: _unit_refused(
            w.call(
                "POST",
                "/api/v1/sensing/stations",
                json={
                    "code": "RG-FC-X",
                    "kind": "rain_gauge",
                    "name": "富春站",
                    "owner_unit_code": "WS-GDS",
                    **FUCHUN_POINT,
                },
            )
        ),
    ],
    ("PATCH", "/api/v1/sensing/stations/{code}"): [
        lambda w: _denied(w.call("PATCH", "/api/v1/sensing/stations/RG-WS-SCOPE", json={"active": False})),
    ],
    ("POST", "/api/v1/sensing/stations/{code}/datastreams"): [
        lambda w: _denied(
            w.call("POST", "/api/v1/sensing/stations/RG-WS-SCOPE/datastreams", json={"property": "water_level"})
        ),
    ],
    ("GET", "/api/v1/inbox"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/inbox"))],
    ("GET", "/api/v1/inbox/unread"): [lambda w: _nothing_unread(w)],
    ("POST", "/api/v1/inbox/read"): [lambda w: _marks_none_of_others(w)],
    ("GET", "/api/v1/evaluation/definitions"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/evaluation/definitions"))],
    ("GET", "/api/v1/evaluation/indicators"): [
        lambda w: _no_wanshi(w.call("GET", "/api/v1/evaluation/indicators", params={"period": _this_month()})),
        lambda w: _evaluation_levels(w),
    ],
    ("GET", "/api/v1/evaluation/ranking"): [
        lambda w: _no_wanshi(w.call("GET", "/api/v1/evaluation/ranking", params={"period": _this_month()}))
    ],
    ("GET", "/api/v1/evaluation/cases"): [
        lambda w: _denied(
            w.call(
                "GET",
                "/api/v1/evaluation/cases",
                params={"period": _this_month(), "key": WANSHI, "count": "received"},
            )
        ),
        lambda w: _denied(
            w.call(
                "GET",
                "/api/v1/evaluation/cases",
                params={"period": _this_month(), "level": "unit", "key": "WS-GDS", "count": "received"},
            )
        ),
    ],
    ("GET", "/api/v1/evaluation/cockpit"): [
        lambda w: _denied(w.call("GET", "/api/v1/evaluation/cockpit", params={"area": WANSHI})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/evaluation/cockpit")),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/evaluation/cockpit", params={"period": _this_month()})),
    ],
    ("GET", "/api/v1/evaluation/flags"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/evaluation/flags"))],
    ("GET", "/api/v1/evaluation/module-indicators"): [
        lambda w: _no_wanshi(w.call("GET", "/api/v1/evaluation/module-indicators"))
    ],
    ("GET", "/api/v1/evaluation/module-indicators/ranking"): [
        lambda w: _module_ranking(w, "township"),
        lambda w: _module_ranking(w, "village"),
    ],
    ("GET", "/api/v1/evaluation/module-indicators/records"): [
        lambda w: _denied(
            w.call(
                "GET",
                "/api/v1/evaluation/module-indicators/records",
                params={"key": "warning.ack_in_time_rate", "code": WANSHI, "period": _this_month()},
            )
        )
    ],
    ("GET", "/api/v1/evaluation/reports/{period}.{fmt}"): [
        lambda w: _denied(w.call("GET", f"/api/v1/evaluation/reports/{_this_month()}.pdf"))
    ],
    ("GET", "/api/v1/water/users"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/water/users"))],
    ("GET", "/api/v1/water/rates"): [
        lambda w: _no_wanshi(w.call("GET", "/api/v1/water/rates")),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/water/rates", params={"level": "village"})),
    ],
    ("GET", "/api/v1/warnings"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/warnings"))],
    ("GET", "/api/v1/warnings/zones"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/warnings/zones"))],
    ("GET", "/api/v1/warnings/coverage"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/warnings/coverage"))],
    ("GET", "/api/v1/warnings/coverage/zones"): [
        lambda w: _no_wanshi(w.call("GET", "/api/v1/warnings/coverage/zones", params={"limit": "1000"})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/warnings/coverage/zones", params={"code": "FX330111100001WS"})),
    ],
    ("GET", "/api/v1/warnings/coverage/map"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/warnings/coverage/map"))],
    ("GET", "/api/v1/warnings/gauges"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/warnings/gauges"))],
    ("GET", "/api/v1/warnings/{warning_id}/completion"): [
        lambda w: _denied(w.call("GET", f"/api/v1/warnings/{WANSHI_GAUGE['warning']}/completion")),
    ],
    ("GET", "/api/v1/warnings/gauges/{code}/rainfall"): [
        lambda w: _denied(w.call("GET", "/api/v1/warnings/gauges/RG-WS-SCOPE/rainfall")),
    ],
    ("GET", "/api/v1/alerts/{alert_id}"): [lambda w: _denied(w.call("GET", f"/api/v1/alerts/{w.wanshi_alert}"))],
    ("POST", "/api/v1/alerts/recipients/{recipient_id}/ack"): [
        lambda w: _denied(w.call("POST", f"/api/v1/alerts/recipients/{w.wanshi_recipient}/ack")),
    ],
    ("POST", "/api/v1/notify/sms-replies"): [
        lambda w: _denied(w.call("POST", "/api/v1/notify/sms-replies", json={"from": "13900000000", "text": "收到"})),
    ],
    ("GET", "/api/v1/audit"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/audit", params={"limit": 500}))],
    **_registry_checks(),
}


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) under /api/ as the OpenAPI document lists them."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }


def module_checks() -> set[tuple[str, str]]:
    """The routes the installed modules' own scope tests check."""
    checked: set[tuple[str, str]] = set()
    for module in installed():
        name = f"tests.{module.name}.test_scope"
        try:
            checked |= set(import_module(name).CHECKS)
        except ModuleNotFoundError as missing:
            if not missing.name or not name.startswith(missing.name):
                raise
    return checked


def test_every_api_route_is_checked(app: FastAPI) -> None:
    assert api_routes(app) == set(CHECKS) | module_checks()


@pytest.fixture
def world(client: TestClient, session: Session) -> World:
    county: County = build_county(session)
    wanshi_person = create_person(
        session, county, [(Role.village_cadre, WANSHI_VILLAGE)], name="万市人", units=["WS-GDS"]
    )
    headers = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    session.commit()
    # an audit entry inside 万市镇 that must not show up for 富春街道
    admin = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()
    assert (
        client.patch(f"/api/v1/org/nodes/{WANSHI_VILLAGE}", json={"name": "万市村"}, headers=admin).status_code == 200
    )
    reported = client.post(
        "/api/v1/cases", json={"category": "0201", "description": "万市违建", **WANSHI_POINT}, headers=admin
    )
    assert reported.status_code == 201, reported.text
    alerting = Alerting(session, secret="test", public_url="http://test")
    alert = alerting.raise_alert(
        AlertRequest(
            kind="warning",
            subject="warning:wanshi",
            level="red",
            title="万市镇地质灾害红色预警",
            body="",
            path=f"{COUNTY}/{WANSHI}/",
            targets=[Target(name="万市人", role="village", person_id=wanshi_person.id)],
        )
    )
    session.commit()
    recipient = alerting.repo.recipients(alert.id)[0].id
    gauge = SensingService(session).create_station(
        principal_for(session.scalars(select(Account).where(Account.username == "admin")).one()),
        StationCreate(code="RG-WS-SCOPE", kind="rain_gauge", name="万市雨量站", **WANSHI_POINT),
    )
    stream = Datastream(station_id=gauge.id, property="rainfall", unit="mm")
    session.add(stream)
    session.flush()
    reading = Observation(datastream_id=stream.id, phenomenon_time=utcnow(), value=1.0, received_at=utcnow())
    session.add(reading)
    session.commit()
    WANSHI_GAUGE.update(thing=gauge.id, datastream=stream.id, observation=reading.id)
    point = json.dumps({"type": "Point", "coordinates": [WANSHI_POINT["lon"], WANSHI_POINT["lat"]]})
    zone = RiskZone(
        code="FX330111100001WS",
        name="万市镇后山防范区",
        geometry=point,
        **WANSHI_POINT,
        township_code=WANSHI,
        village_code=WANSHI_VILLAGE,
        path=f"{COUNTY}/{WANSHI}/{WANSHI_VILLAGE}/",
        importance="general",
        management_level=3,
    )
    session.add(zone)
    session.flush()
    (change,) = WarningService(session).apply(zone, 4, None, utcnow())
    session.commit()
    WANSHI_GAUGE.update(warning=change.warning_id)
    registry = RegistryService(session)
    wanshi_firm = registry.create_enterprise(
        None,
        EnterpriseCreate(credit_code=generate(COUNTY, 900), name="万市纸业", industry_code="C2221", **WANSHI_POINT),
    )
    store = registry.create_place(
        None, PlaceCreate(code="WS-STORE", type_code="warehouse", name="万市仓库", area_code=WANSHI_VILLAGE)
    )
    session.commit()
    WANSHI_GAUGE.update(enterprise_id=wanshi_firm.id, place_id=store.id)
    admin_token = select(ApiToken.id).join(Account).where(Account.username == "admin")
    WANSHI_GAUGE.update(admin_token=session.scalars(admin_token).first() or 0)
    return World(client, headers, wanshi_person, reported.json()["number"], alert.id, recipient)


@pytest.mark.parametrize("route", sorted(CHECKS), ids=lambda r: f"{r[0]} {r[1]}")
def test_township_operator_cannot_reach_other_township(world: World, route: tuple[str, str]) -> None:
    for check in CHECKS[route]:
        check(world)
