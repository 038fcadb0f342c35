"""Every JSON body of our Open311 GeoReport v2 server, validated with ``jsonschema``.

The schemas (schemas/open311/georeport-v2.schema.json) are written from the spec; they repeat the checks
of the open311/schema-validation repository, which has no licence and so is not copied here (see the
README beside them). Formats are checked: ``date-time`` as the spec's W3C subset with a timezone, ``uri``
as an absolute URI.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from gridgov.auth.schemas import TokenCreate
from gridgov.auth.service import AuthService, principal_for
from gridgov.case.schemas import CaseAction
from gridgov.case.service import CaseService
from gridgov.case.taxonomy import default_taxonomy
from gridgov.case.workflow import Action
from gridgov.config import Settings
from gridgov.kit.principal import Principal
from gridgov.org.enums import Role, UnitKind
from gridgov.org.models import Unit
from tests.factories import COUNTY, FUCHUN, build_county, create_account, create_person

BASE = "/open311/v2"
GRID = "330111001001001"
INSIDE = {"lat": "30.02", "long": "119.92"}  # 城西社区第1网格, 富春街道
SCHEMA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "schemas" / "open311" / "georeport-v2.schema.json").read_text("utf-8")
)
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats constrain strings only
    if not W3C.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(URI.match(value)) and bool(urlsplit(value).scheme)


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(_is_datetime)
FORMATS.checks("uri")(_is_uri)


def problems(name: str, instance: object) -> list[str]:
    """What is wrong with ``instance`` as the spec's ``name`` body, one line per error."""
    validator = Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{name}"}, format_checker=FORMATS)
    found = []
    for error in validator.iter_errors(instance):
        path = list(error.absolute_path)
        found.append(f"{'/'.join(str(p) for p in path) or '(root)'}: {error.message}")
    return sorted(found)


def body(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


@dataclass
class Desk:
    client: TestClient
    session: Session
    api_key: str
    grid: Principal
    operator: Principal

    def post(self, **form: str) -> Response:
        return self.client.post(f"{BASE}/requests.json", data={"api_key": self.api_key, **form})

    def create(self, service_code: str = "0401", description: str = "路边暴露垃圾") -> str:
        created = body(self.post(service_code=service_code, description=description, **INSIDE))
        assert problems("created", created) == []
        request_id: str = created[0]["service_request_id"]
        return request_id

    def act(self, number: str, *steps: tuple[Principal, Action]) -> None:
        service = CaseService(self.session)
        for principal, action in steps:
            service.act(principal, number, CaseAction(action=action, comment="处理"))
        self.session.commit()


@pytest.fixture
def desk(client: TestClient, session: Session) -> Desk:
    """An API client (12345热线) holding an Open311 api_key, as in test_open311's ``api_key``, plus the
    grid member and township operator who take a village-tier case (0401 暴露垃圾) to 结案."""
    county = build_county(session)
    session.add(
        Unit(
            code=f"{FUCHUN}-ZHXX",
            name="富春街道综合信息指挥室",
            kind=UnitKind.department.value,
            node_id=county[FUCHUN].id,
        )
    )
    session.flush()
    hotline = create_account(
        session, create_person(session, county, [(Role.api_client, COUNTY)], name="12345热线"), "hotline"
    )
    token = AuthService(session, Settings(environment="test")).create_token(hotline.id, TokenCreate(name="open311"))
    grid = create_person(session, county, [(Role.grid_member, GRID)], grids=[GRID], name="网格员")
    operator = create_person(session, county, [(Role.township_operator, FUCHUN)], name="四平台")
    desk = Desk(
        client,
        session,
        token.token,
        principal_for(create_account(session, grid, "gm")),
        principal_for(create_account(session, operator, "op")),
    )
    session.commit()
    return desk


@pytest.fixture
def requests(desk: Desk) -> dict[str, str]:
    """One request in each Open311-visible condition: open, closed (结案), closed (作废), merged."""
    numbers = {key: desk.create() for key in ("open", "closed", "cancelled", "merged")}
    op, grid = desk.operator, desk.grid
    desk.act(
        numbers["closed"],
        (op, Action.file),
        (op, Action.dispatch),
        (op, Action.accept),
        (op, Action.feedback),
        (grid, Action.verify_pass),
        (op, Action.close),
    )
    desk.act(numbers["cancelled"], (op, Action.cancel))
    service = CaseService(desk.session)
    service.act(op, numbers["merged"], CaseAction(action=Action.merge, into_case=numbers["open"]))
    desk.session.commit()
    return numbers


def test_the_schema_file_is_a_valid_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert set(SCHEMA["$defs"]) >= {"service", "services", "service_definition", "request", "requests"}
    assert problems("request", {"service_request_id": "1", "status": "pending"}) == [
        "(root): 'requested_datetime' is a required property",
        "(root): 'service_code' is a required property",
        "status: 'pending' is not one of ['open', 'closed']",
    ]
    assert problems("datetime", "2026-11-23T08:00:00") != []  # a timezone is required
    assert problems("errors", []) != []


def test_discovery(client: TestClient) -> None:
    discovery = body(client.get(f"{BASE}/discovery.json"))
    assert problems("discovery", discovery) == []
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_services_and_every_service_definition(client: TestClient) -> None:
    services = body(client.get(f"{BASE}/services.json"))
    assert problems("services", services) == []
    codes = [s["service_code"] for s in services]
    assert codes == [c.code for c in default_taxonomy().categories]
    for service in services:
        definition = body(client.get(f"{BASE}/services/{service['service_code']}.json"))
        assert service["metadata"] is True  # so a definition must exist
        assert problems("service_definition", definition) == [], service["service_code"]
        assert definition["service_code"] == service["service_code"]


def test_post_request(desk: Desk) -> None:
    created = body(desk.post(service_code="0102", description="井盖缺失", address_string="城西路12号", **INSIDE))
    assert problems("created", created) == []
    assert "token" not in created[0] and created[0]["service_request_id"]
    with_attribute = body(desk.post(service_code="0201", description="违建", **{"attribute[severity]": "3"}, **INSIDE))
    assert problems("created", with_attribute) == []


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"api_key": "wrong", "service_code": "0401", **INSIDE}, 403),
        ({"api_key": "", "service_code": "0401", **INSIDE}, 403),
        ({"service_code": "", **INSIDE}, 400),
        ({"service_code": "0401"}, 400),
        ({"service_code": "0401", "address_string": "城西路12号"}, 400),
        ({"service_code": "9999", **INSIDE}, 404),
        ({"service_code": "0401", "lat": "31.2", "long": "121.5"}, 400),
        ({"service_code": "0401", "lat": "north", "long": "east"}, 400),
        ({"service_code": "0401", "attribute[severity]": "9", **INSIDE}, 400),
    ],
    ids=[
        "bad-key",
        "no-key",
        "no-service",
        "no-location",
        "address-only",
        "unknown-service",
        "outside",
        "nan",
        "bad-attr",
    ],
)
def test_post_errors(desk: Desk, form: dict[str, str], status: int) -> None:
    data = {"api_key": desk.api_key, **form}
    errors = body(desk.client.post(f"{BASE}/requests.json", data=data), status)
    assert problems("errors", errors) == []
    assert errors[0]["code"] == status


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("/services/9999.json", {}, 404),
        ("/requests/nope.json", {}, 404),
        ("/request/nope.json", {}, 404),
        ("/requests.json", {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),
        ("/requests.json", {"start_date": "yesterday"}, 400),
        ("/requests.json", {"end_date": "2026-06-01T00:00:00"}, 400),
        ("/requests.json", {"status": "pending"}, 400),
        ("/requests.json", {"page": "0"}, 400),
        ("/requests.json", {"page_size": "5000"}, 400),
    ],
)
def test_get_errors(client: TestClient, url: str, params: dict[str, str], status: int) -> None:
    errors = body(client.get(f"{BASE}{url}", params=params), status)
    assert problems("errors", errors) == []


