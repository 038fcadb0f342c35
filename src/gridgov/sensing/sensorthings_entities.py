"""The eight SensorThings 1.1 entity sets over the sensing tables (OGC 18-088 §8.2, the Sensing Core data model).

Three tables carry them all, without tables of their own:

- Things, Locations, HistoricalLocations and FeaturesOfInterest are stations (one row each, same id): a station
  stands where it was installed, its one HistoricalLocation is its installation time, and what it observes is
  the place it stands (a rain gauge samples the rain at its site).
- Datastreams and Sensors are datastreams (same id): each datastream has the instrument that measures it.
- ObservedProperties are the distinct observed properties of the datastreams; one's id is the smallest id of
  a datastream observing it.
- Observations are observations.

Each set names its properties (for ``$filter``/``$orderby``: a SQL expression over an alias and a type), its
navigation properties (target set, to-one or to-many, and the join between a parent alias and a child alias)
and how a row renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import aliased

from gridgov.kit.time import as_utc
from gridgov.sensing.models import Datastream, Observation, Station

OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
GEOJSON = "application/geo+json"
QUDT = "http://qudt.org/vocab/unit/"
UNIT_DEFINITIONS = {
    "mm": ("millimetre", QUDT + "MilliM"),
    "m": ("metre", QUDT + "M"),
    "cm": ("centimetre", QUDT + "CentiM"),
    "m³": ("cubic metre", QUDT + "M3"),
    "m3": ("cubic metre", QUDT + "M3"),
    "m³/s": ("cubic metre per second", QUDT + "M3-PER-SEC"),
    "m3/s": ("cubic metre per second", QUDT + "M3-PER-SEC"),
    "mm/h": ("millimetre per hour", QUDT + "MilliM-PER-HR"),
    "kWh": ("kilowatt hour", QUDT + "KiloW-HR"),
    "kW": ("kilowatt", QUDT + "KiloW"),
    "°C": ("degree Celsius", QUDT + "DEG_C"),
    "%": ("percent", QUDT + "PERCENT"),
    "m/s": ("metre per second", QUDT + "M-PER-SEC"),
    "hPa": ("hectopascal", QUDT + "HectoPA"),
}
"""Unit symbols of the datastreams → (name, QUDT unit URI); others are given as a UCUM code."""
UCUM = "http://unitsofmeasure.org/ucum.html#"
PROPERTY_VOCABULARY = "urn:gridgov:def:observed-property:"
"""ObservedProperty definitions: gridgov's own names (rainfall, water_level, volume, …) under a URN."""


def iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat().replace("+00:00", "Z")


def interval(span: tuple[datetime, datetime] | None) -> str | None:
    """An ISO 8601 interval ``start/end``, or the instant itself when both ends are one time."""
    if span is None:
        return None
    start, end = iso(span[0]), iso(span[1])
    return start if start == end else f"{start}/{end}"


def unit_of(symbol: str) -> dict[str, str]:
    name, definition = UNIT_DEFINITIONS.get(symbol, (symbol, UCUM + symbol))
    return {"name": name, "symbol": symbol, "definition": definition}


@dataclass(frozen=True)
class Prop:
    """A property usable in ``$filter`` and ``$orderby``: SQL over an alias of the set's table, and its type."""

    column: Callable[[Any], ColumnElement[Any]]
    kind: str
    """number, string, boolean, datetime, point (lon/lat columns of a station alias)"""


@dataclass(frozen=True)
class Nav:
    target: str
    many: bool
    join: Callable[[Any, Any], ColumnElement[bool]]
    """(parent alias, child alias) → the condition relating them."""


@dataclass(frozen=True)
class EntitySet:
    name: str
    model: type[Any]
    properties: dict[str, Prop]
    navigation: dict[str, Nav]
    render: Callable[[Any, Extras], dict[str, Any]]
    """A row → its properties (without ids and links), in the standard's order."""
    fields: tuple[str, ...]
    """The properties a row may have (what ``$select`` may name besides ids and navigation properties)."""
    restrict: Callable[[Any], ColumnElement[bool]] | None = None
    """A condition every row of the set meets (ObservedProperties: one datastream per property)."""


@dataclass
class Extras:
    """Per-request facts rendering needs beyond the row: stations of datastreams, time spans of datastreams."""

    stations: dict[int, Station]
    spans: dict[int, tuple[datetime, datetime]]
    result_spans: dict[int, tuple[datetime, datetime]]


def _id(alias: Any) -> ColumnElement[Any]:
    return alias.id  # type: ignore[no-any-return]


def _station_props(extra: dict[str, Prop]) -> dict[str, Prop]:
    return {
        "id": Prop(_id, "number"),
        "@iot.id": Prop(_id, "number"),
        "name": Prop(lambda a: a.name, "string"),
        **extra,
    }


