"""All queries of the warning domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.org.models import Person
from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.warning.enums import WarningState
from gridgov.warning.models import CapMessageRecord, Household, RiskZone, WarningRecord, ZoneGauge, ZonePerson


class ZoneKey(NamedTuple):
    id: int
    code: str
    management_level: int


class WarningRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def zones(self, ids: Sequence[int] | None = None, *, active: bool = True) -> list[RiskZone]:
        stmt = select(RiskZone).order_by(RiskZone.id)
        if active:
            stmt = stmt.where(RiskZone.active.is_(True))
        if ids is not None:
            stmt = stmt.where(RiskZone.id.in_(ids))
        return list(self.session.scalars(stmt))

    def zone_keys(self, ids: Sequence[int] | None = None) -> list[ZoneKey]:
        """(id, code, management level) of the active zones, in id order: what an evaluation needs of a
        zone, without building ORM objects (20,000 of those cost most of a full round)."""
        stmt = select(RiskZone.id, RiskZone.code, RiskZone.management_level).where(RiskZone.active.is_(True))
        if ids is not None:
            stmt = stmt.where(RiskZone.id.in_(ids))
        return [ZoneKey(i, c, level) for i, c, level in self.session.execute(stmt.order_by(RiskZone.id))]

    def zone_ids_after(self, after: int, limit: int) -> list[int]:
        """The next ``limit`` active zone ids above ``after``, in order (a rolling round over the zones)."""
        stmt = (
            select(RiskZone.id).where(RiskZone.active.is_(True), RiskZone.id > after).order_by(RiskZone.id).limit(limit)
        )
        return list(self.session.scalars(stmt))

    def count_zones(self) -> int:
        return int(self.session.scalar(select(func.count()).where(RiskZone.active.is_(True))) or 0)

    def gauge_slots(self, zone_ids: Sequence[int]) -> dict[int, list[tuple[str, int]]]:
        """Each zone's (station code, rank) assignments, nearest first (plain rows, see :meth:`zone_keys`)."""
        out: dict[int, list[tuple[str, int]]] = {z: [] for z in zone_ids}
        stmt = select(ZoneGauge.zone_id, ZoneGauge.station_code, ZoneGauge.rank).order_by(
            ZoneGauge.zone_id, ZoneGauge.rank, ZoneGauge.distance_m
        )
        if len(zone_ids) < 1000:
            stmt = stmt.where(ZoneGauge.zone_id.in_(zone_ids))
        for zone_id, code, rank in self.session.execute(stmt):
            slots = out.get(zone_id)
            if slots is not None:
                slots.append((code, rank))
        return out

    def replace_gauges(self, zone_id: int, rows: Sequence[ZoneGauge]) -> None:
        for old in self.session.scalars(select(ZoneGauge).where(ZoneGauge.zone_id == zone_id)):
            self.session.delete(old)
        self.session.flush()
        self.session.add_all(rows)

    def active_warning(self, zone_id: int, hazard: str, *, for_update: bool = False) -> WarningRecord | None:
        stmt = select(WarningRecord).where(
            WarningRecord.zone_id == zone_id,
            WarningRecord.hazard == hazard,
            WarningRecord.state == WarningState.active.value,
        )
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).one_or_none()

    def active_by_zone(self, zone_ids: Sequence[int], hazard: str) -> dict[int, WarningRecord]:
        stmt = select(WarningRecord).where(
            WarningRecord.hazard == hazard, WarningRecord.state == WarningState.active.value
        )
        if len(zone_ids) < 1000:
            stmt = stmt.where(WarningRecord.zone_id.in_(zone_ids))
        wanted = set(zone_ids)
        return {w.zone_id: w for w in self.session.scalars(stmt) if w.zone_id in wanted}

    def active_warnings(self) -> list[tuple[WarningRecord, RiskZone]]:
        stmt = (
            select(WarningRecord, RiskZone)
            .join(RiskZone, RiskZone.id == WarningRecord.zone_id)
            .where(WarningRecord.state == WarningState.active.value)
            .order_by(WarningRecord.issued_at, WarningRecord.id)
        )
        return [(w, z) for w, z in self.session.execute(stmt)]

    def messages(self, warning_id: int) -> list[CapMessageRecord]:
        stmt = select(CapMessageRecord).where(CapMessageRecord.warning_id == warning_id).order_by(CapMessageRecord.id)
        return list(self.session.scalars(stmt))

    def message(self, identifier: str) -> CapMessageRecord | None:
        return self.session.scalars(
            select(CapMessageRecord).where(CapMessageRecord.identifier == identifier)
        ).one_or_none()

    def count_identifiers(self, pattern: str) -> int:
        return int(self.session.scalar(select(func.count()).where(CapMessageRecord.identifier.like(pattern))) or 0)

    def households(self, zone_id: int) -> list[Household]:
        stmt = select(Household).where(Household.zone_id == zone_id).order_by(Household.id)
        return list(self.session.scalars(stmt))

    def responsible_people(self, zone_id: int) -> list[tuple[ZonePerson, Person]]:
        stmt = (
            select(ZonePerson, Person)
            .join(Person, Person.id == ZonePerson.person_id)
            .where(ZonePerson.zone_id == zone_id, Person.active.is_(True))
            .order_by(ZonePerson.level, Person.id)
        )
        return [(zp, p) for zp, p in self.session.execute(stmt)]

    def rain_gauges(self) -> list[Station]:
        stmt = select(Station).where(Station.kind == "rain_gauge", Station.active.is_(True)).order_by(Station.code)
        return list(self.session.scalars(stmt))

    def rainfall_since(self, since: datetime) -> list[tuple[str, datetime, float]]:
        """(station code, phenomenon time, mm) of every rainfall observation at or after ``since``."""
        stmt = (
            select(Station.code, Observation.phenomenon_time, Observation.value)
            .join(Datastream, Datastream.id == Observation.datastream_id)
            .join(Station, Station.id == Datastream.station_id)
            .where(Datastream.property == "rainfall", Observation.phenomenon_time >= since)
        )
        return [(c, t, float(v)) for c, t, v in self.session.execute(stmt)]
