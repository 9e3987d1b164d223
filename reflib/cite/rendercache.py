"""Formatted citations kept in the index, so a second export or report renders only what
changed. citeproc-py takes about 3 ms an entry; TUGboat's 3,644 take 10 s a format.

A rendered entry is kept under its item's content hash (the CSL-JSON citeproc is given)
and its position in the bibliography, within a context: the style (name, options and the
.csl file's own hash), the output format and this module's version. Author-date styles
(disambiguation, "2020a") and styles that repeat an author as a dash depend on the other
entries, so their context also holds the whole list: they are reused only when nothing
changed at all. Numeric styles reuse every entry whose content and number did not change.

    with cached_in(layout.db_path):
        text = render(refs, "ama")   # reflib.cite.entries.render_entries reads it
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

VERSION = "1"
_DDL = """CREATE TABLE IF NOT EXISTS rendered (
    context TEXT NOT NULL, item TEXT NOT NULL, position INTEGER NOT NULL, first TEXT,
    rest TEXT NOT NULL, PRIMARY KEY (context, item, position))"""
_active: ContextVar[RenderCache | None] = ContextVar("render_cache", default=None)


class RenderCache:
    """Rendered entries of one index (db/library.db), read and written in whole contexts."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.rendered = 0  # entries citeproc rendered (the rest came from the index)
        self._hashes: dict[int, tuple[object, str]] = {}

    def source_hash(self, ref) -> str:
        """`source_hash(ref)`, made once per Reference while the cache is active (the
        report formats the same 100,000 sources twice: HTML and plain text)."""
        known = self._hashes.get(id(ref))
        if known is not None and known[0] is ref:
            return known[1]
        digest = source_hash(ref)
        self._hashes[id(ref)] = (ref, digest)
        return digest

    def lookup(self, context: str) -> dict[tuple[str, int], tuple[str | None, str]]:
        if not self.db_path.is_file():
            return {}
        try:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
            try:
                rows = conn.execute("SELECT item, position, first, rest FROM rendered "
                                    "WHERE context = ?", (context,))
                return {(item, pos): (first, rest) for item, pos, first, rest in rows}
            finally:
                conn.close()
        except sqlite3.DatabaseError:  # no table yet, or an old index
            return {}

    def store(self, context: str, rows: list[tuple[str, int, str | None, str]]) -> None:
        """Keep `rows` (item, position, first, rest) as the context's whole content."""
        if not self.db_path.is_file():
            return  # no index to keep them in (the read path makes one first)
        try:
            conn = sqlite3.connect(self.db_path, timeout=5)
            try:
                with conn:
                    conn.execute(_DDL)
                    conn.execute("DELETE FROM rendered WHERE context = ?", (context,))
                    conn.executemany("INSERT OR REPLACE INTO rendered VALUES (?, ?, ?, ?, ?)",
                                     [(context, *row) for row in rows])
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            pass  # a cache: failing to keep it costs time next run, nothing else


@contextmanager
def cached_in(db_path: Path) -> Iterator[RenderCache]:
    """Use the index at `db_path` for rendered entries inside the `with` block."""
    cache = RenderCache(db_path)
    token = _active.set(cache)
    try:
        yield cache
    finally:
        _active.reset(token)


def active() -> RenderCache | None:
    return _active.get()


def item_hash(item: dict) -> str:
    return hashlib.sha1(json.dumps(item, sort_keys=True, ensure_ascii=False).encode()
                        ).hexdigest()


def source_hash(ref) -> str:
    """A source's own content: key, type and raw fields."""
    return item_hash({"key": ref.key, "type": ref.entry_type, "fields": ref.fields})


def context_of(style_id: str, formatter: str, numeric: bool, hashes: list[str]) -> str:
    whole = "" if numeric else "|".join(hashes)
    return hashlib.sha1(f"{VERSION}|{style_id}|{formatter}|{whole}".encode()).hexdigest()
