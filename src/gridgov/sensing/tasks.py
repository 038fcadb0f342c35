"""Periodic work of the sensing core: the sensor-offline check (传感器离线).

A station silent for longer than N of its reporting intervals opens one maintenance case (category
``1001 传感器离线``) through the case service, as the platform itself; when its readings return, the case
is closed through the case service with a comment. The station remembers the case of its current outage,
so each outage opens one case however often the check runs. When ``GROUP_MIN`` or more stations of one
township fall silent between two checks (a gateway, a power cut, a network outage), they share one case that
lists them, closed when the last of them reports again. Simulated stations (the demo's, a drill's) are never
taken for broken ones. Safe with several app processes: the stations that need a step are locked
``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite serialises writers) and checked again under the lock.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gridgov.case.calendar import WorkCalendar
from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.db import Database
from gridgov.errors import AppError
from gridgov.kit.actor import Actor, set_actor
from gridgov.kit.principal import system_principal
from gridgov.kit.time import format_local
from gridgov.sensing.models import Station
from gridgov.sensing.repository import Liveness, SensingRepository

log = logging.getLogger(__name__)
OFFLINE_CATEGORY = "1001"
"""传感器离线 in the shipped taxonomy (major 10 设备运维)."""
SYSTEM_NAME = "传感监测 (sensing)"
GROUP_MIN = 3
"""Stations of one township falling silent between two checks that make one outage (one case)."""
LISTED = 20
"""Stations named in a grouped outage's description; the rest are counted."""
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


def _township(path: str) -> str:
    return "/".join(path.split("/")[:2])


def _silent_now(row: Liveness, now: datetime, factor: float) -> bool:
    return _silent(row.last_seen_at, row.created_at, row.interval_seconds, now, factor)


def check_offline(
    database: Database,
    now: datetime,
    factor: float = 3.0,
    calendar: WorkCalendar | None = None,
    batch: int = 100,
) -> OfflineResult:
    """Open a case for every newly silent station (one per township's outage) and close the case of every
    station heard from again (a grouped outage's when the last of its stations is)."""
    result = OfflineResult()
    with database.sessions() as session:
        rows = SensingRepository(session).liveness()
    newly_silent: dict[str, list[int]] = defaultdict(list)
    back = []
    for row in rows:
        if row.offline_case_id is None and row.watched and _silent_now(row, now, factor):
            newly_silent[_township(row.path)].append(row.id)
        elif row.offline_case_id is not None and (not row.watched or not _silent_now(row, now, factor)):
            back.append(row.id)
    singles = [sid for ids in newly_silent.values() if len(ids) < GROUP_MIN for sid in ids]
    for ids in newly_silent.values():
        if len(ids) >= GROUP_MIN:
            _run(database, ids, now, factor, calendar, result, grouped=True)
    for chunk in (singles, back):
        for start in range(0, len(chunk), batch):
            _run(database, chunk[start : start + batch], now, factor, calendar, result, grouped=False)
    return result


def _run(
    database: Database,
    ids: Sequence[int],
    now: datetime,
    factor: float,
    calendar: WorkCalendar | None,
    result: OfflineResult,
    *,
    grouped: bool,
) -> None:
    with database.sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        set_actor(session, ACTOR)
        cases = CaseService(session, calendar=calendar, clock=lambda: now)
        stations = SensingRepository(session).lock_stations(ids)
        if grouped:
            _open_outage(session, cases, stations, now, factor, result)
        else:
            for station in stations:
                _step(session, cases, station, now, factor, result)
        session.commit()


def _watched_and_silent(station: Station, now: datetime, factor: float) -> tuple[bool, bool]:
    watched = station.active and not station.simulated
    return watched, _silent(station.last_seen_at, station.created_at, station.interval_seconds, now, factor)


def _failed(result: OfflineResult, codes: str, exc: AppError) -> None:
    result.failed += 1
    log.warning("offline check step failed for %s: %s", codes, exc.message)


def _open_outage(
    session: Session,
    cases: CaseService,
    stations: Sequence[Station],
    now: datetime,
    factor: float,
    result: OfflineResult,
) -> None:
    """One case for the township's stations that fell silent together, listing them (re-checked under the lock)."""
    silent = [s for s in stations if s.offline_case_id is None and _watched_and_silent(s, now, factor) == (True, True)]
    if len(silent) < GROUP_MIN:
        for station in silent:
            _step(session, cases, station, now, factor, result)
        return
    first = silent[0]
    listed = "、".join(f"{s.name}（{s.code}）" for s in silent[:LISTED])
    more = f" 等 {len(silent)} 个站点" if len(silent) > LISTED else ""
    report = CaseReport(
        category=OFFLINE_CATEGORY,
        description=(
            f"{len(silent)} 个监测站点在同一时段停止上报数据（可能是网关、通信或供电故障）：{listed}{more}。"
            f"最早上报周期 {first.interval_seconds} 秒；请先检查共用的网关、通信和供电。"
        ),
        lon=first.lon,
        lat=first.lat,
        address=f"{first.name} 等 {len(silent)} 个站点",
    )
    principal = system_principal(SYSTEM_NAME, first.path.split("/")[0] + "/")
    try:
        with session.begin_nested():
            case_id = cases.report(principal, report, source="sensor").id
            for station in silent:
                station.offline_case_id = case_id
            session.flush()
        result.opened += 1
    except AppError as exc:
        _failed(result, ", ".join(s.code for s in silent[:LISTED]), exc)


def _step(
    session: Session,
    cases: CaseService,
    station: Station,
    now: datetime,
    factor: float,
    result: OfflineResult,
) -> None:
    """One station: open its case when newly silent; when heard from again (or no longer watched) leave its
    outage, closing the case if no other station of the outage is still silent."""
    watched, silent = _watched_and_silent(station, now, factor)
    principal = system_principal(SYSTEM_NAME, station.path.split("/")[0] + "/")
    try:
        with session.begin_nested():
            if station.offline_case_id is None and watched and silent:
                report = CaseReport(
                    category=OFFLINE_CATEGORY,
                    description=_describe(station, now),
                    lon=station.lon,
                    lat=station.lat,
                    address=station.name,
                )
                station.offline_case_id = cases.report(principal, report, source="sensor").id
                result.opened += 1
            elif station.offline_case_id is not None and (not silent or not watched):
                case_id, station.offline_case_id = station.offline_case_id, None
                session.flush()
                if SensingRepository(session).sharing_case(case_id) == 0:
                    comment = (
                        f"站点 {station.code} 于 {format_local(station.last_seen_at)} 恢复上报，系统自动结案"
                        " (the station reports again; closed automatically)"
                        if watched
                        else f"站点 {station.code} 已停用，系统自动结案 (station deactivated; closed automatically)"
                    )
                    cases.close_by_system(principal, case_id, comment)
                    result.closed += 1
            session.flush()
    except AppError as exc:  # one station's trouble (e.g. outside every township) must not stop the rest
        _failed(result, station.code, exc)
