"""Reading the library: THE read path (`read_library`), and list, show, search and SQL
over the index. Nothing here writes refs/ or library.bib.

Every command that reads the library (list, show, search, sql, check, export, cite,
report, serve) gets its sources through `read_library`: when db/library.db is older than
refs/ it is brought up to date first (incrementally, the index only) and one notice says
so. Example:

    view = read_library(Layout.find(), notify=print)
    for ref in view.references: ...
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reflib.errors import IndexMissing, NotInLibrary, Problem, ReflibError
from reflib.library import index, inherited
from reflib.library.layout import Layout
from reflib.library.lookup import known_keys, resolve_key, unknown_message
from reflib.library.model import Reference, is_safe_key
from reflib.library.sqlguard import SqlLimits, run_limited
from reflib.progress import progress
from reflib.progress import wanted as progress_wanted

LIST_COLUMNS = ("order", "key", "type", "year", "evidence", "authors", "title")
PROGRESS_FROM = 20_000  # sources listed before a progress bar is worth showing (~1 s)
Notify = Callable[[str], None]


@dataclass
class LibraryView:
    """The library as the index holds it, fresh with refs/.

    `references` are the selected sources (all, or `keys`, with `filters`) in the order
    `refs list` uses, read on first use; `problems` are the per-file problems of every
    source (`syntax`: those of reading the file, which `refs check` reports)."""

    layout: Layout
    db_path: Path
    keys: list[str] | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    syntax: list[Problem] = field(default_factory=list)
    notice: str = ""  # the one line said when the index had to be refreshed
    kept: bool = True  # False: db/ does not exist and a temporary index was read
    _references: list[Reference] | None = None

    @contextmanager
    def connect(self):
        """A read-only connection to the index."""
        conn = index.connect_readonly(self.db_path)
        try:
            yield conn
        finally:
            conn.close()

    @property
    def references(self) -> list[Reference]:
        if self._references is None:
            with self.connect() as conn:
                self._references = _references(conn, self.keys, self.filters)
        return self._references

    @property
    def entries(self) -> list[str]:
        """The same sources as `references`, in the same order, as the index's entry JSON
        (`index.entry_from_json` makes each a Reference): for exports that map them on
        other cores without building every Reference here."""
        if self._references is not None:
            return [index.entry_json(ref) for ref in self._references]
        with self.connect() as conn:
            return _entry_texts(conn, self.keys, self.filters)

    @property
    def order(self) -> list[str]:
        """The article's citation order, as the index holds it."""
        with self.connect() as conn:
            return [k for (k,) in conn.execute(
                "SELECT key FROM sources WHERE ord IS NOT NULL ORDER BY ord")]


def read_library(layout: Layout, keys: list[str] | None = None,
                 filters: dict[str, Any] | None = None, notify: Notify | None = None,
                 if_missing: str = "error") -> LibraryView:
    """The library's sources from the index, which is refreshed first when refs/ changed
    since it was written (the index only: library.bib is `refs build`'s).

    Without db/library.db: `if_missing="error"` raises IndexMissing (run `refs build`);
    `"scratch"` reads refs/ into a temporary index that is not kept. The one line that
    says the index was refreshed is passed to `notify` and kept as `view.notice`."""
    from reflib.library.build import build

    filters = {k: v for k, v in (filters or {}).items() if v is not None}
    if not layout.db_path.is_file():
        if if_missing != "scratch":
            raise IndexMissing(f"{layout.rel(layout.db_path)} does not exist; "
                               "run `refs build` first")
        return _scratch_view(layout, keys, filters, notify)
    report = build(layout, index_only=True)
    view = LibraryView(layout, layout.db_path, keys, filters, report.problems,
                       report.syntax)
    if report.changed or report.full:
        why = ", ".join(report.changed) or "it could not be used"
        view.notice = (f"note: {layout.rel(layout.db_path)} was out of date with refs/ "
                       f"({why}); updated it (library.bib is left to `refs build`)")
        if notify:
            notify(view.notice)
    if keys and not filters:
        view.references  # noqa: B018 - an unknown key is an error now, not later
    return view


