"""HTTP batch ingest with a gateway token: 202 with counts, only after the rows are durable."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from gridgov.sensing.models import DeadLetter, Observation
from tests.factories import COUNTY, FUCHUN, user
from tests.sensing.world import FUCHUN_GAUGE, WANSHI_GAUGE, build_gauges

URL = "/api/v1/sensing/observations"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _item(station: str, minute: int, value: float = 0.5, **extra: object) -> dict[str, object]:
    return {
        "station": station,
        "property": "rainfall",
        "time": f"2026-11-23T05:{minute:02d}:00Z",
        "value": value,
        "unit": "mm",
        **extra,
    }


def _count(session: Session, model: type[Observation] | type[DeadLetter]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_gateway_posts_a_batch_and_repeats_are_counted(app: FastAPI, client: TestClient, session: Session) -> None:
    app.state.clock = lambda: NOW
    gauges = build_gauges(session)
    gateway = user(session, gauges.county, "gateway", Role.api_client, COUNTY)
    session.commit()
    batch = {"observations": [_item(FUCHUN_GAUGE, m) for m in range(10)] + [_item(WANSHI_GAUGE, 0)]}
    response = client.post(URL, json=batch, headers=gateway)
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 11, "duplicate": 0, "dead_lettered": 0, "errors": []}
    assert _count(session, Observation) == 11  # durable when answered
    again = client.post(URL, json=batch, headers=gateway).json()
    assert (again["accepted"], again["duplicate"]) == (0, 11)
    assert _count(session, Observation) == 11


def test_bad_items_are_dead_lettered_and_named_while_good_ones_land(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    app.state.clock = lambda: NOW
    gauges = build_gauges(session)
    gateway = user(session, gauges.county, "gateway", Role.api_client, COUNTY)
    session.commit()
    batch = {
        "observations": [
            _item(FUCHUN_GAUGE, 0),
            _item(FUCHUN_GAUGE, 1, unit="cm"),
            _item(FUCHUN_GAUGE, 2, value=-5),
            _item("NOPE", 3),
            {"station": FUCHUN_GAUGE, "property": "rainfall", "time": "2026-11-23T09:00:00Z", "value": 1},
        ]
    }
    body = client.post(URL, json=batch, headers=gateway).json()
    assert (body["accepted"], body["duplicate"], body["dead_lettered"]) == (1, 0, 4)
    assert [(e["index"], e["kind"]) for e in body["errors"]] == [
        (1, "wrong_unit"),
        (2, "implausible"),
        (3, "unknown_station"),
        (4, "future_time"),
    ]
    assert all("(" in e["reason"] for e in body["errors"])
    letters = list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))
    assert [(d.source, d.topic) for d in letters][0] == ("http", "observations[1]")
    assert b'"unit": "cm"' in letters[0].payload


def test_a_body_that_is_not_a_batch_is_refused_and_kept(app: FastAPI, client: TestClient, session: Session) -> None:
    gauges = build_gauges(session)
    gateway = user(session, gauges.county, "gateway", Role.api_client, COUNTY)
    session.commit()
    for body in (b"{not json", b'{"readings": []}', b"[1, 2]"):
        response = client.post(URL, content=body, headers={**gateway, "content-type": "application/json"})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["dead_lettered"] == 1
    assert [d.payload for d in session.scalars(select(DeadLetter).order_by(DeadLetter.id))] == [
        b"{not json",
        b'{"readings": []}',
        b"[1, 2]",
    ]


def test_only_gateways_post_and_only_to_their_area(app: FastAPI, client: TestClient, session: Session) -> None:
    app.state.clock = lambda: NOW
    gauges = build_gauges(session)
    operator = user(session, gauges.county, "operator", Role.township_operator, FUCHUN)
    fuchun_gateway = user(session, gauges.county, "fc-gateway", Role.api_client, FUCHUN)
    session.commit()
    batch = {"observations": [_item(FUCHUN_GAUGE, 0), _item(WANSHI_GAUGE, 0)]}
    assert client.post(URL, json=batch).status_code == 401
    assert client.post(URL, json=batch, headers=operator).status_code == 403
    body = client.post(URL, json=batch, headers=fuchun_gateway).json()
    assert body["accepted"] == 1 and [e["kind"] for e in body["errors"]] == ["out_of_scope"]
