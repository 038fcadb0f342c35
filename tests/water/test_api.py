"""The API and the page through HTTP: a township operator sees only its township's intake users and rates."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, user
from tests.water.factories import FUCHUN_A, HOURS, PERIOD, WANSHI_A, add_user


def test_a_township_operator_sees_only_its_township(wclient: TestClient, wsession: Session) -> None:
    county = build_county(wsession)
    add_user(wsession, 1, FUCHUN_A, missing=36, late=10)
    add_user(wsession, 2, WANSHI_A)
    fuchun = user(wsession, county, "fuchun", Role.township_operator, FUCHUN)
    admin = user(wsession, county, "admin", Role.admin, COUNTY)
    wsession.commit()

    seen = wclient.get("/api/v1/water/users", params={"period": PERIOD.key}, headers=fuchun)
    assert seen.status_code == 200, seen.text
    assert [u["name"] for u in seen.json()] == ["取水户1"]
    rates = seen.json()[0]["rates"]
    assert (rates["timely"], rates["expected"], rates["complete"]) == (HOURS - 46, HOURS, HOURS - 36)
    assert rates["below_target"] is True  # 95 % of 720 is 684

    areas = wclient.get("/api/v1/water/rates", params={"period": PERIOD.key}, headers=fuchun).json()["areas"]
    assert [a["code"] for a in areas] == [FUCHUN] and WANSHI not in str(areas)
    everything = wclient.get("/api/v1/water/rates", params={"period": PERIOD.key}, headers=admin).json()
    assert {a["code"]: a["rates"]["timely"] for a in everything["areas"]} == {FUCHUN: HOURS - 46, WANSHI: HOURS}
    county_level = wclient.get(
        "/api/v1/water/rates", params={"period": PERIOD.key, "level": "county"}, headers=admin
    ).json()
    assert county_level["areas"][0]["rates"]["expected"] == 2 * HOURS

    page = wclient.get("/water", params={"period": PERIOD.key}, headers=fuchun)
    assert page.status_code == 200 and "取水户1" in page.text and "取水户2" not in page.text
    assert 'data-testid="below-target"' in page.text
    assert wclient.get("/api/v1/water/rates", params={"period": "2026-13"}, headers=admin).status_code == 422
