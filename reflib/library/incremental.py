"""The rebuild after a few edits: only the changed sources read, checked and written.

`refs build` tries this first. It stats refs/ once (freshness.changes_since: the files
changed since the last complete scan), reads and hashes only those, loads only their
cached rows, checks them against the rest of the library by SQL on the index (a key or a
DOI that another source has), replaces their rows in one transaction and splices their
entries into library.bib (library/splice.py). The result is byte for byte what a full
build makes (tests/library/test_incremental.py compares them).

Anything out of the simple case answers None and the build compares fully: a library the
last build did not leave clean (errors, a full index-only refresh, library.bib changed by
hand), refs/order.txt or a kept record changed, crossref/xdata parents involved, a
problem in a changed source (the full build reports all problems in its usual order),
a source whose key is cited in refs/order.txt removed, or more than MOST_FLAGGED files
flagged.

With `index_only` (every read command's refresh) library.bib is neither needed nor
written: the last build may have left errors, and a changed source may have problems of
its own or share a DOI with another. Those are returned in the report, as the full
comparison returns them (library/problemdelta.py re-derives the problems of the sources
involved). library.bib stays as it was, and the index notes which of its entries are
out of date (meta `library_behind`): the next `refs build` splices those in with its own
changes. Two files with one key, crossref/xdata, a source that refs/order.txt cites
gone (or unreadable), a source added while refs/order.txt names a missing one, and a
changed kept record still go the full way.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from reflib.errors import Problem
from reflib.library import freshness, index, problemdelta, splice
from reflib.library.buildstate import BuildReport, FileState, take
from reflib.library.indexwrite import file_rows, insert_files, insert_sources
from reflib.library.layout import Layout
from reflib.library.sourcefiles import parse_one
from reflib.output import count


def rebuild(layout: Layout, strict: bool, seen: dict | None = None,
            index_only: bool = False) -> BuildReport | None:
    """The build's report after updating only what changed, or None to build fully.
    `seen`: what freshness.unchanged saw just before the writer lock was taken; used when
    the index's stamp is still the one it compared with (no writer came in between).
    `index_only`: the read commands' refresh (library.bib left alone, problems returned)."""
    db = layout.db_path
    if not db.is_file() or db.with_name(db.name + "-journal").exists():
        return None
    try:
        conn = sqlite3.connect(db, isolation_level=None)
    except sqlite3.DatabaseError:
        return None
    try:
        conn.execute("BEGIN IMMEDIATE")
        report = _rebuild(layout, conn, strict, seen or {}, index_only)
        conn.execute("COMMIT" if report is not None else "ROLLBACK")
        return report
    except sqlite3.DatabaseError:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


_CACHED = ("SELECT key, sha1, parent, lkey, doi, line, doi_line, warnings, syntax, errors "
           "FROM files WHERE path = ?")


def _usable(layout: Layout, conn: sqlite3.Connection, meta: dict, index_only: bool) -> bool:
    """Whether the index is one this rebuild can start from."""
    if (meta.get("schema_version") != index.SCHEMA_VERSION or "scan_stamp" not in meta
            or "problems" not in meta
            or freshness.order_sha1(layout) != meta.get("order_sha1")):
        return False
    if index_only:  # no source inherits (a build's spans say so; an index-only one's not)
        return conn.execute("SELECT 1 FROM files WHERE parent <> '' LIMIT 1").fetchone() is None
    return (meta.get("spans") == "1"
            and freshness.same_library(layout, meta.get("library_stat")))


