"""UI strings: zh-CN first, English available. Catalogues are JSON files beside this module, plus those of
the installed modules (``add_catalogues``), which may not redefine a core key."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
LOCALE_COOKIE = "gridgov_lang"


_packages: list[str] = ["gridgov.i18n"]


def add_catalogues(package: str) -> None:
    """Merge the ``zh-CN.json``/``en.json`` of ``package`` (a module's translations) into every catalogue."""
    if package not in _packages:
        _packages.append(package)
        catalogue.cache_clear()


@lru_cache
def catalogue(locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for package in _packages:
        source = resources.files(package).joinpath(f"{locale}.json")
        if not source.is_file():
            continue
        strings: dict[str, str] = json.loads(source.read_text("utf-8"))
        clash = sorted(merged.keys() & strings.keys())
        if clash:
            raise RuntimeError(f"{package}/{locale}.json redefines {clash[:5]}")
        merged.update(strings)
    return merged


def translator(locale: str) -> Callable[..., str]:
    strings = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE)
    fallback = catalogue(DEFAULT_LOCALE)

    def translate(key: str, **values: object) -> str:
        text = strings.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return translate


_BILINGUAL = re.compile(r"^(?P<zh>.*[\u3400-\u9fff].*?)\s*[(（](?P<en>[\x20-\x7e]+)[)）]\s*$", re.DOTALL)


def one_language(message: str, locale: str) -> str:
    """A service message written "中文 (English)" in the reader's language only; any other message as it is.
    Pages show this; the JSON API keeps both, for clients of either language."""
    found = _BILINGUAL.match(message)
    if found is None:
        return message
    return found["en"] if locale == "en" else found["zh"].strip()
