"""SensorThings 1.1 read conformance, one test per requirement class of OGC 18-088 (and 15-078r6 for 1.0).

``REQUIREMENTS`` is the table docs/sensorthings.md lists: each requirement (its OGC identifier) and the test that
checks it. Data: two rain gauges (富春 with rainfall and water level, 万市 with rainfall), 30 + 5 + 3 readings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from gridgov.sensing.models import Datastream, Station
from gridgov.sensing.parsing import parse_items
from gridgov.sensing.schemas import DatastreamCreate
from gridgov.sensing.sensorthings_entities import SETS
from gridgov.sensing.service import Batch, Ingestor, SensingService
from tests.factories import COUNTY, FUCHUN, user
from tests.sensing.world import FUCHUN_GAUGE, WANSHI_GAUGE, build_gauges

STA = "/api/v1/sensorthings/v1.1"
T0 = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
REQ = "http://www.opengis.net/spec/iot_sensing/1.1/req/"

REQUIREMENTS: dict[str, str] = {
    REQ + "datamodel/thing/properties": "test_datamodel_entities_have_their_properties",
    REQ + "datamodel/location/properties": "test_datamodel_entities_have_their_properties",
    REQ + "datamodel/historical-location/properties": "test_datamodel_entities_have_their_properties",
    REQ + "datamodel/datastream/properties": "test_datamodel_entities_have_their_properties",
    REQ + "datamodel/sensor/properties": "test_datamodel_entities_have_their_properties",
    REQ + "datamodel/observed-property/properties": "test_datamodel_entities_have_their_properties",
    REQ + "datamodel/observation/properties": "test_datamodel_entities_have_their_properties",
    REQ + "datamodel/feature-of-interest/properties": "test_datamodel_entities_have_their_properties",
    REQ + "datamodel/*/relations": "test_navigation_links_lead_to_the_related_entities",
    REQ + "resource-path/resource-path-to-entities": "test_resource_paths_address_sets_entities_properties",
    REQ + "request-data/order": "test_query_options_apply_in_the_standard_order",
    REQ + "request-data/expand": "test_expand_nested_and_path_form",
    REQ + "request-data/select": "test_select_returns_exactly_what_was_selected",
    REQ + "request-data/orderby": "test_orderby_several_keys",
    REQ + "request-data/top": "test_top_skip_count_and_next_link",
    REQ + "request-data/skip": "test_top_skip_count_and_next_link",
    REQ + "request-data/count": "test_top_skip_count_and_next_link",
    REQ + "request-data/filter": "test_filter_operators_and_functions",
    REQ + "request-data/filter (across related entities)": "test_filter_across_related_entities",
    REQ + "request-data/filter (geospatial)": "test_filter_geospatial_functions",
    REQ + "request-data/status-code": "test_errors_are_400_for_bad_queries_and_404_for_missing_entities",
    "service root (18-088 §9.2.1)": "test_service_root_lists_all_eight_sets_and_conformance",
}


@pytest.fixture
def sta(client: TestClient, session: Session) -> dict[str, Any]:
    gauges = build_gauges(session)
    SensingService(session).add_datastream(gauges.admin, FUCHUN_GAUGE, DatastreamCreate(property="water_level"))
    minute = timedelta(minutes=1)
    items = [
        {"station": FUCHUN_GAUGE, "property": "rainfall", "time": (T0 + i * minute).isoformat(), "value": i / 10}
        for i in range(30)
    ]
    items += [
        {"station": WANSHI_GAUGE, "property": "rainfall", "time": (T0 + i * minute).isoformat(), "value": 1}
        for i in range(5)
    ]
    items += [
        {"station": FUCHUN_GAUGE, "property": "water_level", "time": (T0 + i * minute).isoformat(), "value": 3 + i}
        for i in range(3)
    ]
    Ingestor(lambda: T0 + timedelta(hours=1)).write(session, [Batch("http", parse_items(items, b""))])
    stations = dict(session.execute(select(Station.code, Station.id)).all())
    streams = {
        (code, prop): ds
        for code, prop, ds in session.execute(
            select(Station.code, Datastream.property, Datastream.id).join(Station, Station.id == Datastream.station_id)
        )
    }
    headers = {
        "admin": user(session, gauges.county, "sta-admin", Role.admin, COUNTY),
        "fuchun": user(session, gauges.county, "sta-fuchun", Role.township_operator, FUCHUN),
    }
    session.commit()
    return {"stations": stations, "streams": streams, "headers": headers}


class Api:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def get(self, path: str, **params: Any) -> Any:
        url = path if path.startswith("http") else STA + path
        response = self.client.get(url, params=params or None, headers=self.headers)
        assert response.status_code == 200, f"{url} {params}: {response.status_code} {response.text[:400]}"
        return response.json() if response.headers["content-type"].startswith("application/json") else response.text

    def values(self, path: str, key: str = "@iot.id", **params: Any) -> list[Any]:
        return [v[key] for v in self.get(path, **params)["value"]]


@pytest.fixture
def api(client: TestClient, sta: dict[str, Any]) -> Api:
    return Api(client, sta["headers"]["admin"])


PROPERTIES = {
    "Things": {"name", "description", "properties"},
    "Locations": {"name", "description", "encodingType", "location"},
    "HistoricalLocations": {"time"},
    "Datastreams": {"name", "description", "unitOfMeasurement", "observationType", "phenomenonTime", "resultTime"},
    "Sensors": {"name", "description", "encodingType", "metadata"},
    "ObservedProperties": {"name", "definition", "description"},
    "Observations": {"phenomenonTime", "resultTime", "result"},
    "FeaturesOfInterest": {"name", "description", "encodingType", "feature"},
}
NAVIGATION = {
    "Things": {"Locations", "HistoricalLocations", "Datastreams"},
    "Locations": {"Things", "HistoricalLocations"},
    "HistoricalLocations": {"Thing", "Locations"},
    "Datastreams": {"Thing", "Sensor", "ObservedProperty", "Observations"},
    "Sensors": {"Datastreams"},
    "ObservedProperties": {"Datastreams"},
    "Observations": {"Datastream", "FeatureOfInterest"},
    "FeaturesOfInterest": {"Observations"},
}


def test_service_root_lists_all_eight_sets_and_conformance(api: Api) -> None:
    for root in (api.get(""), api.get("/")):
        assert sorted(e["name"] for e in root["value"]) == sorted(PROPERTIES)
        assert all(e["url"].endswith(f"{STA}/{e['name']}") for e in root["value"])
        assert REQ + "datamodel" in root["serverSettings"]["conformance"]


def test_datamodel_entities_have_their_properties(api: Api) -> None:
    for name, required in PROPERTIES.items():
        entities = api.get(f"/{name}")["value"]
        assert entities, name
        for entity in entities:
            assert required <= entity.keys(), (name, required - entity.keys())
            assert isinstance(entity["@iot.id"], int)
            assert entity["@iot.selfLink"].endswith(f"/{name}({entity['@iot.id']})")
            links = {k.split("@")[0] for k in entity if k.endswith("@iot.navigationLink")}
            assert links == NAVIGATION[name], name
    stream = api.get("/Datastreams", **{"$filter": "properties/observedProperty eq 'rainfall'", "$top": 1})["value"][0]
    assert stream["unitOfMeasurement"] == {
        "name": "millimetre",
        "symbol": "mm",
        "definition": "http://qudt.org/vocab/unit/MilliM",
    }
    assert stream["phenomenonTime"] == "2026-11-23T05:00:00Z/2026-11-23T05:29:00Z"
    assert stream["resultTime"] == stream["phenomenonTime"]
    assert stream["observationType"].endswith("OM_Measurement")
    observed = api.get("/ObservedProperties")["value"]
    assert sorted(o["name"] for o in observed) == ["rainfall", "water_level"]
    assert all(o["definition"].startswith("urn:") for o in observed)
    observation = api.get("/Observations", **{"$top": 1})["value"][0]
    assert observation["resultTime"] and observation["phenomenonTime"].endswith("Z")


def test_navigation_links_lead_to_the_related_entities(api: Api, sta: dict[str, Any]) -> None:
    fuchun = sta["stations"][FUCHUN_GAUGE]
    rain = sta["streams"][(FUCHUN_GAUGE, "rainfall")]
    thing = api.get(f"/Things({fuchun})")
    assert api.values(thing["Locations@iot.navigationLink"]) == [fuchun]
    assert api.values(thing["HistoricalLocations@iot.navigationLink"]) == [fuchun]
    assert sorted(api.values(thing["Datastreams@iot.navigationLink"])) == sorted(
        ds for (code, _p), ds in sta["streams"].items() if code == FUCHUN_GAUGE
    )
    stream = api.get(f"/Datastreams({rain})")
    assert api.get(stream["Thing@iot.navigationLink"])["@iot.id"] == fuchun
    assert api.get(stream["Sensor@iot.navigationLink"])["@iot.id"] == rain
    assert api.get(stream["ObservedProperty@iot.navigationLink"])["name"] == "rainfall"
    assert len(api.values(stream["Observations@iot.navigationLink"], **{"$top": "100"})) == 30
    observation = api.get(f"/Datastreams({rain})/Observations", **{"$top": 1})["value"][0]
    assert api.get(observation["Datastream@iot.navigationLink"])["@iot.id"] == rain
    feature = api.get(observation["FeatureOfInterest@iot.navigationLink"])
    assert feature["@iot.id"] == fuchun and feature["feature"]["type"] == "Point"
    assert len(api.values(feature["Observations@iot.navigationLink"], **{"$top": "100"})) == 33
    # ObservedProperty → all datastreams of that property, in both townships
    op = api.get(stream["ObservedProperty@iot.navigationLink"])
    assert len(api.values(op["Datastreams@iot.navigationLink"])) == 2
    sensor = api.get(stream["Sensor@iot.navigationLink"])
    assert api.values(sensor["Datastreams@iot.navigationLink"]) == [rain]
    history = api.get(f"/HistoricalLocations({fuchun})")
    assert api.get(history["Thing@iot.navigationLink"])["@iot.id"] == fuchun
    assert api.values(f"/Locations({fuchun})/Things") == [fuchun]


def test_resource_paths_address_sets_entities_properties(api: Api, sta: dict[str, Any]) -> None:
    fuchun = sta["stations"][FUCHUN_GAUGE]
    rain = sta["streams"][(FUCHUN_GAUGE, "rainfall")]
    assert api.get(f"/Things({fuchun})/name") == {"name": "富春雨量站"}
    assert api.get(f"/Things({fuchun})/name/$value") == "富春雨量站"
    assert api.get(f"/Datastreams({rain})/unitOfMeasurement")["unitOfMeasurement"]["symbol"] == "mm"
    assert api.get(f"/Things({fuchun})/$ref") == {"@iot.selfLink": f"http://testserver{STA}/Things({fuchun})"}
    refs = api.get("/Things/$ref", **{"$orderby": "id"})
    assert [r["@iot.selfLink"].rsplit("/", 1)[1] for r in refs["value"]] == [
        f"Things({i})" for i in sorted(sta["stations"].values())
    ]
    assert refs["value"][0].keys() == {"@iot.selfLink"}
    assert api.get(f"/Datastreams({rain})/Thing/$ref")["@iot.selfLink"].endswith(f"/Things({fuchun})")
    nested = api.get(f"/Things({fuchun})/Datastreams({rain})/Observations", **{"$count": "true", "$top": 1})
    assert nested["@iot.count"] == 30
    assert api.get(f"/Things({fuchun})/Datastreams({rain})/Thing/Locations")["value"][0]["@iot.id"] == fuchun
    one = api.get(f"/Datastreams({rain})/Observations", **{"$top": 1})["value"][0]
    assert api.get(f"/Observations({one['@iot.id']})/result/$value") == "0.0"


def test_query_options_apply_in_the_standard_order(api: Api) -> None:
    """$filter, then $count, then $orderby, $skip, $top; $expand and $select on what remains."""
    body = api.get(
        "/Observations",
        **{"$filter": "result ge 1", "$count": "true", "$orderby": "result desc", "$skip": 2, "$top": 3},
    )
    assert body["@iot.count"] == 5 + 20 + 3  # 万市 five 1s, 富春 1.0…2.9, water levels 3, 4, 5
    assert [o["result"] for o in body["value"]] == [3.0, 2.9, 2.8]


def test_expand_nested_and_path_form(api: Api, sta: dict[str, Any]) -> None:
    fuchun = sta["stations"][FUCHUN_GAUGE]
    thing = api.get(
        f"/Things({fuchun})",
        **{
            "$expand": "Datastreams($filter=properties/observedProperty eq 'rainfall';"
            "$expand=Observations($top=2;$orderby=phenomenonTime desc;$select=result),ObservedProperty),"
            "Locations"
        },
    )
    (stream,) = thing["Datastreams"]
    assert [o["result"] for o in stream["Observations"]] == [2.9, 2.8]
    assert stream["Observations"][0].keys() == {"result"}
    assert stream["Observations@iot.nextLink"].count("%24skip=2") == 1
    assert stream["ObservedProperty"]["name"] == "rainfall"
    assert thing["Locations"][0]["location"]["type"] == "Point"
    path_form = api.get("/Observations", **{"$expand": "Datastream/Thing/Locations", "$top": 1})["value"][0]
    assert path_form["Datastream"]["Thing"]["Locations"][0]["@iot.id"] in sta["stations"].values()
    counted = api.get(f"/Things({fuchun})", **{"$expand": "Datastreams($count=true;$top=1)"})
    assert counted["Datastreams@iot.count"] == 2 and len(counted["Datastreams"]) == 1


def test_select_returns_exactly_what_was_selected(api: Api) -> None:
    things = api.get("/Things", **{"$select": "name,id"})["value"]
    assert all(t.keys() == {"name", "@iot.id"} for t in things)
    streams = api.get("/Datastreams", **{"$select": "unitOfMeasurement,Thing", "$expand": "Sensor"})["value"]
    assert all(s.keys() == {"unitOfMeasurement", "Thing@iot.navigationLink", "Sensor"} for s in streams)


def test_orderby_several_keys(api: Api) -> None:
    body = api.get("/Observations", **{"$orderby": "result desc,phenomenonTime asc", "$top": 8})
    rows = [(o["result"], o["phenomenonTime"]) for o in body["value"]]
    assert rows == sorted(rows, key=lambda r: (-r[0], r[1]))
    assert [r[0] for r in rows][:3] == [5.0, 4.0, 3.0]
    ones = [o["phenomenonTime"] for o in body["value"] if o["result"] == 1.0]
    assert ones == sorted(ones)
    expression = api.values("/Observations", "result", **{"$orderby": "result mod 1 desc, result", "$top": 2})
    assert expression == [0.9, 1.9]


def test_top_skip_count_and_next_link(api: Api) -> None:
    page = api.get("/Observations", **{"$top": 5000, "$count": "true", "$orderby": "id"})
    assert page["@iot.count"] == 38 and len(page["value"]) == 38 and "@iot.nextLink" not in page
    page = api.get("/Observations", **{"$top": 10, "$skip": 5, "$count": "true"})
    assert page["@iot.count"] == 38 and len(page["value"]) == 10
    seen = [o["@iot.id"] for o in page["value"]]
    while "@iot.nextLink" in page:
        assert "%24top=10" in page["@iot.nextLink"] and "%24count=true" in page["@iot.nextLink"]
        page = api.get(page["@iot.nextLink"])
        seen += [o["@iot.id"] for o in page["value"]]
    assert len(seen) == len(set(seen)) == 33
    assert "@iot.count" not in api.get("/Things")
    assert api.get("/Things", **{"$top": 0, "$count": "true"}) == {"@iot.count": 2, "value": []}


def test_top_beyond_the_server_maximum_pages_instead_of_failing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from gridgov.sensing import sensorthings_query

    monkeypatch.setattr(sensorthings_query, "MAX_TOP", 7)
    page = api.get("/Observations", **{"$top": 20})
    assert len(page["value"]) == 7 and "%24top=13" in page["@iot.nextLink"] and "%24skip=7" in page["@iot.nextLink"]
    page = api.get(page["@iot.nextLink"])
    assert len(page["value"]) == 7 and "%24top=6" in page["@iot.nextLink"]
    assert len(api.get(page["@iot.nextLink"])["value"]) == 6


FILTERS: list[tuple[str, str, int]] = [
    # (entity set, $filter, expected count) — 38 observations: 富春 rain 0.0…2.9, 万市 rain 5×1, 富春 water 3, 4, 5
    ("Observations", "result eq 1", 6),
    ("Observations", "result ne 1", 32),
    ("Observations", "result gt 2.5 and result lt 3", 4),
    ("Observations", "result ge 3 or result le 0.1", 5),
    ("Observations", "not (result lt 2.8)", 5),
    ("Observations", "result add 1 eq 2", 6),
    ("Observations", "result sub 1 eq 0", 6),
    ("Observations", "result mul 2 eq 10", 1),
    ("Observations", "result div 2 eq 2", 1),
    ("Observations", "result mod 2 eq 1", 6 + 2),
    ("Observations", "-result lt -4.5", 1),
    ("Observations", "round(result) eq 3", 5 + 1),
    ("Observations", "floor(result) eq 2", 10),
    ("Observations", "ceiling(result) eq 1", 10 + 5),
    ("Observations", "phenomenonTime ge 2026-11-23T05:10:00Z and phenomenonTime lt 2026-11-23T13:20:00+08:00", 10),
    ("Observations", "resultTime lt '2026-11-23T05:02:00Z'", 6),
    ("Observations", "year(phenomenonTime) eq 2026 and month(phenomenonTime) eq 11 and day(phenomenonTime) eq 23", 38),
    ("Observations", "hour(phenomenonTime) eq 5 and minute(phenomenonTime) lt 2", 6),
    ("Observations", "second(phenomenonTime) eq 0 and fractionalseconds(phenomenonTime) eq 0", 38),
    ("Observations", "date(phenomenonTime) eq 2026-11-23", 38),
    ("Observations", "time(phenomenonTime) eq 05:01:00", 3),
    ("Observations", "totaloffsetminutes(phenomenonTime) eq 0", 38),
    ("Observations", "phenomenonTime lt now() and phenomenonTime gt mindatetime()", 38),
    ("Observations", "phenomenonTime lt maxdatetime()", 38),
    ("Things", "name eq '富春雨量站'", 1),
    ("Things", "substringof('富春', name)", 1),
    ("Things", "contains(name, '雨量')", 2),
    ("Things", "startswith(name, '万市')", 1),
    ("Things", "endswith(name, '雨量站')", 2),
    ("Things", "endswith(name, '这是一个很长的名字雨量站')", 0),
    ("Things", "length(name) eq 5", 2),
    ("Things", "indexof(name, '雨') eq 2", 2),
    ("Things", "substring(name, 2) eq '雨量站'", 2),
    ("Things", "substring(name, 0, 2) eq '富春'", 1),
    ("Things", "tolower(properties/code) eq 'rg-fc-001'", 1),
    ("Things", "toupper(properties/kind) eq 'RAIN_GAUGE'", 2),
    ("Things", "trim(concat(' ', name)) eq '万市雨量站'", 1),
    ("Things", "properties/active eq true", 2),
    ("Things", "properties/lastSeenAt ne null", 2),
    ("Things", "description eq null", 0),
    ("Datastreams", "unitOfMeasurement/symbol eq 'mm'", 2),
    ("Datastreams", "ObservedProperty/name eq 'water_level'", 1),
    ("Sensors", "startswith(name, 'RG-FC-001')", 2),
    ("ObservedProperties", "name eq 'rainfall'", 1),
    ("HistoricalLocations", "time le now()", 2),
]


def test_filter_operators_and_functions(api: Api) -> None:
    counted = {
        (entity, expression): api.get(f"/{entity}", **{"$filter": expression, "$count": "true", "$top": 0})
        for entity, expression, _expected in FILTERS
    }
    wrong = [(e, x, n, counted[e, x]["@iot.count"]) for e, x, n in FILTERS if counted[e, x]["@iot.count"] != n]
    assert not wrong


def _count(api: Api, path: str, expression: str) -> int:
    count: int = api.get(path, **{"$filter": expression, "$count": "true", "$top": 0})["@iot.count"]
    return count


def test_filter_across_related_entities(api: Api, sta: dict[str, Any]) -> None:
    assert _count(api, "/Observations", "Datastream/Thing/name eq '万市雨量站'") == 5
    assert _count(api, "/Observations", "Datastream/ObservedProperty/name eq 'water_level' and result gt 3") == 2
    assert _count(api, "/Observations", "FeatureOfInterest/name eq '富春雨量站'") == 33
    assert _count(api, "/Things", "Datastreams/ObservedProperty/name eq 'water_level'") == 1
    assert _count(api, "/Things", "Datastreams/Observations/result gt 4") == 1  # any related entity matches
    assert _count(api, "/Locations", "Things/Datastreams/unitOfMeasurement/symbol eq 'mm'") == 2
    assert _count(api, "/Datastreams", "Thing/properties/code eq 'RG-WS-001' or Observations/result ge 5") == 2
    nested = api.get("/Things", **{"$expand": "Datastreams($filter=Observations/result gt 4)"})["value"]
    assert sorted(len(t["Datastreams"]) for t in nested) == [0, 1]
    ordered = api.values("/Datastreams", "name", **{"$orderby": "Thing/properties/code desc, id"})
    assert ordered[0].startswith(WANSHI_GAUGE)


def test_filter_geospatial_functions(api: Api) -> None:
    west = "geography'POLYGON((119.9 30.0, 120.0 30.0, 120.0 30.1, 119.9 30.1, 119.9 30.0))'"
    assert _count(api, "/Locations", f"st_within(location, {west})") == 1
    assert _count(api, "/Locations", f"st_intersects(location, {west})") == 1
    assert _count(api, "/Locations", f"st_disjoint(location, {west})") == 1
    assert _count(api, "/Locations", f"st_contains({west}, location)") == 1
    assert _count(api, "/Locations", "st_equals(location, geography'POINT(119.95 30.02)')") == 1
    assert _count(api, "/Locations", f"st_relate(location, {west}, 'T********')") == 1
    assert _count(api, "/Locations", "geo.distance(location, geography'POINT(120.0 30.02)') lt 0.06") == 2
    assert _count(api, "/Locations", "geo.distance(location, geography'SRID=4326;POINT(119.95 30.02)') lt 0.01") == 1
    assert _count(api, "/Locations", "geo.length(geography'LINESTRING(0 0, 3 4)') eq 5") == 2
    assert _count(api, "/Locations", f"geo.intersects(location, {west})") == 1
    assert _count(api, "/FeaturesOfInterest", f"st_within(feature, {west})") == 1
    assert _count(api, "/Observations", f"st_within(FeatureOfInterest/feature, {west})") == 33
    assert _count(api, "/Things", f"st_within(Locations/location, {west})") == 1
    ordered = api.values("/Locations", "name", **{"$orderby": "geo.distance(location, geography'POINT(121 30)')"})
    assert ordered == ["万市雨量站", "富春雨量站"]


BAD_QUERIES: list[tuple[str, dict[str, str]]] = [
    ("/Observations", {"$filter": "result gt"}),
    ("/Observations", {"$filter": "colour eq 'red'"}),
    ("/Observations", {"$filter": "result gt 'x'"}),
    ("/Observations", {"$filter": "phenomenonTime ge 'yesterday'"}),
    ("/Observations", {"$filter": "result"}),
    ("/Observations", {"$filter": "nosuch(result) eq 1"}),
    ("/Observations", {"$filter": "length(result) eq 1"}),
    ("/Observations", {"$filter": "result lt null"}),
    ("/Locations", {"$filter": "st_within(location, geography'POLYGON((0 0')"}),
    ("/Locations", {"$filter": "st_within(name, geography'POINT(0 0)')"}),
    ("/Observations", {"$orderby": "nothing"}),
    ("/Observations", {"$orderby": "result sideways"}),
    ("/Observations", {"$expand": "Things"}),
    ("/Observations", {"$expand": "Datastream($top=x)"}),
    ("/Observations", {"$select": "colour"}),
    ("/Observations", {"$top": "-1"}),
    ("/Observations", {"$top": "many"}),
    ("/Observations", {"$skip": "1.5"}),
    ("/Observations", {"$count": "yes"}),
    ("/Observations", {"$format": "json"}),
    ("/Observations", {"$resultFormat": "dataArray"}),
]


def test_errors_are_400_for_bad_queries_and_404_for_missing_entities(
    client: TestClient, api: Api, sta: dict[str, Any]
) -> None:
    for path, query in BAD_QUERIES:
        response = client.get(STA + path, params=query, headers=api.headers)
        assert response.status_code == 400, (path, query, response.text)
        detail = response.json()["detail"][0]
        assert detail["loc"][-1] == next(iter(query)) and "(" in detail["msg"], detail
    missing = [
        "/Things(999999)",
        "/Sensors(999999)",
        "/Things(999999)/Datastreams",
        "/Nothing",
        "/Things(1x)",
        "/Things(99999999999999999999)",
        f"/Things({sta['stations'][FUCHUN_GAUGE]})/colour",
        f"/Things({sta['stations'][FUCHUN_GAUGE]})/name/extra",
        "/Things/name",
    ]
    for path in missing:
        assert client.get(STA + path, headers=api.headers).status_code == 404, path


def test_a_township_sees_its_own_entities_only(client: TestClient, sta: dict[str, Any]) -> None:
    fuchun = Api(client, sta["headers"]["fuchun"])
    wanshi = sta["stations"][WANSHI_GAUGE]
    for name in SETS:
        body = fuchun.get(f"/{name}", **{"$top": 1000, "$expand": ",".join(NAVIGATION[name])})
        assert "万市" not in str(body) and WANSHI_GAUGE not in str(body), name
    assert fuchun.get("/ObservedProperties", **{"$count": "true"})["@iot.count"] == 2
    op = fuchun.get("/ObservedProperties", **{"$filter": "name eq 'rainfall'"})["value"][0]
    assert len(fuchun.values(op["Datastreams@iot.navigationLink"])) == 1
    for path in (f"/Things({wanshi})", f"/FeaturesOfInterest({wanshi})", f"/HistoricalLocations({wanshi})/Thing"):
        assert client.get(STA + path, headers=sta["headers"]["fuchun"]).status_code == 404
    assert fuchun.get("/Observations", **{"$filter": "Datastream/Thing/name eq '万市雨量站'"})["value"] == []
    assert client.get(f"{STA}/Things").status_code == 401


def test_every_requirement_names_a_test_of_this_file() -> None:
    assert set(REQUIREMENTS.values()) <= set(globals())