def test_get_requests_with_filters(client: TestClient, requests: dict[str, str]) -> None:
    def listed(**params: str) -> list[str]:
        records = body(client.get(f"{BASE}/requests.json", params=params))
        assert problems("requests", records) == [], params
        return [r["service_request_id"] for r in records]

    everything = listed()
    assert set(everything) == {requests["open"], requests["closed"], requests["cancelled"]}  # merged: folded away
    assert listed(status="open") == [requests["open"]]
    assert set(listed(status="closed")) == {requests["closed"], requests["cancelled"]}
    assert set(listed(status="open,closed")) == set(everything)
    assert set(listed(status="")) == set(everything)  # an empty optional argument is no argument
    assert set(listed(service_code="0401,0102")) == set(everything)
    assert listed(service_code="0102") == []
    assert listed(service_request_id=f"{requests['closed']},{requests['open']}", status="open") != []
    assert listed(start_date="2000-01-01T00:00:00Z", end_date="2000-03-01T00:00:00+08:00") == []
    assert len(listed(page_size="1")) == 1 and len(listed(page_size="1", page="9")) == 0


@pytest.mark.parametrize("path", ["requests", "request"])
def test_get_one_request(client: TestClient, requests: dict[str, str], path: str) -> None:
    for condition, number in requests.items():
        records = body(client.get(f"{BASE}/{path}/{number}.json"))
        assert problems("requests", records) == [], condition
        assert len(records) == 1 and records[0]["service_request_id"] == number
        assert records[0]["status"] == ("open" if condition == "open" else "closed")
    closed = body(client.get(f"{BASE}/{path}/{requests['closed']}.json"))[0]
    assert closed["expected_datetime"] is None and closed["status_notes"] == "已结案"


def test_media_url_is_a_url_or_null(client: TestClient, requests: dict[str, str]) -> None:
    records = body(client.get(f"{BASE}/requests.json"))
    assert problems("requests", records) == []


def test_a_description_of_4000_characters_is_accepted(desk: Desk) -> None:
    created = body(desk.post(service_code="0401", description="垃圾" * 2000, **INSIDE))
    assert problems("created", created) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    service_code=st.sampled_from(["0401", "0102", "0601", "9999", "", "04"]),
    description=st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=300),
    where=st.sampled_from([INSIDE, {"lat": "30.02", "long": "121.5"}, {"lat": "", "long": "119.92"}]),
)
def test_any_post_answers_in_the_spec_format(
    desk: Desk, service_code: str, description: str, where: dict[str, str]
) -> None:
    """Whatever a client posts, the answer is a created request or a list of errors; a created request
    then reads back valid, with the description as sent."""
    response = desk.post(service_code=service_code, description=description, **where)
    if response.status_code != 200:
        errors = body(response, response.status_code)
        assert response.status_code in (400, 404) and problems("errors", errors) == []
        return
    created = body(response)
    assert problems("created", created) == []
    record = body(desk.client.get(f"{BASE}/requests/{created[0]['service_request_id']}.json"))
    assert problems("requests", record) == []
    assert record[0]["description"] == (description or service_code)
