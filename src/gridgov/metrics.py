"""Prometheus metrics: request counts and latencies by route template."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("gridgov_http_requests", "HTTP requests handled", ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "gridgov_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)


def _route_template(request: Request) -> str:
    """The matched route's template (``/api/v1/org/nodes/{code}``), never the raw path: bounded labels."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return "unmatched"
    if request.url.path.startswith("/api/v1") and not template.startswith("/api/v1"):
        template = "/api/v1" + template
    return template


async def metrics_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    start = time.perf_counter()
    response = await call_next(request)
    route = _route_template(request)
    LATENCY.labels(request.method, route).observe(time.perf_counter() - start)
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    return response


def metrics_response() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
