"""Text from outside: no control characters in, no live formulas out.

Every request field that holds text is a ``PlainLine`` (one line: no C0 control character at all) or a
``PlainText`` (free text: tab, line feed and carriage return allowed, the other C0 characters and DEL not).
A control character is never something a person meant to type; stored, it breaks XLSX exports (XML cannot
hold it) and hides text in logs. ``NO_CONTROL``/``NO_CONTROL_TEXT`` add the same check to an existing
``Annotated`` type. Exports neutralise cells with ``inert`` (see ``gridgov.kit.tabular``).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import AfterValidator

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters refused everywhere (tab, LF and CR are left to ``LINE_CONTROL``)."""
LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""Control characters refused in a single-line field: every C0 character and DEL."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell beginning with one of these as a formula (OWASP CSV injection)."""


def control_message(value: str, pattern: re.Pattern[str] = CONTROL) -> str | None:
    """Why ``value`` is refused, or None: the first control character and where it is."""
    found = pattern.search(value)
    if found is None:
        return None
    code, at = f"U+{ord(found.group()):04X}", found.start() + 1
    return f"不能包含控制字符 {code}（第{at}个字符）(control character {code} at position {at})"


def _check(pattern: re.Pattern[str]) -> AfterValidator:
    def check(value: str | None) -> str | None:
        message = None if value is None else control_message(value, pattern)
        if message is not None:
            raise ValueError(message)
        return value

    return AfterValidator(check)


NO_CONTROL = _check(LINE_CONTROL)
NO_CONTROL_TEXT = _check(CONTROL)
PlainLine = Annotated[str, NO_CONTROL]
PlainText = Annotated[str, NO_CONTROL_TEXT]


def inert(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet runs: a leading formula character gets an apostrophe,
    which Excel and LibreOffice show as the text as it was; control characters become U+FFFD."""
    value = CONTROL.sub("\ufffd", value)
    return "'" + value if value.lstrip("'").startswith(FORMULA_START) else value


def from_inert(value: str) -> str:
    """The text ``inert`` was given: an imported cell ``'=…`` (an exported one) is ``=…`` again (and an
    exported ``''=…`` is ``'=…``)."""
    return value[1:] if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START) else value


class RefuseControlInUrl:
    """ASGI middleware: a path or query parameter holding a control character is answered 422 naming it,
    before any route sees it (PostgreSQL cannot even hold NUL in a string). Request bodies are checked by
    the ``PlainLine``/``PlainText`` fields of their schemas."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            refused = _url_control(scope)
            if refused is not None:
                where, name, message = refused
                body = json.dumps(
                    {
                        "detail": [
                            {"loc": [where, name], "field": name, "msg": f"{name}: {message}", "type": "value_error"}
                        ]
                    },
                    ensure_ascii=False,
                ).encode()
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 422, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _url_control(scope: dict[str, Any]) -> tuple[str, str, str] | None:
    message = control_message(scope.get("path", ""), LINE_CONTROL)
    if message is not None:
        return "path", "path", message
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace"):
        message = control_message(name, LINE_CONTROL) or control_message(value, LINE_CONTROL)
        if message is not None:
            return "query", LINE_CONTROL.sub("?", name), message
    return None
