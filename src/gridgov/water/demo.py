"""The water module's demo (seed 003 南浔's figures on the demo county): 131 intake users, 48 of them industrial
above 50,000 m³ a year, one intake point, permit and meter (a core sensing station with a ``volume``
datastream) each, and last month's hourly cumulative readings with realistic gaps, late and bad readings, so
that the county's three rates come out a little above 95 % and a few users fall below; daily readings from the
start of that month's year before it; a monthly plan (月用水计划) of every user for that year, a little above or
below its pace, and last month's bills and 用水进度提醒函 issued by ``WaterPlans.issue`` as the monthly pass does.
Everything is marked synthetic. Rows are inserted in bulk (executemany)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gridgov.demo.people import synthetic_name, synthetic_phone
from gridgov.evaluation.periods import Period, PeriodKind
from gridgov.org.enums import NodeKind
from gridgov.org.models import OrgNode
from gridgov.registry.credit_code import generate
from gridgov.registry.models import Enterprise
from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.water.models import IntakePoint, IntakeUser, Permit, Plan
from gridgov.water.progress import volume
from gridgov.water.rates import Rates
from gridgov.water.repository import VOLUME
from gridgov.water.service import WaterPlans, WaterRates

USERS, INDUSTRIAL = 131, 48
"""南浔: 131 off-channel non-agricultural intake users metered online; 48 industrial above 50,000 m³/year."""
POOR = 6
"""Users whose meters report badly (outages, late links, faulty counters): they fall below 95 %."""
INDUSTRIES = [("C1751", "纺织"), ("C2032", "木地板"), ("C2614", "化工"), ("C3130", "钢压延"), ("C3311", "金属结构")]
INDUSTRIES += [("C1311", "饲料"), ("C2231", "纸业"), ("C3851", "电器")]
OTHERS = [("E4790", "建筑", "工程有限公司"), ("H6110", "酒店", "酒店有限公司"), ("P8331", "学校", "中学")]
OTHERS += [("Q8411", "医院", "医院"), ("N7810", "市政", "市政管理站"), ("R9011", "文旅", "文旅有限公司")]
PHONE_BASE = 7_000_000


@dataclass(frozen=True)
class WaterSummary:
    users: int
    industrial: int
    readings: int
    period: str
    timeliness: str
    completeness: str
    accuracy: str
    users_below: int
    plans: int
    bills: int
    letters_normal: int
    letters_warning: int
    letters_over: int
    surcharge_yuan: str


def _share(n: int, d: int) -> str:
    return f"{100 * n / d:.2f}% ({n}/{d})" if d else "—"


def _series(
    rng: np.random.Generator, hours: list[datetime], annual: float, poor: bool
) -> tuple[float, list[tuple[datetime, datetime, float]]]:
    """The counter before the first hour, and (time, received, cumulative m³) of one meter: hourly draws with a
    daily rhythm, missing hours and outages, late deliveries, and a few bad values (spikes, a counter going
    backwards). The counter starts above 1.5 years of use, so the year's daily readings before stay positive."""
    missing = rng.uniform(0.05, 0.09) if poor else rng.uniform(0.003, 0.02)
    late = rng.uniform(0.04, 0.08) if poor else rng.uniform(0.004, 0.02)
    bad = rng.uniform(0.02, 0.05) if poor else rng.uniform(0.0, 0.012)
    outage_start = int(rng.integers(0, len(hours))) if poor or rng.random() < 0.15 else -1
    outage_len = int(rng.integers(8, 36)) if poor else int(rng.integers(3, 10))
    hourly = annual / 8760
    counter = 1.5 * annual + float(rng.uniform(1e4, 1e6))
    start = counter
    out: list[tuple[datetime, datetime, float]] = []
    for i, moment in enumerate(hours):
        local_hour = (moment.hour + 8) % 24
        counter += hourly * (1.4 if 7 <= local_hour < 19 else 0.6) * float(rng.uniform(0.7, 1.3))
        if 0 <= i - outage_start < outage_len or rng.random() < missing:
            continue
        delay = timedelta(seconds=float(rng.uniform(40, 600)))
        if rng.random() < late:
            delay = timedelta(seconds=float(rng.uniform(1900, 6 * 3600)))
        value = round(counter, 2)
        if rng.random() < bad:
            value = (
                round(counter + float(rng.uniform(5_000, 50_000)), 2)
                if rng.random() < 0.5
                else round(counter * float(rng.uniform(0.5, 0.99)), 2)
            )
        out.append((moment, moment + delay, value))
    return start, out


