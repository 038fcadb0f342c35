from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from gridgov.kit.text import NO_CONTROL, PlainLine

Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60), NO_CONTROL]


class LoginRequest(BaseModel):
    username: Username
    password: str = Field(min_length=1, max_length=200)


class TokenCreate(BaseModel):
    name: PlainLine = Field(min_length=1, max_length=100, description="What the token is for")
    days: int | None = Field(default=365, ge=1, le=3650, description="Lifetime in days; null = no expiry")


class TokenCreated(BaseModel):
    id: int
    name: str
    token: str = Field(description="Shown once; send as 'Authorization: Bearer <token>'")
    expires_at: datetime | None


class Me(BaseModel):
    username: str
    name: str
    roles: list[str]
    permissions: list[str]
    scope: list[str]


class TokenRead(BaseModel):
    """A token as listed: never the secret itself, only its first characters to recognise it by."""

    id: int
    username: str
    name: str
    prefix: str = Field(description="The token's first 8 characters")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="Updated at most every five minutes")
    state: Literal["active", "expired", "revoked"]
