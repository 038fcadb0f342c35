"""The three rates (三率) of the intake users' meters per user and per area, read from the core's sensing tables;
and the monthly plans with what a month issues: bills with the over-plan surcharge and 用水进度提醒函.

A user's parts are the sums of its meters' parts and an area's the sums of its users' (numerators and
denominators are summed upward, never the rates averaged). A user without a meter has no parts. A user's use is
the sum of its meters' (``progress.use_between``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from gridgov.configdata.service import load_document
from gridgov.evaluation.documents import Level as AreaLevel
from gridgov.evaluation.periods import Period, PeriodKind
from gridgov.evaluation.providers import area_of
from gridgov.notify.service import Notice, Notifier
from gridgov.water.billing import Line, bill
from gridgov.water.documents import PLANS, RATES, SURCHARGE, PlanSettings
from gridgov.water.models import Bill, IntakeUser, Letter, Plan
from gridgov.water.progress import Level, level_of, ratio_of, use_between, valid_readings
from gridgov.water.rates import Rates, stream_rates
from gridgov.water.repository import WaterRepository


@dataclass(frozen=True)
class UserRates:
    user: IntakeUser
    rates: Rates
    meters: int


class WaterRates:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = WaterRepository(session)

    def target(self) -> float:
        return load_document(self.session, RATES).target

    def by_user(
        self, period: Period, scope: Sequence[str] | None = None, under_path: str | None = None
    ) -> list[UserRates]:
        """Every user in ``scope`` (None: all) with its meters' summed parts over the period."""
        return self.of_users(period, self.repo.users(scope, under_path))

    def of_users(self, period: Period, users: Sequence[IntakeUser]) -> list[UserRates]:
        """``users`` with their meters' summed parts over the period."""
        rules = load_document(self.session, RATES).rules()
        streams = self.repo.meter_streams([u.id for u in users])
        start, end = period.bounds()
        ids = [s for ids in streams.values() for s in ids]
        rates = stream_rates(self.repo.columns(ids, start, end), ids, start, end, rules)
        found: list[UserRates] = []
        for user in users:
            total = Rates()
            for stream in streams[user.id]:
                total = total + rates[stream]
            found.append(UserRates(user, total, len(streams[user.id])))
        return found

    def by_area(self, period: Period, level: AreaLevel, scope: Sequence[str] | None = None) -> dict[str, Rates]:
        """Area code of ``level`` → the summed parts of its users that have meters."""
        sums: dict[str, Rates] = {}
        for entry in self.by_user(period, scope):
            area = area_of(entry.user.path, level)
            if area is None or not entry.meters:
                continue
            sums[area] = sums.get(area, Rates()) + entry.rates
        return sums


@dataclass(frozen=True)
class Use:
    """A user's metered use (m³): in the month, and from the start of its year to the month's end."""

    month_m3: Decimal
    to_date_m3: Decimal


@dataclass(frozen=True)
class Issued:
    """What one issuing of a month wrote: bills, letters by level, and the bills' surcharge (元)."""

    bills: int = 0
    letters: dict[str, int] = field(default_factory=dict)
    surcharge: Decimal = Decimal(0)

    def __bool__(self) -> bool:
        return self.bills > 0 or any(self.letters.values())


@dataclass(frozen=True)
class MonthRow:
    """A user's line of a month's table: plan, use, and the bill and letter when issued."""

    user: IntakeUser
    plan: Plan | None
    used_m3: Decimal
    bill: Bill | None
    letter: Letter | None

    @property
    def ratio(self) -> float | None:
        """Use ÷ plan of the month."""
        return ratio_of(self.used_m3, self.plan.planned_m3) if self.plan else None


def _line(line: Line) -> dict[str, str | None]:
    return {
        "above": None if line.above is None else str(line.above),
        "below": None if line.below is None else str(line.below),
        "volume_m3": str(line.volume_m3),
        "rate": str(line.rate),
        "amount": str(line.amount),
    }