def _earlier(
    rng: np.random.Generator, days: list[datetime], annual: float, counter: float
) -> list[tuple[datetime, datetime, float]]:
    """Daily readings (local noon) of the days before the hourly month, ending below ``counter``."""
    uses = [annual / 365 * float(rng.uniform(0.8, 1.2)) for _ in days]
    values, value = [], counter
    for use in reversed(uses):
        value -= use
        values.append(round(value, 2))
    return [(day, day + timedelta(minutes=2), v) for day, v in zip(days, reversed(values), strict=True)]


def build_water(session: Session, seed: int = 20240601, now: datetime | None = None) -> WaterSummary:
    """Write the registry, the meters and last month's readings into a database holding the org demo (caller
    commits)."""
    rng = np.random.default_rng(seed + 11)
    now = now or datetime.now(UTC)
    villages = list(
        session.execute(
            select(OrgNode.code, OrgNode.name, OrgNode.path, OrgNode.centroid_lon, OrgNode.centroid_lat)
            .where(OrgNode.kind == NodeKind.village.value)
            .order_by(OrgNode.code)
        )
    )
    county = session.scalars(select(OrgNode.code).where(OrgNode.kind == NodeKind.county.value)).first() or "330111"
    chosen = [villages[int(i)] for i in rng.choice(len(villages), USERS, replace=len(villages) < USERS)]
    poor = {int(i) for i in rng.choice(USERS, POOR, replace=False)}
    user_rows: list[dict[str, Any]] = []
    for index, (code, name, path, lon, lat) in enumerate(chosen):
        village = name.removesuffix("村").removesuffix("社区")
        if index < INDUSTRIAL:
            industry, product = INDUSTRIES[index % len(INDUSTRIES)]
            title = f"{village}{product}有限公司{index + 1:03d}（模拟）"
            annual = float(np.round(rng.uniform(52_000, 900_000), -2))
        else:
            industry, kind, suffix = OTHERS[index % len(OTHERS)]
            title = f"{village}{kind}{suffix}{index + 1:03d}（模拟）"
            annual = float(np.round(rng.uniform(3_000, 48_000), -2))
        user_rows.append(
            {
                "name": title,
                "credit_code": generate(county[:6], 52_000_000 + index * 7919),
                "township_code": code[:9],
                "village_code": code,
                "path": path,
                "industry_code": industry,
                "contact_name": synthetic_name(rng),
                "contact_phone": synthetic_phone(PHONE_BASE + index),
                "annual_volume_m3": annual,
                "synthetic": True,
                "created_at": now,
                "updated_at": now,
                "_lon": (lon or 120.0) + float(rng.uniform(-0.004, 0.004)),
                "_lat": (lat or 30.0) + float(rng.uniform(-0.004, 0.004)),
            }
        )
    places = [(row.pop("_lon"), row.pop("_lat")) for row in user_rows]
    enterprises = _register(session, user_rows, places, now)
    for row in user_rows:
        row["enterprise_id"] = enterprises[row["credit_code"]]
    user_ids = list(
        session.scalars(insert(IntakeUser).returning(IntakeUser.id, sort_by_parameter_order=True), user_rows)
    )
    stations = [
        {
            "code": f"WM{county[:6]}{i + 1:04d}",
            "kind": "water_meter",
            "name": f"{row['name']}取水计量点",
            "lon": lon,
            "lat": lat,
            "path": row["path"],
            "interval_seconds": 3600,
            "active": True,
            "simulated": True,  # the demo's readings are generated: its silence is no outage
            "last_seen_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for i, (row, (lon, lat)) in enumerate(zip(user_rows, places, strict=True))
    ]
    station_ids = list(session.scalars(insert(Station).returning(Station.id, sort_by_parameter_order=True), stations))
    stream_rows = [
        {"station_id": s, "property": VOLUME, "unit": "m³", "min_value": 0.0, "created_at": now, "updated_at": now}
        for s in station_ids
    ]
    stream_ids = list(
        session.scalars(insert(Datastream).returning(Datastream.id, sort_by_parameter_order=True), stream_rows)
    )
    point_rows = [
        {
            "user_id": uid,
            "name": "1号取水口",
            "lon": lon,
            "lat": lat,
            "source": "ground" if i % 9 == 0 else "public" if i % 4 == 0 else "surface",
            "station_code": station["code"],
            "created_at": now,
            "updated_at": now,
        }
        for i, (uid, station, (lon, lat)) in enumerate(zip(user_ids, stations, places, strict=True))
    ]
    point_ids = list(
        session.scalars(insert(IntakePoint).returning(IntakePoint.id, sort_by_parameter_order=True), point_rows)
    )
    today = now.date()
    session.execute(
        insert(Permit),
        [
            {
                "number": f"取水(浙湖南)字[{2022 + i % 4}]第{i + 1:03d}号",
                "user_id": uid,
                "point_id": pid,
                "annual_volume_m3": row["annual_volume_m3"] * 1.2,
                "purpose": "工业用水" if i < INDUSTRIAL else "生活及服务业用水",
                "valid_from": date(2022 + i % 4, 1, 1),
                "valid_to": date(2027 + i % 4, 12, 31) if i % 23 else today + timedelta(days=40 + i),
                "status": "valid",
                "created_at": now,
                "updated_at": now,
            }
            for i, (uid, pid, row) in enumerate(zip(user_ids, point_ids, user_rows, strict=True))
        ],
    )
    period = Period.month_of(now).previous()
    start, end = period.bounds()
    hours = [start + timedelta(hours=h) for h in range(int((end - start).total_seconds()) // 3600)]
    year_start = Period(period.year, PeriodKind.year, 1).bounds()[0]
    days = [year_start + timedelta(days=d, hours=12) for d in range((start - year_start).days)]
    daily = np.random.default_rng(seed + 13)
    readings = 0
    for index, stream in enumerate(stream_ids):
        annual = user_rows[index]["annual_volume_m3"]
        counter, series = _series(rng, hours, annual, index in poor)
        rows = [
            {"datastream_id": stream, "phenomenon_time": t, "received_at": r, "value": v, "repeats": 0}
            for t, r, v in _earlier(daily, days, annual, counter) + series
        ]
        session.execute(insert(Observation), rows)
        readings += len(rows)
    plans = _plans(session, daily, user_ids, [r["annual_volume_m3"] for r in user_rows], period.year, now)
    session.flush()
    issued = WaterPlans(session).issue(period, now)
    service = WaterRates(session)
    target = service.target()
    by_user = service.by_user(period)
    total = sum((e.rates for e in by_user), start=Rates())
    return WaterSummary(
        users=USERS,
        industrial=sum(1 for r in user_rows if r["industry_code"].startswith("C") and r["annual_volume_m3"] > 50_000),
        readings=readings,
        period=period.key,
        timeliness=_share(total.timely, total.expected),
        completeness=_share(total.complete, total.expected),
        accuracy=_share(total.valid, total.received),
        users_below=sum(1 for e in by_user if e.rates.below(target)),
        plans=plans,
        bills=issued.bills,
        letters_normal=issued.letters.get("normal", 0),
        letters_warning=issued.letters.get("warning", 0),
        letters_over=issued.letters.get("over", 0),
        surcharge_yuan=str(issued.surcharge),
    )


def _plans(
    session: Session, rng: np.random.Generator, user_ids: list[int], annuals: list[float], year: int, now: datetime
) -> int:
    """Every user's twelve monthly plans of ``year``: its annual volume spread evenly, times a factor of 0.85–1.5
    of its own (a plan below its pace runs over, one well above it stays normal)."""
    rows = [
        {
            "user_id": uid,
            "year": year,
            "month": month,
            "planned_m3": volume(float(annual / 12 * factor)),
            "created_at": now,
            "updated_at": now,
        }
        for uid, annual, factor in zip(user_ids, annuals, rng.uniform(0.85, 1.5, len(user_ids)), strict=True)
        for month in range(1, 13)
    ]
    session.execute(insert(Plan), rows)
    return len(rows)


def _register(
    session: Session, user_rows: list[dict[str, Any]], places: list[tuple[float, float]], now: datetime
) -> dict[str, int]:
    """Credit code → the enterprise in the core registry: the users not registered yet are added there."""
    known = {row.credit_code: row.id for row in session.execute(select(Enterprise.credit_code, Enterprise.id))}
    fresh = [
        {
            "credit_code": row["credit_code"],
            "name": row["name"],
            "industry_code": row["industry_code"],
            "township_code": row["township_code"],
            "path": row["path"],
            "lon": lon,
            "lat": lat,
            "contact_name": row["contact_name"],
            "contact_phone": row["contact_phone"],
            "attributes": {},
            "active": True,
            "synthetic": True,
            "created_at": now,
            "updated_at": now,
        }
        for row, (lon, lat) in zip(user_rows, places, strict=True)
        if row["credit_code"] not in known
    ]
    if fresh:
        ids = session.scalars(insert(Enterprise).returning(Enterprise.id, sort_by_parameter_order=True), fresh)
        known.update(zip((r["credit_code"] for r in fresh), ids, strict=True))
    return known


def demo(session: Session, seed: int) -> dict[str, object]:
    return asdict(build_water(session, seed))
