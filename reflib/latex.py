"""BibTeX field values to plain text: delimiters, concatenation, macros, LaTeX markup."""

from __future__ import annotations

import re
from functools import lru_cache

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
MONTH_NAMES = {
    1: "January", 2: "February", 3: "March", 4: "April", 5: "May", 6: "June",
    7: "July", 8: "August", 9: "September", 10: "October", 11: "November", 12: "December",
}  # fmt: skip

_LATEX_CHARS = re.compile(r"[\\{}$~]")
_SPACES = re.compile(r"\s+")


def split_concatenation(raw: str) -> list[str]:
    """Split a raw value on top-level `#`: `jan # " 1"` -> ['jan', '" 1"']."""
    parts: list[str] = []
    depth = 0
    in_quotes = False
    start = 0
    for i, char in enumerate(raw):
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
    return [
        part
        for part in split_concatenation(raw.strip())
        if part and part[0] not in '{"' and not part.isdigit()
    ]


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def latex_to_text(latex: str) -> str:
    """LaTeX markup to Unicode text: `M{\\"u}ller` -> `Müller`, braces dropped."""
    if not _LATEX_CHARS.search(latex):
        return _SPACES.sub(" ", latex).strip()
    try:
        text = _converter().latex_to_text(latex)
    except Exception:  # pylatexenc is lenient, but never let markup stop a build
        text = latex.replace("{", "").replace("}", "")
    return _SPACES.sub(" ", text).strip()


def field_text(raw: str) -> str:
    """Plain text of a raw field value, month macros spelled out."""
    parts = split_concatenation(raw.strip())
    if len(parts) == 1 and parts[0].lower() in MONTHS:
        return str(MONTHS[parts[0].lower()])
    return latex_to_text(strip_delimiters(raw))
