"""Monthly plans, use from the meters, bills with the over-plan surcharge and 用水进度提醒函, through HTTP and the
monthly pass: plan import errors by row and column, use from readings, a bill equal to ``billing.bill``, the
letter levels at their thresholds, a pass run twice issuing once, and the letter PDF's Chinese text."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.db import Database
from gridgov.notify.models import InboxItem
from gridgov.org.enums import Role
from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.water.billing import bill
from gridgov.water.documents import SurchargeSettings
from gridgov.water.models import Bill, IntakeUser, Letter
from gridgov.water.progress import Level, level_of, use_between, valid_readings
from gridgov.water.rates import Reading, Rules
from gridgov.water.repository import WaterRepository
from gridgov.water.service import WaterPlans
from gridgov.water.tasks import monthly_pass
from gridgov.water.transfer import WaterTransfer
from tests.factories import FUCHUN, build_county, user
from tests.water.factories import FUCHUN_A, HOURS, PERIOD, add_user

USED = Decimal("7190.00")
"""A factory meter's November: 1000 + 10 m³ an hour over 720 hours, first to last reading."""
DECEMBER_2ND = datetime(2026, 12, 2, 4, tzinfo=UTC)  # 12:00 in 杭州
SURCHARGE = SurchargeSettings.model_validate(
    {
        "price_per_m3": "0.20",
        "tiers": [{"above": 0, "multiple": 1}, {"above": 0.2, "multiple": 2}, {"above": 0.4, "multiple": 3}],
    }
)


def _csv(rows: list[list[object]]) -> dict[str, object]:
    text = "统一社会信用代码,年,月,计划水量(m³)\n" + "".join(",".join(str(c) for c in r) + "\n" for r in rows)
    return {"files": {"file": ("plans.csv", text.encode())}}


def _put(client: TestClient, headers: dict[str, str], who: IntakeUser, planned: str) -> None:
    response = client.put(f"/api/v1/water/plans/{who.id}/2026/11", json={"planned_m3": planned}, headers=headers)
    assert response.status_code == 200, response.text


def test_plan_import_names_row_and_column_and_writes_nothing(wclient: TestClient, wsession: Session) -> None:
    county = build_county(wsession)
    known = add_user(wsession, 1, FUCHUN_A)
    operator = user(wsession, county, "fuchun", Role.township_operator, FUCHUN)
    wsession.commit()
    bad = _csv(
        [
            [known.credit_code, 2026, 1, 100],
            ["91330111MA0000000X", 2026, 2, 100],
            [known.credit_code, 2026, 13, 100],
            [known.credit_code, 2026, 4, "很多"],
            [known.credit_code, 2026, 1, 200],
        ]
    )
    response = wclient.post("/api/v1/water/plans/import", headers=operator, **bad)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    errors = {(e["row"], e["column"]) for e in response.json()["detail"][0]["errors"]}
    assert errors == {(3, "A"), (4, "C"), (5, "D"), (6, "C")}
    listed = wclient.get("/api/v1/water/plans", params={"year": 2026}, headers=operator)
    assert listed.status_code == 200 and listed.json() == []

    good = _csv([[known.credit_code, 2026, m, 1000 + m] for m in range(1, 13)])
    response = wclient.post("/api/v1/water/plans/import", headers=operator, **good)  # type: ignore[arg-type]
    assert response.status_code == 200 and response.json() == {"plans": 12}, response.text
    exported = wclient.get("/api/v1/water/plans/export", params={"year": 2026, "format": "csv"}, headers=operator)
    assert exported.status_code == 200 and f"{known.credit_code},2026,11,1011" in exported.text.replace(".0", "")
    again = wclient.post(  # the export reads back: same twelve plans
        "/api/v1/water/plans/import",
        headers=operator,
        files={"file": ("plans.csv", exported.content)},
    )
    assert again.json() == {"plans": 12}
    november = wclient.get("/api/v1/water/plans", params={"year": 2026, "month": 11}, headers=operator).json()
    assert [(p["month"], Decimal(p["planned_m3"])) for p in november] == [(11, Decimal("1011.00"))]


def test_use_comes_from_the_valid_readings(wsession: Session) -> None:
    build_county(wsession)
    plain = add_user(wsession, 1, FUCHUN_A)
    faulty = add_user(wsession, 2, FUCHUN_A, missing=20, late=10, backwards=5)
    # the last reading of October (local time) is the baseline of November for the first meter
    stream = wsession.scalars(
        select(Datastream.id).join(Station).where(Station.code == "WM-T1", Datastream.property == "volume")
    ).one()
    before = PERIOD.bounds()[0] - timedelta(hours=1)
    wsession.add(Observation(datastream_id=stream, phenomenon_time=before, received_at=before, value=900.0))
    wsession.flush()
    uses = WaterPlans(wsession).use(PERIOD, [plain, faulty])
    assert uses[plain.id].month_m3 == USED + 100 and uses[plain.id].to_date_m3 == USED + 100
    # the faulty meter: first reading at hour 20; five readings 500 m³ low are invalid, the counter is not
    assert uses[faulty.id].month_m3 == Decimal(10 * (HOURS - 1 - 20))


