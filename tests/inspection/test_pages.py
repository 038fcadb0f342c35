"""The desk, the mobile check page, the roster calendar and the now-on-duty board render in Chinese and English,
for the reader's area only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.inspection.rosters import RosterService
from gridgov.org.enums import Role
from tests.factories import FUCHUN, bearer, build_county, create_account, create_person, user
from tests.inspection.factories import GRID, VILLAGE, add_place, duty_room


def test_pages_in_both_languages(client: TestClient, session: Session) -> None:
    county = build_county(session)
    member = create_person(session, county, [(Role.grid_member, GRID)], grids=[GRID], name="网格员甲")
    headers = bearer(session, create_account(session, member, "gridder"))
    place = add_place(session, "P-A", "rental_housing", 119.91, 30.01)
    add_place(session, "P-W", "rental_housing", 120.05, 30.02)
    duty_room(session, county)
    fuchun = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    session.commit()
    RosterService(session).generate(None, VILLAGE, "2026-07", time_limit=5)
    session.commit()

    desk = client.get("/inspections", headers=headers)
    assert desk.status_code == 200 and "本轮待查场所" in desk.text and "场所P-A" in desk.text
    assert "场所P-W" not in desk.text
    form = client.get(f"/inspections/places/{place.id}", headers=headers)
    assert (
        form.status_code == 200 and "住人与生产经营场所混合" in form.text and "/static/inspection/check.js" in form.text
    )
    calendar = client.get("/rosters", params={"month": "2026-07"}, headers=fuchun)
    assert (
        calendar.status_code == 200 and "值班员" in calendar.text and 'data-testid="roster-calendar"' in calendar.text
    )
    assert client.get("/rosters/now", headers=fuchun).status_code == 200

    client.cookies.set("gridgov_lang", "en")
    english = client.get("/inspections", headers=headers)
    assert "Due this cycle" in english.text and "本轮待查" not in english.text
    form = client.get(f"/inspections/places/{place.id}", headers=headers)
    assert "Living quarters mixed with business" in form.text and "住人与生产经营" not in form.text
    assert "Duty rosters" in client.get("/rosters", params={"month": "2026-07"}, headers=fuchun).text
    assert client.get("/static/inspection/check.js").status_code == 200
