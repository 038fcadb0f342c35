"""An unknown address answers a browser with the styled error page in its language, an API client with JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.i18n import one_language
from gridgov.org.enums import Role
from tests.factories import COUNTY, build_county, user

HTML = {"accept": "text/html,application/xhtml+xml"}


def test_an_unknown_page_is_the_styled_error_page_in_the_readers_language(client: TestClient) -> None:
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-message"' in page.text and "页面不存在" in page.text
    client.cookies.set("gridgov_lang", "en")
    english = client.get("/no-such-page", headers=HTML)
    client.cookies.delete("gridgov_lang")
    assert english.status_code == 404 and "There is no such page" in english.text and "页面不存在" not in english.text
    wrong = client.delete("/login", headers=HTML)
    assert wrong.status_code == 405 and "此地址不接受这种请求" in wrong.text


def test_an_unknown_api_address_stays_json(client: TestClient) -> None:
    answer = client.get("/api/v1/no-such-thing", headers=HTML)
    assert answer.status_code == 404 and answer.json() == {"detail": "Not Found"}
    assert client.get("/no-such-page").json() == {"detail": "Not Found"}  # no browser: JSON


def test_a_refusal_on_a_page_speaks_the_readers_language_only(client: TestClient, session: Session) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()
    page = client.get("/cases/20990101000001", headers={**HTML, **admin})
    assert page.status_code == 404 and "案件不存在或不在您的辖区内" in page.text and "no such case" not in page.text
    client.cookies.set("gridgov_lang", "en")
    english = client.get("/cases/20990101000001", headers={**HTML, **admin})
    client.cookies.delete("gridgov_lang")
    assert "no such case in your area" in english.text and "不存在" not in english.text
    api = client.get("/api/v1/cases/20990101000001", headers=admin)
    assert "不存在" in api.text and "no such case" in api.text  # the API keeps both languages


def test_one_language_picks_the_part_and_leaves_others_alone() -> None:
    assert one_language("当前角色无权执行此操作 (needs village:read)", "en") == "needs village:read"
    assert one_language("该点不在任何乡镇(街道)内 (point is in no township)", "zh-CN") == "该点不在任何乡镇(街道)内"
    assert one_language("station code taken", "zh-CN") == "station code taken"
