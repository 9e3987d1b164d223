"""A BibTeX scanner that reads exactly what BibTeX reads, with lines for every piece.

Why our own and not bibtexparser's splitter: bibtexparser v2 treats `\\{`, `\\}` and `\\"`
as escapes, where BibTeX counts every brace and ends a quoted value at the first `"` outside
braces. So `{$ \\{ $Meta$ \\} $Font}` lost a brace and `"M\\"uller"` swallowed the next
field. Here braces are counted as BibTeX counts them, whatever precedes them.

Rules, as in bibtex.web (and biber where BibTeX has none):
- text outside entries is ignored; a line whose first non-blank character is `%` is a
  comment (biber's rule: `%@book{...` is not an entry);
- `@comment{...}` (balanced braces) and `@preamble{...}` are blocks of their own;
- `@string{name = value}` defines a macro; `@TYPE{key, name = value, ...}` or with `( )`;
- a value is `{...}` (balanced), `"..."` (ends at a `"` outside braces), a number, or a
  macro name, joined by `#`; values are kept exactly as written (delimiters included).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_AT_OR_COMMENT_LINE = re.compile(r"@|^[ \t]*%[^\n]*", re.MULTILINE)
# BibTeX's identifiers: any printable character but these and white space.
_IDENT = re.compile(r"[^\s\"#%'(),={}]+")
_SPACE = re.compile(r"\s*")
_BRACES = re.compile(r"[{}]")
_QUOTE_OR_BRACES = re.compile(r'[{}"]')
_NUMBER = re.compile(r"[0-9]+")
_ENTRY_START = re.compile(r"^[ \t]*@", re.MULTILINE)
_KEY = re.compile(r"[^,\s]*")
# The common field, read in one match: `, name = {plain}` (no braces inside), `"plain"`,
# a number or a macro name, then the spaces up to the next `,` or closer. Anything else
# (nested braces, `#`, a `%` line, an error) is left to the general path at the same
# position, which reads it exactly as before (test_bibscan compares the two).
# The layout reflib writes (bibtex.format_entry), an entry read in one match: `@type{key,`
# then one field a line, `  name = value,` (a value with at most one level of inner
# braces, no `#`), then `}`. Any other entry is read by the general path (test_bibscan
# compares the two).
_NAME = r"[A-Za-z][A-Za-z0-9_.:+\-]*+"
_VALUE = (r"(?:\{[^{}]*+(?:\{[^{}]*+\}[^{}]*+)*+\}"  # {a {b} c}: one level inside
          r'|"[^"{}]*+"|[0-9]++|' + _NAME + ")")
_LAYOUT_FIELD = re.compile(rf"[ \t]*+({_NAME})[ \t]*+=[ \t]*+({_VALUE})[ \t]*+,[ \t]*+\n")
_LAYOUT_ENTRY = re.compile(rf"([a-z]++)\{{([^,\s}}]++),[ \t]*+\n"
                           rf"((?:[ \t]*+{_NAME}[ \t]*+=[ \t]*+{_VALUE}[ \t]*+,[ \t]*+\n)*+)"
                           r"[ \t]*+\}")
_NOT_ENTRIES = ("comment", "preamble", "string")
_PLAIN_FIELD = re.compile(r"\s*+,\s*+([^\s\"#%'(),={}]++)\s*+=\s*+"
                          r"(\{[^{}]*+\}|\"[^\"{}]*+\"|[0-9]++|[^\s\"#%'(),={}0-9][^\s\"#%'(),={}]*+)"
                          r"\s*+(?=[,})])")


class ScanError(Exception):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


@dataclass
class Field:
    name: str  # as written (case kept)
    raw: str  # the value exactly as written: `{A}`, `"B" # jan`, `1999`
    line: int


@dataclass
class Block:
    """One `@` command: kind is 'entry', 'string', 'preamble', 'comment' or 'error'."""

    kind: str
    line: int
    entry_type: str = ""  # lower case
    key: str = ""
    fields: list[Field] = field(default_factory=list)
    message: str = ""  # for 'error': what went wrong, and where
    error_line: int = 0
    comment_lines: list[int] = field(default_factory=list)  # `%` lines inside an entry


class _Lines:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def of(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos)


def scan(text: str) -> list[Block]:
    """Every `@` block of a BibTeX text, in order; syntax errors become 'error' blocks."""
    return list(iter_blocks(text))


def iter_blocks(text: str) -> Iterator[Block]:
    """The blocks of `scan`, one at a time (a million entries need not be held at once)."""
    lines = _Lines(text)
    pos = 0
    while True:
        match = _AT_OR_COMMENT_LINE.search(text, pos)
        if match is None:
            return
        if match.group() != "@":
            pos = match.end()  # a % comment line: skip it whole
            continue
        start = match.start()
        try:
            block, pos = _command(text, match.end(), start, lines)
        except ScanError as exc:
            yield Block("error", lines.of(start), message=exc.message,
                        error_line=lines.of(exc.pos))
            # BibTeX's recovery: carry on at the next line that starts with `@`.
            resume = _ENTRY_START.search(text, start + 1)
            pos = resume.start() if resume else len(text)
            continue
        if block is not None:
            yield block


def _command(text: str, pos: int, start: int, lines: _Lines) -> tuple[Block | None, int]:
    layout = _LAYOUT_ENTRY.match(text, pos)
    if layout is not None and layout[1] not in _NOT_ENTRIES:
        return _layout_block(layout, lines.of(start)), layout.end()
    pos = _skip(text, pos)
    ident = _IDENT.match(text, pos)
    if ident is None:
        return None, pos  # a lone `@` in text between entries: not a command
    kind = ident.group().lower()
    pos = _skip(text, ident.end())
    if pos >= len(text) or text[pos] not in "{(":
        if kind == "comment":
            return Block("comment", lines.of(start)), pos
        return None, pos  # `@name` in text, e.g. an e-mail address: not a command
    opener = text[pos]
    closer = "}" if opener == "{" else ")"
    line = lines.of(start)
    if kind == "comment":
        end = _balanced(text, pos, opener == "(")
        return Block("comment", line), end
    if kind == "preamble":
        raw, pos = _value(text, _skip(text, pos + 1))
        return Block("preamble", line, key=raw), _close(text, pos, closer)
    if kind == "string":
        name, raw, value_line, pos = _assignment(text, _skip(text, pos + 1), lines)
        block = Block("string", line, key=name, fields=[Field(name, raw, value_line)])
        return block, _close(text, pos, closer)
    key_match = _KEY.match(text, _skip(text, pos + 1))
    key = key_match.group()
    if closer == "}" and "}" in key:
        key = key[: key.index("}")]
    block = Block("entry", line, entry_type=kind, key=key)
    pos = _skip(text, key_match.start() + len(key))
    fields = block.fields
    starts = lines.starts
    while True:
        plain = _PLAIN_FIELD.match(text, pos)
        if plain is not None:
            fields.append(Field(plain[1], plain[2], bisect.bisect_right(starts, plain.start(1))))
            pos = plain.end()
            continue
        if pos >= len(text):
            raise ScanError(pos, f"entry '{key}' never closes (missing '{closer}')")
        char = text[pos]
        if char == closer:
            return block, pos + 1
        if char != ",":
            raise ScanError(pos, f"expected ',' or '{closer}' in entry '{key}', "
                            f"found {_show(text, pos)}")
        pos = _skip(text, pos + 1)
        if pos < len(text) and text[pos] == closer:
            return block, pos + 1
        while pos < len(text) and text[pos] == "%":
            # Not a comment to BibTeX; biber skips it. Skip it and say where it is.
            block.comment_lines.append(lines.of(pos))
            end = text.find("\n", pos)
            pos = _skip(text, end if end >= 0 else len(text))
        if pos < len(text) and text[pos] == closer:
            return block, pos + 1
        name, raw, value_line, pos = _assignment(text, pos, lines)
        block.fields.append(Field(name, raw, value_line))


def _layout_block(layout: re.Match, line: int) -> Block:
    """The entry `_LAYOUT_ENTRY` matched, its fields with their lines."""
    pairs = _LAYOUT_FIELD.findall(layout[3])
    if layout[3].count("\n") == len(pairs):  # every value on its field's line
        fields = [Field(name, raw, line + i) for i, (name, raw) in enumerate(pairs, start=1)]
    else:
        fields, at = [], line
        for name, raw in pairs:
            fields.append(Field(name, raw, at + 1))
            at += 1 + raw.count("\n")
    return Block("entry", line, layout[1], layout[2], fields)


def _assignment(text: str, pos: int, lines: _Lines) -> tuple[str, str, int, int]:
    ident = _IDENT.match(text, pos)
    if ident is None:
        raise ScanError(pos, f"expected a field name, found {_show(text, pos)}")
    name_line = lines.of(pos)
    pos = _skip(text, ident.end())
    if pos >= len(text) or text[pos] != "=":
        raise ScanError(pos, f"expected '=' after '{ident.group()}', found {_show(text, pos)}")
    raw, pos = _value(text, _skip(text, pos + 1))
    return ident.group(), raw, name_line, pos


def _value(text: str, pos: int) -> tuple[str, int]:
    """A value with its `#` concatenations, exactly as written; returns it and the end."""
    start = pos
    while True:
        pos = _part(text, pos)
        end = pos
        pos = _skip(text, pos)
        if pos < len(text) and text[pos] == "#":
            pos = _skip(text, pos + 1)
            continue
        return text[start:end], pos


def _part(text: str, pos: int) -> int:
    if pos >= len(text):
        raise ScanError(pos, "expected a value, found the end of the file")
    char = text[pos]
    if char == "{":
        return _balanced(text, pos)
    if char == '"':
        depth = 0
        for match in _QUOTE_OR_BRACES.finditer(text, pos + 1):
            found = match.group()
            if found == '"' and depth == 0:
                return match.end()
            if found == "{":
                depth += 1
            elif found == "}":
                depth -= 1
                if depth < 0:
                    raise ScanError(match.start(), "a '}' closes nothing in a quoted value")
        raise ScanError(pos, 'a quoted value never closes (missing \'"\')')
    number = _NUMBER.match(text, pos)
    if number:
        return number.end()
    ident = _IDENT.match(text, pos)
    if ident:
        return ident.end()
    raise ScanError(pos, f"expected a value, found {_show(text, pos)}")


def _balanced(text: str, pos: int, parens: bool = False) -> int:
    """The end of the group opened at `pos` (braces counted whatever precedes them)."""
    if parens:
        end = text.find(")", pos)
        if end < 0:
            raise ScanError(pos, "a '(' never closes")
        return end + 1
    depth = 0
    for match in _BRACES.finditer(text, pos):
        depth += 1 if match.group() == "{" else -1
        if depth == 0:
            return match.end()
    raise ScanError(pos, "a '{' never closes (unbalanced braces)")


def _close(text: str, pos: int, closer: str) -> int:
    pos = _skip(text, pos)
    if pos < len(text) and text[pos] == ",":
        pos = _skip(text, pos + 1)
    if pos >= len(text) or text[pos] != closer:
        raise ScanError(pos, f"expected '{closer}', found {_show(text, pos)}")
    return pos + 1


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()


def _show(text: str, pos: int) -> str:
    if pos >= len(text):
        return "the end of the file"
    return repr(text[pos:pos + 12].split("\n")[0] or "\\n")
