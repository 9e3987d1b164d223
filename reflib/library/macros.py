"""@string macros: defined in one or several files, resolved with bounds.

A macro may use macros defined anywhere in the files of one import (biber reads
`definitions.bib` and `papers.bib` together), so resolution does not depend on order.
It is bounded: a macro nested deeper than MAX_DEPTH, a value longer than MAX_CHARS, or a
macro loop is an error naming the macro and where it is defined (a 2 KB file of macros
that concatenate each other would otherwise expand to gigabytes).

    table = MacroTable()
    table.define("jgg", '"Journal of " # name', "a.bib", 3)
    table.resolve('jgg # " 5"')   # -> '{Journal of ... 5}'
"""

from __future__ import annotations

from dataclasses import dataclass

from reflib.errors import Problem
from reflib.library.latex import MONTHS, split_concatenation

MAX_DEPTH = 20
MAX_CHARS = 100_000
# BibTeX's predefined month macros, spelled out when a @string uses them.
MONTH_NAMES = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May",
    "jun": "June", "jul": "July", "aug": "August", "sep": "September", "oct": "October",
    "nov": "November", "dec": "December",
}  # fmt: skip


class MacroError(Exception):
    """A macro that cannot be expanded within the bounds: a loop, too deep, too long."""

    def __init__(self, name: str, file: str, line: int, reason: str) -> None:
        super().__init__(f"@string '{name}' ({file}:{line}) {reason}")
        self.name = name
        self.file = file
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Macro:
    raw: str
    file: str
    line: int


class MacroTable:
    """@string definitions of one import, and their expansions (each computed once)."""

    def __init__(self) -> None:
        self.macros: dict[str, Macro] = {}
        self._expanded: dict[str, str | None] = {}

    def __bool__(self) -> bool:
        return bool(self.macros)

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.macros

    def define(self, name: str, raw: str, file: str, line: int) -> Problem | None:
        """Add a macro; a redefinition with another value wins and is reported."""
        lower = name.lower()
        old = self.macros.get(lower)
        self.macros[lower] = Macro(raw, file, line)
        self._expanded.clear()
        if old is not None and old.raw.strip() != raw.strip():
            return Problem(file, line, f"@string '{name}' redefines the one at "
                           f"{old.file}:{old.line}; this value is used", None, "warning")
        return None

    def resolve(self, raw: str) -> str:
        """A raw field value with its macros replaced: one braced value when all resolve.

        Month macros and undefined names stay as they are (validation reports the latter).
        Raises MacroError when a macro cannot be expanded within the bounds."""
        parts = split_concatenation(raw.strip())
        if not any(part.lower() in self.macros for part in parts):
            return raw
        pieces: list[str | None] = []
        for part in parts:
            pieces.append(self._piece(part, []) if part.lower() in self.macros
                          else _literal(part))
        if all(piece is not None for piece in pieces):
            joined = "".join(pieces)  # type: ignore[arg-type]
            if len(joined) > MAX_CHARS:
                name = next(p for p in parts if p.lower() in self.macros)
                macro = self.macros[name.lower()]
                raise MacroError(name, macro.file, macro.line,
                                 f"makes a value of {len(joined):,} characters, over the "
                                 f"{MAX_CHARS:,} allowed")
            return "{" + joined + "}"
        kept = []
        for part, piece in zip(parts, pieces, strict=True):
            resolved = part.lower() in self.macros and piece is not None
            kept.append("{" + piece + "}" if resolved else part)
        return " # ".join(kept)

    def _piece(self, name: str, stack: list[str]) -> str | None:
        """The text of macro `name` without delimiters; None when it uses an undefined name."""
        lower = name.lower()
        if lower in self._expanded:
            return self._expanded[lower]
        macro = self.macros[lower]
        if lower in stack:
            chain = " -> ".join([*stack[stack.index(lower):], lower])
            raise MacroError(name, macro.file, macro.line, f"refers to itself ({chain})")
        if len(stack) >= MAX_DEPTH:
            raise MacroError(name, macro.file, macro.line,
                             f"nests macros more than {MAX_DEPTH} deep")
        stack.append(lower)
        out: list[str] = []
        size = 0
        result: str | None = None
        for part in split_concatenation(macro.raw.strip()):
            if part.lower() in self.macros:
                piece = self._piece(part, stack)
            elif part.lower() in MONTHS:
                piece = MONTH_NAMES[part.lower()]
            else:
                piece = _literal(part)
            if piece is None:
                break
            size += len(piece)
            if size > MAX_CHARS:
                stack.pop()
                raise MacroError(name, macro.file, macro.line,
                                 f"expands to over {MAX_CHARS:,} characters")
            out.append(piece)
        else:
            result = "".join(out)
        stack.pop()
        self._expanded[lower] = result
        return result


def _literal(part: str) -> str | None:
    """The text of a delimited part or number; None for a name (a macro we do not define)."""
    if len(part) >= 2 and part[0] == "{" and part[-1] == "}":
        return part[1:-1]
    if len(part) >= 2 and part[0] == '"' and part[-1] == '"':
        return part[1:-1]
    if part.isdigit():
        return part
    return None
