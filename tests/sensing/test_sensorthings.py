"""The SensorThings 1.1 read API: entities with links, query options, and scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from gridgov.sensing.models import Station
from gridgov.sensing.parsing import parse_items
from gridgov.sensing.service import Batch, Ingestor
from tests.factories import COUNTY, FUCHUN, user
from tests.sensing.world import FUCHUN_GAUGE, WANSHI_GAUGE, build_gauges

STA = "/api/v1/sensorthings/v1.1"
T0 = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


@pytest.fixture
def sta(client: TestClient, session: Session) -> dict[str, Any]:
    gauges = build_gauges(session)
    items = [
        {
            "station": FUCHUN_GAUGE,
            "property": "rainfall",
            "time": (T0 + timedelta(minutes=i)).isoformat(),
            "value": i / 10,
        }
        for i in range(30)
    ] + [
        {"station": WANSHI_GAUGE, "property": "rainfall", "time": (T0 + timedelta(minutes=i)).isoformat(), "value": 1}
        for i in range(5)
    ]
    Ingestor(lambda: T0 + timedelta(hours=1)).write(session, [Batch("http", parse_items(items, b""))])
    ids = dict(session.execute(select(Station.code, Station.id)).all())
    headers = {
        "admin": user(session, gauges.county, "sta-admin", Role.admin, COUNTY),
        "fuchun": user(session, gauges.county, "sta-fuchun", Role.township_operator, FUCHUN),
    }
    session.commit()
    return {"ids": ids, "headers": headers}


def _get(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    url = path if path.startswith("http") else STA + path
    response = client.get(url, params=params, headers=headers) if params else client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_things_carry_ids_links_and_expanded_datastreams(client: TestClient, sta: dict[str, Any]) -> None:
    admin = sta["headers"]["admin"]
    root = _get(client, "", admin)
    assert {"Things", "Locations", "Datastreams", "Observations", "Sensors"} <= {e["name"] for e in root["value"]}
    body = _get(client, "/Things", admin, **{"$expand": "Datastreams,Locations", "$count": "true"})
    assert body["@iot.count"] == 2
    thing = next(t for t in body["value"] if t["properties"]["code"] == FUCHUN_GAUGE)
    assert thing["@iot.selfLink"].endswith(f"{STA}/Things({thing['@iot.id']})")
    assert thing["Datastreams@iot.navigationLink"].endswith(f"/Things({thing['@iot.id']})/Datastreams")
    (stream,) = thing["Datastreams"]
    assert stream["unitOfMeasurement"]["symbol"] == "mm"
    assert stream["phenomenonTime"] == "2026-11-23T05:00:00Z/2026-11-23T05:29:00Z"
    assert thing["Locations"][0]["location"] == {"type": "Point", "coordinates": [119.95, 30.02]}
    # navigation links lead where they say
    linked = _get(client, thing["Datastreams@iot.navigationLink"], admin)
    assert [d["@iot.id"] for d in linked["value"]] == [stream["@iot.id"]]
    assert _get(client, stream["Thing@iot.navigationLink"], admin)["@iot.id"] == thing["@iot.id"]
    assert _get(client, f"/Locations({thing['@iot.id']})/Things", admin)["value"][0]["name"] == "富春雨量站"


def test_observations_filter_order_page_and_count(client: TestClient, sta: dict[str, Any]) -> None:
    admin = sta["headers"]["admin"]
    thing = _get(client, f"/Things({sta['ids'][FUCHUN_GAUGE]})", admin, **{"$expand": "Datastreams"})
    observations = thing["Datastreams"][0]["Observations@iot.navigationLink"]
    window = "phenomenonTime ge 2026-11-23T05:10:00Z and phenomenonTime lt 2026-11-23T13:20:00+08:00"
    assert len(_get(client, observations, admin, **{"$filter": window})["value"]) == 10
    assert [o["result"] for o in _get(client, observations, admin, **{"$filter": "result gt 2.5"})["value"]] == [
        2.6, 2.7, 2.8, 2.9,
    ]  # fmt: skip
    either = "(result eq 0.1 or result eq 0.2) and not (phenomenonTime gt 2026-11-23T05:01:00Z)"
    assert [o["result"] for o in _get(client, observations, admin, **{"$filter": either})["value"]] == [0.1]
    top = _get(client, observations, admin, **{"$orderby": "result desc", "$top": 3})["value"]
    assert [o["result"] for o in top] == [2.9, 2.8, 2.7]
    page = _get(client, observations, admin, **{"$top": 12, "$count": "true", "$orderby": "phenomenonTime"})
    assert page["@iot.count"] == 30 and len(page["value"]) == 12 and "%24skip=12" in page["@iot.nextLink"]
    seen = [o["phenomenonTime"] for o in page["value"]]
    while "@iot.nextLink" in page:
        page = _get(client, page["@iot.nextLink"], admin)
        seen += [o["phenomenonTime"] for o in page["value"]]
    assert len(seen) == len(set(seen)) == 30 and seen == sorted(seen)
    first = top[0]
    assert first["parameters"]["repeats"] == 0 and first["resultTime"] == first["phenomenonTime"]
    one = _get(client, f"/Observations({first['@iot.id']})", admin, **{"$expand": "Datastream"})
    assert one["Datastream"]["properties"]["observedProperty"] == "rainfall"
    nested = _get(
        client,
        "/Datastreams",
        admin,
        **{
            "$expand": "Observations($top=2;$orderby=phenomenonTime desc)",
            "$filter": "ObservedProperty/name eq 'rainfall'",
        },
    )
    assert sorted(len(d["Observations"]) for d in nested["value"]) == [2, 2]


@pytest.mark.parametrize(
    "query",
    [
        {"$filter": "result gt"},
        {"$filter": "colour eq 'red'"},
        {"$filter": "result gt 'x'"},
        {"$filter": "phenomenonTime ge 'yesterday'"},
        {"$orderby": "nothing"},
        {"$expand": "Things"},
    ],
)
def test_bad_queries_are_refused_with_a_reason(client: TestClient, sta: dict[str, Any], query: dict[str, str]) -> None:
    response = client.get(f"{STA}/Observations", params=query, headers=sta["headers"]["admin"])
    assert response.status_code == 400 and "(" in response.json()["detail"][0]["msg"]


def test_a_township_sees_its_own_stations_only(client: TestClient, sta: dict[str, Any]) -> None:
    fuchun, ids = sta["headers"]["fuchun"], sta["ids"]
    things = _get(client, "/Things", fuchun)["value"]
    assert [t["properties"]["code"] for t in things] == [FUCHUN_GAUGE]
    assert len(_get(client, "/Observations", fuchun, **{"$top": 1000})["value"]) == 30
    assert len(_get(client, "/Datastreams", fuchun)["value"]) == 1
    wanshi = ids[WANSHI_GAUGE]
    for path in (f"/Things({wanshi})", f"/Locations({wanshi})", f"/Things({wanshi})/Datastreams"):
        assert client.get(STA + path, headers=fuchun).status_code == 404
    assert client.get(f"{STA}/Things").status_code == 401
