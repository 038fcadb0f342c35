"""The inbox API and page: paged, filtered by kind and read state, marked read by its owner only; each role's
landing (``/``) and the nav entries a role is offered."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.kit.principal import Principal
from gridgov.notify.models import InboxItem
from gridgov.org.enums import Role
from gridgov.org.models import Person
from gridgov.web.pages import landing
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, user


def _items(session: Session, person_id: int, kinds: list[str]) -> None:
    session.add_all(InboxItem(person_id=person_id, kind=kind, title=f"{kind} {n}") for n, kind in enumerate(kinds))
    session.commit()


def test_inbox_pages_filters_and_marks_only_ones_own(client: TestClient, session: Session) -> None:
    county = build_county(session)
    me = user(session, county, "op", Role.township_operator, FUCHUN)
    other = user(session, county, "other", Role.township_operator, FUCHUN)
    session.commit()
    people = {p.name: p.id for p in session.scalars(select(Person).where(Person.name.in_(["op", "other"])))}
    _items(session, people["op"], ["assignment"] * 30 + ["supervision"] * 5)
    _items(session, people["other"], ["assignment"] * 3)

    first = client.get("/api/v1/inbox", params={"limit": 20}, headers=me).json()
    assert (first["total"], first["unread"], len(first["items"])) == (35, 35, 20)
    assert first["kinds"] == ["assignment", "supervision"]
    second = client.get("/api/v1/inbox", params={"limit": 20, "offset": 20}, headers=me).json()
    assert len(second["items"]) == 15 and not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    supervision = client.get("/api/v1/inbox", params={"kind": "supervision"}, headers=me).json()
    assert supervision["total"] == 5 and {i["kind"] for i in supervision["items"]} == {"supervision"}

    ids = [i["id"] for i in supervision["items"][:2]]
    others = [i.id for i in session.scalars(select(InboxItem).where(InboxItem.person_id == people["other"]))]
    marked = client.post("/api/v1/inbox/read", json={"ids": ids + others}, headers=me).json()
    assert marked == {"marked": 2, "unread": 33}
    read = client.get("/api/v1/inbox", params={"read": "true"}, headers=me).json()
    assert {i["id"] for i in read["items"]} == set(ids)
    assert client.get("/api/v1/inbox/unread", headers=other).json() == {"unread": 3}
    assert client.post("/api/v1/inbox/read", json={}, headers=me).json() == {"marked": 33, "unread": 0}


def test_each_role_lands_on_its_work() -> None:
    def who(*roles: str) -> Principal:
        return Principal(1, 1, "u", "u", frozenset(roles), frozenset(), (f"{COUNTY}/",))

    assert landing(who("grid_member")) == "/my"
    assert landing(who("township_operator")) == "/cases?state=reported"
    assert landing(who("department_handler")) == "/cases?view=unit&state=dispatched"
    assert landing(who("county_dispatcher")) == "/cockpit"
    assert landing(who("leader")) == "/cockpit"
    assert landing(who("grid_member", "township_operator")) == "/cases?state=reported"
    assert landing(who("resident")) == "/inbox"  # no module offers it a page


def test_a_resident_and_an_enterprise_land_on_what_their_nav_offers(client: TestClient, session: Session) -> None:
    county = build_county(session)
    resident = user(session, county, "resident", Role.resident, "330111100001")
    firm = user(session, county, "firm", Role.enterprise, WANSHI)
    session.commit()
    assert client.get("/", headers=resident, follow_redirects=False).headers["location"] == "/village/me"
    assert client.get("/", headers=firm, follow_redirects=False).headers["location"] == "/enterprise-service"
    nav = client.get("/village/me", headers=resident).text
    assert 'href="/warnings"' not in nav and 'href="/water"' not in nav and 'href="/village"' not in nav
