"""Open311 reads show the public only what an administrator made public, and keys only their scope.

Before, ``GET /requests`` listed every case to anyone: enterprise appeals and rental-housing fire hazards
with their exact coordinates and full text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.auth.schemas import TokenCreate
from gridgov.auth.service import AuthService
from gridgov.case.catalogue import save_taxonomy
from gridgov.case.datafiles import read_taxonomy_xlsx, taxonomy_xlsx
from gridgov.case.taxonomy import default_taxonomy
from gridgov.config import Settings
from gridgov.org.enums import Role, UnitKind
from gridgov.org.models import Unit
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, create_account, create_person, user

BASE = "/open311/v2"
FUCHUN_POINT = {"lon": 119.921234, "lat": 30.021234, "address": "城西路18号出租房"}
WANSHI_POINT = {"lon": 120.051234, "lat": 30.031234, "address": "万市村3组"}


@dataclass
class World:
    client: TestClient
    admin: dict[str, str]
    county_key: str
    wanshi_key: str
    numbers: dict[str, str]


def _key(session: Session, county: object, name: str, node: str) -> str:
    person = create_person(session, county, [(Role.api_client, node)], name=name)  # type: ignore[arg-type]
    account = create_account(session, person, name)
    return AuthService(session, Settings(environment="test")).create_token(account.id, TokenCreate(name=name)).token


@pytest.fixture
def world(client: TestClient, session: Session) -> World:
    county = build_county(session)
    for township in (FUCHUN, WANSHI):
        unit = Unit(code=f"{township}-ZHXX", name="综合信息指挥室", kind=UnitKind.department.value)
        session.add(unit)
        unit.node_id = county[township].id
    admin = user(session, county, "admin", Role.admin, COUNTY)
    keys = _key(session, county, "hotline", COUNTY), _key(session, county, "wanshi-gateway", WANSHI)
    session.commit()
    numbers = {}
    for label, category, point in (
        ("litter", "0401", FUCHUN_POINT),
        ("fire", "0301", FUCHUN_POINT),
        ("enterprise", "0501", FUCHUN_POINT),
        ("wanshi-fire", "0301", WANSHI_POINT),
    ):
        report = {"category": category, "description": f"{label}：具体情况说明", **point}
        answer = client.post("/api/v1/cases", json=report, headers=admin)
        assert answer.status_code == 201, answer.text
        numbers[label] = answer.json()["number"]
    return World(client, admin, *keys, numbers)


def _listed(world: World, **params: str) -> dict[str, dict[str, object]]:
    answer = world.client.get(f"{BASE}/requests.json", params=params)
    assert answer.status_code == 200, answer.text
    return {r["service_request_id"]: r for r in answer.json()}


def test_keyless_readers_see_public_categories_only_and_roughly(world: World) -> None:
    listed = _listed(world)
    assert set(listed) == {world.numbers["litter"]}
    litter = listed[world.numbers["litter"]]
    assert (litter["lat"], litter["long"], litter["address"]) == (30.021, 119.921, "")
    assert litter["description"] == "litter：具体情况说明"
    for hidden in ("fire", "enterprise", "wanshi-fire"):
        number = world.numbers[hidden]
        assert world.client.get(f"{BASE}/requests/{number}.json").status_code == 404
        assert _listed(world, service_request_id=number) == {}
    assert _listed(world, service_code="0301,0501") == {}


def test_a_key_sees_its_scope_in_full_and_the_public_rest_roughly(world: World) -> None:
    everything = _listed(world, api_key=world.county_key)
    assert set(everything) == set(world.numbers.values())
    fire = everything[world.numbers["fire"]]
    assert (fire["lat"], fire["long"], fire["address"]) == (30.021234, 119.921234, "城西路18号出租房")
    assert fire["description"] == "fire：具体情况说明"

    wanshi = world.client.get(f"{BASE}/requests.xml", headers={"Authorization": f"Bearer {world.wanshi_key}"})
    assert wanshi.status_code == 200
    ids = [str(e.text) for e in ET.fromstring(wanshi.content).iter("service_request_id")]
    assert sorted(ids) == sorted([world.numbers["litter"], world.numbers["wanshi-fire"]])
    one = world.client.get(f"{BASE}/requests/{world.numbers['litter']}.json", params={"api_key": world.wanshi_key})
    assert one.json()[0]["lat"] == 30.021  # public, but outside the key's scope: rough
    fuchun_fire = f"{BASE}/requests/{world.numbers['fire']}.json"
    assert world.client.get(fuchun_fire, params={"api_key": world.wanshi_key}).status_code == 404


def test_a_bad_key_is_refused_in_the_spec_format(world: World) -> None:
    answer = world.client.get(f"{BASE}/requests.json", params={"api_key": "ggv_wrong"})
    assert answer.status_code == 403 and answer.json()[0]["code"] == 403


def test_a_deployment_can_require_a_key_for_reads(world: World, app: FastAPI) -> None:
    app.state.settings = app.state.settings.model_copy(update={"open311_read_key_required": True})
    refused = world.client.get(f"{BASE}/requests.json")
    assert refused.status_code == 403 and "api_key" in refused.json()[0]["description"]
    assert world.client.get(f"{BASE}/requests/{world.numbers['litter']}.xml").status_code == 403
    assert len(_listed(world, api_key=world.county_key)) == 4


def test_an_administrator_makes_a_category_public(world: World, session: Session) -> None:
    taxonomy = default_taxonomy()
    entries = [(c.model_copy(update={"public": c.public or c.code == "0501"}), True) for c in taxonomy.categories]
    upload = read_taxonomy_xlsx(taxonomy_xlsx(taxonomy.majors, entries))  # the workbook an administrator edits
    assert {c.code for c in upload.taxonomy.categories if c.public} == {c.code for c, _ in entries if c.public}
    save_taxonomy(session, upload.taxonomy)
    session.commit()
    assert set(_listed(world)) == {world.numbers["litter"], world.numbers["enterprise"]}


def test_the_shipped_taxonomy_opens_street_upkeep_and_nothing_sensitive() -> None:
    public = {c.code: c.name for c in default_taxonomy().categories if c.public}
    assert {"0101", "0102", "0401"} <= set(public)
    assert not any(code[:2] in {"03", "05", "08", "10"} for code in public), public
