"""Writing the build's rows into db/library.db: a whole new index (bulk load, then
secondary indexes and full-text search), or the rows of some sources in an existing one.

Rows are tuples in index.SOURCE_COLUMNS order, made where the file was parsed
(index.source_rows), and inserted in batches, one executemany per table: by the main
process, or, in a parallel full build, by the worker that parsed them (WorkerRows).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import asdict
from pathlib import Path

from reflib.errors import Problem
from reflib.fsutil import temp_beside
from reflib.library import findings, index, inherited, provenance
from reflib.library.layout import Layout
from reflib.library.validate import CrossItem
from reflib.progress import progress

PROGRESS_FROM = 5000  # sources to write before a bar is worth showing


def problems_json(problems: list[Problem]) -> str | None:
    return json.dumps([asdict(p) for p in problems]) if problems else None


def file_rows(states: list) -> list[tuple]:
    """The `files` rows of build.FileState objects: the build's cache. A file that could
    not be read has a row too (no key, its problems), so that an index-only refresh need
    not read it again."""
    empty = CrossItem("", "", None, None, None, None)
    rows = []
    for s in states:
        item = s.item or empty
        rows.append((s.rel, s.key or None, s.key.lower() if s.key else None, s.size,
                     s.mtime_ns, s.sha1, s.entry, s.bibtex, item.line, item.doi,
                     item.doi_line, item.parent, problems_json(s.warnings),
                     problems_json(s.syntax), problems_json(s.errors)))
    return rows


FILE_COLUMNS = ("path", "key", "lkey", "size", "mtime_ns", "sha1", "entry", "bibtex", "line",
                "doi", "doi_line", "parent", "warnings", "syntax", "errors")


def insert_files(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    if rows:
        conn.executemany(f"INSERT INTO files ({', '.join(FILE_COLUMNS)}) "
                         f"VALUES ({', '.join('?' for _ in FILE_COLUMNS)})", rows)


def write_spans(conn: sqlite3.Connection, spans: list[tuple[str, str, int]] | None) -> None:
    """Where each entry is in library.bib, for splicing it later: (lower key, key, bytes
    of "\\n" + entry), in file order. None: library.bib is not in plain key order (it
    has crossref parents moved after their children), so it is not spliced."""
    conn.execute("DELETE FROM library_spans")
    if spans is not None:
        conn.executemany("INSERT INTO library_spans VALUES (?, ?, ?)", spans)
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('spans', ?)",
                 ("1" if spans is not None else "0",))


class NewIndex:
    """A whole new index, written to a temporary file and renamed over the old one only
    when complete: a failed build leaves the old index as it was.

    Its life: `add` each parsed file's rows (or learn that its worker wrote them:
    WorkerRows), `start_indexing` once every file is read (secondary indexes and
    full-text search made in a thread: SQLite leaves the interpreter free for the build
    to validate and format meanwhile), then `finish` (or `abort`)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.made_dir = not layout.db_path.parent.exists()
        layout.db_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_beside(layout.db_path)  # the user's umask, not mkstemp's 0600
        os.close(fd)
        self.path = Path(tmp)
        self.conn = _bulk_load(tmp, check_same_thread=False)  # see start_indexing
        index.create_tables(self.conn)  # indexes and search come after the rows
        self.rows = RowBuffer(self.conn)
        self.keys: dict[str, object] = {}  # key -> the state of the first file with it
        self.again: dict[str, object] = {}  # keys whose rows workers wrote twice
        self.filed: set[str] = set()  # files whose `files` row is written already
        self._indexing: threading.Thread | None = None
        self._failed: BaseException | None = None
        self._stop = threading.Event()  # abort: no further step

    def add(self, state) -> None:
        """The rows of one parsed file, written while the other files are still read
        (unless a worker wrote them already: WorkerRows)."""
        written = state.rows == WRITTEN
        first = self.keys.setdefault(state.key, state)
        if first is not state:  # a second file with one key: only an index_only refresh
            if written:         # gets here, and indexes the first
                self.again[state.key] = first
        elif not written:
            self.rows.add(state.rows)
        state.rows = None
        if not state.item.parent:  # (a child's problems are known once its parent is)
            if not written:
                self.rows.files.extend(file_rows([state]))
            self.filed.add(state.rel)

    def start_indexing(self) -> None:
        """Every file is read: make the secondary indexes and full-text search, in a
        thread (sqlite3 releases the interpreter's lock while SQLite works, so the build
        validates and formats meanwhile). `finish` waits for it."""
        def again() -> None:  # both files' rows went in: the first file's alone, again
            if not self.again:
                return
            index.delete_sources(self.conn, list(self.again))
            for state in self.again.values():
                self.rows.add(index.source_rows(state.ref))
            self.rows.flush()

        steps = [self.rows.flush, again,
                 lambda: index.create_indexes(self.conn),  # after the bulk load: a sort each
                 lambda: index.create_search(self.conn),  # search over the rows loaded
                 lambda: index.optimize_search(self.conn)]

        def work() -> None:
            try:
                for step in steps:
                    if self._stop.is_set():
                        return
                    step()
            except BaseException as exc:  # raised again by finish
                self._failed = exc

        self._indexing = threading.Thread(target=work, name="indexing", daemon=True)
        self._indexing.start()

    def _wait(self) -> None:
        if self._indexing is None:
            self.start_indexing()
        self._indexing.join()
        if self._failed is not None:
            raise self._failed

    def finish(self, states: list, order: list[str], order_sig: str,
               records: provenance.RecordScan,
               spans: list[tuple[str, str, int]] | None = None) -> None:
        self._wait()
        conn = self.conn
        if inherited.write(conn, states):  # issue 10's hook: children show what they
            index.optimize_search(conn)     # inherit (their rows through FTS's triggers)
        rest = [s for s in states if s.rel not in self.filed]
        share = len(states) // 4
        with progress(len(rest) + share if len(states) >= PROGRESS_FROM else 0,
                      "writing db/library.db") as advance:
            for start in range(0, len(rest), 5000):
                chunk = rest[start:start + 5000]
                insert_files(conn, file_rows(chunk))
                advance(len(chunk))
            provenance.write_all(conn, records)
            index.set_order(conn, order)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('order_sha1', ?)", (order_sig,))
            write_spans(conn, spans)
            conn.commit()
            findings.copy_runs(self.layout.db_path, conn)
            advance(share)
        conn.close()
        with open(self.path, "rb+") as handle:
            os.fsync(handle.fileno())
        # A journal the old index's killed writer left would be "rolled back" into the
        # new file on its first open, wrecking it: it goes with the file it belongs to.
        journal = self.layout.db_path.with_name(self.layout.db_path.name + "-journal")
        journal.unlink(missing_ok=True)
        os.replace(self.path, self.layout.db_path)

    def abort(self) -> None:
        try:
            if self._indexing is not None:  # the indexes and search of a failed build:
                self._stop.set()             # no next step, and the one running stopped
                self.conn.interrupt()
                self._indexing.join()
            self.conn.close()
        finally:
            self.path.unlink(missing_ok=True)
            if self.made_dir and not any(self.path.parent.iterdir()):
                self.path.parent.rmdir()


