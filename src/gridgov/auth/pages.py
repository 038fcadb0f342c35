"""Login and logout pages (browser sessions with CSRF-protected forms)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gridgov.auth.service import AuthService
from gridgov.deps import (
    SESSION_COOKIE,
    OptionalUser,
    SessionDep,
    SettingsDep,
    client_ip,
    cookie_signer,
    principal_cache,
    session_id_from_cookie,
)
from gridgov.errors import AppError
from gridgov.i18n import translator
from gridgov.kit.text import PlainLine
from gridgov.web.templating import render, request_locale

router = APIRouter(include_in_schema=False)
PRE_SESSION_CSRF = "gridgov_csrf"


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    token = request.cookies.get(PRE_SESSION_CSRF) or secrets.token_urlsafe(24)
    response = render(request, "auth/login.html", {"next": _safe_next(next), "csrf_token": token})
    response.set_cookie(PRE_SESSION_CSRF, token, httponly=True, samesite="strict", max_age=3600)
    return response


@router.post("/login")
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[PlainLine, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    t = translator(request_locale(request))
    expected = request.cookies.get(PRE_SESSION_CSRF, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return render(request, "auth/login.html", {"error": t("login.csrf"), "next": next, "username": username}, 403)
    try:
        auth_session = AuthService(session, settings).login(username.strip(), password, client_ip(request))
    except AppError as exc:
        if getattr(exc, "keep_writes", False):
            session.commit()
        message = t("login.throttled") if exc.status_code == 429 else t("login.failed")
        page = render(
            request,
            "auth/login.html",
            {"error": message, "next": next, "username": username},
            exc.status_code,
        )
        if "retry_after" in exc.extra:
            page.headers["Retry-After"] = str(exc.extra["retry_after"])
        return page
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie_signer(settings).dumps(auth_session.id),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(PRE_SESSION_CSRF)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, settings: SettingsDep, user: OptionalUser) -> Response:
    session_id = session_id_from_cookie(request, settings)
    if user is not None and session_id:
        AuthService(session, settings).logout(session_id)
        principal_cache(request).drop("session:" + session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
