"""Application errors: each carries its HTTP status and a message fit to show a user."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}

    def to_dict(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"msg": self.message, "type": type(self).__name__}
        if self.field:
            detail["loc"] = ["body", self.field]
        detail.update(self.extra)
        return {"detail": [detail]}


class NotFound(AppError):
    status_code = 404


class Forbidden(AppError):
    status_code = 403


class Unauthorized(AppError):
    status_code = 401


class Conflict(AppError):
    status_code = 409


class InvalidInput(AppError):
    status_code = 422


class TooManyRequests(AppError):
    status_code = 429


class ServiceBusy(AppError):
    status_code = 503


class LoginFailed(Unauthorized):
    """Raised after recording the failed attempt, which must be kept for rate limiting."""

    keep_writes = True


class LoginRequired(Unauthorized):
    """A page needs a signed-in user: answered with a redirect to the login page."""
