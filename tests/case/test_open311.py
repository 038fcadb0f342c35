"""Conformance with Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2), written from the spec."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.auth.schemas import TokenCreate
from gridgov.auth.service import AuthService
from gridgov.config import Settings
from gridgov.org.enums import Role
from tests.factories import COUNTY, build_county, create_account, create_person

BASE = "/open311/v2"


@pytest.fixture
def api_key(session: Session) -> str:
    county = build_county(session)
    account = create_account(
        session, create_person(session, county, [(Role.api_client, COUNTY)], name="12345热线"), "hotline"
    )
    token = AuthService(session, Settings(environment="test")).create_token(account.id, TokenCreate(name="open311"))
    session.commit()
    return token.token


def _post(client: TestClient, fmt: str, **form: str) -> tuple[int, object]:
    response = client.post(f"{BASE}/requests.{fmt}", data=form)
    if fmt == "json":
        return response.status_code, response.json()
    return response.status_code, ET.fromstring(response.content)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_discovery(client: TestClient, fmt: str) -> None:
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml" if fmt == "xml" else "application/json")
    if fmt == "json":
        endpoint = response.json()["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/open311/v2") and "application/json" in endpoint["formats"]
    else:
        assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?><discovery>')
        root = ET.fromstring(response.content)
        assert root.find("endpoints/endpoint/specification") is not None


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_services_and_definition(client: TestClient, fmt: str) -> None:
    response = client.get(f"{BASE}/services.{fmt}")
    if fmt == "json":
        services = response.json()
        manhole = next(s for s in services if s["service_code"] == "0102")
        assert manhole["service_name"] == "井盖缺损" and isinstance(manhole["service_code"], str)
        assert set(manhole) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        definition = client.get(f"{BASE}/services/0102.json").json()
        assert definition["service_code"] == "0102" and definition["attributes"][0]["code"] == "severity"
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "services" and root.find("service/service_code") is not None
        definition = ET.fromstring(client.get(f"{BASE}/services/0102.xml").content)
        assert (
            definition.tag == "service_definition"
            and definition.findtext("attributes/attribute/datatype") == "singlevaluelist"
        )
    missing = client.get(f"{BASE}/services/9999.{fmt}")
    assert missing.status_code == 404


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_bad_api_key_is_403_in_the_spec_error_format(client: TestClient, api_key: str, fmt: str) -> None:
    status, body = _post(client, fmt, api_key="wrong", service_code="0401", lat="30.02", long="119.92")
    assert status == 403
    if fmt == "json":
        assert body == [{"code": 403, "description": "Invalid api_key received -- can't proceed with create_request."}]
    else:
        assert isinstance(body, ET.Element) and body.tag == "errors" and body.findtext("error/code") == "403"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_create_then_query(client: TestClient, api_key: str, fmt: str) -> None:
    status, body = _post(
        client, fmt, api_key=api_key, service_code="0401", lat="30.02", long="119.92", description="路边暴露垃圾"
    )
    assert status == 200, body
    request_id = body[0]["service_request_id"] if fmt == "json" else body.findtext("request/service_request_id")  # type: ignore[index, union-attr]
    assert isinstance(request_id, str) and request_id
    one = client.get(f"{BASE}/requests/{request_id}.json").json()[0]
    assert (one["status"], one["status_notes"], one["service_code"], one["long"]) == ("open", "待受理", "0401", 119.92)
    assert one["requested_datetime"].endswith("Z")
    assert client.get(f"{BASE}/request/{request_id}.json").status_code == 200  # the swagger's path too
    listed = client.get(f"{BASE}/requests.json", params={"status": "open", "service_code": "0401"}).json()
    assert [r["service_request_id"] for r in listed] == [request_id]
    assert client.get(f"{BASE}/requests.json", params={"status": "closed"}).json() == []
    assert client.get(f"{BASE}/requests.json", params={"service_request_id": request_id, "status": "closed"}).json()
    xml = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert xml.tag == "service_requests" and xml.findtext("request/status") == "open"


def test_errors(client: TestClient, api_key: str) -> None:
    status, body = _post(client, "json", api_key=api_key, service_code="0401")
    assert status == 400 and "lat" in body[0]["description"]  # type: ignore[index]
    status, body = _post(client, "json", api_key=api_key, service_code="9999", lat="30.02", long="119.92")
    assert status == 404
    status, body = _post(client, "json", api_key=api_key, service_code="0401", lat="31.2", long="121.5")
    assert status == 400 and "不在本县" in body[0]["description"]  # type: ignore[index]
    assert client.get(f"{BASE}/requests/nope.json").status_code == 404
    bad = client.get(
        f"{BASE}/requests.json", params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    )
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    assert client.get(f"{BASE}/requests.json", params={"page_size": 1, "page": 2}).status_code == 200


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_media_url_round_trip(client: TestClient, api_key: str, fmt: str) -> None:
    """A client's media_url comes back with the request (0401 is a public category: keyless readers see it)."""
    photo = "https://photos.example.org/c/8841.jpg"
    status, body = _post(client, fmt, api_key=api_key, service_code="0401", lat="30.02", long="119.92", media_url=photo)
    assert status == 200, body
    request_id = body[0]["service_request_id"] if fmt == "json" else body.findtext("request/service_request_id")  # type: ignore[index, union-attr]
    assert client.get(f"{BASE}/requests/{request_id}.json").json()[0]["media_url"] == photo
    listed = ET.fromstring(client.get(f"{BASE}/requests.xml", params={"service_request_id": request_id}).content)
    assert listed.findtext("request/media_url") == photo
    keyed = client.get(f"{BASE}/requests/{request_id}.json", params={"api_key": api_key}).json()[0]
    assert keyed["media_url"] == photo


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"lat": "abc", "long": "119.92"}, "lat must be a decimal number"),
        ({"lat": "30.02", "long": "east"}, "long must be a decimal number"),
        ({"lat": "95", "long": "119.92"}, "lat is out of range"),
        (
            {"lat": "30.02", "long": "119.92", "attribute[severity]": "x"},
            "attribute[severity] must be a decimal number",
        ),
        ({"lat": "30.02", "long": "119.92", "media_url": "javascript:alert(1)"}, "media_url must be an http(s) URL"),
        ({"lat": "30.02", "long": "119.92", "description": "a\x0bb"}, "description: "),
    ],
)
def test_errors_are_messages_a_client_can_show(
    client: TestClient, api_key: str, form: dict[str, str], message: str
) -> None:
    status, body = _post(client, "json", api_key=api_key, service_code="0401", **form)
    assert status == 400, body
    description = body[0]["description"]  # type: ignore[index]
    assert description.startswith(message), description
    assert "could not convert" not in description and "Input should" not in description
