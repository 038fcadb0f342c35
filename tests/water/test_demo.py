"""The demo: 131 intake users (48 industrial above 50,000 m³/year) in the demo county, valid credit codes, one
meter each, and last month's readings whose county rates come out a little above 95 % with a few users below."""

from __future__ import annotations

import time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.demo.builder import build
from gridgov.evaluation.periods import Period
from gridgov.kit.time import utcnow
from gridgov.registry import industry
from gridgov.registry.credit_code import is_valid
from gridgov.registry.models import Enterprise
from gridgov.sensing.models import Datastream
from gridgov.water.demo import build_water
from gridgov.water.models import IntakePoint, IntakeUser, Permit
from gridgov.water.rates import Rates
from gridgov.water.service import WaterPlans, WaterRates


def test_the_demo_figures(wsession: Session) -> None:
    build(wsession, seed=20240601)
    started = time.monotonic()
    summary = build_water(wsession, seed=20240601)
    assert time.monotonic() - started < 20
    assert (summary.users, summary.industrial) == (131, 48)
    users = list(wsession.scalars(select(IntakeUser)))
    assert len(users) == 131 and all(u.synthetic and "模拟" in u.name and is_valid(u.credit_code) for u in users)
    assert sum(1 for u in users if u.industry_code.startswith("C") and u.annual_volume_m3 > 50_000) == 48
    registered = {e.id: e for e in wsession.scalars(select(Enterprise))}
    assert all(registered[u.enterprise_id].credit_code == u.credit_code for u in users if u.enterprise_id)
    assert all(u.enterprise_id and industry.problem(registered[u.enterprise_id].industry_code) is None for u in users)
    for table in (IntakePoint, Permit):
        assert wsession.scalar(select(func.count()).select_from(table)) == 131
    meters = select(func.count()).select_from(Datastream).where(Datastream.property == "volume")
    assert wsession.scalar(meters) == 131

    period = Period.month_of(utcnow()).previous()
    by_user = WaterRates(wsession).by_user(period)
    total = sum((e.rates for e in by_user), start=Rates())
    for rate in (total.timeliness, total.completeness, total.accuracy):
        assert rate is not None and 0.95 <= rate < 0.995, summary
    below = [e for e in by_user if e.rates.below(0.95)]
    assert 3 <= len(below) <= 15, summary
    assert summary.users_below == len(below)

    # every user's twelve plans; last month's bills and letters issued once each, every level present
    assert summary.plans == 131 * 12 and summary.bills == 131
    levels = (summary.letters_normal, summary.letters_warning, summary.letters_over)
    assert sum(levels) == 131 and all(n >= 5 for n in levels), summary
    assert Decimal(summary.surcharge_yuan) > 0
    assert WaterPlans(wsession).issue(period, utcnow()).bills == 0