class RowBuffer:
    """Index rows of many sources, written in batches (one executemany per table)."""

    def __init__(self, conn: sqlite3.Connection, batch: int = 20_000) -> None:
        self.conn, self.batch = conn, batch
        self.tables: dict[str, list[tuple]] = {name: [] for name in index.SOURCE_TABLES}
        self.files: list[tuple] = []  # `files` rows (a new index's only)

    def add(self, rows_by_table: dict[str, list[tuple]]) -> None:
        for name, rows in rows_by_table.items():
            self.tables[name].extend(rows)
        if len(self.tables["fields"]) > self.batch:
            self.flush()

    def flush(self) -> None:
        for name in index.SOURCE_TABLES:
            index.insert_rows(self.conn, name, self.tables[name])
            self.tables[name].clear()
        insert_files(self.conn, self.files)
        self.files.clear()


def insert_sources(conn: sqlite3.Connection, states: list) -> None:
    """Rows of the parsed sources; a key the index holds already is skipped (two files
    with one key: only an index_only refresh gets this far with them)."""
    keys = [s.key for s in states if s.item is not None]
    held: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        held.update(k for (k,) in conn.execute(
            f"SELECT key FROM sources WHERE key IN ({marks})", chunk))
    buffer = RowBuffer(conn)
    for state in states:
        if state.item is None or state.key in held:
            continue
        held.add(state.key)
        buffer.add(state.rows or index.source_rows(state.ref))
    buffer.flush()


WRITTEN = "written by a worker"  # a parse result's rows, when WorkerRows wrote them


class WorkerRows:
    """In a build worker: the index rows (and `files` rows) of the files it parses,
    written by the worker itself into the new index (NewIndex.path), a batch per
    transaction; SQLite's lock takes the workers in turn. No rows are pickled to the main
    process, nor bound there one by one. A key two files have (only an index-only
    refresh indexes such a library) is written once, whichever comes first, and made
    again by NewIndex (its `sources` row then comes last); other `sources` rows get their
    file's place in the build as rowid, so the table is in file order however the
    batches interleave."""

    def __init__(self, path: str) -> None:
        self.conn = _bulk_load(path, timeout=600)
        self.inserts = {}
        for table, columns in {**index.SOURCE_COLUMNS, "files": FILE_COLUMNS}.items():
            columns = ("rowid", *columns) if table == "sources" else columns
            self.inserts[table] = (f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "
                                   f"VALUES ({', '.join('?' for _ in columns)})")

    def write(self, tables: dict[str, list[tuple]]) -> None:
        """Rows by table name (`sources` rows with their rowid first), committed."""
        with self.conn:
            for table, rows in tables.items():
                if rows:
                    self.conn.executemany(self.inserts[table], rows)


def _bulk_load(path: str, **options) -> sqlite3.Connection:
    """A connection to a new index being filled: no journal, no syncs (a failed build
    throws the file away; a complete one is synced once before its rename)."""
    conn = sqlite3.connect(path, **options)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    return conn
