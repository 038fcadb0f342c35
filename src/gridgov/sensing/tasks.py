"""Periodic work of the sensing core: the sensor-offline check (传感器离线).

A station silent for longer than N of its reporting intervals opens one maintenance case (category
``1001 传感器离线``) through the case service, as the platform itself; when its readings return, the case
is closed through the case service with a comment. The station remembers the case of its current outage,
so each outage opens one case however often the check runs. Safe with several app processes: the stations
that need a step are locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite serialises writers) and
checked again under the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gridgov.case.calendar import WorkCalendar
from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.db import Database
from gridgov.errors import AppError
from gridgov.kit.actor import Actor, set_actor
from gridgov.kit.principal import system_principal
from gridgov.kit.time import format_local
from gridgov.sensing.models import Station
from gridgov.sensing.repository import SensingRepository

log = logging.getLogger(__name__)
OFFLINE_CATEGORY = "1001"
"""传感器离线 in the shipped taxonomy (major 10 设备运维)."""
SYSTEM_NAME = "传感监测 (sensing)"
ACTOR = Actor(None, "system:sensing")


@dataclass
class OfflineResult:
    opened: int = 0
    closed: int = 0
    failed: int = 0


def _silent(last_seen: datetime | None, created: datetime, interval: int, now: datetime, factor: float) -> bool:
    return (now - (last_seen or created)).total_seconds() > factor * interval


def _describe(station: Station, now: datetime) -> str:
    since = station.last_seen_at or station.created_at
    hours = (now - since).total_seconds() / 3600
    last = f"最后上报于 {format_local(station.last_seen_at)}" if station.last_seen_at else "从未上报"
    return (
        f"监测站点 {station.name}（{station.code}，{station.kind}）已 {hours:.1f} 小时未上报数据，{last}；"
        f"上报周期 {station.interval_seconds} 秒。请检查供电、通信和传感器。"
    )


def check_offline(
    database: Database,
    now: datetime,
    factor: float = 3.0,
    calendar: WorkCalendar | None = None,
    batch: int = 100,
) -> OfflineResult:
    """Open a case for every newly silent station and close the case of every station heard from again."""
    result = OfflineResult()
    with database.sessions() as session:
        rows = SensingRepository(session).liveness()
    due = [
        sid
        for sid, seen, created, interval, active, case_id in rows
        if (case_id is None and active and _silent(seen, created, interval, now, factor))
        or (case_id is not None and (not active or not _silent(seen, created, interval, now, factor)))
    ]
    for start in range(0, len(due), batch):
        _step(database, due[start : start + batch], now, factor, calendar, result)
    return result


def _step(
    database: Database,
    ids: Sequence[int],
    now: datetime,
    factor: float,
    calendar: WorkCalendar | None,
    result: OfflineResult,
) -> None:
    with database.sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        set_actor(session, ACTOR)
        cases = CaseService(session, calendar=calendar, clock=lambda: now)
        for station in SensingRepository(session).lock_stations(ids):
            silent = _silent(station.last_seen_at, station.created_at, station.interval_seconds, now, factor)
            principal = system_principal(SYSTEM_NAME, station.path.split("/")[0] + "/")
            try:
                with session.begin_nested():
                    if station.offline_case_id is None and station.active and silent:
                        report = CaseReport(
                            category=OFFLINE_CATEGORY,
                            description=_describe(station, now),
                            lon=station.lon,
                            lat=station.lat,
                            address=station.name,
                        )
                        station.offline_case_id = cases.report(principal, report, source="sensor").id
                        result.opened += 1
                    elif station.offline_case_id is not None and (not silent or not station.active):
                        comment = (
                            f"站点 {station.code} 于 {format_local(station.last_seen_at)} 恢复上报，系统自动结案"
                            " (the station reports again; closed automatically)"
                            if station.active
                            else f"站点 {station.code} 已停用，系统自动结案 (station deactivated; closed automatically)"
                        )
                        cases.close_by_system(principal, station.offline_case_id, comment)
                        station.offline_case_id = None
                        result.closed += 1
                    session.flush()
            except AppError as exc:  # one station's trouble (e.g. outside every township) must not stop the rest
                result.failed += 1
                log.warning("offline check step failed", extra={"station": station.code, "error": exc.message})
        session.commit()
