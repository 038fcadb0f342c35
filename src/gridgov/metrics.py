"""Prometheus metrics: request counts and latencies by route template (a pure ASGI middleware)."""

from __future__ import annotations

import ipaddress
import secrets
import time
from collections.abc import MutableMapping
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridgov.errors import Forbidden

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("gridgov_http_requests", "HTTP requests handled", ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "gridgov_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The matched route's template (``/api/v1/org/nodes/{code}``), never the raw path: bounded labels."""
    template = getattr(scope.get("route"), "path", None)
    if not isinstance(template, str):
        return "unmatched"
    if str(scope.get("path", "")).startswith("/api/v1") and not template.startswith("/api/v1"):
        template = "/api/v1" + template
    return template


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = route_template(scope)
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - start)
            REQUESTS.labels(scope["method"], route, str(status)).inc()


def metrics_allowed(client: str | None, authorization: str, allow: str, token: str) -> bool:
    """Whether a scrape may read /metrics: from an allowed address or network (``allow``, comma-separated), or
    with ``Authorization: Bearer <token>`` when a token is configured. ``client`` is the peer address uvicorn
    reports (the forwarded one only for trusted proxies)."""
    scheme, _, sent = authorization.partition(" ")
    if token and scheme.lower() == "bearer" and secrets.compare_digest(sent.strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client or "")
    except ValueError:
        return False  # not an IP address (a Unix socket, a test client): only the token opens it
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks(allow) if network.version == address.version)


def networks(allow: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``127.0.0.1, 10.0.0.0/8, ::1`` → networks; ``none`` → no address (the token only); a bad entry raises
    ValueError."""
    if allow.strip().lower() == "none":
        return []
    return [ipaddress.ip_network(part.strip(), strict=False) for part in allow.split(",") if part.strip()]


def metrics_response(request: Request, allow: str, token: str) -> Response:
    """The exposition, for allowed scrapers only (403 otherwise: it names routes, rates and error counts)."""
    client = request.client.host if request.client else None
    if not metrics_allowed(client, request.headers.get("authorization", ""), allow, token):
        raise Forbidden(
            "指标仅对 GRIDGOV_METRICS_ALLOW 中的地址或持 GRIDGOV_METRICS_TOKEN 的请求开放 "
            "(metrics are open to GRIDGOV_METRICS_ALLOW addresses or a GRIDGOV_METRICS_TOKEN bearer only)"
        )
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
