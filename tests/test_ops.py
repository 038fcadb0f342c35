from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.main import create_app


def test_healthz_reports_database(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql")


def test_metrics_use_route_templates(app: FastAPI) -> None:
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        local.get("/api/v1/org/nodes/330111999")
        text = local.get("/metrics").text
    assert 'route="/api/v1/org/nodes/{code}"' in text and "330111999" not in text


def test_metrics_are_refused_to_other_addresses(client: TestClient, app: FastAPI) -> None:
    assert client.get("/metrics").status_code == 403  # the test client's address is no IP: not loopback
    for address in ("10.1.2.3", "192.168.0.9", "2001:db8::1"):
        with TestClient(app, client=(address, 40000)) as remote:
            refused = remote.get("/metrics")
            assert refused.status_code == 403 and "GRIDGOV_METRICS_ALLOW" in refused.json()["detail"][0]["msg"]
            assert "gridgov_http_requests" not in refused.text
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        with TestClient(app, client=(address, 40000)) as local:
            assert local.get("/metrics").status_code == 200, address


def test_metrics_open_to_configured_networks_and_the_token(db: Database, settings: Settings) -> None:
    configured = settings.model_copy(update={"metrics_allow": "10.0.0.0/8", "metrics_token": "scrape-me"})
    app = create_app(configured, db)
    with TestClient(app, client=("10.20.30.40", 40000)) as inside:
        assert inside.get("/metrics").status_code == 200
    with TestClient(app, client=("127.0.0.1", 40000)) as loopback:  # loopback no longer listed
        assert loopback.get("/metrics").status_code == 403
    with TestClient(app, client=("203.0.113.7", 40000)) as outside:
        assert outside.get("/metrics").status_code == 403
        assert outside.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        scraped = outside.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert scraped.status_code == 200 and "gridgov_http_requests" in scraped.text


def test_metrics_by_token_only(db: Database, settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_allow": "none", "metrics_token": "t0k"}), db)
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 403
        assert local.get("/metrics", headers={"Authorization": "Bearer t0k"}).status_code == 200
    assert Settings(metrics_allow="none").metrics_allow == "none"


def test_metrics_allow_must_be_addresses() -> None:
    with pytest.raises(ValidationError, match="not an IP address"):
        Settings(metrics_allow="127.0.0.1, localhost")


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/geo/locate" in spec["paths"]
    page = client.get("/docs")
    assert page.status_code == 200 and "http" not in page.text.split("<script")[1].split(">")[0]
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "/static/js/swagger-init.js" in page.text
    assert all(" src=" in tag.split(">")[0] for tag in page.text.split("<script")[1:]), "an inline script"
    assert client.get("/static/js/swagger-init.js").status_code == 200
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_static_assets_are_vendored(client: TestClient) -> None:
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert "BSD" in client.get("/static/vendor/VENDOR.md").text
