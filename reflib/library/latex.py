"""BibTeX field values to text: delimiters, concatenation, macros, and LaTeX to rich text.

One converter: LaTeX (accents, symbols, font commands, math) becomes rich text runs
(reflib.library.richtext); plain text and CSL rich text both come from those runs.

    >>> latex_to_text(r"{\\it NP}-complete for {$\\sim$}koster")
    'NP-complete for ~koster'
    >>> to_csl_markup(latex_to_rich(r"CO\\textsubscript{2} in \\emph{E. coli}"))
    'CO<sub>2</sub> in <i>E. coli</i>'

A top-level brace group protects its case (`nocase`), as in BibTeX, unless it is a
special character (`{\\"u}`). An unknown command keeps its argument; without one it
prints its name only when that name is a capitalised logo (`\\VAX`), never otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from reflib.library.latex_tables import (
    ACCENTS,
    CONTROL_SYMBOLS,
    DECLARATIONS,
    DIMENSION_COMMANDS,
    DROP_ARGUMENT,
    FONT_COMMANDS,
    MATH_ACCENTS,
    PLAIN_COMMANDS,
    QUOTE_COMMANDS,
    RESETS,
    SYMBOLS,
)
from reflib.library.richtext import NOCASE, Run, normalize, plain

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_NEEDS_WORK = re.compile(r"[\\{}$~^_]|--|``|''|<[A-Za-z]")
_SPECIAL = re.compile(r"[\\{}$~^_'`<-]")
# HTML tags other tools leave in BibTeX titles (Zotero, pasted Crossref titles).
_HTML_TAG = re.compile(r"<(i|b|em|strong|sub|sup|sc|scp)>", re.I)
_HTML_MARKS = {"i": "i", "em": "i", "b": "b", "strong": "b", "sub": "sub", "sup": "sup",
               "sc": "sc", "scp": "sc"}
_SPACES = re.compile(r"\s+")
_CONCATENATION_MARKS = re.compile(r'[{}"#]')
_NAME = re.compile(r"[A-Za-z]+")
_DIMENSION = re.compile(r"\s*=?\s*[-+]?(\d+\.?\d*|\.\d+)\s*(em|ex|pt|mu|cm|mm|in|sp|bp|pc|dd|cc)"
                        r"(\s*(plus|minus)\s*[-+]?(\d+\.?\d*|\.\d+)\s*(em|ex|pt|fil+))*")
_CHAR_CODE = re.compile(r"\s*(?:(\d+)|'([0-7]+)|\"([0-9A-Fa-f]+)|`\\?(.))")

# Fields BibTeX styles print verbatim (the url package): no LaTeX decoding, `~` stays.
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "pdf", "urlraw", "verba"})


class _Reader:
    """A recursive reader of one LaTeX value into runs."""

    def __init__(self, text: str, protect: bool) -> None:
        self.text = text
        self.size = len(text)
        self.pos = 0
        self.out: list[Run] = []
        self.protect = protect

    def emit(self, text: str, marks: frozenset[str]) -> None:
        if text:
            self.out.append(Run(text, marks))

    def skip_spaces(self) -> None:
        while self.pos < self.size and self.text[self.pos] in " \t\n\r":
            self.pos += 1

    def raw_argument(self) -> str:
        """The next argument's source text: a braced group, a control word, one char."""
        self.skip_spaces()
        text, pos = self.text, self.pos
        if pos >= self.size:
            return ""
        if text[pos] == "{":
            depth = 0
            for end in range(pos, self.size):
                depth += text[end] == "{"
                depth -= text[end] == "}"
                if depth == 0:
                    self.pos = end + 1
                    return text[pos + 1:end]
            self.pos = self.size
            return text[pos + 1:]
        if text[pos] == "\\":
            match = _NAME.match(text, pos + 1)
            self.pos = match.end() if match else pos + 2
            return text[pos:self.pos]
        self.pos = pos + 1
        return text[pos]

    def sub(self, source: str, marks: frozenset[str], math: bool) -> None:
        """Read `source` (an argument) with `marks`, as its own group."""
        reader = _Reader(source, protect=False)
        reader.group(marks, math, depth=1)
        self.out.extend(reader.out)

    def sub_text(self, source: str, math: bool) -> str:
        reader = _Reader(source, protect=False)
        reader.group(frozenset(), math, depth=1)
        return "".join(run.text for run in reader.out)

    def group(self, marks: frozenset[str], math: bool, depth: int) -> None:
        """Read until the closing brace of this group (or the end)."""
        text = self.text
        while self.pos < self.size:
            match = _SPECIAL.search(text, self.pos)
            if match is None:
                self.emit(text[self.pos:], marks)
                self.pos = self.size
                return
            if match.start() > self.pos:
                self.emit(text[self.pos:match.start()], marks)
                self.pos = match.start()
            char = text[self.pos]
            if char == "}":
                self.pos += 1
                if depth > 0:
                    return
                continue
            if char == "{":
                self.pos += 1
                inner = marks
                if depth == 0 and self.protect and not self._special_character():
                    inner = marks | NOCASE
                self.group(inner, math, depth + 1)
            elif char == "\\":
                marks = self.command(marks, math)
            elif char == "$":
                self.math_shift(marks, math)
                if math:  # the closing $ of an inline formula read by math_shift
                    return
            elif char == "<":
                self.html_tag(marks, math)
            elif math and char in "^_":
                self.pos += 1
                source = self.raw_argument()
                if char == "^" and source in ("\\circ", "\\degree"):
                    self.emit("°", marks)
                elif char == "^" and source in ("\\prime", "'"):
                    self.emit("′", marks)
                else:
                    self.sub(source, marks | {"sup" if char == "^" else "sub"}, True)
            else:
                self.pos += self.punctuation(char, marks, math)

    def html_tag(self, marks: frozenset[str], math: bool) -> None:
        """`<i>x</i>` as italics, when the closing tag follows; else a literal `<`."""
        match = _HTML_TAG.match(self.text, self.pos)
        if match:
            name = match.group(1).lower()
            close = self.text.lower().find(f"</{name}>", match.end())
            if close >= 0:
                self.sub(self.text[match.end():close], marks | {_HTML_MARKS[name]}, math)
                self.pos = close + len(name) + 3
                return
        self.emit("<", marks)
        self.pos += 1

    def punctuation(self, char: str, marks: frozenset[str], math: bool) -> int:
        text, pos = self.text, self.pos
        if char == "~":
            self.emit("~" if math else " ", marks)
            return 1
        if char == "-" and not math:
            if text.startswith("---", pos):
                self.emit("—", marks)
                return 3
            if text.startswith("--", pos):
                self.emit("–", marks)
                return 2
        if char == "`" and text.startswith("``", pos):
            self.emit("“", marks)
            return 2
        if char == "'" and text.startswith("''", pos):
            self.emit("”", marks)
            return 2
        if char == "'" and math:
            self.emit("′", marks)
            return 1
        self.emit(char, marks)
        return 1

    def _special_character(self) -> bool:
        """At a top-level `{`: does `{\\"u}` (an accent or symbol) start here?"""
        match = re.match(r"\\([A-Za-z]+|[^A-Za-z])", self.text[self.pos:self.pos + 40])
        if not match:
            return False
        name = match.group(1)
        return name in ACCENTS or (name in SYMBOLS and name not in LOGO_NAMES)

    def math_shift(self, marks: frozenset[str], math: bool) -> None:
        if math:  # a `$` inside math closes it (handled by the caller returning)
            self.pos += 1
            return
        display = self.text.startswith("$$", self.pos)
        self.pos += 2 if display else 1
        reader = _Reader(self.text, protect=False)
        reader.pos, reader.size = self.pos, self.size
        reader.group(marks, True, depth=1)
        self.out.extend(reader.out)
        self.pos = reader.pos + (1 if display and self.text.startswith("$", reader.pos) else 0)

    def command(self, marks: frozenset[str], math: bool) -> frozenset[str]:
        """Read one command at `\\`; returns the marks for the rest of the group."""
        text = self.text
        match = _NAME.match(text, self.pos + 1)
        if not match:
            return self.control_symbol(marks, math)
        name, self.pos = match.group(), match.end()
        if name in ACCENTS and len(name) == 1:
            self.accent(ACCENTS[name], marks, math)
            return marks
        self.skip_spaces()  # TeX eats the spaces after a control word
        if name in DECLARATIONS:
            return marks | DECLARATIONS[name]
        if name in RESETS:
            return marks - RESETS[name]
        if name in FONT_COMMANDS:
            added = FONT_COMMANDS[name]
            inner = marks - {"i"} if name == "emph" and "i" in marks else marks | added
            self.sub(self.raw_argument(), inner, math)
        elif name in MATH_ACCENTS:
            self.accent(MATH_ACCENTS[name], marks, math)
        elif name in SYMBOLS:
            self.emit(SYMBOLS[name], marks)
            if text.startswith("{}", self.pos):
                self.pos += 2
        elif name in PLAIN_COMMANDS:
            self.sub(self.raw_argument(), marks, math or name == "ensuremath")
        elif name in QUOTE_COMMANDS:
            self.emit("“", marks)
            self.sub(self.raw_argument(), marks, math)
            self.emit("”", marks)
        elif name in DROP_ARGUMENT:
            self.raw_argument()
        elif name in DIMENSION_COMMANDS:
            dimension = _DIMENSION.match(text, self.pos)
            if dimension:
                self.pos = dimension.end()
        elif name in ("href", "frac", "dfrac", "tfrac"):
            first = self.raw_argument()
            second = self.raw_argument()
            if name == "href":
                self.sub(second, marks, math)
            else:
                self.sub(first, marks, True)
                self.emit("/", marks)
                self.sub(second, marks, True)
        elif name in ("url", "path", "nolinkurl"):
            self.emit(self.raw_argument(), marks)
        elif name == "sqrt":
            self.emit("√", marks)
            self.sub(self.raw_argument(), marks, True)
        elif name == "char":
            code = _CHAR_CODE.match(text, self.pos)
            if code:
                self.pos = code.end()
                self.emit(_char(code), marks)
        elif name in ("verb",) and self.pos < self.size:
            end = text.find(text[self.pos], self.pos + 1)
            end = self.size if end < 0 else end
            self.emit(text[self.pos + 1:end], marks)
            self.pos = end + 1
        elif text.startswith("{", self.pos) and not text.startswith("{}", self.pos):
            self.sub(self.raw_argument(), marks, math)  # unknown{x}: x
        else:
            if text.startswith("{}", self.pos):
                self.pos += 2
            if any(c.isupper() for c in name):
                self.emit(name, marks)  # \VAX, \SGML: a logo macro names its logo
        return marks

    def control_symbol(self, marks: frozenset[str], math: bool) -> frozenset[str]:
        symbol = self.text[self.pos + 1:self.pos + 2]
        self.pos += 2
        if symbol in ACCENTS:
            self.accent(ACCENTS[symbol], marks, math)
        elif symbol == "(" or symbol == "[":
            end = self.text.find("\\" + (")" if symbol == "(" else "]"), self.pos)
            end = self.size if end < 0 else end
            self.sub(self.text[self.pos:end], marks, True)
            self.pos = end + 2
        else:
            self.emit(CONTROL_SYMBOLS.get(symbol, symbol), marks)
        return marks

    def accent(self, mark: str, marks: frozenset[str], math: bool) -> None:
        base = self.sub_text(self.raw_argument(), math)
        if not base:
            self.emit(mark if mark.isprintable() else "", marks)
            return
        base = {"ı": "i", "ȷ": "j"}.get(base[0], base[0]) + base[1:]  # \"{\i} is ï
        self.emit(unicodedata.normalize("NFC", base[0] + mark + base[1:]), marks)