def _rebuild(layout: Layout, conn: sqlite3.Connection, strict: bool, seen: dict,
             index_only: bool) -> BuildReport | None:
    meta = dict(conn.execute("SELECT name, value FROM meta"))
    if not _usable(layout, conn, meta, index_only):
        return None
    kept = problemdelta.Kept.load(meta["problems"])
    if not index_only and kept.has_errors():
        return None
    if seen.get("since") == meta["scan_stamp"]:
        stamp, changes = seen["stamp"], seen["changes"]
    else:
        stamp = freshness.scan_stamp(layout)  # before the stat
        changes = freshness.changes_since(layout, int(meta["scan_stamp"]))
    if changes.records or len(changes.bib) > freshness.MOST_FLAGGED:
        return None
    (record_count,) = conn.execute("SELECT count(*) FROM record_files").fetchone()
    (file_count,) = conn.execute("SELECT count(*) FROM files").fetchone()
    if record_count != changes.record_count:
        return None
    cached = {}
    for name in changes.bib:
        row = conn.execute(_CACHED, (f"refs/{name}",)).fetchone()
        if row is not None:
            cached[f"refs/{name}"] = row
    removed = []
    if len(changes.names) - (len(changes.bib) - len(cached)) != file_count:
        present = {f"refs/{name}" for name in changes.names}
        removed = [path for (path,) in conn.execute("SELECT path FROM files")
                   if path not in present]
        for path in removed:
            cached[path] = conn.execute(_CACHED, (path,)).fetchone()

    parsed, touched = _read(layout, changes.bib, cached, with_problems=index_only)
    if parsed is None:
        return None
    stale = {s.rel for s in parsed} | set(removed)
    old_keys = {cached[rel][0] for rel in stale if rel in cached and cached[rel][0]}
    if any(cached[rel][2] for rel in stale if rel in cached):
        return None  # a child's parent or an xdata entry: the full build re-derives
    valid = [s for s in parsed if s.item is not None]
    if not _fits(conn, valid, stale, old_keys, dois_too=not index_only):
        return None
    ords = dict(conn.execute(f"SELECT key, ord FROM sources WHERE key IN "
                             f"({', '.join('?' for _ in old_keys)})", sorted(old_keys)))
    new_keys = {s.key for s in valid}
    if _record_warnings_move(layout, kept.problems, old_keys, new_keys):
        return None  # which kept records have no source: the full comparison says
    if any(ords.get(key) is not None for key in old_keys - new_keys):
        return None  # a cited source is gone: refs/order.txt names no source now
    if new_keys - old_keys and kept.about(layout.rel(layout.order_file)):
        return None  # a source added that refs/order.txt may name (and now finds)
    if index_only:
        delta = problemdelta.across(conn, [cached[rel] + (rel,) for rel in stale
                                           if rel in cached], valid, stale)
        if delta is None or not kept.replace(stale, parsed, *delta):
            return None
        warnings = kept.warnings()
    else:
        warnings = sorted([p for p in kept.problems if p.file not in stale]
                          + [w for s in parsed for w in s.warnings])
        if strict and warnings:
            return None

    behind = set(json.loads(meta.get("library_behind") or "[]"))
    _replace_rows(conn, parsed, stale, old_keys, ords, touched)
    changed = bool(parsed or removed)
    edits = []
    if index_only:
        behind |= old_keys | new_keys if changed else set()
        # library.bib as it was, and which entries it has out of date: the next build
        # splices them (too many, or a library.bib that is not spliced: it compares fully).
        later = (meta.get("spans") == "1" and len(behind) <= freshness.MOST_FLAGGED
                 and freshness.same_library(layout, meta.get("library_stat")))
        freshness.remember(layout, kept.sorted(), kept.syntax_sorted(),
                           library=None if later or not changed else False, stamp=stamp,
                           conn=conn, behind=sorted(behind) if later else None)
    else:
        edits = _library_edits(layout, conn, parsed, old_keys | behind)
        if edits:
            splice.apply(layout.library_bib, edits)
        freshness.remember(layout, warnings, [], library=True, stamp=stamp, conn=conn)
    sources = len(changes.names)
    report = BuildReport(sources=sources, parsed=len(parsed), reused=sources - len(parsed),
                         removed=len(removed), library_written=bool(edits),
                         index_written=changed, warnings=warnings)
    if index_only:
        report.problems, report.syntax = kept.sorted(), kept.syntax_sorted()
        if parsed:
            report.changed.append(f"{count(len(parsed), 'source')} changed")
        if removed:
            report.changed.append(f"{len(removed)} removed")
    return report


def _library_edits(layout: Layout, conn: sqlite3.Connection, parsed: list[FileState],
                   stale_keys: set[str]) -> list[tuple[int, int, bytes]]:
    """The splices that bring library.bib up to date, and its spans with them: the
    entries of `stale_keys` (changed, removed, or left behind by an index-only refresh)
    out, and the current entries of those keys and of the `parsed` files in."""
    spanned = {key for key in stale_keys if conn.execute(
        "SELECT 1 FROM library_spans WHERE lkey = ? AND key = ?",
        (key.lower(), key)).fetchone()}
    current = {s.key: s.bibtex for s in parsed}
    for key in stale_keys - set(current):
        row = conn.execute("SELECT bibtex FROM files WHERE lkey = ? AND key = ?",
                           (key.lower(), key)).fetchone()
        if row is not None:
            current[key] = row[0]
    edits = splice.plan(conn, spanned, {key: ("\n" + text).encode("utf-8")
                                        for key, text in current.items()})
    conn.executemany("DELETE FROM library_spans WHERE lkey = ? AND key = ?",
                     [(key.lower(), key) for key in spanned])
    conn.executemany("INSERT INTO library_spans VALUES (?, ?, ?)", splice.spans(
        [_Entry(key, text) for key, text in current.items()]))
    return _real_edits(layout.library_bib, edits) if edits else []


