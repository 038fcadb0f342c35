"""The rules that keep data out of the markup, checked over every template and every script of ours (the vendored
libraries aside): no inline script, event handler or style in served HTML (the CSP would block them), nothing
marked safe, and no script that parses a string as HTML or hands Leaflet a string where it would parse one."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from gridgov.module import installed

WEB = Path(str(resources.files("gridgov.web")))
PACKAGES = [WEB, *(Path(str(resources.files(m.package))) for m in installed())]
TEMPLATES = sorted(t for package in PACKAGES for t in (package / "templates").rglob("*.html"))
SCRIPTS = sorted(s for package in PACKAGES for s in (package / "static" / "js").glob("*.js"))

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.I | re.S)
UNSAFE = re.compile(r"\|\s*safe\b|Markup\(|autoescape\s+false", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)

HTML_SINKS = re.compile(
    r"\.innerHTML\s*[+]?=(?!\s*\"\")|insertAdjacentHTML|outerHTML\s*=|document\.write|\beval\(|new Function"
)
LEAFLET_CONTENT = re.compile(r"\.(?:bindTooltip|bindPopup|setTooltipContent|setPopupContent|setContent)\(\s*([^,)]+)")
ELEMENT_BUILDERS = re.compile(r"^(?:plain|node|popup)\(|^box$")
STRING_HTML_OPTION = re.compile(r"\bhtml:\s*['\"+]")


def test_there_is_something_to_check() -> None:
    assert len(TEMPLATES) > 20 and len(SCRIPTS) >= 9


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_templates_carry_no_inline_code_or_trusted_data(template: Path) -> None:
    text = template.read_text("utf-8")
    for rule, pattern in (
        ("inline <script>", INLINE_SCRIPT),
        ("inline event handler", HANDLER),
        ("inline style", STYLE),
        ("data marked safe", UNSAFE),
        ("javascript: URL", JAVASCRIPT_URL),
    ):
        found = pattern.search(text)
        assert found is None, f"{template.name}: {rule}: {found.group(0)[:80] if found else ''}"
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text, re.S):
        assert re.fullmatch(r"\{\{[^}]*\|\s*tojson\s*\}\}", block.strip()), f"{template.name}: JSON block {block!r}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_put_data_into_the_dom_as_text(script: Path) -> None:
    text = script.read_text("utf-8")
    sink = HTML_SINKS.search(text)
    assert sink is None, f"{script.name}: parses a string as HTML or code: {sink.group(0) if sink else ''}"
    for argument in LEAFLET_CONTENT.findall(text):
        assert ELEMENT_BUILDERS.match(argument.strip()), f"{script.name}: Leaflet content {argument!r} is no element"
    assert STRING_HTML_OPTION.search(text) is None, f"{script.name}: a divIcon given an HTML string"