def _char(code: re.Match) -> str:
    decimal, octal, hexadecimal, literal = code.groups()
    if literal is not None:
        return literal
    value = int(decimal) if decimal else int(octal, 8) if octal else int(hexadecimal, 16)
    return chr(value) if 32 <= value < 0x110000 else ""


LOGO_NAMES = frozenset({"TeX", "LaTeX", "BibTeX", "LaTeXe", "AmSTeX", "MF", "MP", "ConTeXt",
                        "XeTeX", "XeLaTeX", "eTeX", "AllTeX", "PiCTeX", "SliTeX", "TUB", "AMS",
                        "LuaTeX", "pdfTeX", "pdfLaTeX", "BibLaTeX"})


def latex_to_rich(latex: str, protect: bool = True) -> list[Run]:
    """LaTeX to rich text runs; with `protect`, top-level braces mark `nocase`."""
    if not _NEEDS_WORK.search(latex):
        return normalize([Run(latex)])
    reader = _Reader(latex, protect)
    reader.group(frozenset(), False, depth=0)
    return normalize(reader.out)


def split_concatenation(raw: str) -> list[str]:
    """Split a raw value on top-level `#`: `jan # " 1"` -> ['jan', '" 1"']."""
    if "#" not in raw:
        return [raw.strip()]
    parts: list[str] = []
    depth = 0
    in_quotes = False
    start = 0
    for mark in _CONCATENATION_MARKS.finditer(raw):  # other characters change nothing
        i, char = mark.start(), mark.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            in_quotes = not in_quotes
        elif char == "#" and depth == 0 and not in_quotes:
            parts.append(raw[start:i].strip())
            start = i + 1
    parts.append(raw[start:].strip())
    return parts