def test_the_bill_is_billing_bill_and_letters_take_their_levels(
    wclient: TestClient, wsession: Session, wdb: Database
) -> None:
    county = build_county(wsession)
    operator = user(wsession, county, "fuchun", Role.township_operator, FUCHUN)
    users = [add_user(wsession, serial, FUCHUN_A) for serial in range(1, 6)]
    wsession.commit()
    plans = ["5000", "8987.50", "7190", "7189.99", "8987.51"]  # over 43.8 %, 80 %, 100 %, just over, just under
    for who, planned in zip(users, plans, strict=True):
        _put(wclient, operator, who, planned)

    assert not monthly_pass(wdb, DECEMBER_2ND - timedelta(days=1))  # 1 December: before issue_day
    issued = monthly_pass(wdb, DECEMBER_2ND)
    assert issued.bills == 5 and issued.letters == {"normal": 1, "warning": 2, "over": 2}
    assert not monthly_pass(wdb, DECEMBER_2ND + timedelta(hours=1))  # nothing twice
    assert wsession.scalar(select(func.count()).select_from(Bill)) == 5
    assert wsession.scalar(select(func.count()).select_from(Letter)) == 5

    bills = wclient.get("/api/v1/water/bills", params={"period": PERIOD.key}, headers=operator).json()
    first = next(b for b in bills if b["user_id"] == users[0].id)
    expected = bill(Decimal(5000), USED, SURCHARGE.price_per_m3, SURCHARGE.billing_tiers())
    assert [Decimal(line["amount"]) for line in first["lines"]] == [line.amount for line in expected.lines]
    assert [Decimal(line["volume_m3"]) for line in first["lines"]] == [line.volume_m3 for line in expected.lines]
    assert Decimal(first["total"]) == expected.total == Decimal("2152.00")  # 1438 + 200 + 400 + 114
    assert Decimal(first["surcharge"]) == expected.surcharge == Decimal("714.00")
    assert issued.surcharge == sum((Decimal(b["surcharge"]) for b in bills), Decimal(0))

    letters = wclient.get("/api/v1/water/letters", params={"period": PERIOD.key}, headers=operator).json()
    levels = {x["user_id"]: x["level"] for x in letters}
    assert [levels[u.id] for u in users] == ["over", "warning", "warning", "over", "normal"]
    assert all(x["delivery"] == "inbox" and x["recipients"] == 1 for x in letters)
    inbox = wsession.scalar(select(func.count()).select_from(InboxItem).where(InboxItem.kind == "water_letter"))
    assert inbox == 5

    page = wclient.get("/water/plans", params={"period": PERIOD.key}, headers=operator)
    assert page.status_code == 200 and "取水户1" in page.text and "2152.00" in page.text
    assert f"/api/v1/water/letters/{letters[0]['id']}/pdf" in page.text


@given(
    used=st.decimals(min_value=0, max_value=10**6, places=2),
    planned=st.decimals(min_value=0, max_value=10**6, places=2),
    warn=st.decimals(min_value=Decimal("0.01"), max_value=1, places=2),
)
def test_levels_follow_the_shares(used: Decimal, planned: Decimal, warn: Decimal) -> None:
    level = level_of(used, planned, warn)
    if used > planned:
        assert level is Level.over
    elif planned > 0 and used >= warn * planned:
        assert level is Level.warning
    else:
        assert level is Level.normal and (used < warn * planned or planned == 0)


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=2, max_size=60), st.integers(1, 58))
def test_uses_of_consecutive_months_add_up(rises: list[float], cut: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    value, readings = 0.0, []
    for hour, rise in enumerate(rises):
        value += rise
        moment = start + timedelta(hours=hour)
        readings.append(Reading(moment, moment, value))
    valid = valid_readings(readings, Rules())
    middle, end = start + timedelta(hours=min(cut, len(rises) - 1)), start + timedelta(hours=len(rises))
    whole = use_between(valid, start, end)
    assert abs(use_between(valid, start, middle) + use_between(valid, middle, end) - whole) <= Decimal("0.02")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_the_letter_pdf_reads_in_chinese(wclient: TestClient, wsession: Session, wdb: Database, tmp_path: Path) -> None:
    county = build_county(wsession)
    operator = user(wsession, county, "fuchun", Role.township_operator, FUCHUN)
    who = add_user(wsession, 1, FUCHUN_A)
    who.name = "富春纺织有限公司"
    wsession.commit()
    _put(wclient, operator, who, "5000")
    monthly_pass(wdb, DECEMBER_2ND)
    (letter,) = wclient.get("/api/v1/water/letters", params={"period": PERIOD.key}, headers=operator).json()
    response = wclient.get(f"/api/v1/water/letters/{letter['id']}/pdf", headers=operator)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    path = tmp_path / "letter.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    for words in ("用水进度提醒函", "富春纺织有限公司", "超计划", "累计实际用水量7190.00m³", "2152.00"):
        assert words in compact, words


def test_the_registry_workbook_carries_the_plans(wsession: Session) -> None:
    build_county(wsession)
    known = add_user(wsession, 1, FUCHUN_A)
    WaterPlans(wsession).set_plan(known, 2026, 3, Decimal("1200.50"))
    workbook = WaterTransfer(wsession).export_xlsx()
    assert (
        WaterTransfer(wsession)
        .export_plans_csv(None)
        .decode("utf-8-sig")
        .splitlines()[1]
        .startswith(f"{known.credit_code},2026,3,1200.5")
    )
    WaterPlans(wsession).set_plan(known, 2026, 3, Decimal(1))
    summary = WaterTransfer(wsession).import_xlsx(workbook)
    assert summary.plans == 1 and "1 用水计划" in str(summary)
    assert [p.planned_m3 for p in WaterRepository(wsession).plans([known.id], 2026)] == [Decimal("1200.50")]
