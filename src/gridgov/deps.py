"""Request dependencies: the database session (one transaction per request) and the principal."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from gridgov.auth.cache import PrincipalCache
from gridgov.auth.repository import AuthRepository
from gridgov.auth.security import token_digest
from gridgov.auth.service import AuthService
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.errors import Forbidden, LoginRequired, ServiceBusy, Unauthorized
from gridgov.kit.actor import Actor, set_actor
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow

SESSION_COOKIE = "gridgov_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
log = logging.getLogger(__name__)
WRITER_WAIT_SECONDS = 30.0


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request owns the transaction: commit when the handler returned, roll back when it raised
    (except errors that say their writes must stay, such as a failed login attempt).

    On SQLite, the writing requests of a process wait their turn on an asyncio lock, holding neither
    a thread nor a pooled connection while they wait; the one whose turn it is takes ``BEGIN IMMEDIATE``.
    (Waiting in threads starved the thread pool: the writer could not run its next step.) Other
    processes still meet SQLite's ``busy_timeout``. Database calls run in the thread pool."""
    database = get_database(request)
    serialise = request.method in UNSAFE and database.engine.dialect.name == "sqlite"
    writer: asyncio.Lock = request.app.state.sqlite_writer
    if serialise:
        try:
            await asyncio.wait_for(writer.acquire(), WRITER_WAIT_SECONDS)
        except TimeoutError as exc:
            raise ServiceBusy("系统繁忙，请稍后重试 (the database is busy; try again)") from exc
    session = database.sessions()
    try:
        if serialise:
            await run_in_threadpool(session.connection, execution_options={"sqlite_begin": "IMMEDIATE"})
        try:
            yield session
            await run_in_threadpool(session.commit)
        except BaseException as exc:
            await run_in_threadpool(session.commit if getattr(exc, "keep_writes", False) else session.rollback)
            raise
    finally:
        await run_in_threadpool(session.close)
        if serialise:
            writer.release()


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


async def csrf_sent(request: Request) -> str | None:
    """The CSRF token an unsafe request carries (header, or form field), read without touching the
    database, so the principal can then be resolved in the thread pool."""
    if request.method not in UNSAFE:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


CsrfSent = Annotated[str | None, Depends(csrf_sent)]


def principal_cache(request: Request) -> PrincipalCache:
    cache: PrincipalCache = request.app.state.principals
    return cache


def _touch_token(database: Database, token_id: int) -> None:
    """Best effort: a busy database must not fail the request that merely used the token."""
    try:
        with database.session() as session:
            AuthRepository(session).touch_token(token_id, utcnow())
    except OperationalError as exc:
        log.info("token last_used_at not updated", extra={"token_id": token_id, "error": str(exc)})


def _authenticate(
    request: Request, session: Session, settings: Settings, sent: str | None, background: BackgroundTasks
) -> Principal | None:
    """The principal of the request's bearer token or session cookie.

    A cached principal (resolving one costs several queries) is used only after one indexed lookup shows
    its session or token row still good: a logout, a revocation or a deactivation in any process that
    shares the database refuses the very next request everywhere."""
    cache = principal_cache(request)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
        digest = token_digest(token)
        key = "token:" + digest
        principal = cache.get(key)
        if principal is not None and not AuthRepository(session).token_alive(digest, utcnow()):
            cache.drop(key)
            raise Unauthorized("令牌无效或已过期 (invalid or expired token)")
        if principal is None:
            found = AuthService(session, settings).principal_from_token(token)
            if found is None:
                raise Unauthorized("令牌无效或已过期 (invalid or expired token)")
            principal, stale_token = found
            cache.put(key, principal)
            if stale_token is not None:
                # after the response, when this request's transaction (maybe holding the write lock) is over
                background.add_task(_touch_token, get_database(request), stale_token)
    else:
        session_id = session_id_from_cookie(request, settings)
        if not session_id:
            return None
        key = "session:" + session_id
        principal = cache.get(key)
        if principal is not None and not AuthRepository(session).session_alive(session_id, utcnow()):
            cache.drop(key)
            return None
        if principal is None:
            principal = AuthService(session, settings).principal_from_session(session_id)
        if principal is None:
            return None
        cache.put(key, principal)
        if request.method in UNSAFE and (
            not sent or not principal.csrf_token or not secrets.compare_digest(sent, principal.csrf_token)
        ):
            raise Forbidden("CSRF校验失败，请刷新页面后重试 (missing or wrong CSRF token)")
    request.state.principal = principal
    return principal


def request_actor(request: Request, principal: Principal) -> Actor:
    return Actor(principal.account_id, principal.username, client_ip(request))


def _resolve(
    request: Request, session: Session, settings: Settings, sent: str | None, background: BackgroundTasks
) -> Principal | None:
    principal = _authenticate(request, session, settings, sent, background)
    if principal is not None:
        set_actor(session, request_actor(request, principal))
    return principal


def get_principal(
    request: Request, session: SessionDep, settings: SettingsDep, sent: CsrfSent, background: BackgroundTasks
) -> Principal:
    principal = _resolve(request, session, settings, sent, background)
    if principal is None:
        raise Unauthorized("请先登录 (authentication required)")
    return principal


def get_page_principal(
    request: Request, session: SessionDep, settings: SettingsDep, sent: CsrfSent, background: BackgroundTasks
) -> Principal:
    principal = _resolve(request, session, settings, sent, background)
    if principal is None:
        raise LoginRequired("请先登录 (sign in first)")
    return principal


def get_optional_principal(
    request: Request, session: SessionDep, settings: SettingsDep, sent: CsrfSent, background: BackgroundTasks
) -> Principal | None:
    return _resolve(request, session, settings, sent, background)


CurrentUser = Annotated[Principal, Depends(get_principal)]
PageUser = Annotated[Principal, Depends(get_page_principal)]
OptionalUser = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_writing_principal(request: Request, background: BackgroundTasks) -> Principal:
    """The principal of a request that writes through the batch writer (``app.state.writer``) and so
    holds no request session: resolved (or its cached entry checked) with a short read session in the
    thread pool. (One dependency, not three: this sits on the hottest write path.)"""
    settings = get_settings(request)
    sent = await csrf_sent(request)

    def resolve() -> Principal | None:
        with get_database(request).sessions() as session:
            return _authenticate(request, session, settings, sent, background)

    principal = await run_in_threadpool(resolve)
    if principal is None:
        raise Unauthorized("请先登录 (authentication required)")
    return principal


WritingUser = Annotated[Principal, Depends(get_writing_principal)]
