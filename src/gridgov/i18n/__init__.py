"""UI strings: zh-CN first, English available. Catalogues are JSON files beside this module."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
LOCALE_COOKIE = "gridgov_lang"


@lru_cache
def catalogue(locale: str) -> dict[str, str]:
    raw: dict[str, str] = json.loads(resources.files("gridgov.i18n").joinpath(f"{locale}.json").read_text("utf-8"))
    return raw


def translator(locale: str) -> Callable[..., str]:
    strings = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE)
    fallback = catalogue(DEFAULT_LOCALE)

    def translate(key: str, **values: object) -> str:
        text = strings.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return translate
