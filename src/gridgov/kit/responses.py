"""The error answers every API route may give, declared once for the OpenAPI document.

The API router carries ``ERROR_RESPONSES`` so each operation lists 401/403/404/409/422 with the body
``gridgov.errors.AppError.to_dict`` and the validation handler write: ``{"detail": [{msg, type, loc?,
field?}]}``. Clients (and schemathesis) then know every status an operation may answer besides success.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    msg: str = Field(description="中英文说明 (bilingual message fit to show a user)")
    type: str = Field(description="The error class, e.g. NotFound, Forbidden, value_error")
    loc: list[str | int] | None = Field(default=None, description="Where: body/query/path and the field's path")
    field: str | None = Field(default=None, description="The field's dotted path, for validation errors")


class ErrorBody(BaseModel):
    detail: list[ErrorDetail]


def _answer(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _answer("未登录或令牌无效 (not signed in, or the token is unknown, expired or revoked)"),
    403: _answer("无此权限或不在辖区内 (the permission or the area is not yours)"),
    404: _answer("不存在或不在您的辖区内 (no such thing in your area)"),
    409: _answer("与现有数据冲突 (conflicts with what is stored, e.g. a code in use or a changed state)"),
    422: _answer("输入无效，detail 指明字段 (invalid input; detail names the field)"),
}
