"""The application factory: routers, error handlers, static files, health and metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gridgov import __version__, core
from gridgov.audit.recorder import install as install_audit
from gridgov.auth.cache import PrincipalCache
from gridgov.case.calendar import WorkCalendar
from gridgov.config import Settings, get_settings
from gridgov.db import Database
from gridgov.errors import AppError, LoginRequired
from gridgov.evaluation.providers import Indicators
from gridgov.i18n import one_language, translator
from gridgov.kit.responses import ERROR_RESPONSES
from gridgov.kit.text import RefuseControlInUrl
from gridgov.kit.time import utcnow
from gridgov.kit.writer import BatchWriter
from gridgov.logging import configure as configure_logging
from gridgov.metrics import MetricsMiddleware, metrics_response
from gridgov.module import Module, Service, activate, enabled
from gridgov.notify.channels import senders_from_settings
from gridgov.sensing.runtime import SensingRuntime
from gridgov.web.security import SecurityMiddleware
from gridgov.web.templating import render, request_locale

log = logging.getLogger("gridgov")
API_PREFIX = "/api/v1"


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    """422 bodies name the field: ``loc`` as FastAPI gives it plus a dotted ``field``."""
    details = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        field = ".".join(loc[1:]) if loc and loc[0] in ("body", "query", "path") else ".".join(loc)
        details.append({"loc": loc, "field": field, "msg": f"{field}: {error.get('msg')}", "type": error.get("type")})
    return details


def _wants_page(request: Request) -> bool:
    """Browsers navigating to a page get an HTML error page; API clients get JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/static/")) or path in ("/openapi.json", "/healthz", "/metrics"):
        return False
    return "text/html" in request.headers.get("accept", "")


def create_app(
    settings: Settings | None = None, database: Database | None = None, modules: Sequence[Module] | None = None
) -> FastAPI:
    """The application with the core and the enabled modules (``GRIDGOV_MODULES``, or ``modules``)."""
    settings = settings or get_settings()
    configure_logging(json_lines=settings.log_json, level=settings.log_level)
    if settings.generated_secret_file is not None:
        log.warning(
            "GRIDGOV_SECRET_KEY 未设置，使用自动生成的密钥 %s；共用数据库的多台服务器须设置同一密钥 "
            "(GRIDGOV_SECRET_KEY unset: using the key generated in that file; servers sharing a database need one key)",
            settings.generated_secret_file,
        )
    if settings.environment == "production" and not settings.public_url_set:
        log.warning("GRIDGOV_PUBLIC_URL 未设置，叫应链接指向 %s (unset: links point there)", settings.public_url)
    install_audit()
    modules = tuple(enabled(settings.modules) if modules is None else modules)
    activate(modules)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs: list[Service] = [*core.jobs(app)]
        for module in modules:
            jobs += module.jobs(app) if module.jobs else []
        for job in jobs:
            job.start()
        await app.state.sensing.start()
        yield
        await app.state.sensing.stop()
        app.state.writer.stop()
        for job in jobs:
            job.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="gridgov 基层智治平台",
        version=__version__,
        description="Grassroots governance platform: organisation, geography, cases, warnings, evaluation.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database or Database.from_url(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    app.state.principals = PrincipalCache(ttl_seconds=settings.auth_cache_seconds)
    app.state.calendar = WorkCalendar(periods=settings.work_periods)
    app.state.sqlite_writer = asyncio.Lock()
    app.state.writer = BatchWriter(app.state.db)
    app.state.senders = senders_from_settings(settings)
    app.state.clock = utcnow
    app.state.sensing = SensingRuntime(settings, app.state.db, lambda: app.state.clock(), app.state.calendar)
    app.state.modules = modules
    app.state.indicators = Indicators([provider for module in modules for provider in module.indicators])
    app.state.cockpit_counters = {name: count for module in modules for name, count in module.cockpit.items()}
    app.state.nav = sorted([*core.NAV, *(entry for module in modules for entry in module.nav)], key=lambda e: e.order)

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        if isinstance(exc, LoginRequired):
            target = quote(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
            return RedirectResponse(f"/login?next={target}", status_code=303)
        if _wants_page(request):
            context = {"message": one_language(exc.message, request_locale(request)), "status_code": exc.status_code}
            return render(request, "error.html", context, status_code=exc.status_code)
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """An unknown address or method: the styled page in the reader's language for a browser, JSON otherwise."""
        if _wants_page(request):
            t = translator(request_locale(request))
            known = {404: "error.not_found", 405: "error.method_not_allowed"}
            message = t(known[exc.status_code]) if exc.status_code in known else str(exc.detail)
            context = {"message": message, "status_code": exc.status_code}
            return render(request, "error.html", context, status_code=exc.status_code)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"detail": _validation_detail(exc)}, status_code=422)

    app.add_middleware(RefuseControlInUrl)  # inside the security headers
    app.add_middleware(SecurityMiddleware, settings=settings)
    app.add_middleware(MetricsMiddleware)
    if settings.trusted_proxies:  # added last = outermost: every layer sees the client the proxy vouches for
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    api = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    for router in (*core.API, *(router for module in modules for router in module.api)):
        api.include_router(router)
    app.include_router(api)
    for router in (*core.ROUTERS, *(router for module in modules for router in module.routers)):
        app.include_router(router)
    for module in modules:  # before the core's /static, which would otherwise take these paths
        if module.static:
            directory = str(resources.files(module.static).joinpath("static"))
            app.mount(f"/static/{module.name}", StaticFiles(directory=directory), name=f"static-{module.name}")
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("gridgov.web").joinpath("static"))),
        name="static",
    )

    @app.get("/healthz", tags=["ops"], summary="Liveness and database check")
    def healthz() -> JSONResponse:
        try:
            with app.state.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # report any database failure as unhealthy
            log.warning("health check failed", extra={"error": str(exc)})
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "version": __version__, "database": app.state.db.engine.dialect.name})

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        """Swagger UI from the vendored assets (no CDN), started by a static script (no inline script)."""
        return render(request, "docs.html")

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        return metrics_response(request, settings.metrics_allow, settings.metrics_token)

    return app
