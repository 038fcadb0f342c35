"""Tables of the village and community affairs module.

Venues, canteens and meal-assistance points are places of the core registry (``place``); this module adds what
happens at them. Every row carries ``path``, the org path of the village (or township) it belongs to, for scope.
Money is ``Numeric(16, 2)`` yuan."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin, UTCDateTime

MONEY = Numeric(16, 2)


# collective economy (村级集体经济) -----------------------------------------------------------------------------
class Collective(TimestampMixin, Base):
    """A participant of joint projects: a village's 股份经济合作社, a 强村公司 or a (state) company."""

    __tablename__ = "village_collective"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    """cooperative 股份经济合作社 / village_company 强村公司 / company 企业 (a state development company)."""
    village_code: Mapped[str | None] = mapped_column(String(32), index=True)
    """The village whose collective it is (None for a company)."""
    township_code: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(400), index=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Project(TimestampMixin, Base):
    """A joint project (抱团项目): a market, a standard factory, a company."""

    __tablename__ = "village_project"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    township_code: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(400), index=True)
    planned_investment: Mapped[Decimal] = mapped_column(MONEY)
    backer_id: Mapped[int | None] = mapped_column(ForeignKey("village_collective.id", ondelete="SET NULL"))
    """Who covers the shortfall (兜底) of the planned investment, as a holder by what it puts in."""
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="SET NULL"))
    reserve_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal(0))
    """Share of each year's profit kept back before dividends (提留)."""
    status: Mapped[str] = mapped_column(String(12), default="running")
    """planned 规划 / building 在建 / running 运营."""
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Shareholding(TimestampMixin, Base):
    """A participant's stake in a project (入股)."""

    __tablename__ = "village_shareholding"
    __table_args__ = (UniqueConstraint("project_id", "collective_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("village_project.id", ondelete="CASCADE"), index=True)
    collective_id: Mapped[int] = mapped_column(ForeignKey("village_collective.id", ondelete="CASCADE"), index=True)
    invested: Mapped[Decimal] = mapped_column(MONEY)
    share: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    """An agreed share (0–1); None: by investment."""


class ProjectYear(TimestampMixin, Base):
    """A project's income (rents, 租金) and costs in one year."""

    __tablename__ = "village_project_year"
    __table_args__ = (UniqueConstraint("project_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("village_project.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    income: Mapped[Decimal] = mapped_column(MONEY)
    costs: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    expected: Mapped[bool] = mapped_column(Boolean, default=False)
    """A projection (预计) rather than a booked year."""


class CollectiveIncome(TimestampMixin, Base):
    """A collective's own income of one year from one source other than joint projects (经营性收入, 补助…)."""

    __tablename__ = "village_collective_income"
    __table_args__ = (UniqueConstraint("collective_id", "year", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collective_id: Mapped[int] = mapped_column(ForeignKey("village_collective.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    """A source code of ``village.economy`` (operating, rent, subsidy, other)."""
    amount: Mapped[Decimal] = mapped_column(MONEY)


# village-team assessment (村级班子考核) ------------------------------------------------------------------------
class Indicator(TimestampMixin, Base):
    """An assessment indicator of a year: common (共性) or an individual task of one village (个性)."""

    __tablename__ = "village_indicator"
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))
    """common / individual."""
    cadence: Mapped[str] = mapped_column(String(12))
    """monthly (月晒季考: shown monthly, scored quarterly) / annual."""
    max_points: Mapped[float] = mapped_column(Float)
    township_code: Mapped[str] = mapped_column(String(32))
    village_code: Mapped[str | None] = mapped_column(String(32))
    """The village of an individual task (None: common to every village of the township)."""
    path: Mapped[str] = mapped_column(String(400), index=True)
    source: Mapped[str | None] = mapped_column(String(80))
    """Where its figure comes from when it does (an evaluation indicator key); None: scored on evidence."""


class Score(TimestampMixin, Base):
    """A village's value (monthly, shown) or score (quarterly or annual) on one indicator in one period."""

    __tablename__ = "village_score"
    __table_args__ = (UniqueConstraint("indicator_id", "village_code", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("village_indicator.id", ondelete="CASCADE"), index=True)
    village_code: Mapped[str] = mapped_column(String(32), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    period: Mapped[str] = mapped_column(String(8))
    """``YYYY-MM`` (shown), ``YYYY-Qn`` (scored quarterly) or ``YYYY`` (annual)."""
    points: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(12), default="approved")
    """approved / appealed 申诉中 (with its reason) / revised."""
    appeal: Mapped[str | None] = mapped_column(String(400))


class Cadre(TimestampMixin, Base):
    """A village cadre (村社干部) in a year's assessment, with their own duty and appraisal scores."""

    __tablename__ = "village_cadre"
    __table_args__ = (UniqueConstraint("year", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    village_code: Mapped[str] = mapped_column(String(32), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    post: Mapped[str] = mapped_column(String(20))
    """A post code of ``village.assessment`` (secretary 书记, director 主任, member 委员 …)."""
    duty: Mapped[float | None] = mapped_column(Float)
    """履职 score (0–100)."""
    appraisal: Mapped[float | None] = mapped_column(Float)
    """评议 score (0–100)."""


# resident services (居民服务) -----------------------------------------------------------------------------------
class Activity(TimestampMixin, Base):
    """A bookable session at a place: a cultural activity, or a venue's time slot (capacity 1 party)."""

    __tablename__ = "village_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    """activity 活动 / venue 场馆时段."""
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    """Bookings held: raised only by a conditional update (``booked < capacity``), so it never passes capacity."""
    points: Mapped[int] = mapped_column(Integer, default=0)
    """Points a resident earns by attending."""
    path: Mapped[str] = mapped_column(String(400), index=True)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class Booking(TimestampMixin, Base):
    __tablename__ = "village_booking"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("village_activity.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    """booked / waiting 候补 / cancelled / attended / no_show."""
    path: Mapped[str] = mapped_column(String(400), index=True)


class PointsAccount(TimestampMixin, Base):
    """A resident's points balance (积分), changed only together with a ledger entry."""

    __tablename__ = "village_points_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(400), index=True)


class PointsEntry(Base):
    """One change of a balance (append-only): earned, redeemed or adjusted, with its reason."""

    __tablename__ = "village_points_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("village_points_account.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    """earn / redeem / adjust."""
    reason: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(60))
    """What it came from: ``booking:12``, ``reward:rice-5kg``, ``shift:7``."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Repair(TimestampMixin, Base):
    """A resident's 报事报修: the core case it opened, with the module's own category."""

    __tablename__ = "village_repair"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    case_number: Mapped[str] = mapped_column(String(20), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    """A repair category of ``village.services``."""
    path: Mapped[str] = mapped_column(String(400), index=True)


class VolunteerShift(TimestampMixin, Base):
    """One seat of a 暖心志愿岗 shift at a meal-assistance point: a shift has ``seats`` seats (双人双岗: 2), and
    the unique seat number makes over-staffing impossible even under concurrent sign-ups."""

    __tablename__ = "village_volunteer_shift"
    __table_args__ = (
        UniqueConstraint("place_id", "day", "slot", "seat", name="uq_village_volunteer_shift_seat"),
        UniqueConstraint("place_id", "day", "slot", "person_id", name="uq_village_volunteer_shift_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    slot: Mapped[str] = mapped_column(String(12))
    """A meal slot of ``village.services`` (lunch 午餐, dinner 晚餐)."""
    seat: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
