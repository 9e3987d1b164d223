"""The index's rows of sources that inherit fields by `crossref`/`xdata` (biblatex's rules,
`inherit.py`): what `refs list`, `show`, `search` and every reader of the index see.

A child's file is never rewritten, and library.bib keeps BibTeX's own crossref; only the
index holds the inherited view, kept apart from the file's own fields:

    files.entry            the file's own fields (the build's cache; what validation reads)
    sources, authors, ...  the inherited view (so list, search and filters see the author)
    inherited              key -> the inherited entry as JSON (what `read_library` returns)
    inherited_fields       key, field, parent: which fields came from which source's file

`write` runs inside the transaction that writes the index, after the changed sources'
own rows: it re-derives every child whose file, or any ancestor's, changed, was added or
was removed, so an edited parent re-derives its children and nothing stale is left.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Protocol

from reflib.library import index
from reflib.library.inherit import MAX_DEPTH, inherit_traced
from reflib.library.model import Reference
from reflib.library.validate import CrossItem


class Source(Protocol):
    """What `write` needs of a build's file state."""

    key: str
    item: CrossItem | None
    reused: bool

    @property
    def ref(self) -> Reference: ...


class _Parents:
    """lower-case key -> the file's own Reference, read only when asked for."""

    def __init__(self, by_key: dict[str, Source]) -> None:
        self.by_key = by_key

    def get(self, key: str) -> Reference | None:
        state = self.by_key.get(key)
        return state.ref if state is not None else None


def write(conn: sqlite3.Connection, states: Sequence[Source],
          removed_keys: Iterable[str] = ()) -> int:
    """Bring the inherited rows up to date after the sources in `states` that are not
    `reused` (and the keys in `removed_keys`) got their own rows. How many children it
    re-derived."""
    if not any(s.item is not None and s.item.parent for s in states) and conn.execute(
            "SELECT 1 FROM inherited LIMIT 1").fetchone() is None:
        return 0  # no source inherits, nor did one before: the common case costs nothing
    valid = [s for s in states if s.item is not None]
    by_key: dict[str, Source] = {}
    twice: set[str] = set()
    for state in valid:
        lower = state.key.lower()
        if lower in by_key:
            twice.add(lower)  # only an index-only refresh gets here; it indexes the first
        else:
            by_key[lower] = state
    dirty = {s.key.lower() for s in valid if not s.reused}
    dirty.update(k.lower() for k in removed_keys)
    parents = {s.key.lower(): [p.lower() for p in s.item.parent.split(",") if p]
               for s in valid}
    children = [s for s in by_key.values()
                if parents[s.key.lower()] and s.key.lower() not in twice
                and _touched(s.key.lower(), parents, dirty)]
    # What the index said a changed or removed key inherited is gone with its old rows.
    gone = sorted(dirty | {s.key.lower() for s in children})
    for start in range(0, len(gone), 500):
        chunk = gone[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        conn.execute(f"DELETE FROM inherited WHERE lower(key) IN ({marks})", chunk)
        conn.execute(f"DELETE FROM inherited_fields WHERE lower(key) IN ({marks})", chunk)
    lookup = _Parents(by_key)
    for state in children:
        own = state.ref
        ref, origin = inherit_traced(own, lookup)  # origin {}: its parents are missing
        index.delete_sources(conn, [own.key])  # (the build's error) or add nothing
        rows = index.source_rows(ref)
        rows["fields"] = [(key, name, position, raw, None if name in origin else line)
                          for key, name, position, raw, line in rows["fields"]]
        for table, table_rows in rows.items():
            index.insert_rows(conn, table, table_rows)
        if origin:
            conn.execute("INSERT INTO inherited VALUES (?, ?)",
                         (own.key, entry_json(ref, origin)))
        conn.executemany("INSERT INTO inherited_fields VALUES (?, ?, ?)",
                         [(own.key, name, parent) for name, parent in origin.items()])
    return len(children)


def _touched(key: str, parents: dict[str, list[str]], dirty: set[str]) -> bool:
    """Whether `key` or any source it inherits from (transitively) is in `dirty`."""
    todo, seen = [(key, 0)], set()
    while todo:
        current, depth = todo.pop()
        if current in dirty:
            return True
        if current in seen or depth > MAX_DEPTH:
            continue
        seen.add(current)
        todo.extend((p, depth + 1) for p in parents.get(current, ()))
    return False


def entry_json(ref: Reference, origin: dict[str, str]) -> str:
    """The inherited entry as `index.entry_json` writes one, plus which fields it inherits
    (`inherited`: field -> the key of the source whose file holds the value)."""
    data = json.loads(index.entry_json(ref))
    data["inherited"] = origin
    return json.dumps(data, ensure_ascii=False)


def fields_of(conn: sqlite3.Connection, key: str) -> dict[str, str]:
    """field -> parent key, for the fields `key` inherits ({} for a source that inherits
    nothing, and for an index written before inheritance was indexed)."""
    try:
        return dict(conn.execute("SELECT name, parent FROM inherited_fields WHERE key = ?",
                                 (key,)))
    except sqlite3.OperationalError:
        return {}


def comment(origin: dict[str, str], texts: dict[str, str]) -> str:
    """What a child inherits, as BibTeX comment lines to print after its file ('' when
    nothing): the output stays a BibTeX file that says the same as the source file.

    >>> print(comment({"booktitle": "book1"}, {"booktitle": "The Book"}), end="")
    % inherited by crossref/xdata (not written in this file):
    %   booktitle = The Book  [from book1]
    """
    if not origin:
        return ""
    lines = ["% inherited by crossref/xdata (not written in this file):"]
    lines += [f"%   {name} = {' '.join(texts.get(name, '').split())}  [from {parent}]"
              for name, parent in origin.items()]
    return "\n".join(lines) + "\n"
