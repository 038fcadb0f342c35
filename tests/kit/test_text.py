"""Text from outside: control characters refused at the schema, formulas neutralised on the way out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gridgov.kit.text import FORMULA_START, PlainLine, PlainText, control_message, from_inert, inert

CONTROLS = [chr(c) for c in (*range(0x20), 0x7F)]
LINE_BREAKS = ["\t", "\n", "\r"]
printable = st.text(st.characters(blacklist_categories=["Cc", "Cs"]))


class Form(BaseModel):
    name: PlainLine
    note: PlainText = ""
    alias: PlainLine | None = None


@given(printable)
def test_text_without_control_characters_passes_unchanged(text: str) -> None:
    assert Form(name=text, note=text, alias=text).model_dump() == {"name": text, "note": text, "alias": text}


@given(printable, st.sampled_from(CONTROLS), printable)
def test_a_control_character_in_a_line_is_refused_naming_the_field(before: str, control: str, after: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Form(name=before + control + after)
    (error,) = refused.value.errors()
    assert error["loc"] == ("name",)
    assert f"U+{ord(control):04X}" in error["msg"] and "控制字符" in error["msg"]


@given(st.sampled_from(CONTROLS))
def test_free_text_keeps_line_breaks_and_refuses_other_controls(control: str) -> None:
    if control in LINE_BREAKS:
        assert Form(name="x", note=f"第一行{control}第二行").note == f"第一行{control}第二行"
    else:
        with pytest.raises(ValidationError):
            Form(name="x", note=f"a{control}b")


def test_the_message_says_where() -> None:
    assert control_message("张三\x0b") == "不能包含控制字符 U+000B（第3个字符）(control character U+000B at position 3)"
    assert control_message("多行\n文本") is None


@given(printable)
def test_an_exported_cell_never_starts_a_formula_and_reads_back_as_it_was(text: str) -> None:
    cell = inert(text)
    assert not cell.startswith(FORMULA_START)
    assert from_inert(cell) == text


def test_formula_cells_get_an_apostrophe_and_plain_ones_do_not() -> None:
    assert inert('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert inert("-1") == "'-1" and inert("+86") == "'+86" and inert("@SUM(A1)") == "'@SUM(A1)"
    assert inert("\tx") == "'\tx" and inert("张三") == "张三" and inert("a=b") == "a=b"
    assert inert("a\x0bb") == "a\ufffdb"
    assert from_inert(inert("'=1")) == "'=1" and from_inert(inert("'x")) == "'x"
