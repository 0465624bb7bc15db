"""The Markdown helpers against the text that breaks naive reports."""

from __future__ import annotations

import pytest

from tandem.report.markdown import clean_line, code, fenced, inline, table


@pytest.mark.parametrize("lines, fence", [(["plain"], "```"), (["a ``` b"], "````"),
                                          (["``````"], "```````"), (["`x`", "``y"], "```")])
def test_the_fence_is_longer_than_any_backtick_run_inside(lines: list[str], fence: str) -> None:
    block = fenced(lines).splitlines()
    assert block[0] == fence + "text" and block[-1] == fence
    assert block[1:-1] == lines


def test_clean_line_keeps_what_a_terminal_would_show() -> None:
    assert clean_line("\x1b[1;32mOK\x1b[0m done\n") == "OK done"
    assert clean_line(" 10%|#   |\r 50%|##  |\r100%|####|\r\n") == "100%|####|"
    assert clean_line("bell\x07 and\x00 nul\ttab") == "bell and nul    tab"
    assert clean_line("\x1b]0;window title\x07text") == "text"


def test_inline_text_cannot_add_cells_markup_or_html(md) -> None:
    hostile = "a | b <img src=x onerror=alert(1)> **bold** `code` [l](u) ~~s~~ $m$\nsecond line"
    text = table(["Key", "Value"], [["k", inline(hostile)]])
    rows = md.table_after(text, "Key")
    assert rows == [{"Key": "k", "Value": hostile.replace("\n", " ")}]
    html = md.html(text)
    assert "<img" not in html and "<strong>" not in html and "<a " not in html and "<del>" not in html


def test_code_spans_survive_backticks_and_pipes(md) -> None:
    for name in ["plain", "we`ird", "``", "a|b"]:
        rows = md.table_after(table(["Name"], [[code(name)]]), "Name")
        assert rows == [{"Name": name}]
