"""The HTTP surface's guard rails, one pure ASGI layer (it never buffers a response or a request body):

- every response (page, API, static file, stored attachment, error) carries the Content-Security-Policy and the
  other browser hardening headers;
- request bodies are capped before anything parses them: a declared ``Content-Length`` over the limit is answered
  413 without reading a byte, a chunked body is counted as it streams and cut off at the limit;
- cookies set on a request that came over HTTPS are marked ``Secure`` (the scheme is what uvicorn derives, from
  ``X-Forwarded-Proto`` only for the proxies it trusts: ``--forwarded-allow-ips``).

An unhandled exception still gets the headers: the plain 500 is sent from here instead of from Starlette's outer
error layer (which re-raises it for the server's log as before).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridgov.config import Settings

log = logging.getLogger("gridgov.web")

MIB = 1024 * 1024
UPLOAD_OVERHEAD = 64 * 1024
"""Room for a multipart body's boundaries, part headers and small fields beside the largest file."""

BULK_ROUTES = re.compile(
    r"^/api/v1/(?:geo/boundaries|geo/locate/batch|org/nodes/[^/]+/boundary|sensing/observations)/?$"
)
"""JSON routes that take bulk data (GeoJSON boundaries, point batches, sensor batches): the upload limit applies."""


def tile_source(tile_url: str) -> str | None:
    """The CSP source that admits a basemap tile URL template, or None when the tiles come from this server.

    ``https://t{s}.example.cn/{z}/{x}/{y}.png`` → ``https://*.example.cn``; a placeholder elsewhere in the host
    admits the scheme only (``https:``), which is broad but never blocks the configured basemap."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return None  # relative: served by this origin
    host = parts.netloc.rsplit("@", 1)[-1]
    if "{" in host:
        first, _, rest = host.partition(".")
        if "{" in first and rest and "{" not in rest:
            return f"{parts.scheme}://*.{rest}"
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str = "") -> str:
    """No inline script or style, no plug-ins, no framing; images also from data:/blob: (photo previews, Leaflet)
    and the basemap's tile host. Styles set from scripts through CSSOM (Leaflet, ECharts) are not affected."""
    images = ["'self'", "data:", "blob:"]
    source = tile_source(tile_url)
    if source:
        images.append(source)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(images),
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(settings.tile_url).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]


def body_limits(settings: Settings) -> tuple[int, int]:
    """(any request, uploads and bulk imports) in bytes; an upload may always carry ``max_upload_mb``."""
    upload = max(settings.max_upload_bytes, settings.max_upload_mb * MIB + UPLOAD_OVERHEAD)
    return settings.max_body_bytes, upload


def body_limit(path: str, content_type: str, limits: tuple[int, int]) -> int:
    """The limit of one request: multipart bodies (files) and the bulk JSON routes get the larger one."""
    plain, upload = limits
    if content_type.lower().startswith("multipart/form-data") or BULK_ROUTES.match(path):
        return upload
    return plain


def with_secure_cookies(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``Secure`` added to every ``Set-Cookie`` that lacks it."""
    result = []
    for name, value in headers:
        if name.lower() == b"set-cookie" and b"secure" not in [part.strip().lower() for part in value.split(b";")[1:]]:
            value += b"; Secure"
        result.append((name, value))
    return result


def _size_text(limit: int) -> str:
    return f"{limit / MIB:.3g} MB" if limit >= MIB else f"{limit // 1024} KB"


def too_large_body(limit: int) -> bytes:
    text = _size_text(limit)
    detail = {"msg": f"请求体超过{text} (request body larger than {text})", "type": "PayloadTooLarge"}
    return json.dumps({"detail": [detail]}, ensure_ascii=False).encode()


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = security_headers(settings)
        self.limits = body_limits(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        limit = body_limit(scope["path"], content_type, self.limits)
        started = False  # a response start has gone out
        refused = False  # this layer answered 413 and ends the request

        async def send_guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the app's answer to a body we cut off: the client already has the 413
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": self._decorate(message.get("headers", []), https)}
            await send(message)

        async def refuse() -> None:
            nonlocal refused
            body = too_large_body(limit)
            start = {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
            await send_guarded(start)
            await send_guarded({"type": "http.response.body", "body": body})
            refused = True

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await refuse()  # nothing read
            return

        received = 0

        async def receive_capped() -> Message:
            nonlocal received
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    log.info("request body cut off", extra={"path": scope["path"], "limit": limit})
                    if not started:
                        await refuse()
                    return {"type": "http.disconnect"}
            return message

        try:
            await self.app(scope, receive_capped, send_guarded)
        except Exception:
            if refused:
                return  # the app tripped over the body we cut off (ClientDisconnect): already answered
            if not started and not _has_error_handler(scope):
                await send_guarded({"type": "http.response.start", "status": 500, "headers": _PLAIN})
                await send_guarded({"type": "http.response.body", "body": b"Internal Server Error"})
            raise

    def _decorate(self, raw: Iterable[tuple[bytes, bytes]], https: bool) -> list[tuple[bytes, bytes]]:
        """The hardening headers added to a response's own (a route that sets one of them keeps its value)."""
        headers = list(raw)
        present = {name.lower() for name, _ in headers}
        headers += [(name, value) for name, value in self.headers if name not in present]
        return with_secure_cookies(headers) if https else headers


_PLAIN = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"21")]


def _has_error_handler(scope: Scope) -> bool:
    """Whether the app installed its own 500 handler (Starlette's outer error layer then answers with it)."""
    handlers = getattr(scope.get("app"), "exception_handlers", {})
    return 500 in handlers or Exception in handlers