def strip_delimiters(raw: str) -> str:
    """The value as BibTeX sees it, still in LaTeX: `{A {B}}` -> `A {B}`; macros kept as names."""
    pieces = []
    for part in split_concatenation(raw.strip()):
        if len(part) >= 2 and part[0] == "{" and part[-1] == "}":
            pieces.append(part[1:-1])
        elif len(part) >= 2 and part[0] == '"' and part[-1] == '"':
            pieces.append(part[1:-1])
        else:
            pieces.append(part)
    return "".join(pieces)


def is_bare_macro(raw: str) -> list[str]:
    """Names of undelimited, non-numeric parts of a raw value (macro references)."""
    if raw[:1] in ("{", '"') and "#" not in raw:
        return []  # one delimited part (most values): no macro
    return _bare_parts(raw)


def _bare_parts(raw: str) -> list[str]:
    """`is_bare_macro` part by part (its general path)."""
    return [
        part
        for part in split_concatenation(raw.strip())
        if part and part[0] not in '{"' and not part.isdigit()
    ]


def latex_to_text(latex: str) -> str:
    """LaTeX markup to Unicode text: `M{\\"u}ller` -> `Müller`, `--` -> `–`, braces dropped."""
    if not _NEEDS_WORK.search(latex):
        return " ".join(latex.split())  # as _SPACES.sub(" ", latex).strip(): one set of spaces
    return _markup_text(latex)


