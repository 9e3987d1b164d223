"""`refs build`: refs/*.bib -> validated sources -> library.bib and db/library.db.

Three ways, each giving the same library.bib and index as a full rebuild (`full=True`):
nothing changed (freshness.unchanged: one stat of refs/ against the last scan's stamp);
a few simple changes (incremental.rebuild: only those files read, checked by SQL against
the index, their rows replaced, library.bib spliced); anything else here: every file
stat'ed, unchanged ones (same size and mtime, or same SHA-1) reused from the cache the
index keeps per file (parsed entry, formatted BibTeX, problems), the rest parsed on all
cores (sourcefiles), validated across the library, library.bib joined and written whole.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from pathlib import Path

from reflib.errors import InvalidLibrary, Problem, ReflibError
from reflib.fsutil import staged_write
from reflib.gcpause import gc_paused
from reflib.library import freshness, index, inherited, provenance, splice
from reflib.library.bibtex import format_library, sort_key
from reflib.library.buildstate import BuildReport, FileState, take
from reflib.library.indexwrite import (
    NewIndex,
    file_rows,
    insert_files,
    insert_sources,
    problems_json,
    write_spans,
)
from reflib.library.inherit import parents_last
from reflib.library.layout import Layout, read_order
from reflib.library.sourcefiles import parse_files
from reflib.library.validate import CrossItem, cross_problems, entry_problems
from reflib.progress import progress

PROGRESS_FROM = 1000  # files to read before a progress bar is worth showing


def _open_cache(db_path: Path, with_bibtex: bool = True) -> dict[str, tuple] | None:
    """Cached per-file rows of a usable index, or None to rebuild from scratch. Without
    `with_bibtex` the formatted entries are left out (an index-only refresh)."""
    if not db_path.is_file():
        return None
    try:
        index.recover(db_path)  # a killed build's hot journal: roll it back, then reuse
    except ReflibError:
        return None  # damaged beyond that: build it again from refs/
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            version = conn.execute(
                "SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
            if not version or version[0] != index.SCHEMA_VERSION:
                return None
            # The parsed entry is left out: few builds need it (see _fill_entries).
            bibtex = "bibtex" if with_bibtex else "''"
            rows = conn.execute(f"SELECT path, size, mtime_ns, sha1, '', {bibtex}, key, "
                                "line, doi, doi_line, parent, warnings, syntax, errors "
                                "FROM files")
            return {row[0]: (*row[1:6],
                             CrossItem(row[6], row[0], *row[7:11]) if row[6] else None,
                             _load_warnings(row[11]), _load_warnings(row[12]),
                             _load_warnings(row[13])) for row in rows}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def _fill_entries(layout: Layout, states: list[FileState]) -> None:
    """Load the cached parsed entry of reused files that need it after all."""
    wanted = {s.rel: s for s in states if not s.entry}
    if not wanted:
        return
    conn = sqlite3.connect(f"file:{layout.db_path}?mode=ro", uri=True)
    try:
        for rel in wanted:
            row = conn.execute("SELECT entry FROM files WHERE path = ?", (rel,)).fetchone()
            wanted[rel].entry = row[0]
    finally:
        conn.close()


def _load_warnings(text: str | None) -> list[Problem]:
    return [Problem(**data) for data in json.loads(text)] if text else []


def _meta(db_path: Path, name: str) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
            return row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def _source_stats(layout: Layout) -> tuple[int, Iterator[tuple[str, os.stat_result | OSError]]]:
    """How many refs/*.bib names there are, and (name, stat) of each regular one, by
    name, stat'ed as the iterator is read; stat relative to the folder's descriptor,
    which costs half what a stat by path does. An OSError instead of the stat: a name
    that cannot be read (a symbolic link to nothing, or a loop of them)."""
    try:
        names = sorted(name for name in os.listdir(layout.refs_dir) if name.endswith(".bib"))
    except OSError:
        return 0, iter(())

    def stats() -> Iterator[tuple[str, os.stat_result | OSError]]:
        folder = os.open(layout.refs_dir, os.O_RDONLY)
        try:
            for name in names:
                try:
                    st = os.stat(name, dir_fd=folder)
                except OSError as exc:
                    yield name, exc
                    continue
                if stat.S_ISREG(st.st_mode):
                    yield name, st
        finally:
            os.close(folder)

    return len(names), stats()


def scan(layout: Layout, cache: dict | None, new_index: NewIndex | None = None
         ) -> list[FileState]:
    """Stat every source; reuse what the cache knows, parse the rest. For a new index,
    each parsed file's rows go into it as soon as the file is read (memory stays flat and
    writing overlaps parsing), by this process or by the worker that parsed it. Without
    a cache every file is parsed: the first are parsed while the rest are stat'ed."""
    states: list[FileState] = []
    by_rel: dict[str, FileState] = {}
    listed, stats = _source_stats(layout)

    def to_parse() -> Iterator[tuple[str, int, int]]:
        for name, st in stats:
            if isinstance(st, OSError):
                states.append(_unreadable(f"refs/{name}", st, cache))
                continue
            state = by_rel[f"refs/{name}"] = FileState(f"refs/{name}", st.st_size,
                                                       st.st_mtime_ns)
            states.append(state)
            cached = cache.get(state.rel) if cache else None
            if cached and cached[0] == st.st_size and cached[1] == st.st_mtime_ns:
                state.reuse(cached)
            elif cached and freshness.file_sha1(layout, name) == cached[2]:
                state.reuse(cached)
            if not state.reused:
                yield os.fspath(layout.refs_dir / name), st.st_size, st.st_mtime_ns

    jobs: Iterable[tuple[str, int, int]] = to_parse()
    if cache is not None:  # only the changed files are parsed: how many, first
        jobs = list(jobs)
        listed = len(jobs)
    sink = new_index.add if new_index else None
    with progress(listed if listed >= PROGRESS_FROM else 0, "reading refs/") as advance:
        for result in parse_files(jobs, listed, str(new_index.path) if new_index else None):
            take(by_rel[result[0]], result, sink)
            advance(1)
    if new_index is not None:
        new_index.start_indexing()  # while the build validates and formats
    return states


def _unreadable(rel: str, error: OSError, cache: dict | None) -> FileState:
    """A refs/*.bib that cannot be read at all (a symbolic link to nothing, or a loop of
    them): a problem of reading it. Its cache row is reused while the problem is the
    same, so that it does not count as changed at every build."""
    if isinstance(error, FileNotFoundError):
        reason = ("a symbolic link to a file that does not exist; restore the file it "
                  "points to, or remove the link")
    else:
        reason = f"cannot be read ({error.strerror or error}); fix it or remove it"
    state = FileState(rel, 0, 0)
    problem = Problem(rel, 1, reason)
    cached = cache.get(rel) if cache else None
    if cached and cached[:3] == (0, 0, "") and cached[5] is None and cached[7] == [problem]:
        state.reuse(cached)
    else:
        state.syntax = state.problems = [problem]
    return state


def validate(layout: Layout, states: list[FileState]) -> list[Problem]:
    """All problems at once: per file (parsed files only), across files, and the order.

    Warnings are kept on each state (so a cached file keeps its warnings); the result
    holds the errors and all warnings."""
    valid = [s for s in states if s.item is not None]
    by_key = {s.key.lower(): s for s in valid}
    parents = {p.lower() for s in valid for p in s.item.parent.split(",") if p}
    _fill_entries(layout, [s for s in valid if s.item.parent or s.key.lower() in parents])
    for state in valid:
        item = state.item
        # The crossref parent (listed last; xdata keys come first) is the one validated with.
        parent_state = by_key.get(item.parent.split(",")[-1].lower()) if item.parent else None
        parent_changed = parent_state is not None and not parent_state.reused
        if item.parent and (not state.reused or parent_changed or parent_state is None):
            parent = parent_state.ref if parent_state else None
            found = entry_problems(state.ref, parent)
            state.warnings = [p for p in found if p.severity == "warning"]
            state.problems = state.syntax + [p for p in found if p.severity != "warning"]
    problems = [p for s in states for p in s.problems]
    problems.extend(w for s in valid for w in s.warnings)
    problems.extend(cross_problems([s.item for s in valid]))
    keys = {s.key for s in valid}
    order_file = layout.rel(layout.order_file)
    order_keys, order_problems = read_order(layout)
    problems.extend(order_problems)
    for number, key in enumerate(order_keys, start=1):
        if key and key not in keys:  # "": a gap left by `refs remove --keep-order`
            problems.append(Problem(order_file, _order_line(layout, key),
                                    f"reference {number} '{key}' names no source in refs/; "
                                    "add the source or remove the line"))
    return problems


def _order_line(layout: Layout, key: str) -> int:
    lines = layout.order_file.read_text(encoding="utf-8").splitlines()
    return next((i for i, line in enumerate(lines, start=1) if line.strip() == key), 1)


def build(layout: Layout, check: bool = False, full: bool = False,
          strict: bool = False, index_only: bool = False) -> BuildReport:
    """Validate refs/ and bring library.bib and the index up to date (or, with `check`,
    report what is out of date and change nothing). Raises InvalidLibrary on problems.

    `index_only` is the read commands' refresh: the index only (library.bib is never
    written), every source that can be read is indexed, and problems are returned in
    the report instead of raised, so `refs check` can report them."""
    seen: dict = {}
    quick = None if full else freshness.unchanged(layout, library=not index_only, seen=seen)
    if quick is not None:
        return _nothing_changed(quick, strict, index_only)
    if check:
        return _build_locked(layout, check, full, strict, index_only)
    from reflib.library.lock import writer_lock

    with writer_lock(layout, "refs build" if not index_only else "refs (updating the index)"):
        if not full:
            from reflib.library.incremental import rebuild

            # only what changed, if that is simple (the index alone for a read command)
            report = rebuild(layout, strict, seen, index_only)
            if report is not None:
                return report
        return _build_locked(layout, check, full, strict, index_only)


def _build_locked(layout: Layout, check: bool, full: bool, strict: bool,
                  index_only: bool) -> BuildReport:
    with gc_paused():  # a build makes millions of small objects and no cycles to collect
        stamp = freshness.scan_stamp(layout)  # before anything in refs/ is stat'ed
        cache = None if full else _open_cache(layout.db_path, with_bibtex=not index_only)
        new_index = NewIndex(layout) if cache is None and not check else None
        try:
            return _build(layout, cache, new_index, check, strict, index_only, stamp)
        except BaseException:
            if new_index is not None:
                new_index.abort()
            raise


def _nothing_changed(quick: tuple, strict: bool, index_only: bool) -> BuildReport:
    """The report of a build that found refs/ as the last one left it."""
    problems, syntax, count = quick
    errors = [p for p in problems if p.severity != "warning"]
    if not index_only and (errors or (strict and problems)):
        raise InvalidLibrary(problems, "sources")
    return BuildReport(sources=count, reused=count,
                       warnings=[p for p in problems if p.severity == "warning"],
                       problems=problems, syntax=syntax)


def _build(layout: Layout, cache: dict | None, new_index: NewIndex | None, check: bool,
           strict: bool, index_only: bool = False, stamp: int | None = None) -> BuildReport:
    states = scan(layout, cache, new_index)
    order, _ = read_order(layout)
    problems = validate(layout, states)
    records = provenance.scan_records(  # refs/*.crossref.json: kept Crossref records
        layout, None if cache is None else provenance.read_cache(layout.db_path),
        {s.key for s in states if s.key})
    problems += records.problems
    errors = [p for p in problems if p.severity != "warning"]
    if not index_only and (errors or (strict and problems)):
        raise InvalidLibrary(problems, "sources")
    states.sort(key=lambda s: sort_key(s.key))
    report = BuildReport(sources=len(states), parsed=sum(not s.reused for s in states),
                         reused=sum(s.reused for s in states),
                         warnings=sorted(p for p in problems if p.severity == "warning"))
    current = {s.rel for s in states}
    removed = sorted(set(cache or {}) - current)
    report.removed = len(removed)
    if index_only:
        return _refresh_index(layout, states, cache, new_index, removed, order, records,
                              report, problems, stamp)

    entries, in_key_order = _parents_last(states)
    library_text = format_library(entries)
    old_library = _old_library(layout, library_text)
    order_sig = freshness.order_sha1(layout)
    changed = [s for s in states if not s.reused]
    order_changed = cache is not None and _meta(layout.db_path, "order_sha1") != order_sig
    index_stale = cache is None or bool(changed or removed) or order_changed or records.stale
    stale_rows = _touched(states, cache) if cache is not None else []
    touched = cache is not None and (bool(stale_rows) or records.touched)

    if check:
        if old_library != library_text:
            report.stale.append("library.bib is out of date with refs/"
                                if old_library is not None else "library.bib does not exist")
        if cache is None and layout.db_path.exists():
            report.stale.append("db/library.db has an old schema or cannot be read")
        elif cache is None:
            pass  # db/ is not committed: a fresh clone has no index to be stale
        else:
            report.stale += [f"db/library.db: {s.rel} changed since the last build"
                             for s in changed]
            report.stale += [f"db/library.db: {rel} was removed since the last build"
                             for rel in removed]
            if order_changed:
                report.stale.append("db/library.db: refs/order.txt changed since the last build")
            report.stale += records.stale_lines()
        return report

    spans = splice.spans(states) if in_key_order else None
    # library.bib is written (not yet renamed) while the new index is finished, and
    # replaced only once the index is: a failure leaves both as they were.
    with (staged_write(layout.library_bib, [library_text.encode("utf-8")])
          if old_library != library_text else nullcontext()):
        if new_index is not None:
            new_index.finish(states, order, order_sig, records, spans)
            report.index_written = report.full = True
        elif index_stale or touched:
            _update_index(layout, states, cache, removed, order, order_sig, records,
                          stale_rows, library_changes=old_library != library_text)
            report.index_written = index_stale
    report.library_written = old_library != library_text
    conn = sqlite3.connect(layout.db_path)
    try:
        with conn:
            if new_index is None:
                write_spans(conn, spans)
            freshness.remember(layout, report.warnings, [], library=True, stamp=stamp,
                               conn=conn)
    finally:
        conn.close()
    return report


def _refresh_index(layout: Layout, states: list[FileState], cache: dict | None,
                   new_index: NewIndex | None, removed: list[str], order: list[str],
                   records: provenance.RecordScan, report: BuildReport,
                   problems: list[Problem], stamp: int | None = None) -> BuildReport:
    """The index brought up to date with refs/, problems and all; library.bib untouched."""
    report.problems = sorted(problems)
    report.syntax = sorted(p for s in states for p in s.syntax)
    order_sig = freshness.order_sha1(layout)
    changed = [s for s in states if not s.reused]
    if new_index is not None:
        new_index.finish(states, order, order_sig, records)
        report.index_written = report.full = True
        freshness.remember(layout, report.problems, report.syntax, library=False,
                           stamp=stamp)
        return report
    if changed:
        report.changed.append(f"{len(changed)} source{'s' if len(changed) != 1 else ''} "
                              "changed")
    if removed:
        report.changed.append(f"{len(removed)} removed")
    if _meta(layout.db_path, "order_sha1") != order_sig:
        report.changed.append("refs/order.txt changed")
    if records.stale:
        report.changed.append("kept records changed")
    stale_rows = _touched(states, cache)  # reused files whose cache rows are out of date
    if report.changed or stale_rows or records.touched:
        _update_index(layout, states, cache, removed, order, order_sig, records, stale_rows)
        report.index_written = bool(report.changed)
    freshness.remember(layout, report.problems, report.syntax,
                       library=False if report.changed else None, stamp=stamp)
    return report


def _parents_last(states: list[FileState]) -> tuple[list[str], bool]:
    """library.bib's entries by key, except that BibTeX wants a crossref'd parent after
    every entry that inherits from it; and whether that is plain key order."""
    if not any(s.item.parent for s in states if s.item):
        return [s.bibtex for s in states], True
    by_key = {s.key: s for s in states}
    order = parents_last([(s.key, s.item.parent.split(",") if s.item and s.item.parent else [])
                          for s in states])
    return [by_key[key].bibtex for key in order], False


def _old_library(layout: Layout, expected: str) -> str | None:
    """The current library.bib, read only when it could equal `expected` (same size)."""
    try:
        size = layout.library_bib.stat().st_size
    except FileNotFoundError:
        return None
    if size != len(expected.encode("utf-8")):
        return ""  # differs; no need to read 50 MB to know it
    return layout.library_bib.read_text(encoding="utf-8")


def _touched(states: list[FileState], cache: dict) -> list[FileState]:
    """Reused files whose cache row is out of date: a new stat, or new problems (a
    changed parent changes its children's)."""
    return [s for s in states if s.reused and (
        cache[s.rel][:2] != (s.size, s.mtime_ns) or cache[s.rel][6] != s.warnings
        or cache[s.rel][8] != s.errors)]


def _update_index(layout: Layout, states: list[FileState], cache: dict, removed: list[str],
                  order: list[str], order_sig: str, records: provenance.RecordScan,
                  touched: list[FileState], library_changes: bool = False) -> None:
    """Apply only what changed, in one transaction: all of it lands or none of it.
    Parsed files get new rows; a reused file whose stat or problems changed only has its
    cache row updated (its parsed entry and BibTeX are not even loaded). With
    `library_changes` (library.bib is replaced after this), the index stops vouching for
    the library.bib it knew: a build killed in between finds it out of date."""
    changed = [s for s in states if not s.reused]
    stale_keys = [cache[rel][5].key for rel in removed if cache[rel][5]] + [
        cache[s.rel][5].key for s in changed if s.rel in cache and cache[s.rel][5]]
    keys = set(stale_keys) | {s.key for s in changed if s.item is not None}
    indexed = _first_with_each(layout, states, keys)
    rows = file_rows(changed)
    conn = sqlite3.connect(layout.db_path)
    try:
        with conn:
            if library_changes:
                conn.execute("DELETE FROM meta WHERE name = 'library_stat'")
            index.delete_sources(conn, sorted(keys))
            insert_sources(conn, indexed)
            inherited.write(conn, states, stale_keys)  # issue 10's hook (see NewIndex)
            conn.executemany("DELETE FROM files WHERE path = ?", [(r,) for r in removed])
            conn.executemany("DELETE FROM files WHERE path = ?", [(r[0],) for r in rows])
            insert_files(conn, rows)
            conn.executemany(
                "UPDATE files SET size = ?, mtime_ns = ?, warnings = ?, errors = ? "
                "WHERE path = ?", [(s.size, s.mtime_ns, problems_json(s.warnings),
                                    problems_json(s.errors), s.rel) for s in touched])
            index.set_order(conn, order)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('order_sha1', ?)", (order_sig,))
            provenance.update(conn, records)
    finally:
        conn.close()


def _first_with_each(layout: Layout, states: list[FileState], keys: set[str]
                     ) -> list[FileState]:
    """For each key, the source the index shows: the first file (by name) that has it.
    Two files with one key happen only in an index-only refresh; when the first goes
    or an earlier one comes, the other file's entry is the one indexed."""
    first: dict[str, FileState] = {}
    for state in sorted((s for s in states if s.item is not None and s.key in keys),
                        key=lambda s: s.rel):
        first.setdefault(state.key, state)
    _fill_entries(layout, [s for s in first.values() if not s.entry])
    return list(first.values())
