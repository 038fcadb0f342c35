"""SensorThings read side through an independent client: ``frost-sta-client`` (Fraunhofer IOSB) over real HTTP.

The test app is served by uvicorn on a free port in a thread; the client authenticates with an API token.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import frost_sta_client as fsc  # type: ignore[import-untyped]
import pytest
import requests
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from frost_sta_client.service.auth_handler import AuthHandler  # type: ignore[import-untyped]

from tests.sensing.test_sensorthings_conformance import STA
from tests.sensing.test_sensorthings_conformance import sta as sta
from tests.sensing.world import FUCHUN_GAUGE

__all__ = ["sta"]
pytestmark = pytest.mark.filterwarnings("ignore:furl.pathstr is deprecated:DeprecationWarning")


class Bearer(AuthHandler):  # type: ignore[misc]
    """frost-sta-client's auth hook: requests' auth callable carrying gridgov's bearer token."""

    def __init__(self, header: str) -> None:
        super().__init__()
        self.header = header

    def add_auth_header(self) -> Any:
        def attach(request: requests.PreparedRequest) -> requests.PreparedRequest:
            request.headers["Authorization"] = self.header
            return request

        return attach


@pytest.fixture
def live(app: FastAPI, client: TestClient) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lock = asyncio.Lock()

    async def one_at_a_time(scope: Any, receive: Any, send: Any) -> None:
        """The test database is one connection: requests take turns, teardown included."""
        async with lock:
            await app(scope, receive, send)

    server = uvicorn.Server(
        uvicorn.Config(one_at_a_time, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}{STA}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_frost_client_reads_every_entity_set(live: str, sta: dict[str, Any]) -> None:
    service = fsc.SensorThingsService(live, auth_handler=Bearer(sta["headers"]["admin"]["Authorization"]))
    things = service.things().query().list()
    assert sorted(t.name for t in things) == ["万市雨量站", "富春雨量站"]
    sensors = service.sensors().query().list()
    assert len(list(sensors)) == 3
    observed = service.observed_properties().query().filter("name eq 'water_level'").list()
    assert [o.definition for o in observed] == ["urn:gridgov:def:observed-property:water_level"]
    assert len(list(service.locations().query().list())) == 2
    assert len(list(service.historical_locations().query().list())) == 2
    assert len(list(service.features_of_interest().query().list())) == 2
    streams = service.datastreams().query().expand("Thing,Sensor,ObservedProperty").list()
    for stream in streams:
        assert stream.thing.name and stream.sensor.name and stream.observed_property.name
        assert stream.unit_of_measurement.definition.startswith("http://qudt.org/vocab/unit/")
    newest = (
        service.observations()
        .query()
        .filter("Datastream/Thing/properties/code eq '" + FUCHUN_GAUGE + "' and result lt 1")
        .orderby("phenomenonTime", "desc")
        .top(3)
        .list()
    )
    assert [o.result for o in newest.entities] == [0.9, 0.8, 0.7]
    one = service.things().find(sta["stations"][FUCHUN_GAUGE])
    assert one.name == "富春雨量站"
    # paging: the client follows @iot.nextLink itself
    paged = service.observations().query().top(7).list()
    assert sum(1 for _ in paged) == 38
