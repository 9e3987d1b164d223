"""Rich text through citeproc-py: marks travel as private-use characters, then become
each output format's markup. Pure.

citeproc-py reads only `<span class="nocase">` in data; any other tag would print as
text (or be escaped). So before rendering, CSL rich text (`<i>`, `<b>`, `<sup>`, `<sub>`,
small caps) is turned into pairs of private-use code points that no style re-cases or
escapes, and after rendering those become `<i>...</i>` (HTML), `*...*` (Markdown), or
nothing (plain text).

    >>> decode(encode_text("CO<sub>2</sub>", str), "html")
    'CO<sub>2</sub>'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reflib.library.richtext import MARKS, csl_markup_to_rich

_FIRST = 0xE100
OPEN = {mark: chr(_FIRST + 2 * i) for i, mark in enumerate(MARKS)}
CLOSE = {mark: chr(_FIRST + 2 * i + 1) for i, mark in enumerate(MARKS)}
_ANY = re.compile(f"[{chr(_FIRST)}-{chr(_FIRST + 2 * len(MARKS))}]")
_NOCASE_OPEN, _NOCASE_CLOSE = '<span class="nocase">', "</span>"

_HTML = {"i": ("<i>", "</i>"), "b": ("<b>", "</b>"), "sup": ("<sup>", "</sup>"),
         "sub": ("<sub>", "</sub>"),
         "sc": ('<span style="font-variant:small-caps;">', "</span>")}
_MARKDOWN = {"i": ("*", "*"), "b": ("**", "**"), "sup": ("<sup>", "</sup>"),
             "sub": ("<sub>", "</sub>")}  # as the style-level Markdown formatter writes them


def encode_text(markup: str, escape: Callable[[str], str]) -> str:
    """CSL rich text as citeproc-py input: text escaped by `escape`, nocase kept as its
    span, other marks as private-use pairs."""
    out: list[str] = []
    for run in csl_markup_to_rich(markup):
        text = escape(run.text)
        for mark in reversed(MARKS):
            if mark in run.marks and mark != "nocase":
                text = OPEN[mark] + text + CLOSE[mark]
        if "nocase" in run.marks:
            text = _NOCASE_OPEN + text + _NOCASE_CLOSE
        out.append(text)
    return "".join(out)


def encode_item(value: Any, escape: Callable[[str], str]) -> Any:
    """Every string of a CSL-JSON item encoded, except its id, type and language: CSL-JSON
    strings are rich text (pandoc reads `<i>` in any of them, and no entities)."""
    if isinstance(value, dict):
        return {k: (v if k in ("id", "type", "language") else encode_item(v, escape))
                for k, v in value.items()}
    if isinstance(value, list):
        return [encode_item(v, escape) for v in value]
    return encode_text(value, escape) if isinstance(value, str) else value


def decode(text: str, fmt: str) -> str:
    """Rendered text with the private-use pairs as `fmt`'s markup (text: dropped)."""
    if not _ANY.search(text):
        return text
    if fmt in ("html", "markdown"):
        tags = _HTML if fmt == "html" else _MARKDOWN
        for mark, (start, end) in tags.items():
            text = text.replace(OPEN[mark], start).replace(CLOSE[mark], end)
    return _ANY.sub("", text)
