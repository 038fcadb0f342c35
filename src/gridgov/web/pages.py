"""Shell pages: each role's landing page (``/``) and the language switch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from gridgov.deps import OptionalUser
from gridgov.i18n import LOCALE_COOKIE, LOCALES
from gridgov.kit.principal import Principal

router = APIRouter(include_in_schema=False)
LANDINGS: tuple[tuple[str, str], ...] = (
    ("county_dispatcher", "/cockpit"),
    ("leader", "/cockpit"),
    ("admin", "/cockpit"),
    ("township_operator", "/cases?state=reported"),
    ("village_cadre", "/cases?state=reported"),
    ("department_handler", "/cases?view=unit&state=dispatched"),
    ("grid_member", "/my"),
)
"""Role → where its work waits, first match wins: the cockpit for the county's dispatchers and leaders, the desk
of cases to accept (待受理) for a township's platform, the cases dispatched to the handler's unit, and the grid
member's own tasks."""


class Entry(Protocol):
    """A nav entry (``gridgov.module.NavEntry``) as the landing sees it."""

    path: str

    def shown_to(self, user: Principal) -> bool: ...


def landing(user: Principal, nav: Sequence[Entry] = ()) -> str:
    """A staff role's work; for anyone else (a resident, an enterprise account) the first page its nav offers
    besides the inbox (居民服务, 企业诉求), else the inbox."""
    staff = next((path for role, path in LANDINGS if role in user.roles), None)
    offered = (e.path for e in nav if e.path != "/inbox" and e.shown_to(user))
    return staff or next(offered, "/inbox")


@router.get("/")
def home(request: Request, user: OptionalUser) -> RedirectResponse:
    target = landing(user, request.app.state.nav) if user is not None else "/login"
    return RedirectResponse(target, status_code=303)


@router.get("/lang/{locale}")
def switch_language(locale: str, request: Request) -> RedirectResponse:
    referer = request.headers.get("referer", "/")
    target = referer if referer.startswith(str(request.base_url)) else "/"
    response = RedirectResponse(target, status_code=303)
    if locale in LOCALES:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return response
