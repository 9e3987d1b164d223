"""Reading the library: list, show, search and SQL over the index. Nothing here writes."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any

from reflib.errors import IndexMissing, NotInLibrary, ReflibError
from reflib.library import index
from reflib.library.layout import Layout
from reflib.library.model import Reference, is_safe_key

LIST_COLUMNS = ("order", "key", "type", "year", "evidence", "authors", "title")


@contextmanager
def open_index(layout: Layout):
    if not layout.db_path.is_file():
        raise IndexMissing(f"{layout.rel(layout.db_path)} does not exist; run `refs build` first")
    conn = index.connect_readonly(layout.db_path)
    try:
        yield conn
    finally:
        conn.close()


def public_record(row: dict[str, Any]) -> dict[str, Any]:
    """The JSON form of a source that `refs list` and `refs search` print."""
    return {
        "key": row["key"],
        "type": row["type"],
        "title": row["title"],
        "year": row["year"],
        "doi": row["doi"],
        "authors": row.get("authors", []),
        "editors": row.get("editors", []),
        "journal": row["journal"] or None,
        "evidence": row["evidence"],
        "order": row["ord"],
        "file": row["file"],
    }


def list_sources(layout: Layout, filters: dict[str, Any] | None = None,
                 keys: list[str] | None = None) -> list[dict[str, Any]]:
    """Sources in the article's citation order, filtered; the JSON form of each."""
    with open_index(layout) as conn:
        rows = index.list_sources(conn, filters or {}, keys)
    if keys:
        known = {row["key"] for row in rows}
        missing = [k for k in keys if k not in known]
        if missing and not filters:
            raise NotInLibrary(f"no source with key {', '.join(repr(k) for k in missing)}; "
                               "see `refs list --format keys`")
    return [public_record(row) for row in rows]


def load_references(layout: Layout, keys: list[str] | None = None,
                    filters: dict[str, Any] | None = None) -> list[Reference]:
    """The sources as Reference objects, filtered and ordered as `refs list` orders them."""
    with open_index(layout) as conn:
        rows = index.list_sources(conn, filters or {}, keys)
        wanted = [row["key"] for row in rows]
        entries: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            entries.update(conn.execute(
                f"SELECT key, entry FROM files WHERE key IN ({marks})", chunk).fetchall())
    if keys and not filters:
        missing = [k for k in keys if k not in entries]
        if missing:
            raise NotInLibrary(f"no source with key {', '.join(repr(k) for k in missing)}; "
                               "see `refs list --format keys`")
    return [index.entry_from_json(entries[key]) for key in wanted if key in entries]


def show_source(layout: Layout, key: str) -> dict[str, Any]:
    """A source whole: its file text, fields as text, names and citation number."""
    path = layout.source_path(key)
    if not is_safe_key(key) or not path.is_file():
        raise NotInLibrary(f"no source with key '{key}' (no file refs/{key}.bib); "
                           "see `refs list --format keys`")
    record: dict[str, Any] = {"key": key, "bibtex": path.read_text(encoding="utf-8")}
    if layout.db_path.is_file():
        with open_index(layout) as conn:
            row = index.source_fields(conn, key)
        if row is not None:
            record.update(public_record(row))
            record["fields"] = row["fields"]
    return record


def search(layout: Layout, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Full-text search, best first; matching words in title/authors/journal are [marked]."""
    with open_index(layout) as conn:
        rows = index.search(conn, text, limit)
    return [
        {"key": r["key"], "order": r["ord"], "type": r["type"], "year": r["year"],
         "doi": r["doi"], "evidence": r["evidence"], "title": r["title"],
         "authors": r["authors"], "journal": r["journal"], "snippet": r["snippet"],
         "score": round(-r["score"], 4)}
        for r in rows
    ]


def run_sql(layout: Layout, sql: str) -> tuple[list[str], list[tuple]]:
    """Run SQL on a read-only connection; a write is refused and changes nothing."""
    with open_index(layout) as conn:
        try:
            return index.run_sql(conn, sql)
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "readonly" in text or "read-only" in text or "query_only" in text:
                raise ReflibError(f"refs sql is read-only ({text}); nothing was changed. "
                                  "Edit refs/*.bib and run `refs build` instead") from None
            raise ReflibError(f"SQL error: {text}") from None
        except (sqlite3.Warning, sqlite3.ProgrammingError) as exc:
            raise ReflibError(f"SQL error: {exc} (one statement at a time)") from None
        except sqlite3.DatabaseError as exc:
            raise ReflibError(f"SQL error: {exc}") from None