def _point(alias: Any) -> ColumnElement[Any]:
    return alias.id  # type: ignore[no-any-return]


def _same(parent: Any, child: Any) -> ColumnElement[bool]:
    return child.id == parent.id  # type: ignore[no-any-return]


def _first_of_property(alias: Any) -> ColumnElement[bool]:
    other = aliased(Datastream)
    return alias.id.in_(select(func.min(other.id)).group_by(other.property))  # type: ignore[no-any-return]


def _feature_of(parent: Any, child: Any) -> ColumnElement[bool]:
    stream = aliased(Datastream)
    found = select(stream.station_id).where(stream.id == parent.datastream_id).correlate(parent)
    return child.id == found.scalar_subquery()  # type: ignore[no-any-return]


def _observations_at(parent: Any, child: Any) -> ColumnElement[bool]:
    stream = aliased(Datastream)
    return child.datastream_id.in_(select(stream.id).where(stream.station_id == parent.id).correlate(parent))  # type: ignore[no-any-return]


def _station_code(stream: Any) -> ColumnElement[Any]:
    station = aliased(Station)
    return select(station.code).where(station.id == stream.station_id).correlate(stream).scalar_subquery()


def _description(s: Station) -> str:
    return f"{s.kind} {s.code}"


def _geometry(s: Station) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [s.lon, s.lat]}


def _thing(s: Station, _extras: Extras) -> dict[str, Any]:
    return {
        "name": s.name,
        "description": _description(s),
        "properties": {
            "code": s.code,
            "kind": s.kind,
            "intervalSeconds": s.interval_seconds,
            "active": s.active,
            "lastSeenAt": iso(s.last_seen_at),
            "area": s.path.strip("/").split("/")[-1],
        },
    }


def _location(s: Station, _extras: Extras) -> dict[str, Any]:
    return {
        "name": s.name,
        "description": f"{s.name} ({s.code})",
        "encodingType": GEOJSON,
        "location": _geometry(s),
    }


def _historical_location(s: Station, _extras: Extras) -> dict[str, Any]:
    return {"time": iso(s.created_at)}


def _feature(s: Station, _extras: Extras) -> dict[str, Any]:
    return {
        "name": s.name,
        "description": f"{s.name} ({s.code}) 站点所在地 (the site of the station)",
        "encodingType": GEOJSON,
        "feature": _geometry(s),
    }


def _datastream(d: Datastream, extras: Extras) -> dict[str, Any]:
    station = extras.stations.get(d.station_id)
    code, name = (station.code, station.name) if station else (str(d.station_id), "")
    body: dict[str, Any] = {
        "name": f"{code} {d.property}",
        "description": f"{name} {d.property}".strip(),
        "unitOfMeasurement": unit_of(d.unit),
        "observationType": OM_MEASUREMENT,
    }
    if station is not None:
        body["observedArea"] = _geometry(station)
    span = extras.spans.get(d.id)
    if span is not None:
        body["phenomenonTime"] = interval(span)
        body["resultTime"] = interval(extras.result_spans.get(d.id))
    body["properties"] = {"observedProperty": d.property, "minValue": d.min_value, "maxValue": d.max_value}
    return body


def _sensor(d: Datastream, extras: Extras) -> dict[str, Any]:
    station = extras.stations.get(d.station_id)
    code, kind = (station.code, station.kind) if station else (str(d.station_id), "")
    return {
        "name": f"{code} {d.property} sensor",
        "description": f"{kind} {code}: {d.property} ({d.unit})",
        "encodingType": "text/plain",
        "metadata": f"{kind} station {code}, {d.property} in {d.unit}",
    }


def _observed_property(d: Datastream, _extras: Extras) -> dict[str, Any]:
    return {"name": d.property, "definition": PROPERTY_VOCABULARY + d.property, "description": d.property}


def _observation(o: Observation, _extras: Extras) -> dict[str, Any]:
    return {
        "phenomenonTime": iso(o.phenomenon_time),
        "resultTime": iso(o.phenomenon_time),
        "result": o.value,
        "parameters": {"receivedTime": iso(o.received_at), "repeats": o.repeats},
    }


