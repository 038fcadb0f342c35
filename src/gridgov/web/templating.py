"""Jinja2 environment and the one ``render`` every page goes through."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.responses import HTMLResponse

from gridgov.i18n import DEFAULT_LOCALE, LOCALE_COOKIE, LOCALES, translator
from gridgov.kit.time import format_local

templates = Jinja2Templates(directory=str(resources.files("gridgov.web").joinpath("templates")))
_core_loader = templates.env.loader
_module_dirs: list[str] = []


def add_templates(directory: str) -> None:
    """Let pages find a module's templates (after the core's, so a module cannot replace a core template)."""
    if directory not in _module_dirs:
        _module_dirs.append(directory)
        templates.env.loader = ChoiceLoader(
            [loader for loader in (_core_loader,) if loader] + [FileSystemLoader(d) for d in _module_dirs]
        )


templates.env.filters["local"] = format_local


def request_locale(request: Request) -> str:
    chosen = request.cookies.get(LOCALE_COOKIE)
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    locale = request_locale(request)
    principal = getattr(request.state, "principal", None)
    base = {
        "locale": locale,
        "t": translator(locale),
        "user": principal,
        "csrf_token": principal.csrf_token if principal is not None else request.cookies.get("gridgov_csrf", ""),
        "settings": request.app.state.settings,
        "nav": getattr(request.app.state, "nav", ()),
    }
    return templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status_code)
