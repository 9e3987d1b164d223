"""`refs cite`: number the pandoc-style citations of a Markdown manuscript and append the
bibliography.

    >>> number_citations("Pain [@lee2021learn; @cohen2020lumbar, p. 3].", {"lee2021learn", ...})
    CitedText(text='Pain [1, 2, p. 3].', order=['lee2021learn', 'cohen2020lumbar'], ...)

Citations are pandoc's bracketed clusters on one line: `[@key]`, `[@a; @b]`,
`[see @a, p. 3]`, `[@{key}]`. Sources are numbered by first citation. Text in code spans
and fenced code blocks is left alone, and so are brackets that are links (`[x](url)`) or
that hold something other than citations (`[mail me at a@b.org]`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from reflib.errors import InvalidLibrary, Problem, UsageError
from reflib.library.keys import id_aliases
from reflib.library.layout import Layout, parse_order
from reflib.library.model import Reference

MARKS = ("bracket", "superscript")
# Every pattern here is linear: the first `@` of a cluster is found by a class without
# `@` (no backtracking over a run of them), and code spans are paired by a scanner, not
# a backreference (a line of 20,000 backticks took minutes that way).
_CLUSTER = re.compile(r"\[([^\[\]\n@]*@[^\[\]\n]*)\](?![(\[:])")
_KEY = re.compile(r"(?<![\w@])-?@(?:\{([^{}\s]+)\}|([A-Za-z0-9_](?:[A-Za-z0-9_.:+\-]*"
                  r"[A-Za-z0-9_])?))")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_PAGE = re.compile(r"^(pp?)\.?\s*(\S+)$")


@dataclass(frozen=True)
class Cite:
    """One citation in a cluster: `[see @key, p. 3]` has prefix 'see', locator 'p. 3'."""

    key: str
    prefix: str = ""
    locator: str = ""


@dataclass
class CitedText:
    """The manuscript with numbers in place, and what the numbering found."""

    text: str
    order: list[str]  # keys in order of first citation: reference N is order[N-1]
    problems: list[Problem] = field(default_factory=list)  # unknown keys, by line


def parse_cluster(inner: str) -> list[Cite] | None:
    """The citations of a bracket's inside, or None when it is not a citation cluster."""
    cites = []
    for part in inner.split(";"):
        match = _KEY.search(part)
        if not match:
            return None
        prefix = part[:match.start()].strip()
        locator = part[match.end():].strip().lstrip(",").strip()
        cites.append(Cite(match.group(1) or match.group(2), prefix, locator))
    return cites


class _Numbers(dict):
    """Reference numbers by citekey, where an old key (biblatex `ids`) means its source."""

    def __init__(self, aliases: dict[str, str]) -> None:
        super().__init__()
        self.aliases = aliases

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self.aliases.get(key, key))  # type: ignore[arg-type]

    def __getitem__(self, key: str) -> int:
        return super().__getitem__(self.aliases.get(key, key))

    def __setitem__(self, key: str, value: int) -> None:
        super().__setitem__(self.aliases.get(key, key), value)


def number_citations(text: str, known: set[str], marks: str = "bracket",
                     file: str = "<manuscript>", aliases: dict[str, str] | None = None
                     ) -> CitedText:
    """Replace each citation cluster by its numbers (in order of first citation).

    `aliases`: old key -> key (from `ids`), so `[@old]` numbers the source now `key`."""
    if marks not in MARKS:
        raise UsageError(f"unknown --marks '{marks}'; use one of {', '.join(MARKS)}")
    aliases = aliases or {}
    known = known | set(aliases)
    numbers: dict[str, int] = _Numbers(aliases)
    problems: list[Problem] = []
    out_lines = []
    fence = ""
    for line_number, line in enumerate(text.split("\n"), start=1):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            out_lines.append(line)
            continue
        if opening:
            fence = opening.group(1)
            out_lines.append(line)
            continue
        out_lines.append(_number_line(line, line_number, known, numbers, problems, marks,
                                      file))
    order = sorted(numbers, key=numbers.__getitem__)
    return CitedText("\n".join(out_lines), order, problems)


def code_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each `code` span, in order: a run of backticks up to the next run
    of the same length (CommonMark); a run with no partner is text. Linear.

    >>> code_spans("a `b` ``c`d`` ``` e")
    [(2, 5), (6, 13)]
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(line)]
    partner: list[int | None] = [None] * len(runs)
    later: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        length = runs[i][1] - runs[i][0]
        partner[i] = later.get(length)
        later[length] = i
    spans, i = [], 0
    while i < len(runs):
        j = partner[i]
        if j is None:
            i += 1
            continue
        spans.append((runs[i][0], runs[j][1]))
        i = j + 1
    return spans