@lru_cache(maxsize=8192)
def _markup_text(latex: str) -> str:
    """`latex_to_text` of a value with markup. Pure, and journals, publishers and names
    repeat across a library: each distinct value is read once."""
    return plain(latex_to_rich(latex, protect=False))


def field_rich(raw: str) -> list[Run]:
    """Rich text of a raw field value (titles: italics, sub/superscripts, protected case)."""
    return latex_to_rich(strip_delimiters(raw))


def field_text(raw: str, verbatim: bool = False) -> str:
    """Plain text of a raw field value, month macros spelled out as numbers."""
    value = raw.strip()
    if "#" not in value and len(value) >= 2 and (value[0] + value[-1]) in ("{}", '""'):
        # One braced or quoted value (most are): what the general path does, in one step.
        value = value[1:-1]
        return value.strip() if verbatim else latex_to_text(value)
    return _any_field_text(raw, verbatim)


def _any_field_text(raw: str, verbatim: bool) -> str:
    """`field_text` of any raw value: `#` concatenations, quotes, macros (its general path)."""
    parts = split_concatenation(raw.strip())
    if len(parts) == 1 and parts[0].lower() in MONTHS:
        return str(MONTHS[parts[0].lower()])
    value = strip_delimiters(raw)
    return value.strip() if verbatim else latex_to_text(value)
