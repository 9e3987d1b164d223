"""Rich text: runs of text with marks (italic, bold, small caps, sub/superscript, nocase).

One form that both LaTeX (reflib.library.latex) and Crossref's JATS/HTML markup
(reflib.library.markup) are read into, and that every output is written from: plain text
for the index, search and checks; CSL rich text for CSL-JSON and the processor; HTML.

    >>> runs = [Run("CO"), Run("2", frozenset({"sub"})), Run(" in "), Run("E. coli", ITALIC)]
    >>> plain(runs), to_csl_markup(runs)
    ('CO2 in E. coli', 'CO<sub>2</sub> in <i>E. coli</i>')

`nocase` marks text a style must not re-case (BibTeX's protecting braces, CSL's
`<span class="nocase">`); it never shows in print.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Canonical nesting order, outermost first.
MARKS = ("nocase", "i", "b", "sc", "sup", "sub")
_CSL_TAGS = {
    "nocase": ('<span class="nocase">', "</span>"),
    "i": ("<i>", "</i>"), "b": ("<b>", "</b>"),
    "sc": ('<span style="font-variant:small-caps;">', "</span>"),
    "sup": ("<sup>", "</sup>"), "sub": ("<sub>", "</sub>"),
}  # fmt: skip
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of text with one set of marks."""

    text: str
    marks: frozenset[str] = frozenset()


ITALIC = frozenset({"i"})
NOCASE = frozenset({"nocase"})


def normalize(runs: Iterable[Run]) -> list[Run]:
    """Runs of white space squeezed across run edges, ends stripped, empty runs dropped,
    neighbours with the same marks merged."""
    out: list[Run] = []
    space_before = True  # at the start: a leading space is dropped
    for run in runs:
        text = _SPACES.sub(" ", run.text)
        if space_before:
            text = text.lstrip(" ")
        if not text:
            continue
        space_before = text.endswith(" ")
        if out and out[-1].marks == run.marks:
            out[-1] = Run(out[-1].text + text, run.marks)
        else:
            out.append(Run(text, run.marks))
    while out and out[-1].text.endswith(" "):
        text = out[-1].text.rstrip(" ")
        out[-1:] = [Run(text, out[-1].marks)] if text else []
    return _spaces_outside(out)


def _spaces_outside(runs: list[Run]) -> list[Run]:
    """A space at the edge of a marked run moves out of it (`<i>a </i>b` -> `<i>a</i> b`)."""
    out: list[Run] = []
    for run in runs:
        if not run.marks or run.text.strip() == "":
            out.append(run)
            continue
        core = run.text.strip(" ")
        lead, trail = run.text[:len(run.text) - len(run.text.lstrip(" "))], run.text[
            len(run.text.rstrip(" ")):]
        if lead:
            out.append(Run(lead))
        out.append(Run(core, run.marks))
        if trail:
            out.append(Run(trail))
    merged: list[Run] = []
    for run in out:
        if merged and merged[-1].marks == run.marks:
            merged[-1] = Run(merged[-1].text + run.text, run.marks)
        else:
            merged.append(run)
    return merged


def plain(runs: Iterable[Run]) -> str:
    """The text alone: what the index, search and checks read."""
    return _SPACES.sub(" ", "".join(run.text for run in runs)).strip()


def _tagged(runs: Sequence[Run], tags: dict[str, tuple[str, str]],
            escape: bool) -> str:
    out: list[str] = []
    stack: list[str] = []
    for run in runs:
        wanted = [m for m in MARKS if m in run.marks and m in tags]
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep] == wanted[keep]:
            keep += 1
        while len(stack) > keep:
            out.append(tags[stack.pop()][1])
        for mark in wanted[keep:]:
            out.append(tags[mark][0])
            stack.append(mark)
        out.append(html.escape(run.text, quote=False) if escape else run.text)
    while stack:
        out.append(tags[stack.pop()][1])
    return "".join(out)


def to_csl_markup(runs: Sequence[Run], nocase: bool = True, escape: bool = False) -> str:
    """CSL-JSON rich text: `<i>`, `<b>`, `<sup>`, `<sub>`, small caps and nocase spans."""
    tags = _CSL_TAGS if nocase else {k: v for k, v in _CSL_TAGS.items() if k != "nocase"}
    return _tagged(runs, tags, escape)


def to_html(runs: Sequence[Run]) -> str:
    """HTML with the text escaped; nocase does not print."""
    return to_csl_markup(runs, nocase=False, escape=True)


def with_marks(runs: Iterable[Run], marks: frozenset[str]) -> list[Run]:
    """Every run with `marks` added."""
    return [Run(run.text, run.marks | marks) for run in runs]


def has_marks(runs: Iterable[Run]) -> bool:
    """True when any run is marked (plain text would lose something)."""
    return any(run.marks for run in runs)


_CSL_TAG = re.compile(r'<(/?)(i|b|sup|sub|span)((?:\s+(?:class|style)="[^"]*")*)\s*>', re.I)


def csl_markup_to_rich(markup: str) -> list[Run]:
    """CSL-JSON rich text back to runs (the inverse of `to_csl_markup`); text that is not
    one of CSL's tags stays text."""
    if "<" not in markup:
        return [Run(markup)] if markup else []
    out: list[Run] = []
    stack: list[str | None] = []
    pos = 0
    for match in _CSL_TAG.finditer(markup):
        if match.start() > pos:
            out.append(Run(markup[pos:match.start()], frozenset(m for m in stack if m)))
        pos = match.end()
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if stack:
                stack.pop()
            continue
        if name == "span":
            stack.append("nocase" if "nocase" in attrs else
                         "sc" if "small-caps" in attrs else None)
        else:
            stack.append(name)
    if pos < len(markup):
        out.append(Run(markup[pos:], frozenset(m for m in stack if m)))
    return [run for run in out if run.text]
