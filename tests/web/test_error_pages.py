"""An unknown address answers a browser with the styled error page in its language, an API client with JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient

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
