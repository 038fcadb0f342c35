from __future__ import annotations

from fastapi.testclient import TestClient


def test_healthz_reports_database(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql")


def test_metrics_use_route_templates(client: TestClient) -> None:
    client.get("/api/v1/org/nodes/330111999")
    text = client.get("/metrics").text
    assert 'route="/api/v1/org/nodes/{code}"' in text and "330111999" not in text


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/geo/locate" in spec["paths"]
    page = client.get("/docs")
    assert page.status_code == 200 and "http" not in page.text.split("<script")[1].split(">")[0]
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_static_assets_are_vendored(client: TestClient) -> None:
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert "BSD" in client.get("/static/vendor/VENDOR.md").text
