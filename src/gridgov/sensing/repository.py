"""All queries of the sensing core."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridgov.auth.models import Account, ApiToken
from gridgov.org.models import OrgNode, Person, Unit
from gridgov.org.repository import under
from gridgov.sensing.models import Datastream, DeadLetter, Observation, Station

_OBS = cast(Table, Observation.__table__)
_DEAD = cast(Table, DeadLetter.__table__)
_VERSION = select(
    select(func.count()).select_from(Station).scalar_subquery(),
    select(func.max(Station.updated_at)).scalar_subquery(),
    select(func.count()).select_from(Datastream).scalar_subquery(),
    select(func.max(Datastream.updated_at)).scalar_subquery(),
)
_CATALOGUE = select(
    Station.id,
    Station.code,
    Station.path,
    Station.active,
    Datastream.id,
    Datastream.property,
    Datastream.unit,
    Datastream.min_value,
    Datastream.max_value,
).outerjoin(Datastream, Datastream.station_id == Station.id)


def _upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (datastream, time) DO UPDATE: a repeat adds to the repeat count. ``repeats``
    of an inserted row carries how many extra copies the batch itself held; RETURNING tells the two
    apart (a new row comes back with the count it was given, an old one with more)."""
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = dialect_insert(_OBS)
    return stmt.on_conflict_do_update(
        index_elements=[_OBS.c.datastream_id, _OBS.c.phenomenon_time],
        set_={"repeats": _OBS.c.repeats + stmt.excluded.repeats + 1},
    ).returning(_OBS.c.datastream_id, _OBS.c.phenomenon_time, _OBS.c.repeats)


_UPSERTS = {name: _upsert(name) for name in ("sqlite", "postgresql")}
_STATIONS = cast(Table, Station.__table__)
READINGS_CHANNEL = "gridgov_readings"
"""The PostgreSQL notification channel announcing stored readings (see :class:`gridgov.kit.pglisten.PgListener`)."""
_ANNOUNCE = text("SELECT pg_notify(:channel, '')")
_TOUCH = (
    update(_STATIONS)
    .where(
        _STATIONS.c.id.in_(bindparam("ids", expanding=True)),
        or_(_STATIONS.c.last_seen_at.is_(None), _STATIONS.c.last_seen_at < bindparam("now")),
    )
    .values(last_seen_at=bindparam("now"), updated_at=_STATIONS.c.updated_at)
)


@dataclass(frozen=True)
class Liveness:
    id: int
    last_seen_at: datetime | None
    created_at: datetime
    interval_seconds: int
    watched: bool
    """Active and not simulated: its silence is an outage."""
    offline_case_id: int | None
    path: str


class SensingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # the ingest path ---------------------------------------------------------------------------
    def catalogue_version(self) -> tuple[Any, ...]:
        return tuple(self.session.execute(_VERSION).one())

    def catalogue_rows(self) -> list[Any]:
        return list(self.session.execute(_CATALOGUE))

    def upsert_observations(self, rows: list[dict[str, Any]]) -> list[tuple[int, datetime, int]]:
        if not rows:
            return []
        stmt = _UPSERTS[self.session.get_bind().dialect.name]
        return [(r[0], r[1], r[2]) for r in self.session.connection().execute(stmt, rows)]

    def touch_stations(self, station_ids: Sequence[int], now: datetime) -> None:
        """Mark stations as heard from (``updated_at`` kept: it versions the catalogue, not liveness).
        Ids in order, so concurrent writers on PostgreSQL lock rows in the same order."""
        if not station_ids:
            return
        self.session.connection().execute(_TOUCH, {"ids": sorted(station_ids), "now": now})

    def announce_new_readings(self) -> None:
        """PostgreSQL: tell every app process, on commit, that new readings are stored (they wake what
        evaluates them, the warning evaluator's leader wherever it runs). SQLite has one process."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection().execute(_ANNOUNCE, {"channel": READINGS_CHANNEL})

    def add_dead_letters(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.connection().execute(insert(_DEAD), rows)

    # gateways on the embedded broker ----------------------------------------------------------------
    def live_tokens(self, now: datetime, *, ids: Sequence[int] = (), digest: str | None = None) -> list[ApiToken]:
        """The tokens (by id, or the one with this digest) that still open the door: not revoked, not
        expired, of an active account of an active person."""
        stmt = (
            select(ApiToken)
            .join(Account, ApiToken.account_id == Account.id)
            .join(Person, Account.person_id == Person.id)
            .where(
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
                Account.active.is_(True),
                Person.active.is_(True),
                ApiToken.token_hash == digest if digest is not None else ApiToken.id.in_(ids),
            )
        )
        return list(self.session.scalars(stmt))

    def account(self, account_id: int) -> Account | None:
        return self.session.get(Account, account_id)

    # stations ----------------------------------------------------------------------------------
    def station_by_code(self, code: str) -> Station | None:
        return self.session.scalars(select(Station).where(Station.code == code)).one_or_none()

    def datastream(self, station_id: int, prop: str) -> Datastream | None:
        stmt = select(Datastream).where(Datastream.station_id == station_id, Datastream.property == prop)
        return self.session.scalars(stmt).one_or_none()

    def unit_with_path(self, code: str) -> tuple[Unit, str] | None:
        """A unit and the path of the node it is attached to."""
        stmt = select(Unit, OrgNode.path).join(OrgNode, OrgNode.id == Unit.node_id).where(Unit.code == code)
        row = self.session.execute(stmt).one_or_none()
        return None if row is None else (row[0], row[1])

    def county_root(self) -> OrgNode | None:
        return self.session.scalars(select(OrgNode).where(OrgNode.parent_id.is_(None)).order_by(OrgNode.id)).first()

    def person_by_phone(self, phone: str) -> Person | None:
        return self.session.scalars(select(Person).where(Person.phone == phone)).one_or_none()

    def station_page(
        self, stmt: Select[Station], *, kind: str | None, active: bool | None, limit: int, offset: int
    ) -> tuple[list[Station], int]:
        if kind is not None:
            stmt = stmt.where(Station.kind == kind)
        if active is not None:
            stmt = stmt.where(Station.active.is_(active))
        items = list(self.session.scalars(stmt.order_by(Station.code).limit(limit).offset(offset)))
        return items, self.count(stmt)

    def observations(self, datastream_id: int) -> list[Observation]:
        stmt = (
            select(Observation).where(Observation.datastream_id == datastream_id).order_by(Observation.phenomenon_time)
        )
        return list(self.session.scalars(stmt))

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        return list(self.session.scalars(select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)))

    # offline detection -------------------------------------------------------------------------
    def liveness(self) -> list[Liveness]:
        """Every station's liveness facts: one plain read, so that only the stations that need a step get locked."""
        stmt = select(
            Station.id,
            Station.last_seen_at,
            Station.created_at,
            Station.interval_seconds,
            (Station.active & ~Station.simulated).label("watched"),
            Station.offline_case_id,
            Station.path,
        )
        return [Liveness(*row) for row in self.session.execute(stmt)]

    def sharing_case(self, case_id: int) -> int:
        """How many stations still belong to the outage of this case."""
        return self.session.scalar(select(func.count()).where(Station.offline_case_id == case_id)) or 0

    def lock_stations(self, ids: Sequence[int]) -> list[Station]:
        """These stations, locked for this sweeper; rows another sweeper holds are skipped (PostgreSQL)."""
        if not ids:
            return []
        stmt = select(Station).where(Station.id.in_(list(ids))).order_by(Station.id).with_for_update(skip_locked=True)
        return list(self.session.scalars(stmt))

    # reading (SensorThings) ----------------------------------------------------------------------
    def visible_stations(self, scope: Sequence[str], unit_ids: Sequence[int]) -> Select[Station]:
        conditions = [under(scope, Station.path)]
        if unit_ids:
            conditions.append(Station.owner_unit_id.in_(unit_ids))
        return select(Station).where(or_(*conditions))

    def visible_station_ids(self, scope: Sequence[str], unit_ids: Sequence[int]) -> Select[int]:
        conditions = [under(scope, Station.path)]
        if unit_ids:
            conditions.append(Station.owner_unit_id.in_(unit_ids))
        return select(Station.id).where(or_(*conditions))

    def visible_datastreams(self, scope: Sequence[str], unit_ids: Sequence[int]) -> Select[Datastream]:
        return select(Datastream).where(Datastream.station_id.in_(self.visible_station_ids(scope, unit_ids)))

    def visible_observations(self, scope: Sequence[str], unit_ids: Sequence[int]) -> Select[Observation]:
        streams = select(Datastream.id).where(Datastream.station_id.in_(self.visible_station_ids(scope, unit_ids)))
        return select(Observation).where(Observation.datastream_id.in_(streams))

    def station_points(self) -> list[tuple[int, float, float]]:
        """(id, lon, lat) of every station: what SensorThings' geospatial functions test."""
        return [(i, lon, lat) for i, lon, lat in self.session.execute(select(Station.id, Station.lon, Station.lat))]

    def datastreams_by_ids(self, ids: Sequence[int]) -> dict[int, Datastream]:
        if not ids:
            return {}
        return {d.id: d for d in self.session.scalars(select(Datastream).where(Datastream.id.in_(list(ids))))}

    def run(self, stmt: Select[Any]) -> list[Any]:
        return list(self.session.scalars(stmt))

    def count(self, stmt: Select[Any]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)

    def stations_by_ids(self, ids: Sequence[int]) -> dict[int, Station]:
        if not ids:
            return {}
        return {s.id: s for s in self.session.scalars(select(Station).where(Station.id.in_(list(ids))))}

    def datastreams_of(self, station_ids: Sequence[int]) -> list[Datastream]:
        if not station_ids:
            return []
        stmt = select(Datastream).where(Datastream.station_id.in_(list(station_ids))).order_by(Datastream.id)
        return list(self.session.scalars(stmt))

    def time_spans(self, datastream_ids: Sequence[int]) -> dict[int, tuple[datetime, datetime]]:
        if not datastream_ids:
            return {}
        stmt = (
            select(
                Observation.datastream_id, func.min(Observation.phenomenon_time), func.max(Observation.phenomenon_time)
            )
            .where(Observation.datastream_id.in_(list(datastream_ids)))
            .group_by(Observation.datastream_id)
        )
        return {ds: (lo, hi) for ds, lo, hi in self.session.execute(stmt) if lo is not None}

    def units_by_ids(self, ids: Sequence[int]) -> dict[int, Unit]:
        if not ids:
            return {}
        return {u.id: u for u in self.session.scalars(select(Unit).where(Unit.id.in_(list(ids))))}
