"""The ``georeport`` client from PyPI reads a live gridgov server (Open311 GeoReport v2)."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from georeport import GeoReport

from tests.live import admin_token, demo_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    workdir: Path = tmp_path_factory.mktemp("open311")
    with demo_server(workdir) as url:
        key = admin_token(workdir)
        form = {"api_key": key, "service_code": "0102", "lat": "30.05", "long": "119.95", "description": "井盖缺失"}
        request = urllib.request.Request(f"{url}/open311/v2/requests.json", data=urllib.parse.urlencode(form).encode())
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        yield url + "/open311/v2", key


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_client_lists_services_and_requests(server: tuple[str, str], output_format: str) -> None:
    root, _key = server
    client = GeoReport(root, output_format=output_format)
    services = client.get_service_list()
    assert len(services) == 19
    found = client.get_service_requests(service_code="0102", status="open")
    # with XML, xmltodict gives a lone <request> as a dict rather than a one-element list
    requests = found if isinstance(found, list) else [found]
    ours = [r for r in requests if r.get("description") == "井盖缺失"]  # the demo carries months of history too
    assert len(ours) == 1 and ours[0]["service_code"] == "0102" and ours[0]["status"] == "open"
    one = client.get_service_request(ours[0]["service_request_id"])
    record = one[0] if isinstance(one, list) else one
    assert record["service_name"] == "井盖缺损"
