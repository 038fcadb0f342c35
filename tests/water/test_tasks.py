"""The follow-up pass: a case for a user under the target over the window (one while it is open) and one renewal
reminder per permit about to expire; a second pass opens nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.db import Database
from gridgov.water.models import Permit
from gridgov.water.tasks import run_pass
from tests.factories import build_county
from tests.water.factories import FUCHUN_A, PERIOD, WANSHI_A, add_user


def test_follow_up_cases_are_opened_once(wdb: Database, wsession: Session) -> None:
    build_county(wsession)
    poor = add_user(wsession, 1, FUCHUN_A, missing=100)
    good = add_user(wsession, 2, WANSHI_A)
    now = PERIOD.bounds()[1]
    for number, days in (("许可-到期", 30), ("许可-尚早", 200)):
        wsession.add(
            Permit(
                number=number,
                user_id=good.id,
                annual_volume_m3=1000,
                purpose="工业用水",
                valid_from=now.date() - timedelta(days=1000),
                valid_to=now.date() + timedelta(days=days),
            )
        )
    wsession.commit()

    assert run_pass(wdb, now) == 2
    sources = {c.source: c for c in wsession.scalars(select(Case).where(Case.source.startswith("water:")))}
    expiring = wsession.scalars(select(Permit.id).where(Permit.number == "许可-到期")).one()
    assert set(sources) == {f"water:r:{poor.id}", f"water:p:{expiring}"}
    assert "取水户1" in sources[f"water:r:{poor.id}"].description
    assert "许可-到期" in sources[f"water:p:{expiring}"].description
    assert run_pass(wdb, now + timedelta(hours=1)) == 0
