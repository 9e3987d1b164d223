"""Rendering rows for the terminal and for pipes: table, JSON, CSV, keys. Pure."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from typing import Any


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def json_pieces(items: list, size: int = 5000) -> Iterator[tuple[str, int]]:
    """`to_json(items)` in pieces of `size` items each, to write (and count) as they
    come: (text, how many items it holds). Joined, the pieces are `to_json(items)`."""
    if not items:
        yield to_json(items), 0
        return
    for start in range(0, len(items), size):
        chunk = items[start:start + size]
        body = _flat_records(chunk)
        if body is None:
            body = json.dumps(chunk, ensure_ascii=False, indent=2)[2:-2]  # no "[\n", "\n]"
        last = start + size >= len(items)
        yield ("[\n" if start == 0 else ",\n") + body + ("\n]\n" if last else ""), len(chunk)


def _flat_records(records: list) -> str | None:
    """The items of `json.dumps(records, ensure_ascii=False, indent=2)` (without its
    brackets) when every record is a dict of strings, integers, None and lists of
    strings, as `refs list` and `refs search` give (their JSON at 100,000 sources: a
    third of the time of the encoder, whose indented form is written in Python); None
    for anything else. Strings are quoted by json's own C function, so the text is the
    same."""
    from json.encoder import encode_basestring as quote

    out = []
    for record in records:
        if type(record) is not dict:
            return None
        lines = []
        for name, value in record.items():
            kind = type(value)
            if kind is str:
                text = quote(value)
            elif value is None:
                text = "null"
            elif kind is int:
                text = int.__repr__(value)
            elif kind is list and all(type(v) is str for v in value):
                text = ("[\n      " + ",\n      ".join(map(quote, value)) + "\n    ]"
                        if value else "[]")
            else:
                return None
            if type(name) is not str:
                return None
            lines.append(f"    {quote(name)}: {text}")
        out.append("  {\n" + ",\n".join(lines) + "\n  }" if lines else "  {}")
    return ",\n".join(out)


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["; ".join(v) if isinstance(v, list) else _cell(v) for v in row])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _short(names: list) -> str:
    """A name list in a table cell: the first, then "et al." (the full list is in JSON)."""
    if not names:
        return ""
    return f"{names[0]} et al." if len(names) > 1 else str(names[0])


def _text(value: Any) -> str:
    """A table cell's text: names shortened (`_short`), nothing for None."""
    if type(value) is str:
        return value
    return _short(value) if isinstance(value, list) else _cell(value)


def to_table(columns: Sequence[str], rows: Sequence[Sequence[Any]],
             max_width: int | None = None) -> str:
    """Aligned columns; with `max_width`, the last column is cut to fit a terminal.
    Built column by column (100,000 rows in a fraction of a second)."""
    texts = [[str(c) for c in columns]]
    texts += [[v if type(v) is str else _text(v) for v in row] for row in rows]
    widths = [max(map(len, column)) for column in zip(*texts, strict=True)][:-1]
    # Each line: the columns but the last padded to their width, then the last.
    template = "".join(f"{{:<{w}}}  " for w in widths) + "{}"
    lines = [template.format(*row) for row in texts]
    if max_width:
        lines = [line[: max_width - 1] + "…" if len(line) > max_width else line
                 for line in lines]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`1 source`, `2 sources`: messages agree in number."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
