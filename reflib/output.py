"""Rendering rows for the terminal and for pipes: table, JSON, CSV, keys. Pure."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


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


def to_table(columns: Sequence[str], rows: Sequence[Sequence[Any]],
             max_width: int | None = None) -> str:
    """Aligned columns; with `max_width`, the last column is cut to fit a terminal."""
    cells = [[_short(v) if isinstance(v, list) else _cell(v) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        for i, value in enumerate(row[:-1]):
            widths[i] = max(widths[i], len(value))
    lines = []
    for row in [list(columns), *cells]:
        head = "  ".join(v.ljust(widths[i]) for i, v in enumerate(row[:-1]))
        line = f"{head}  {row[-1]}" if head else row[-1]
        if max_width and len(line) > max_width:
            line = line[: max_width - 1] + "…"
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`1 source`, `2 sources`: messages agree in number."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
