"""Sensing domain logic: stations and datastreams, and the ingest step every source shares. Flushes, never commits.

Every reading, whatever its source, goes through :meth:`Ingestor.write` inside a writer transaction:
checked against the station catalogue and the ingest limits, stored with one upsert per batch
(a repeat is counted, not stored twice; late and out-of-order readings are simply stored), and
anything refused is dead-lettered with its reason. The writer answers the source only after the
commit, so an HTTP 202 or an MQTT acknowledgement (a gateway's PUBACK, with the embedded broker) means the
rows are committed: they survive a crash of the process; on SQLite they survive a power cut only with
``GRIDGOV_SQLITE_SYNCHRONOUS=full`` (PostgreSQL: with its default ``synchronous_commit=on``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridgov.configdata.service import DocumentKind, load_document
from gridgov.errors import Conflict, InvalidInput, NotFound
from gridgov.geo.service import geo_service
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.sensing.models import Datastream, Station
from gridgov.sensing.parsing import Reading, Refusal
from gridgov.sensing.repository import SensingRepository
from gridgov.sensing.schemas import (
    DatastreamCreate,
    DatastreamRead,
    IngestCounts,
    IngestLimits,
    StationCreate,
    StationPage,
    StationRead,
    StationUpdate,
)

LIMITS = DocumentKind("sensing.limits", IngestLimits, "gridgov.sensing", "data/limits.yaml")
GATEWAY_ROLES = frozenset({"api_client", "admin"})
"""Roles whose tokens may send readings (HTTP batch, embedded MQTT broker)."""
MAX_ERRORS_SHOWN = 100
LIMITS_SECONDS = 1.0


# the station catalogue ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StreamInfo:
    id: int
    unit: str
    min_value: float | None
    max_value: float | None


@dataclass(slots=True)
class StationInfo:
    id: int
    path: str
    active: bool
    streams: dict[str, StreamInfo] = field(default_factory=dict)


@dataclass
class _Built:
    version: tuple[Any, ...]
    stations: dict[str, StationInfo]
    checked_at: float


class Catalogue:
    """Stations and their datastreams by code, per process and database, rebuilt when either table
    changes: each writer batch checks the version (one small query), so a removed datastream is never
    written to and a new station is known at once."""

    def __init__(self) -> None:
        self._built: dict[str, _Built] = {}
        self._lock = threading.Lock()

    def stations(self, session: Session) -> dict[str, StationInfo]:
        key = str(session.get_bind().engine.url)
        built = self._built.get(key)
        repo = SensingRepository(session)
        version = repo.catalogue_version()
        if built is not None and built.version == version:
            built.checked_at = time.monotonic()
            return built.stations
        with self._lock:
            stations: dict[str, StationInfo] = {}
            for sid, code, path, active, dsid, prop, unit, lo, hi in repo.catalogue_rows():
                info = stations.get(code)
                if info is None:
                    info = stations[code] = StationInfo(sid, path, bool(active))
                if dsid is not None:
                    info.streams[prop] = StreamInfo(dsid, unit, lo, hi)
            self._built[key] = _Built(version, stations, time.monotonic())
        return stations

    def invalidate(self) -> None:
        self._built.clear()


catalogue = Catalogue()


# ingest ------------------------------------------------------------------------------------------
@dataclass
class Batch:
    """One unit of input (an HTTP request, an MQTT message, a CSV file) as parsed."""

    source: str
    """http, mqtt or csv"""
    parts: list[Reading | Refusal]
    scope: tuple[str, ...] | None = None
    """The gateway's area: a station outside it is refused (None: the platform's own consumer)."""

    @property
    def weight(self) -> int:
        return len(self.parts)


@dataclass
class Outcome:
    accepted: int = 0
    duplicate: int = 0
    refused: list[tuple[int, Refusal]] = field(default_factory=list)
    """(index of the part in its batch, refusal)"""

    def counts(self) -> IngestCounts:
        return IngestCounts(
            accepted=self.accepted,
            duplicate=self.duplicate,
            dead_lettered=len(self.refused),
            errors=[
                {"index": index, "where": r.where, "kind": r.kind, "reason": r.reason}
                for index, r in self.refused[:MAX_ERRORS_SHOWN]
            ],
        )


@dataclass(frozen=True, slots=True)
class Landed:
    """A reading stored for the first time (listeners recompute what derives from it)."""

    datastream_id: int
    station_id: int
    time: datetime
    value: float


Listener = Callable[[Session, list[Landed]], None]


class Ingestor:
    """The write step shared by every source; run by the observation writer, one call per batch of batches."""

    def __init__(self, clock: Callable[[], datetime] = utcnow, listeners: Sequence[Listener] = ()) -> None:
        self.clock = clock
        self.listeners = list(listeners)
        self._limits: tuple[float, str, IngestLimits] | None = None

    def limits(self, session: Session) -> IngestLimits:
        """The ingest limits, read at most once a second per database (an edit applies within a second)."""
        key = str(session.get_bind().engine.url)
        cached = self._limits
        if cached is not None and cached[1] == key and time.monotonic() - cached[0] < LIMITS_SECONDS:
            return cached[2]
        limits = load_document(session, LIMITS)
        self._limits = (time.monotonic(), key, limits)
        return limits

    def write(self, session: Session, batches: Sequence[Batch]) -> list[Outcome]:
        now = self.clock()
        limits = self.limits(session)
        stations = catalogue.stations(session)
        repo = SensingRepository(session)
        outcomes = [Outcome() for _ in batches]
        # (datastream, time) → [value, occurrences, batch index of the first, station id]
        keyed: dict[tuple[int, datetime], list[Any]] = {}
        order: list[tuple[int, tuple[int, datetime]]] = []
        dead: list[dict[str, Any]] = []
        for b_index, batch in enumerate(batches):
            outcome = outcomes[b_index]
            for p_index, part in enumerate(batch.parts):
                if isinstance(part, Reading):
                    checked = self._check(part, stations, limits, now, batch.scope)
                    if isinstance(checked, tuple):
                        key = (checked[0], part.time)
                        entry = keyed.get(key)
                        if entry is None:
                            keyed[key] = [part.value, 1, b_index, checked[1]]
                        else:
                            entry[1] += 1
                        order.append((b_index, key))
                        continue
                    part = checked
                outcome.refused.append((p_index, part))
                dead.append(
                    {
                        "received_at": now,
                        "source": batch.source,
                        # a text column: PostgreSQL refuses NUL, and a topic is whatever a client sent
                        "topic": part.where.replace("\x00", "\\x00")[:300],
                        "kind": part.kind,
                        "reason": part.reason.replace("\x00", "\\x00"),
                        "payload": part.raw,
                        "payload_size": part.size,
                    }
                )
        rows = [
            {"datastream_id": ds, "phenomenon_time": t, "value": e[0], "received_at": now, "repeats": e[1] - 1}
            for (ds, t), e in keyed.items()
        ]
        returned = repo.upsert_observations(rows)
        new = {(ds, t) for ds, t, repeats in returned if repeats == keyed[(ds, t)][1] - 1}
        firsts: set[tuple[int, datetime]] = set()
        for b_index, key in order:
            if key in new and key not in firsts:
                firsts.add(key)
                outcomes[b_index].accepted += 1
            else:
                outcomes[b_index].duplicate += 1
        repo.touch_stations(list({e[3] for e in keyed.values()}), now)
        repo.add_dead_letters(dead)
        if self.listeners and new:
            landed = [Landed(ds, keyed[(ds, t)][3], t, keyed[(ds, t)][0]) for ds, t in new]
            for listener in self.listeners:
                listener(session, landed)
        if new:
            repo.announce_new_readings()
        return outcomes

    def _check(
        self,
        reading: Reading,
        stations: dict[str, StationInfo],
        limits: IngestLimits,
        now: datetime,
        scope: tuple[str, ...] | None,
    ) -> tuple[int, int] | Refusal:
        """(datastream id, station id) of an acceptable reading, else why not."""

        def refuse(kind: str, reason: str, column: str | None = None) -> Refusal:
            return Refusal(kind, reason, reading.where, reading.raw, reading.size, column)

        station = stations.get(reading.station)
        if station is None:
            return refuse("unknown_station", f"未知站点 {reading.station} (unknown station)", "station")
        if not station.active:
            return refuse("inactive_station", f"站点 {reading.station} 已停用 (station is inactive)", "station")
        if scope is not None and not any(station.path.startswith(root) for root in scope):
            return refuse(
                "out_of_scope", f"站点 {reading.station} 不在本网关辖区内 (station outside your area)", "station"
            )
        stream = station.streams.get(reading.property)
        if stream is None:
            return refuse(
                "unknown_property",
                f"站点 {reading.station} 没有观测要素 {reading.property} (unknown property for this station)",
                "property",
            )
        if reading.unit is not None and reading.unit != stream.unit:
            return refuse(
                "wrong_unit",
                f"单位应为 {stream.unit}，收到 {reading.unit} (wrong unit: expected {stream.unit})",
                "unit",
            )
        defaults = limits.properties.get(reading.property)
        low = stream.min_value if stream.min_value is not None else (defaults.min if defaults else None)
        high = stream.max_value if stream.max_value is not None else (defaults.max if defaults else None)
        if (low is not None and reading.value < low) or (high is not None and reading.value > high):
            return refuse(
                "implausible",
                f"数值 {reading.value:g} 超出合理范围 [{_bound(low)}, {_bound(high)}]"
                " (value outside the plausible range)",
                "value",
            )
        if reading.time > now + timedelta(seconds=limits.future_seconds):
            return refuse(
                "future_time",
                f"观测时间 {reading.time.isoformat()} 超前于当前时间 (time is too far in the future)",
                "time",
            )
        if reading.time < limits.earliest:
            return refuse("too_old", f"观测时间早于 {limits.earliest.date()} (time is implausibly old)", "time")
        return stream.id, station.id


def _bound(value: float | None) -> str:
    return "-∞" if value is None else f"{value:g}"


# stations and datastreams ------------------------------------------------------------------------
NOT_IN_SCOPE = "不存在或不在您的辖区内 (no such station in your area)"


class SensingService:
    """Stations and their datastreams: reading needs ``org:read`` (the station in the user's area or owned
    by one of the user's units), writing ``org:write`` and the station in the user's area. Every write is
    an ORM write, so the audit log records it; the ingest catalogue sees it at the writer's next batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = SensingRepository(session)

    # reading -----------------------------------------------------------------------------------
    def get_station(self, principal: Principal, code: str) -> Station:
        principal.require("org:read")
        station = self.repo.station_by_code(code)
        if station is None or not (principal.covers(station.path) or station.owner_unit_id in principal.unit_ids):
            raise NotFound(f"站点 {code} {NOT_IN_SCOPE}")
        return station

    def list_stations(
        self, principal: Principal, *, kind: str | None, active: bool | None, limit: int, offset: int
    ) -> StationPage:
        principal.require("org:read")
        stmt = self.repo.visible_stations(principal.scope_paths, list(principal.unit_ids))
        items, total = self.repo.station_page(stmt, kind=kind, active=active, limit=limit, offset=offset)
        return StationPage(items=self.read_stations(items), total=total)

    def read_stations(self, stations: Sequence[Station]) -> list[StationRead]:
        streams: dict[int, list[DatastreamRead]] = {}
        for stream in self.repo.datastreams_of([s.id for s in stations]):
            streams.setdefault(stream.station_id, []).append(DatastreamRead.model_validate(stream))
        units = self.repo.units_by_ids([s.owner_unit_id for s in stations if s.owner_unit_id is not None])
        return [
            StationRead(
                id=s.id,
                code=s.code,
                kind=s.kind,
                name=s.name,
                lon=s.lon,
                lat=s.lat,
                area_code=s.path.rstrip("/").rsplit("/", 1)[-1],
                owner_unit_code=units[s.owner_unit_id].code if s.owner_unit_id in units else None,
                interval_seconds=s.interval_seconds,
                active=s.active,
                last_seen_at=s.last_seen_at,
                datastreams=streams.get(s.id, []),
            )
            for s in stations
        ]

    # writing -----------------------------------------------------------------------------------
    def create_station(self, principal: Principal, data: StationCreate) -> Station:
        """A station inside the principal's area (located in the org tree by its coordinates), with its
        datastreams."""
        principal.require("org:write")
        if self.repo.station_by_code(data.code) is not None:
            raise Conflict(f"站点编码 {data.code} 已存在 (station code taken)", field="code")
        path = self._locate(principal, data.lon, data.lat)
        station = Station(
            code=data.code,
            kind=data.kind,
            name=data.name,
            lon=data.lon,
            lat=data.lat,
            path=path,
            owner_unit_id=self._owner_unit(data.owner_unit_code, path),
            interval_seconds=data.interval_seconds,
            active=data.active,
        )
        self.session.add(station)
        self.session.flush()
        for index, stream in enumerate(data.datastreams):
            self._add_stream(station, stream, f"datastreams.{index}.")
        self.session.flush()
        return station

    def update_station(self, principal: Principal, code: str, data: StationUpdate) -> Station:
        """Name, place, owner, interval, active. Moving a station re-locates it (still in the user's area)."""
        station = self._writable(principal, code)
        sent = data.model_fields_set
        if data.name is not None:
            station.name = data.name
        if data.lon is not None and data.lat is not None:
            station.path = self._locate(principal, data.lon, data.lat)
            station.lon, station.lat = data.lon, data.lat
        if "owner_unit_code" in sent or (data.lon is not None and station.owner_unit_id is not None):
            code_now = data.owner_unit_code if "owner_unit_code" in sent else self._owner_code(station)
            station.owner_unit_id = self._owner_unit(code_now, station.path)
        if data.interval_seconds is not None:
            station.interval_seconds = data.interval_seconds
        if data.active is not None:
            station.active = data.active
        self.session.flush()
        return station

    def add_datastream(self, principal: Principal, station_code: str, data: DatastreamCreate) -> Datastream:
        station = self._writable(principal, station_code)
        if self.repo.datastream(station.id, data.property) is not None:
            raise Conflict(f"站点 {station_code} 已有观测要素 {data.property} (datastream exists)", field="property")
        stream = self._add_stream(station, data, "")
        self.session.flush()
        return stream

    def _writable(self, principal: Principal, code: str) -> Station:
        principal.require("org:write")
        station = self.repo.station_by_code(code)
        if station is None or not principal.covers(station.path):
            raise NotFound(f"站点 {code} {NOT_IN_SCOPE}")
        return station

    def _locate(self, principal: Principal, lon: float, lat: float) -> str:
        return geo_service.locate(self.session, lon, lat, principal.scope_paths).path

    def _owner_unit(self, code: str | None, path: str) -> int | None:
        """The unit's id: a unit attached to the station's place or above it (a township office, a county
        bureau), never another area's."""
        if not code:
            return None
        found = self.repo.unit_with_path(code)
        if found is None:
            raise InvalidInput(f"单位 {code} 不存在 (unknown unit)", field="owner_unit_code")
        unit, unit_path = found
        if not path.startswith(unit_path):
            raise InvalidInput(
                f"单位 {code} 不服务于站点所在地 (the unit does not serve the station's area)", field="owner_unit_code"
            )
        return unit.id

    def _owner_code(self, station: Station) -> str | None:
        units = self.repo.units_by_ids([station.owner_unit_id] if station.owner_unit_id is not None else [])
        return next((u.code for u in units.values()), None)

    def _add_stream(self, station: Station, data: DatastreamCreate, where: str) -> Datastream:
        defaults = load_document(self.session, LIMITS).properties.get(data.property)
        unit = data.unit or (defaults.unit if defaults else None)
        if unit is None:
            raise InvalidInput(
                f"请填写 {data.property} 的单位 (unit is required for this property)", field=f"{where}unit"
            )
        stream = Datastream(
            station_id=station.id,
            property=data.property,
            unit=unit,
            min_value=data.min_value,
            max_value=data.max_value,
        )
        self.session.add(stream)
        return stream
