"""The API and the page through HTTP: a township operator sees only its township's intake users and rates."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from gridgov.registry.schemas import EnterpriseCreate
from gridgov.registry.service import RegistryService
from gridgov.water.models import Permit
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


def test_the_enterprise_page_shows_the_water_panel(wclient: TestClient, wsession: Session) -> None:
    county = build_county(wsession)
    intake = add_user(wsession, 1, FUCHUN_A)
    firm = RegistryService(wsession).ensure_enterprise(
        None,
        EnterpriseCreate(credit_code=intake.credit_code, name="取水企业", industry_code="C1751", area_code=FUCHUN),
    )
    intake.enterprise_id = firm.id
    wsession.add(
        Permit(
            number="取水(浙)字[2024]第009号",
            user_id=intake.id,
            annual_volume_m3=1,
            purpose="工业用水",
            valid_from=date(2024, 1, 1),
            valid_to=date(2029, 12, 31),
        )
    )
    fuchun = user(wsession, county, "fuchun", Role.township_operator, FUCHUN)
    wsession.commit()
    page = wclient.get(f"/registry/enterprises/{firm.id}", headers=fuchun)
    assert page.status_code == 200 and 'id="panel-water.intake"' in page.text, page.text[-2000:]
    assert "取水户1" in page.text and "取水(浙)字[2024]第009号" in page.text