@dataclass(frozen=True)
class _ScratchLayout(Layout):
    """A library whose index lives in a temporary folder instead of db/."""

    scratch: Path = Path()

    @property
    def db_path(self) -> Path:
        return self.scratch / "library.db"


def _scratch_view(layout: Layout, keys, filters, notify: Notify | None) -> LibraryView:
    from reflib.library.build import build

    folder = Path(tempfile.mkdtemp(prefix="reflib-index-"))
    try:
        scratch = _ScratchLayout(layout.root, folder)
        report = build(scratch, index_only=True)
        view = LibraryView(layout, scratch.db_path, keys, filters, report.problems,
                           report.syntax, kept=False)
        view.notice = (f"note: {layout.rel(layout.db_path)} does not exist: read refs/ into "
                       "a temporary index (run `refs build` to keep one)")
        if notify:
            notify(view.notice)
        view.references  # noqa: B018 - read now: the temporary index is removed below
        return view
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _references(conn: sqlite3.Connection, keys: list[str] | None,
                filters: dict[str, Any]) -> list[Reference]:
    """The selected sources as Reference objects, in `refs list` order."""
    return [index.entry_from_json(entry) for entry in _entry_texts(conn, keys, filters)]


def _entry_texts(conn: sqlite3.Connection, keys: list[str] | None,
                 filters: dict[str, Any]) -> list[str]:
    """The selected sources' entry JSON, in `refs list` order."""
    if not keys and not filters:
        return [entry for (entry,) in conn.execute(
            "SELECT coalesce(i.entry, f.entry) FROM sources s JOIN files f ON f.path = s.file "
            "LEFT JOIN inherited i ON i.key = s.key "  # a child's inherited fields
            "ORDER BY s.ord IS NULL, s.ord, lower(s.key), s.key")]
    rows = index.list_sources(conn, filters, keys)
    entries: dict[str, str] = {}
    wanted = [(row["key"], row["file"]) for row in rows]
    for start in range(0, len(wanted), 500):
        chunk = [path for _, path in wanted[start:start + 500]]
        marks = ", ".join("?" for _ in chunk)
        entries.update(conn.execute(
            f"SELECT f.key, coalesce(i.entry, f.entry) FROM files f "
            f"LEFT JOIN inherited i ON i.key = f.key WHERE f.path IN ({marks})",
            chunk).fetchall())
    if keys and not filters:
        missing = [k for k in keys if k not in entries]
        if missing:
            known = [key for (key,) in conn.execute("SELECT key FROM sources")]
            raise NotInLibrary(unknown_message(missing, known))
    return [entries[key] for key, _ in wanted if key in entries]


@contextmanager
def open_index(layout: Layout, notify: Notify | None = None):
    """A read-only connection to the index, refreshed first (see `read_library`)."""
    with read_library(layout, notify=notify).connect() as conn:
        yield conn


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


# A table shows the first author and whether there are more: the first two, by the
# authors table's primary key, instead of every name of every source.
_TABLE_ROWS = ("SELECT s.ord, s.key, s.type, s.year, s.evidence, s.title, " + ", ".join(
    "(SELECT display FROM authors a WHERE a.key = s.key AND a.role = 'author' "
    f"AND a.position = {n})" for n in (1, 2)) + " FROM sources s")


def list_sources(layout: Layout, filters: dict[str, Any] | None = None,
                 keys: list[str] | None = None, notify: Notify | None = None,
                 detail: str = "full") -> list[dict[str, Any]]:
    """Sources in the article's citation order, filtered; the JSON form of each.

    With `detail="table"` only LIST_COLUMNS, `authors` holding at most the first two
    names (what a table shows of them); with `detail="keys"` only the key. At 100,000
    sources a table costs a third of the full form, and keys a tenth. A list of
    PROGRESS_FROM sources or more shows a progress bar (on a terminal)."""
    with open_index(layout, notify) as conn:
        where, params = index.source_filter(filters or {}, keys)
        total = _bar_total(conn, where, params)
        steps = 3 if detail == "full" else 1  # rows, names, records
        with progress(total * steps, "reading db/library.db") as advance:
            if detail == "full":
                rows = index.list_sources(conn, filters or {}, keys, advance)
                records = []
                for start in range(0, len(rows), 5000):
                    records += map(public_record, rows[start:start + 5000])
                    advance(len(rows[start:start + 5000]))
            else:
                conn.row_factory = None  # plain tuples
                cursor = conn.execute((_TABLE_ROWS if detail == "table" else
                                       "SELECT s.key FROM sources s") + where
                                      + index.LIST_ORDER, params)
                records = []
                while chunk := cursor.fetchmany(5000):
                    if detail == "table":
                        records += [{"order": o, "key": k, "type": t, "year": y,
                                     "evidence": e, "title": title,
                                     "authors": [a for a in (a1, a2) if a is not None]}
                                    for o, k, t, y, e, title, a1, a2 in chunk]
                    else:
                        records += [{"key": k} for (k,) in chunk]
                    advance(len(chunk))
    if keys:
        known = {record["key"] for record in records}
        missing = [k for k in keys if k not in known]
        if missing and not filters:
            raise NotInLibrary(unknown_message(missing, known_keys(layout).values()))
    return records


