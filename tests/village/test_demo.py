"""The demo reproduces the seeds' figures through the services users call: 2.5 million rent giving the Baibiao
part 750,000; the six-village factory's 90 million with the group covering the shortfall and 7.2 million rent;
the 2022 assessment set (31 common indicators: 11 + 20; 85 individual tasks); 7 canteens and 30-odd meal points."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.auth.models import Account
from gridgov.auth.passwords import DEMO_PASSWORD
from gridgov.auth.security import verify_password
from gridgov.auth.service import principal_for
from gridgov.demo.builder import build
from gridgov.village.demo import build_village


def test_the_demo_figures(vsession: Session) -> None:
    build(vsession, seed=20240601)
    started = time.monotonic()
    summary = build_village(vsession, seed=20240601)
    assert time.monotonic() - started < 30
    assert summary.timber_rent == "2500000.00"
    assert summary.baibiao_dividend.endswith(" 750000.00")
    assert (summary.factory_planned, summary.factory_cover, summary.factory_rent) == (
        "90000000.00",
        "60000000.00",
        "7200000.00",
    )
    assert summary.joint_company_villages == 19
    assert (summary.common_indicators, summary.monthly_indicators, summary.annual_indicators) == (31, 11, 20)
    assert summary.individual_tasks == 85
    assert (summary.canteens, summary.meal_points, summary.venues) == (7, 32, 9)
    full, total = map(int, summary.shifts_fully_staffed.split("/"))
    assert 0 < full < total


def test_the_demo_resident_signs_in_to_their_own_village(vsession: Session) -> None:
    """`jumin` is a resident: its village is where it belongs, not an area it reads."""
    build(vsession, seed=20240601)
    build_village(vsession, seed=20240601)
    account = vsession.scalars(select(Account).where(Account.username == "jumin")).one()
    assert verify_password(account.password_hash, DEMO_PASSWORD)
    principal = principal_for(account)
    assert principal.roles == {"resident"} and principal.scope_paths == () and len(principal.home_paths) == 1
