"""HTTP API of auth: who am I, and API tokens for machine clients (create, list, revoke)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from gridgov.auth.schemas import Me, TokenCreate, TokenCreated, TokenRead
from gridgov.auth.service import AuthService
from gridgov.deps import CurrentUser, SessionDep, SettingsDep

router = APIRouter(tags=["auth 认证"])


@router.get("/me", response_model=Me, summary="The signed-in user, roles and data scope")
def me(user: CurrentUser) -> Me:
    return Me(
        username=user.username,
        name=user.name,
        roles=sorted(user.roles),
        permissions=sorted(user.permissions),
        scope=[p.rstrip("/").rsplit("/", 1)[-1] for p in user.scope_paths],
    )


@router.post(
    "/auth/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API token for yourself (shown once)",
)
def create_token(data: TokenCreate, session: SessionDep, settings: SettingsDep, user: CurrentUser) -> TokenCreated:
    return AuthService(session, settings).create_token(user.account, data)


@router.get(
    "/auth/tokens",
    response_model=list[TokenRead],
    summary="List API tokens: your own, or (administrators) those of the account named by ?username=",
)
def list_tokens(
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    username: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
) -> list[TokenRead]:
    return AuthService(session, settings).list_tokens(user, username)


@router.delete(
    "/auth/tokens/{token_id}",
    response_model=TokenRead,
    summary="Revoke an API token (your own; any, for administrators): refused everywhere from the next request",
)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1)], session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> TokenRead:
    return AuthService(session, settings).revoke_token(user, token_id)