def _bar_total(conn: sqlite3.Connection, where: str, params: dict[str, Any]) -> int:
    """How many sources a list will hold, when that is enough for a progress bar to be
    worth showing (and one is wanted); else 0, without counting."""
    if not progress_wanted():
        return 0
    (everything,) = conn.execute("SELECT count(*) FROM sources").fetchone()
    if everything < PROGRESS_FROM:
        return 0
    if where:
        (everything,) = conn.execute("SELECT count(*) FROM sources s" + where,
                                     params).fetchone()
    return everything if everything >= PROGRESS_FROM else 0


def load_references(layout: Layout, keys: list[str] | None = None,
                    filters: dict[str, Any] | None = None,
                    notify: Notify | None = None) -> list[Reference]:
    """The sources as Reference objects, filtered and ordered as `refs list` orders them."""
    return read_library(layout, keys, filters, notify).references


def load_entries(layout: Layout, keys: list[str] | None = None,
                 filters: dict[str, Any] | None = None,
                 notify: Notify | None = None) -> list[str]:
    """The same sources as `load_references`, as the index's entry JSON."""
    return read_library(layout, keys, filters, notify).entries


def show_source(layout: Layout, key: str, notify: Notify | None = None) -> dict[str, Any]:
    """A source whole: its file text, fields as text, names and citation number."""
    path = layout.source_path(key)
    if not is_safe_key(key) or not path.is_file():
        key = resolve_key(layout, key)  # keys ignore case; else "did you mean"
        path = layout.source_path(key)
    record: dict[str, Any] = {"key": key, "bibtex": path.read_text(encoding="utf-8")}
    if layout.db_path.is_file():
        with open_index(layout, notify) as conn:
            row = index.source_fields(conn, key)
            from_parents = inherited.fields_of(conn, key)
        if row is not None:
            record.update(public_record(row))
            record["fields"] = row["fields"]
            record["inherited"] = from_parents  # field -> the parent whose file holds it
    return record


def search(layout: Layout, text: str, limit: int = 20,
           notify: Notify | None = None) -> list[dict[str, Any]]:
    """Full-text search, best first; matching words in title/authors/journal are [marked]."""
    with open_index(layout, notify) as conn:
        rows = index.search(conn, text, limit)
    return [
        {"key": r["key"], "order": r["ord"], "type": r["type"], "year": r["year"],
         "doi": r["doi"], "evidence": r["evidence"], "title": r["title"],
         "authors": r["authors"], "journal": r["journal"], "snippet": r["snippet"],
         "score": round(-r["score"], 4)}
        for r in rows
    ]


def run_sql(layout: Layout, sql: str, notify: Notify | None = None,
            limits: SqlLimits | None = None) -> tuple[list[str], list[tuple]]:
    """Run one reading statement on a read-only connection within `limits` (time, rows,
    value size; see sqlguard); anything else is refused before it touches the disk."""
    with open_index(layout, notify) as conn:
        try:
            return run_limited(conn, sql, limits)
        except (sqlite3.Warning, sqlite3.ProgrammingError) as exc:
            raise ReflibError(f"SQL error: {exc} (one statement at a time)") from None
        except sqlite3.DatabaseError as exc:
            raise ReflibError(f"SQL error: {exc}") from None