class WaterPlans:
    """Monthly plans (月用水计划), use from the meters, and the month's bills and 用水进度提醒函 (flushes, never
    commits)."""

    def __init__(self, session: Session, notifier: Notifier | None = None) -> None:
        self.session = session
        self.repo = WaterRepository(session)
        self.notifier = notifier or Notifier()

    def settings(self) -> PlanSettings:
        return load_document(self.session, PLANS)

    def set_plan(self, user: IntakeUser, year: int, month: int, planned_m3: Decimal) -> Plan:
        """Set (add or replace) the user's plan of the month."""
        plan = self.repo.plan(user.id, year, month)
        if plan is None:
            plan = Plan(user_id=user.id, year=year, month=month)
            self.session.add(plan)
        plan.planned_m3 = planned_m3
        self.session.flush()
        return plan

    def use(self, period: Period, users: Sequence[IntakeUser]) -> dict[int, Use]:
        """User id → its meters' use in the month ``period`` and over its year to the month's end, from the
        readings since the December before (a baseline for the year's first month)."""
        rules = load_document(self.session, RATES).rules()
        streams = self.repo.meter_streams([u.id for u in users])
        since = Period(period.year - 1, PeriodKind.month, 12).bounds()[0]
        year_start = Period(period.year, PeriodKind.year, 1).bounds()[0]
        start, end = period.bounds()
        readings = self.repo.readings([s for ids in streams.values() for s in ids], since, end)
        found: dict[int, Use] = {}
        for user in users:
            month = to_date = Decimal(0)
            for stream in streams[user.id]:
                valid = valid_readings(readings[stream], rules)
                month += use_between(valid, start, end)
                to_date += use_between(valid, year_start, end)
            found[user.id] = Use(month, to_date)
        return found

    def issue(self, period: Period, now: datetime) -> Issued:
        """The month's bills and letters of every user with a plan for it that has none yet."""
        users = self.repo.planned_users(period.year, period.index)
        billed = {b.user_id for b in self.repo.bills(period.year, period.index)}
        lettered = {x.user_id for x in self.repo.letters(period.year, period.index)}
        users = [u for u in users if u.id not in billed or u.id not in lettered]
        if not users:
            return Issued()
        settings = self.settings()
        surcharge = load_document(self.session, SURCHARGE)
        tiers = surcharge.billing_tiers()
        plans: dict[int, list[Plan]] = {}
        for plan in self.repo.plans([u.id for u in users], period.year, range(1, period.index + 1)):
            plans.setdefault(plan.user_id, []).append(plan)
        uses = self.use(period, users)
        bills, levels, extra = 0, dict.fromkeys((lv.value for lv in Level), 0), Decimal(0)
        for user in users:
            planned = next(p.planned_m3 for p in plans[user.id] if p.month == period.index)
            use = uses[user.id]
            if user.id not in billed:
                made = bill(planned, use.month_m3, surcharge.price_per_m3, tiers)
                self.session.add(
                    Bill(
                        user_id=user.id,
                        year=period.year,
                        month=period.index,
                        used_m3=use.month_m3,
                        planned_m3=planned,
                        price=surcharge.price_per_m3,
                        lines=[_line(line) for line in made.lines],
                        surcharge=made.surcharge,
                        total=made.total,
                        issued_at=now,
                    )
                )
                bills += 1
                extra += made.surcharge
            if user.id not in lettered:
                letter = self._letter(user, period, plans[user.id], use, settings, now)
                levels[letter.level] += 1
        self.session.flush()
        return Issued(bills, levels, extra)

    def _letter(
        self, user: IntakeUser, period: Period, plans: list[Plan], use: Use, settings: PlanSettings, now: datetime
    ) -> Letter:
        planned = sum((p.planned_m3 for p in plans), Decimal(0))
        level = level_of(use.to_date_m3, planned, settings.warn_ratio)
        ratio = ratio_of(use.to_date_m3, planned)
        people = self.repo.role_holders(settings.notify_roles, user.township_code)
        letter = Letter(
            user_id=user.id,
            year=period.year,
            month=period.index,
            planned_to_date_m3=planned,
            used_to_date_m3=use.to_date_m3,
            ratio=ratio,
            level=level.value,
            issued_at=now,
            delivery="inbox" if people else "no_recipient",
            recipients=len(people),
        )
        self.session.add(letter)
        if people:
            share = "—" if ratio is None else f"{100 * ratio:.1f}%"
            self.notifier.notify(
                self.session,
                people,
                Notice(
                    "water_letter",
                    f"用水进度提醒函：{user.name}（{period.label}，{LEVEL_NAMES[level]}）",
                    body=(
                        f"截至{period.label}底累计用水{use.to_date_m3} m³，累计计划{planned} m³，用水进度{share}。"
                        "请将提醒函送达取水户。"
                    ),
                    link=f"/water/plans?period={period.key}",
                ),
            )
        return letter

    def month(self, period: Period, scope: Sequence[str]) -> list[MonthRow]:
        """The users in ``scope`` with a plan, bill or letter for the month, with the month's use (the bill's
        once issued, else from the readings so far)."""
        users = self.repo.users(scope)
        plans = {p.user_id: p for p in self.repo.plans([u.id for u in users], period.year, [period.index])}
        bills = {b.user_id: b for b in self.repo.bills(period.year, period.index, scope)}
        letters = {x.user_id: x for x in self.repo.letters(period.year, period.index, scope)}
        shown = [u for u in users if u.id in plans or u.id in bills or u.id in letters]
        live = self.use(period, [u for u in shown if u.id not in bills])
        return [
            MonthRow(
                u,
                plans.get(u.id),
                bills[u.id].used_m3 if u.id in bills else live[u.id].month_m3,
                bills.get(u.id),
                letters.get(u.id),
            )
            for u in shown
        ]


LEVEL_NAMES = {Level.normal: "正常", Level.warning: "预警", Level.over: "超计划"}
