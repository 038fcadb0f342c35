"""The cockpit's warning tile lists the colours as the standard ranks them, red first: 红/橙/黄/蓝."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from gridgov.warning.service import WarningService
from tests.factories import COUNTY, build_county, user
from tests.warning.factories import create_zone
from tests.warning.test_response import NOW


def test_the_cockpit_tile_and_the_board_list_red_orange_yellow_blue(client: TestClient, session: Session) -> None:
    county = build_county(session)
    service = WarningService(session)
    for n, rank in enumerate((1, 3, 4, 2)):  # blue, orange, red, yellow: raised in a muddled order
        service.apply(create_zone(session, lon=119.92 + n / 100, lat=30.02), rank, None, NOW)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()
    tiles = client.get("/api/v1/evaluation/cockpit", headers=admin).json()["tiles"]
    (tile,) = (t for t in tiles if t["key"] == "warning.cockpit.active")  # carbon adds a tile of its own
    assert tile["parts"] == [["红色", 1], ["橙色", 1], ["黄色", 1], ["蓝色", 1]]
    assert "红色 1 · 橙色 1 · 黄色 1 · 蓝色 1" in client.get("/cockpit", headers=admin).text
    board = client.get("/warnings", headers=admin).text
    chips = board[board.index('data-testid="warning-counts"') :]
    assert [chips.index(f'data-colour="{c}"') for c in ("red", "orange", "yellow", "blue")] == sorted(
        chips.index(f'data-colour="{c}"') for c in ("red", "orange", "yellow", "blue")
    ), "the board's counts run red, orange, yellow, blue"


def test_the_board_filters_by_township_and_colour(client: TestClient, session: Session) -> None:
    county = build_county(session)
    service = WarningService(session)
    service.apply(create_zone(session, lon=119.92, lat=30.02), 4, None, NOW)  # 富春: red
    service.apply(create_zone(session, lon=119.93, lat=30.02), 2, None, NOW)  # 富春: yellow
    wanshi = create_zone(session, lon=120.05, lat=30.02)
    wanshi.township_code, wanshi.village_code, wanshi.path = (
        "330111100",
        "330111100001",
        "330111/330111100/330111100001/",
    )
    session.flush()
    service.apply(wanshi, 4, None, NOW)  # 万市: red
    admin = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()

    def rows(**params: str) -> list[str]:
        page = client.get("/warnings", params=params, headers=admin)
        assert page.status_code == 200, page.text
        return re.findall(r'<tr class="level-\w+" data-zone="[^"]+" data-colour="(\w+)"', page.text)

    assert sorted(rows()) == ["red", "red", "yellow"]
    assert sorted(rows(township="330111001")) == ["red", "yellow"]
    assert rows(township="330111001", colour="red") == ["red"]
    assert rows(colour="yellow") == ["yellow"]
    page = client.get("/warnings", params={"township": "330111100"}, headers=admin).text
    assert 'data-colour="red">1<' in page and 'data-colour="yellow">0<' in page  # the chips count the township's
