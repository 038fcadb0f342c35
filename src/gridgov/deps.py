"""Request dependencies: the database session (one transaction per request) and the principal."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from gridgov.audit.recorder import Actor, set_actor
from gridgov.auth.principal import Principal
from gridgov.auth.service import AuthService
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.errors import Forbidden, LoginRequired, Unauthorized

SESSION_COOKIE = "gridgov_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request) -> Iterator[Session]:
    """The request owns the transaction: commit when the handler returned, roll back when it raised
    (except errors that say their writes must stay, such as a failed login attempt)."""
    with get_database(request).sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException as exc:
            if getattr(exc, "keep_writes", False):
                session.commit()
            else:
                session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def cookie_signer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="gridgov-session")


def session_id_from_cookie(request: Request, settings: Settings) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        value = cookie_signer(settings).loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


async def _csrf_value(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def _resolve(request: Request, session: Session, settings: Settings) -> Principal | None:
    service = AuthService(session, settings)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        principal = service.principal_from_token(auth[7:].strip())
        if principal is None:
            raise Unauthorized("令牌无效或已过期 (invalid or expired token)")
    else:
        session_id = session_id_from_cookie(request, settings)
        principal = service.principal_from_session(session_id) if session_id else None
        if principal is None:
            return None
        if request.method in UNSAFE:
            sent = await _csrf_value(request)
            if not sent or not principal.csrf_token or not secrets.compare_digest(sent, principal.csrf_token):
                raise Forbidden("CSRF校验失败，请刷新页面后重试 (missing or wrong CSRF token)")
    set_actor(session, Actor(principal.account_id, principal.username, client_ip(request)))
    request.state.principal = principal
    return principal


async def get_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    principal = await _resolve(request, session, settings)
    if principal is None:
        raise Unauthorized("请先登录 (authentication required)")
    return principal


async def get_page_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    principal = await _resolve(request, session, settings)
    if principal is None:
        raise LoginRequired("请先登录 (sign in first)")
    return principal


async def get_optional_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal | None:
    return await _resolve(request, session, settings)


CurrentUser = Annotated[Principal, Depends(get_principal)]
PageUser = Annotated[Principal, Depends(get_page_principal)]
OptionalUser = Annotated[Principal | None, Depends(get_optional_principal)]
