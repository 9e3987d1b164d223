"""Plain text from other formats to BibTeX raw values, and the record every reader fills.

A reader collects (field, plain text) pairs with `FieldSink`; the sink escapes each value
for BibTeX (so that LaTeX-to-text gives the text back), joins names with `and`, and never
drops anything: a second value for a field that has one goes to the reader's own field
(`ris-t2`, `medline-ad`, ...) instead.
"""

from __future__ import annotations

import re

from reflib.library.latex import VERBATIM_FIELDS
from reflib.library.model import Reference

MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun",
                "jul", "aug", "sep", "oct", "nov", "dec")
_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
_ESCAPES = {
    "\\": "\\textbackslash{}", "{": "\\textbraceleft{}", "}": "\\textbraceright{}",
    "&": "\\&", "%": "\\%", "$": "\\$", "#": "\\#", "_": "\\_",
    "~": "\\textasciitilde{}", "^": "\\textasciicircum{}",
}
_NAME_FIELDS = frozenset({"author", "editor", "translator", "bookauthor", "editora"})
_LIST_FIELDS = {"keywords": ", ", "mesh": "; "}
_SPACES = re.compile(r"\s+")


def braced(text: str) -> str:
    """Plain text as a braced BibTeX value: `R&D {x}` -> `{R\\&D \\textbraceleft{}x...}`."""
    return "{" + _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text) + "}"


def verbatim(text: str) -> str:
    """A URL or DOI as a braced value, kept as it is (braces must balance in BibTeX)."""
    if text.count("{") != text.count("}"):
        text = text.replace("{", "%7B").replace("}", "%7D")
    return "{" + text + "}"


def person(family: str = "", given: str = "", particle: str = "", suffix: str = "",
           literal: str = "") -> str:
    """One name in BibTeX's `von Last, Jr, First` form; organisations in braces."""
    def safe(part: str) -> str:
        part = escape_name(part)
        return "{" + part + "}" if "," in part or " and " in f" {part} " else part

    if literal or not family:
        text = literal or given
        return "{" + escape_name(text) + "}" if text else ""
    last = " ".join(p for p in (particle, safe(family)) if p)
    parts = [last]
    if suffix:
        parts.append(safe(suffix))
    if given or suffix:
        parts.append(safe(given))
    return ", ".join(parts)


def escape_name(text: str) -> str:
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], _SPACES.sub(" ", text.strip()))


def month_macro(month: int | str | None) -> str | None:
    try:
        number = int(month)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return MONTH_MACROS[number - 1] if 1 <= number <= 12 else None


def iso_date(year: str | int, month: str | int | None = None, day: str | int | None = None
             ) -> str:
    """`2018-03-01`, `2018-03` or `2018` (biblatex's date form)."""
    out = str(year).strip()
    if month not in (None, "") and str(month).strip().isdigit():
        out += f"-{int(month):02d}"
        if day not in (None, "") and str(day).strip().isdigit():
            out += f"-{int(day):02d}"
    return out


class FieldSink:
    """Fields of one record being read: names, lists and repeats handled, nothing lost."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix  # the reader's own fields: `ris-`, `medline-`, ...
        self.fields: dict[str, str] = {}
        self.lines: dict[str, int] = {}
        self._names: dict[str, list[str]] = {}
        self._lists: dict[str, list[str]] = {}
        self._own: dict[str, list[str]] = {}

    def name(self, role: str, formatted: str, line: int = 0) -> None:
        if formatted:
            self._names.setdefault(role, []).append(formatted)
            self.lines.setdefault(role, line)

    def item(self, name: str, text: str, line: int = 0) -> None:
        """One value of a list field (keywords, MeSH)."""
        text = text.strip()
        if text:
            self._lists.setdefault(name, []).append(text)
            self.lines.setdefault(name, line)

    def raw(self, name: str, raw: str, own: str, line: int = 0) -> None:
        """A ready raw value (a month macro, a number)."""
        if name in self.fields and self.fields[name] != raw:
            self.own(own, raw.strip("{}"), line)
            return
        self.fields[name] = raw
        self.lines.setdefault(name, line)

    def text(self, name: str, text: str, own: str, line: int = 0) -> None:
        """A plain-text value for field `name`; `own` is where a conflicting repeat goes."""
        text = text.strip()
        if not text:
            return
        value = verbatim(text) if name in VERBATIM_FIELDS or name == "urldate" else braced(text)
        if name in self.fields:
            if self.fields[name] != value:
                self.own(own, text, line)
            return
        self.fields[name] = value
        self.lines.setdefault(name, line)

    def own(self, tag: str, text: str, line: int = 0) -> None:
        """A value kept in the reader's own field (`ris-m3`); repeats are joined with ` ; `."""
        text = text.strip()
        if text:
            name = self.prefix + re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-")
            self._own.setdefault(name, []).append(text)
            self.lines.setdefault(name, line)

    def reference(self, key: str, entry_type: str, file: str, line: int) -> Reference:
        fields = dict(self.fields)
        for role, names in self._names.items():
            fields.setdefault(role, "{" + " and ".join(names) + "}")
        for name, items in self._lists.items():
            separator = _LIST_FIELDS.get(name, ", ")
            if name in fields:
                self.own(name, separator.join(items))
                continue
            escaped = [braced(item)[1:-1] for item in dict.fromkeys(items)]
            # An item holding the separator is braced, as biblatex reads keyword lists.
            fields[name] = "{" + separator.join(
                "{" + item + "}" if separator.strip() in item else item for item in escaped
            ) + "}"
        for name, values in self._own.items():
            fields[name] = braced(" ; ".join(values))
        return Reference(key, entry_type, fields, file, line, dict(self.lines))