@dataclass(frozen=True)
class _Entry:
    key: str
    bibtex: str


def _replace_rows(conn: sqlite3.Connection, parsed: list[FileState], stale: set[str],
                  old_keys: set[str], ords: dict[str, int], touched: list[tuple]) -> None:
    """The changed sources' index rows in place of their old ones (in the open transaction)."""
    index.delete_sources(conn, sorted(old_keys))
    insert_sources(conn, parsed)
    conn.executemany("UPDATE sources SET ord = ? WHERE key = ?",
                     [(ords[s.key], s.key) for s in parsed
                      if s.item is not None and ords.get(s.key) is not None])
    conn.executemany("DELETE FROM files WHERE path = ?", [(rel,) for rel in sorted(stale)])
    insert_files(conn, file_rows(parsed))
    conn.executemany("UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", touched)


def _read(layout: Layout, names: list[str], cached: dict, with_problems: bool = False
          ) -> tuple[list[FileState] | None, list[tuple]]:
    """Parse the flagged files whose content changed; (size, mtime, path) of the rest.
    None when one of them has an error, unless `with_problems` (an index-only refresh
    returns them; a build lets the full comparison report it with the others)."""
    parsed, touched = [], []
    for name in sorted(names):
        path = layout.refs_dir / name
        try:
            st = path.stat()  # before reading: a write after it flags the file again
            if not stat.S_ISREG(st.st_mode):
                return None, []
            data = path.read_bytes()
        except OSError:
            return None, []
        rel = f"refs/{name}"
        row = cached.get(rel)
        if row is not None and row[1] == hashlib.sha1(data).hexdigest():
            touched.append((st.st_size, st.st_mtime_ns, rel))  # the same content
            continue
        result = parse_one(str(path), data)
        state = FileState(rel, st.st_size, st.st_mtime_ns)
        take(state, result, None)
        if not with_problems and (state.item is None or state.problems):
            return None, []
        parsed.append(state)
    return parsed, touched


def _fits(conn: sqlite3.Connection, parsed: list[FileState], stale: set[str],
          old_keys: set[str], dois_too: bool = True) -> bool:
    """No changed source names a parent, or has a key (or, with `dois_too`, a DOI) that
    another source has; no removed key is held by another file too."""
    keys: set[str] = set()
    dois: set[str] = set()
    for state in parsed:
        item = state.item
        if item.parent or item.key.lower() in keys or (
                dois_too and item.doi and item.doi in dois):
            return False
        keys.add(item.key.lower())
        if item.doi:
            dois.add(item.doi)
        for column, value in (("lkey", item.key.lower()), ("doi", item.doi if dois_too else "")):
            if value and _held_elsewhere(conn, column, value, stale):
                return False
    return not any(_held_elsewhere(conn, "lkey", key.lower(), stale) for key in old_keys)


def _held_elsewhere(conn: sqlite3.Connection, column: str, value: str, stale: set[str]
                    ) -> bool:
    return any(path not in stale for (path,) in conn.execute(
        f"SELECT path FROM files WHERE {column} = ?", (value,)))


def _real_edits(library: Path, edits: list[tuple[int, int, bytes]]
                ) -> list[tuple[int, int, bytes]]:
    """The edits that change something (a source re-saved with the same entry does not)."""
    with open(library, "rb") as handle:
        real = []
        for start, stop, data in edits:
            handle.seek(start)
            if stop - start != len(data) or handle.read(stop - start) != data:
                real.append((start, stop, data))
        return real


def _record_warnings_move(layout: Layout, kept: list[Problem], old_keys: set[str],
                          new_keys: set[str]) -> bool:
    """Whether a "kept record without a source" warning may come or go: a source added or
    removed has a kept record (refs/KEY.crossref.json ...), or a kept warning is about the
    record of a source this rebuild touches."""
    touched = old_keys | new_keys
    for problem in kept:
        name = problem.file.removeprefix("refs/")
        for suffix in freshness.RECORD_SUFFIXES:
            if name.endswith(suffix) and name[:-len(suffix)] in touched:
                return True
    return any((layout.refs_dir / f"{key}{suffix}").exists()
               for key in old_keys ^ new_keys for suffix in freshness.RECORD_SUFFIXES)
