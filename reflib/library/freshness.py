"""Is the index current with refs/? The cheap answer, for the common case: nothing changed.

A no-op build and every read command's refresh start here. With 100,000 sources, the
full comparison (load every cached row, validate across sources, join library.bib) costs
seconds; this one reads the cached stat of each file (three integers a row), stats refs/
once, and reuses what the last build or refresh kept in `meta`:

    problems       every problem the sources had then, as JSON (warnings after a build;
                   everything after an index-only refresh)
    library_stat   size and mtime of the library.bib the build wrote or verified; dropped
                   when an index-only refresh changes the index (library.bib is then stale)

Anything out of the ordinary (a file added, removed or touched, refs/order.txt or a kept
record changed, a schema from another version) answers None: the build compares fully.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from dataclasses import asdict

from reflib.errors import Problem
from reflib.library import index
from reflib.library.layout import Layout

_RECORD_SUFFIXES = (".crossref.json", ".pubmed.json")


def unchanged(layout: Layout, library: bool) -> tuple[list[Problem], list[Problem], int] | None:
    """(problems, problems of reading files, sources) when refs/ is as the index last saw
    it (and, with `library`, library.bib as the build last wrote it); else None."""
    db = layout.db_path
    if not db.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT name, value FROM meta"))
            if meta.get("schema_version") != index.SCHEMA_VERSION or "problems" not in meta:
                return None
            if library and not _same_library(layout, meta.get("library_stat")):
                return None
            files = {path: (size, mtime) for path, size, mtime in conn.execute(
                "SELECT path, size, mtime_ns FROM files")}
            records = {path: (size, mtime) for path, size, mtime in conn.execute(
                "SELECT path, size, mtime_ns FROM record_files")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    if not _same_files(layout, files, records):
        return None
    order = layout.order_file.read_bytes() if layout.order_file.is_file() else b""
    if hashlib.sha1(order).hexdigest() != meta.get("order_sha1"):
        return None
    kept = json.loads(meta["problems"])
    problems = [Problem(**p["problem"]) for p in kept]
    syntax = [Problem(**p["problem"]) for p in kept if p["syntax"]]
    return problems, syntax, len(files)


def _same_library(layout: Layout, recorded: str | None) -> bool:
    try:
        st = layout.library_bib.stat()
    except FileNotFoundError:
        return False
    return recorded == f"{st.st_size}:{st.st_mtime_ns}"


def _same_files(layout: Layout, files: dict, records: dict) -> bool:
    """Every refs/*.bib and kept record has the size and mtime the index recorded.
    (stat relative to the folder's descriptor: half the cost of scandir's stat.)"""
    try:
        folder = os.open(layout.refs_dir, os.O_RDONLY)
    except OSError:
        return not files and not records
    try:
        seen_files = seen_records = 0
        for name in os.listdir(folder):
            if name.endswith(".bib"):
                known, seen_files = files.get(f"refs/{name}"), seen_files + 1
            elif name.endswith(_RECORD_SUFFIXES):
                known, seen_records = records.get(f"refs/{name}"), seen_records + 1
            else:
                continue
            if known is None:
                return False
            st = os.stat(name, dir_fd=folder)
            if known != (st.st_size, st.st_mtime_ns) or not stat.S_ISREG(st.st_mode):
                return False
    finally:
        os.close(folder)
    return seen_files == len(files) and seen_records == len(records)


def remember(layout: Layout, problems: list[Problem], syntax: list[Problem],
             library: bool | None) -> None:
    """Keep what `unchanged` needs: the problems, and whether library.bib is current
    (True: record its stat; False: forget it; None: leave it as it is)."""
    marked = set(syntax)
    kept = json.dumps([{"problem": asdict(p), "syntax": p in marked} for p in problems])
    conn = sqlite3.connect(layout.db_path)
    try:
        with conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('problems', ?)", (kept,))
            if library is True:
                st = layout.library_bib.stat()
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('library_stat', ?)",
                             (f"{st.st_size}:{st.st_mtime_ns}",))
            elif library is False:
                conn.execute("DELETE FROM meta WHERE name = 'library_stat'")
    finally:
        conn.close()
