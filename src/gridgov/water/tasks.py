"""The water module's jobs. The follow-up job (跟进): cases on the core case engine for intake users whose three
rates stayed under the target over the last ``below_days`` days (one while such a case is open), and a renewal
reminder for each permit ``renew_days`` before it expires (once per permit). Category and days are ``water.follow_up``.

Safe with several processes: each pass runs in one transaction that first takes the write lock (SQLite
``BEGIN IMMEDIATE``; PostgreSQL a transaction advisory lock, a process that does not get it skips the pass), and
a case's ``source`` (``water:r:<user id>``, ``water:p:<permit id>``: the core keeps sources to 16
characters) says whether it was opened already.

The monthly pass (月度出账): from the ``water.plans`` ``issue_day`` of a month (local time) it issues last month's
bills and 用水进度提醒函 for every user with a plan for that month (``WaterPlans.issue``); it runs hourly, so a
plan set later in the month still gets its bill and letter. The same lock makes one process issue at a time,
and the unique (user, year, month) of bills and letters keeps anything from being issued twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gridgov.case.calendar import WorkCalendar
from gridgov.case.models import Case
from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.configdata.service import load_document
from gridgov.db import Database
from gridgov.evaluation.periods import ZONE, Period
from gridgov.kit.actor import Actor, set_actor
from gridgov.kit.periodic import Periodic
from gridgov.kit.principal import system_principal
from gridgov.org.repository import OrgRepository
from gridgov.water.documents import FOLLOW_UP, PLANS, RATES
from gridgov.water.models import IntakePoint, IntakeUser, Permit
from gridgov.water.rates import Rates, stream_rates
from gridgov.water.repository import WaterRepository
from gridgov.water.service import Issued, WaterPlans

LOCK = 0x57A7E6
"""PostgreSQL advisory lock key of the follow-up pass."""
MONTHLY_LOCK = 0x57A7E7
"""PostgreSQL advisory lock key of the monthly pass."""
CLOSED = ("closed", "verified", "cancelled", "merged")
SYSTEM = Actor(None, "system:water")


def _open_sources(session: Session, prefix: str, *, any_state: bool) -> set[str]:
    statement = select(Case.source).where(Case.source.startswith(prefix, autoescape=True))
    if not any_state:
        statement = statement.where(Case.state.not_in(CLOSED))
    return set(session.scalars(statement))


def below_target(session: Session, now: datetime, days: int) -> list[tuple[IntakeUser, Rates]]:
    """Users with meters whose summed parts over ``[now - days, now)`` are under the target."""
    settings = load_document(session, RATES)
    repo = WaterRepository(session)
    users = repo.users()
    streams = repo.meter_streams([u.id for u in users])
    start = now - timedelta(days=days)
    ids = [s for ids in streams.values() for s in ids]
    rates = stream_rates(repo.columns(ids, start, now), ids, start, now, settings.rules())
    found = []
    for user in users:
        if not streams[user.id]:
            continue
        total = Rates()
        for stream in streams[user.id]:
            total = total + rates[stream]
        if total.below(settings.target):
            found.append((user, total))
    return found


def _where(session: Session, user_ids: Sequence[int]) -> dict[int, tuple[float, float]]:
    rows = session.execute(select(IntakePoint.user_id, IntakePoint.lon, IntakePoint.lat).order_by(IntakePoint.id))
    found: dict[int, tuple[float, float]] = {}
    for user_id, lon, lat in rows:
        if user_id in user_ids:
            found.setdefault(user_id, (lon, lat))
    return found


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "—"


def follow_up(session: Session, cases: CaseService, now: datetime) -> int:
    """One pass in ``session`` (whose transaction holds the write lock): the cases it opened."""
    settings = load_document(session, FOLLOW_UP)
    root = OrgRepository(session).root()
    system = system_principal("水资源监管", root.path if root else "/")
    opened = 0
    below = below_target(session, now, settings.below_days)
    open_rates = _open_sources(session, "water:r:", any_state=False)
    soon = list(
        session.scalars(
            select(Permit).where(
                Permit.status == "valid",
                Permit.valid_to >= now.date(),
                Permit.valid_to <= (now + timedelta(days=settings.renew_days)).date(),
            )
        )
    )
    reminded = _open_sources(session, "water:p:", any_state=True)
    users = {u.id: u for u in session.scalars(select(IntakeUser))}
    where = _where(session, [u.id for u, _ in below] + [p.user_id for p in soon])
    for user, rates in below:
        source = f"water:r:{user.id}"
        if source in open_rates or user.id not in where:
            continue
        description = (
            f"{user.name}({user.credit_code})近{settings.below_days}天在线计量三率低于目标：及时率"
            f"{_pct(rates.timely, rates.expected)}，完整率{_pct(rates.complete, rates.expected)}，准确率"
            f"{_pct(rates.valid, rates.received)}。请核实计量设施与传输并整改。"
        )
        lon, lat = where[user.id]
        cases.report(
            system, CaseReport(category=settings.category, description=description, lon=lon, lat=lat), source=source
        )
        opened += 1
    for permit in soon:
        source = f"water:p:{permit.id}"
        owner = users.get(permit.user_id)
        if source in reminded or owner is None or owner.id not in where:
            continue
        description = (
            f"取水许可证{permit.number}（{owner.name}）将于{permit.valid_to.isoformat()}到期，"
            f"请提醒取水户在到期前办理延续（换证）手续。"
        )
        lon, lat = where[owner.id]
        cases.report(
            system, CaseReport(category=settings.category, description=description, lon=lon, lat=lat), source=source
        )
        opened += 1
    session.flush()
    return opened


def _locked(session: Session, key: int) -> bool:
    """Take the pass's write lock for the transaction (SQLite ``BEGIN IMMEDIATE``); False when another process
    holds it (PostgreSQL)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k, hashtext(current_schema()))"), {"k": key}))


def run_pass(database: Database, now: datetime, calendar: WorkCalendar | None = None) -> int:
    """One follow-up pass in its own transaction; 0 when another process holds the pass (PostgreSQL)."""
    with database.sessions() as session:
        if not _locked(session, LOCK):
            return 0
        set_actor(session, SYSTEM)
        opened = follow_up(session, CaseService(session, calendar=calendar, clock=lambda: now), now)
        session.commit()
        return opened


def monthly_pass(database: Database, now: datetime) -> Issued:
    """Issue last month's bills and letters when the month is past ``issue_day`` (local time), in its own
    transaction; nothing when another process holds the pass (PostgreSQL) or before the day."""
    with database.sessions() as session:
        if not _locked(session, MONTHLY_LOCK):
            return Issued()
        if now.astimezone(ZoneInfo(ZONE)).day < load_document(session, PLANS).issue_day:
            return Issued()
        set_actor(session, SYSTEM)
        issued = WaterPlans(session).issue(Period.month_of(now).previous(), now)
        session.commit()
        return issued


def jobs(app: FastAPI) -> list[Periodic]:
    """The hourly follow-up and monthly passes (off where the core's sweep is off, as in tests)."""
    state = app.state
    if state.settings.sweep_seconds <= 0:
        return []
    return [
        Periodic("water-follow-up", 3600, lambda: run_pass(state.db, state.clock(), state.calendar)),
        Periodic("water-monthly", 3600, lambda: monthly_pass(state.db, state.clock())),
    ]
