"""HTTP API of auth: who am I, and API tokens for machine clients."""

from __future__ import annotations

from fastapi import APIRouter, status

from gridgov.auth.schemas import Me, TokenCreate, TokenCreated
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