def _number_line(line: str, line_number: int, known: set[str], numbers: dict[str, int],
                 problems: list[Problem], marks: str, file: str) -> str:
    code = code_spans(line)
    starts = [start for start, _ in code]
    pieces, last = [], 0
    for match in _CLUSTER.finditer(line):
        at = bisect.bisect_left(starts, match.end()) - 1  # the last span starting before
        if at >= 0 and code[at][1] > match.start():
            continue
        cites = parse_cluster(match.group(1))
        if cites is None:
            continue
        for cite in cites:
            if cite.key not in known:
                problems.append(Problem(file, line_number, f"unknown citekey '{cite.key}': "
                                        "no such source in the library (see `refs list "
                                        "--format keys`)", cite.key))
            elif cite.key not in numbers:
                numbers[cite.key] = len(numbers) + 1
        before = line[last:match.start()]
        last = match.end()
        mark = _mark(cites, numbers, marks)
        if marks == "superscript":
            before = before.rstrip()  # AMA sets the superscript close to the word
            if any(c.prefix for c in cites):
                before += " "  # "(see¹⁽ᵖ³⁾)" reads as words, not glued to the last one
            elif line[last:last + 1] in (".", ","):  # AMA 3.7.1: outside periods, commas
                before, last = before + line[last], last + 1
        pieces.append(before + mark)
    pieces.append(line[last:])
    return "".join(pieces)


def _mark(cites: list[Cite], numbers: dict[str, int], marks: str) -> str:
    known = [c for c in cites if c.key in numbers]
    if not known:
        return "[?]"
    if any(c.locator or c.prefix for c in known):
        parts = []
        for cite in known:
            number = str(numbers[cite.key])
            if marks == "superscript":
                parts.append(_superscript_part(cite, numbers))
            else:
                parts.append(" ".join(p for p in (cite.prefix, number) if p)
                             + (f", {cite.locator}" if cite.locator else ""))
        body = ("," if marks == "superscript" else "; ").join(parts)
    else:
        body = _ranges(sorted({numbers[c.key] for c in known}),
                       "," if marks == "superscript" else ", ")
    if marks == "superscript":
        if any(c.prefix for c in known):
            # Words cannot sit in a superscript: each prefix before its own number, the
            # whole in parentheses ("(see<sup>1(p3)</sup>; also<sup>2</sup>)").
            return "(" + "; ".join(" ".join(p for p in (cite.prefix, "") if p)
                                   + f"<sup>{_superscript_part(cite, numbers)}</sup>"
                                   for cite in known) + ")"
        return f"<sup>{body}</sup>"
    return f"[{body}]"


def _superscript_part(cite: Cite, numbers: dict[str, int]) -> str:
    """`3(p12)`: AMA 3.12.1 puts the page in parentheses in the superscript, no space."""
    page = _PAGE.match(cite.locator)
    locator = f"{page.group(1)}{page.group(2)}" if page else cite.locator
    return str(numbers[cite.key]) + (f"({locator})" if locator else "")


def _ranges(numbers: list[int], delimiter: str) -> str:
    """[1, 2, 3, 5] -> '1-3, 5': three or more consecutive numbers become a range."""
    groups: list[list[int]] = []
    for n in numbers:
        if groups and n == groups[-1][-1] + 1:
            groups[-1].append(n)
        else:
            groups.append([n])
    parts = []
    for group in groups:
        if len(group) >= 3:
            parts.append(f"{group[0]}-{group[-1]}")
        else:
            parts.extend(str(n) for n in group)
    return delimiter.join(parts)


@dataclass
class CiteReport:
    """What `refs cite` produced: the document, the citation order, uncited sources."""

    text: str
    order: list[str]
    uncited: list[str]
    order_written: bool = False


def cite_manuscript(text: str, refs: list[Reference], style: str = "ama",
                    marks: str = "bracket", file: str = "<manuscript>") -> CiteReport:
    """Number the citations and append the bibliography in `style` (Markdown)."""
    from reflib.cite.bibliography import render

    by_key = {ref.key: ref for ref in refs}
    aliases = {old: ref.key for ref in refs for old in id_aliases(ref.fields)
               if old not in by_key}
    cited = number_citations(text, set(by_key), marks, file, aliases)
    if cited.problems:
        raise InvalidLibrary(cited.problems, "manuscript's citations")
    bibliography = render([by_key[k] for k in cited.order], style, "markdown")
    body = cited.text.rstrip("\n")
    last_line = body.rsplit("\n", 1)[-1].strip()
    if not re.fullmatch(r"#+\s*(References|Bibliography)\s*#*", last_line, re.I):
        body += "\n\n## References"
    document = body + "\n\n" + bibliography if bibliography else body + "\n"
    uncited = [ref.key for ref in refs if ref.key not in set(cited.order)]
    return CiteReport(document, cited.order, uncited)


def cite_file(layout: Layout, manuscript: Path, style: str = "ama", marks: str = "bracket",
              save_order: bool = False, notify=None, text: str | None = None) -> CiteReport:
    """The twin of `refs cite`: read the manuscript (or take its `text`, read from stdin)
    and the library; maybe save the order."""
    from reflib.library.query import load_references

    if text is None:
        try:
            text = manuscript.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {manuscript}: {exc}") from None
    refs = load_references(layout, notify=notify)
    report = cite_manuscript(text, refs, style, marks, str(manuscript))
    if save_order:
        save_citation_order(layout, report.order)
        report.order_written = True
    return report


def save_citation_order(layout: Layout, order: list[str]) -> None:
    """Write refs/order.txt atomically: its leading comment lines kept, then the keys."""
    from reflib.fsutil import atomic_write_text

    header = []
    if layout.order_file.is_file():
        old = layout.order_file.read_text(encoding="utf-8")
        for line in old.splitlines():
            if not line.startswith("#"):
                break
            header.append(line)
    keys, problems = parse_order("\n".join(order), layout.rel(layout.order_file))
    assert not problems  # order holds each key once by construction
    atomic_write_text(layout.order_file, "\n".join(header + keys) + "\n")
