"""Resident services (居民服务, seed 000 吴上乐居 and 003 仓前): bookings of activities and venue slots, the points
ledger, 报事报修 through the core case engine, and the 暖心志愿岗 shifts at meal-assistance points.

The limits hold under concurrency on every backend without locks of our own: a booking takes its seat by one
conditional update (``booked < capacity``), a balance changes by one conditional update (``balance + delta >= 0``)
and a shift seat is a unique (place, day, slot, seat) row. A resident reaches only their own records: every read
and write here is by ``principal.person``. Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.case.schemas import CaseReport
from gridgov.case.service import CaseService
from gridgov.configdata.service import load_document
from gridgov.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.registry.models import Place
from gridgov.village.documents import SERVICES, ServiceSettings
from gridgov.village.models import Activity, Booking, PointsAccount, PointsEntry, Repair, VolunteerShift
from gridgov.village.repository import VillageRepository

MEAL_TYPES = ("canteen",)
"""Registry place types (``registry.place_types``) that hold meal-assistance shifts: canteens and meal points
(食堂/助餐点; the place's ``kind`` attribute says which). Activities may be held at any place in scope."""


def home_path(principal: Principal) -> str:
    """Where a resident's records are kept for scope: the deepest node they hold a role at."""
    if not principal.home_paths:
        raise Forbidden("没有所属村社 (no village or community)")
    return max(principal.home_paths, key=len)


@dataclass(frozen=True)
class RepairView:
    repair: Repair
    state: str
    """The core case's state, as the case engine keeps it."""


class ResidentServices:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = VillageRepository(session)

    def settings(self) -> ServiceSettings:
        return load_document(self.session, SERVICES)

    # activities and bookings ----------------------------------------------------------------------------------
    def add_activity(
        self,
        principal: Principal,
        place_id: int,
        kind: str,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        points: int = 0,
    ) -> Activity:
        """A session at a place. A place holds one session at a time: overlapping ones are refused (a venue is
        never double-booked)."""
        place = self.repo.place(place_id)
        if place is None or not principal.covers(place.path):
            raise NotFound(f"没有该场所 (no place {place_id})")
        if ends_at <= starts_at:
            raise InvalidInput("结束时间应晚于开始时间 (ends before it starts)", field="ends_at")
        if capacity < 1:
            raise InvalidInput("容量至少为1 (capacity must be at least 1)", field="capacity")
        clash = self.repo.overlapping(place_id, starts_at, ends_at)
        if clash is not None:
            raise Conflict(f"该时段场所已被占用:{clash.title} (the place is taken then)")
        activity = Activity(
            place_id=place_id,
            kind=kind,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            booked=0,
            points=points,
            path=place.path,
            cancelled=False,
        )
        self.session.add(activity)
        self.session.flush()
        return activity

    def activity(self, principal: Principal, activity_id: int) -> Activity:
        activity = self.session.get(Activity, activity_id)
        if activity is None or activity.cancelled or not principal.near(activity.path):
            raise NotFound(f"没有该活动 (no activity {activity_id})")
        return activity

    def book(self, principal: Principal, activity_id: int) -> Booking:
        """Book a seat, or join the waiting list (候补) when the session is full. One booking per resident per
        session and none overlapping another of theirs; too many no-shows lately suspend booking."""
        person = principal.person
        activity = self.activity(principal, activity_id)
        now = utcnow()
        if activity.starts_at <= now:
            raise InvalidInput("活动已开始 (the session has started)", field="activity_id")
        settings = self.settings()
        if self.repo.no_shows(person, now - timedelta(days=settings.no_show_days)) >= settings.no_show_limit:
            raise Forbidden(f"近{settings.no_show_days}天爽约{settings.no_show_limit}次，暂停预约 (too many no-shows)")
        existing = self.repo.booking(activity_id, person)
        if existing is not None and existing.status in ("booked", "waiting"):
            raise Conflict("已预约该活动 (already booked)")
        clash = self.repo.person_overlaps(person, activity.starts_at, activity.ends_at)
        if clash is not None and clash.activity_id != activity_id:
            raise Conflict("与已有预约时间冲突 (overlaps another booking)")
        status = "booked" if self.repo.take_seat(activity_id) else "waiting"
        if existing is None:
            existing = Booking(activity_id=activity_id, person_id=person, status=status, path=home_path(principal))
            self.session.add(existing)
        else:
            existing.status = status
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise Conflict("已预约该活动 (already booked)") from exc
        return existing

    def cancel(self, principal: Principal, activity_id: int) -> Booking:
        """Cancel one's booking before the session starts; its seat goes to the first on the waiting list."""
        booking = self.repo.booking(activity_id, principal.person)
        if booking is None or booking.status not in ("booked", "waiting"):
            raise NotFound("没有该预约 (no such booking)")
        activity = self.session.get(Activity, activity_id)
        if activity is None or activity.starts_at <= utcnow():
            raise InvalidInput("活动已开始，不能取消 (the session has started)", field="activity_id")
        held = booking.status == "booked"
        booking.status = "cancelled"
        self.session.flush()
        if held:
            waiting = self.repo.first_waiting(activity_id)
            if waiting is not None:
                waiting.status = "booked"
            else:
                self.repo.free_seat(activity_id)
            self.session.flush()
        return booking

    def check_in(self, principal: Principal, activity_id: int, person_id: int, attended: bool) -> Booking:
        """Staff record who came (points earned) and who did not (a no-show)."""
        activity = self.session.get(Activity, activity_id)
        if activity is None or not principal.covers(activity.path):
            raise NotFound(f"没有该活动 (no activity {activity_id})")
        booking = self.repo.booking(activity_id, person_id)
        if booking is None or booking.status != "booked":
            raise NotFound("没有该预约 (no such booking)")
        booking.status = "attended" if attended else "no_show"
        self.session.flush()
        if attended and activity.points:
            self.earn(person_id, booking.path, activity.points, f"参加活动:{activity.title}", f"booking:{booking.id}")
        return booking

    def bookings(self, principal: Principal) -> list[tuple[Booking, Activity]]:
        return self.repo.bookings_of(principal.person)

    # points -----------------------------------------------------------------------------------------------------
    def _account(self, person_id: int, path: str) -> PointsAccount:
        account = self.repo.points_account(person_id)
        if account is None:
            account = PointsAccount(person_id=person_id, balance=0, path=path)
            try:
                with self.session.begin_nested():
                    self.session.add(account)
            except IntegrityError:
                account = self.repo.points_account(person_id)
                assert account is not None
        return account

    def _change(self, account: PointsAccount, delta: int, kind: str, reason: str, reference: str | None) -> PointsEntry:
        balance = self.repo.change_balance(account.id, delta)
        if balance is None:
            raise Conflict("积分不足 (not enough points)")
        entry = PointsEntry(
            account_id=account.id,
            delta=delta,
            balance_after=balance,
            kind=kind,
            reason=reason,
            reference=reference,
            created_at=utcnow(),
        )
        self.session.add(entry)
        self.session.flush()
        self.session.expire(account, ["balance"])
        return entry

    def earn(self, person_id: int, path: str, points: int, reason: str, reference: str | None = None) -> PointsEntry:
        if points <= 0:
            raise InvalidInput("积分应为正数 (points must be positive)", field="points")
        return self._change(self._account(person_id, path), points, "earn", reason, reference)

    def redeem(self, principal: Principal, reward_code: str) -> PointsEntry:
        """Redeem a listed reward (积分兑换); refused, with nothing written, when the balance is short."""
        reward = self.settings().reward(reward_code)
        if reward is None:
            raise InvalidInput(f"没有该兑换项目 (no reward {reward_code})", field="reward")
        account = self._account(principal.person, home_path(principal))
        return self._change(account, -reward.points, "redeem", f"兑换:{reward.name}", f"reward:{reward.code}")

    def points(self, principal: Principal) -> tuple[int, list[PointsEntry]]:
        account = self.repo.points_account(principal.person)
        if account is None:
            return 0, []
        return account.balance, self.repo.entries(account.id)

    # repairs (报事报修) ---------------------------------------------------------------------------------------------
    def report_repair(
        self, principal: Principal, category: str, description: str, lon: float, lat: float, address: str | None
    ) -> Repair:
        """A resident's report becomes a core case of the category's case category (source ``resident``)."""
        found = self.settings().repair(category)
        if found is None:
            raise InvalidInput(f"没有该报修类别 (no repair category {category})", field="category")
        data = CaseReport(category=found.case_category, description=description, lon=lon, lat=lat, address=address)
        case = CaseService(self.session).report(principal, data, source="resident")
        self.session.flush()
        repair = Repair(person_id=principal.person, case_number=case.number, category=category, path=case.path)
        self.session.add(repair)
        self.session.flush()
        return repair

    def repairs(self, principal: Principal) -> list[RepairView]:
        mine = self.repo.repairs_of(principal.person)
        numbers = [r.case_number for r in mine]
        rows = self.session.execute(select(Case.number, Case.state).where(Case.number.in_(numbers)))
        states: dict[str, str] = {number: state for number, state in rows}  # noqa: C416  (rows are not pairs to mypy)
        return [RepairView(r, states.get(r.case_number, "unknown")) for r in mine]

    # volunteer shifts (暖心志愿岗, 双人双岗) ------------------------------------------------------------------------
    def sign_up(self, principal: Principal, place_id: int, day: date, slot: str) -> VolunteerShift:
        """Take a seat of a shift at a meal-assistance point. A shift has ``seats_per_shift`` seats (2): the first
        free seat is taken; a full shift refuses, and nobody takes two seats of one shift."""
        settings = self.settings()
        if slot not in {s.code for s in settings.meal_slots}:
            raise InvalidInput(f"没有该时段 (no slot {slot})", field="slot")
        place = self.session.get(Place, place_id)
        if place is None or place.type_code not in MEAL_TYPES or not principal.near(place.path):
            raise NotFound(f"没有该助餐点 (no meal-assistance point {place_id})")
        for seat in range(1, settings.seats_per_shift + 1):
            shift = VolunteerShift(
                place_id=place_id, day=day, slot=slot, seat=seat, person_id=principal.person, path=place.path
            )
            try:
                with self.session.begin_nested():
                    self.session.add(shift)
            except IntegrityError:
                taken = self.session.scalars(
                    select(VolunteerShift).where(
                        VolunteerShift.place_id == place_id,
                        VolunteerShift.day == day,
                        VolunteerShift.slot == slot,
                        VolunteerShift.person_id == principal.person,
                    )
                ).first()
                if taken is not None:
                    raise Conflict("已报名该班次 (already on this shift)") from None
                continue
            return shift
        raise Conflict(f"该班次已满{settings.seats_per_shift}人 (the shift is full)")

    def roster(self, scope: tuple[str, ...], first: date, days: int) -> dict[tuple[int, date, str], int]:
        """(place id, day, slot) → volunteers signed up, for every meal point in scope over ``days`` days."""
        places = self.repo.places(MEAL_TYPES, scope)
        found = {
            (p.id, first + timedelta(days=d), s.code): 0
            for p in places
            for d in range(days)
            for s in self.settings().meal_slots
        }
        for shift in self.repo.shifts([p.id for p in places], first, first + timedelta(days=days - 1)):
            key = (shift.place_id, shift.day, shift.slot)
            if key in found:
                found[key] += 1
        return found