SETS: dict[str, EntitySet] = {
    "Things": EntitySet(
        "Things",
        Station,
        _station_props(
            {
                "description": Prop(lambda a: a.kind + " " + a.code, "string"),
                "properties/code": Prop(lambda a: a.code, "string"),
                "properties/kind": Prop(lambda a: a.kind, "string"),
                "properties/active": Prop(lambda a: a.active, "boolean"),
                "properties/intervalSeconds": Prop(lambda a: a.interval_seconds, "number"),
                "properties/lastSeenAt": Prop(lambda a: a.last_seen_at, "datetime"),
            }
        ),
        {
            "Locations": Nav("Locations", True, _same),
            "HistoricalLocations": Nav("HistoricalLocations", True, _same),
            "Datastreams": Nav("Datastreams", True, lambda p, c: c.station_id == p.id),
        },
        _thing,
        ("name", "description", "properties"),
    ),
    "Locations": EntitySet(
        "Locations",
        Station,
        _station_props(
            {
                "description": Prop(lambda a: a.name + " (" + a.code + ")", "string"),
                "encodingType": Prop(lambda _a: literal(GEOJSON), "string"),
                "location": Prop(_point, "point"),
            }
        ),
        {"Things": Nav("Things", True, _same), "HistoricalLocations": Nav("HistoricalLocations", True, _same)},
        _location,
        ("name", "description", "encodingType", "location"),
    ),
    "HistoricalLocations": EntitySet(
        "HistoricalLocations",
        Station,
        {"id": Prop(_id, "number"), "@iot.id": Prop(_id, "number"), "time": Prop(lambda a: a.created_at, "datetime")},
        {"Thing": Nav("Things", False, _same), "Locations": Nav("Locations", True, _same)},
        _historical_location,
        ("time",),
    ),
    "FeaturesOfInterest": EntitySet(
        "FeaturesOfInterest",
        Station,
        _station_props({"feature": Prop(_point, "point")}),
        {"Observations": Nav("Observations", True, _observations_at)},
        _feature,
        ("name", "description", "encodingType", "feature"),
    ),
    "Datastreams": EntitySet(
        "Datastreams",
        Datastream,
        {
            "id": Prop(_id, "number"),
            "@iot.id": Prop(_id, "number"),
            "unitOfMeasurement/symbol": Prop(lambda a: a.unit, "string"),
            "name": Prop(lambda a: _station_code(a) + " " + a.property, "string"),
            "unitOfMeasurement/name": Prop(lambda a: a.unit, "string"),
            "observationType": Prop(lambda _a: literal(OM_MEASUREMENT), "string"),
            "properties/observedProperty": Prop(lambda a: a.property, "string"),
            "properties/minValue": Prop(lambda a: a.min_value, "number"),
            "properties/maxValue": Prop(lambda a: a.max_value, "number"),
        },
        {
            "Thing": Nav("Things", False, lambda p, c: c.id == p.station_id),
            "Sensor": Nav("Sensors", False, _same),
            "ObservedProperty": Nav("ObservedProperties", False, lambda p, c: c.property == p.property),
            "Observations": Nav("Observations", True, lambda p, c: c.datastream_id == p.id),
        },
        _datastream,
        (
            "name",
            "description",
            "unitOfMeasurement",
            "observationType",
            "observedArea",
            "phenomenonTime",
            "resultTime",
            "properties",
        ),
    ),
    "Sensors": EntitySet(
        "Sensors",
        Datastream,
        {
            "id": Prop(_id, "number"),
            "@iot.id": Prop(_id, "number"),
            "name": Prop(lambda a: _station_code(a) + " " + a.property + " sensor", "string"),
            "encodingType": Prop(lambda _a: literal("text/plain"), "string"),
        },
        {"Datastreams": Nav("Datastreams", True, _same)},
        _sensor,
        ("name", "description", "encodingType", "metadata"),
    ),
    "ObservedProperties": EntitySet(
        "ObservedProperties",
        Datastream,
        {
            "id": Prop(_id, "number"),
            "@iot.id": Prop(_id, "number"),
            "name": Prop(lambda a: a.property, "string"),
            "description": Prop(lambda a: a.property, "string"),
            "definition": Prop(lambda a: PROPERTY_VOCABULARY + a.property, "string"),
        },
        {"Datastreams": Nav("Datastreams", True, lambda p, c: c.property == p.property)},
        _observed_property,
        ("name", "definition", "description"),
        _first_of_property,
    ),
    "Observations": EntitySet(
        "Observations",
        Observation,
        {
            "id": Prop(_id, "number"),
            "@iot.id": Prop(_id, "number"),
            "phenomenonTime": Prop(lambda a: a.phenomenon_time, "datetime"),
            "resultTime": Prop(lambda a: a.phenomenon_time, "datetime"),
            "result": Prop(lambda a: a.value, "number"),
            "parameters/receivedTime": Prop(lambda a: a.received_at, "datetime"),
            "parameters/repeats": Prop(lambda a: a.repeats, "number"),
        },
        {
            "Datastream": Nav("Datastreams", False, lambda p, c: c.id == p.datastream_id),
            "FeatureOfInterest": Nav("FeaturesOfInterest", False, _feature_of),
        },
        _observation,
        ("phenomenonTime", "resultTime", "result", "parameters"),
    ),
}
