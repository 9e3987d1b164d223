"""Is the index current with refs/? The cheap answer, and what changed since the last scan.

A no-op build, `build --check`, every read command's refresh and the incremental
rebuild start here. With 100,000 sources, the full comparison (load every cached row,
validate across sources, join library.bib) costs seconds. This one stats each file once
(by the folder's descriptor: half the cost of a stat by path) and compares its times with
the moment the last complete scan began, kept in `meta`:

    scan_stamp     a file whose ctime or mtime is at or after it may have changed since
                   that scan read it; one whose times are both older was last changed
                   before the scan read it, so the index holds what it holds now. ctime
                   cannot be set back (`touch -d`, `cp -p`, `rsync -t` set mtime, and the
                   kernel sets ctime to now), and the stamp is taken 2 s before the scan,
                   so an edit in the same clock tick as the scan is looked at again too.
                   A file so flagged is compared by content (SHA-1), never by its times.
                   Additions show as flagged names the index does not know; removals as
                   fewer names than it knows. (Directory times only tell additions and
                   removals, not edits in place, so they replace no stat.)
    problems       every problem the sources had then, as JSON (warnings after a build;
                   everything after an index-only refresh)
    library_stat   size and mtime of the library.bib the build wrote or verified; dropped
                   when an index-only refresh changes the index (library.bib is then stale)
                   and the next build cannot splice it
    library_behind the keys whose entries an index-only refresh changed in the index but
                   not in library.bib (JSON): the next build splices them (incremental.py)

The one assumption: the clock does not go back by more than the 2 s margin between
two builds. The stamp is the earlier of this machine's clock and the file system's own
(the mtime of a file made in db/ for the purpose), so a file server whose clock lags
does not hide an edit.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import tempfile
import time
from dataclasses import asdict, dataclass

from reflib.errors import Problem
from reflib.library import index
from reflib.library.layout import Layout

RECORD_SUFFIXES = (".crossref.json", ".pubmed.json")
MARGIN_NS = 2_000_000_000  # file times come from a coarse clock, a tick behind time_ns()
MOST_FLAGGED = 1000  # more flagged files than this: the full comparison (touch refs/*)


def scan_stamp(layout: Layout | None = None) -> int:
    """The stamp of a scan that starts now (taken before anything is listed or stat'ed):
    the earlier of this machine's clock and the file system's (the mtime of a file made
    in db/ now: on a network file system the server's clock sets file times), less the
    margin."""
    now = time.time_ns()
    if layout is not None:
        try:
            fd, name = tempfile.mkstemp(dir=layout.db_path.parent, prefix=".scan-stamp.",
                                        suffix=".tmp")
        except OSError:
            return now - MARGIN_NS  # no db/ yet (a first build is a full one anyway)
        try:
            os.write(fd, b"0")
            now = min(now, os.fstat(fd).st_mtime_ns)
        finally:
            os.close(fd)
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass  # another writer's clean-up took it first: nothing is lost
    return now - MARGIN_NS


@dataclass
class Changes:
    """What a stat of refs/ shows since a stamp: flagged names (new, edited, touched or
    renamed, or symbolic links to such) and how many names of each kind there are."""

    bib: list[str]
    records: list[str]
    names: list[str]  # every refs/*.bib, for finding removals
    record_count: int


def changes_since(layout: Layout, stamp: int) -> Changes:
    """One stat of every refs/*.bib and kept record; the names whose ctime or mtime is at
    or after `stamp` (a link's own, or its target's) are flagged."""
    try:
        folder = os.open(layout.refs_dir, os.O_RDONLY)
    except OSError:
        return Changes([], [], [], 0)
    try:
        listed = os.listdir(folder)
        names = [name for name in listed if name.endswith(".bib")]
        records = [name for name in listed if name.endswith(RECORD_SUFFIXES)]
        return Changes(_flagged(folder, names, stamp), _flagged(folder, records, stamp),
                       names, len(records))
    finally:
        os.close(folder)


def _flagged(folder: int, names: list[str], stamp: int) -> list[str]:
    """The names made or changed at or after `stamp`: the name itself (a symbolic link's
    own times: a new link to an old file is new), and what a link points to."""
    flagged = []
    stat_at, is_link = os.stat, stat.S_ISLNK
    for name in names:
        try:
            st = stat_at(name, dir_fd=folder, follow_symlinks=False)
        except OSError:  # gone since the listing
            flagged.append(name)
            continue
        new = st.st_ctime_ns >= stamp or st.st_mtime_ns >= stamp
        if not new and is_link(st.st_mode):
            try:
                target = stat_at(name, dir_fd=folder)
            except OSError:
                pass  # a link to nothing, or a loop: as old as the link
            else:
                new = target.st_ctime_ns >= stamp or target.st_mtime_ns >= stamp
        if new:
            flagged.append(name)
    return flagged


def unchanged(layout: Layout, library: bool, seen: dict | None = None
              ) -> tuple[list[Problem], list[Problem], int] | None:
    """(problems, problems of reading files, sources) when refs/ is as the index last saw
    it (and, with `library`, library.bib as the build last wrote it); else None. What the
    stat showed goes into `seen` (changes, the stamp compared with, the stamp of this
    look), so that the rebuild that follows need not stat refs/ again."""
    db = layout.db_path
    if not db.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT name, value FROM meta"))
            if (meta.get("schema_version") != index.SCHEMA_VERSION or "problems" not in meta
                    or "scan_stamp" not in meta):
                return None
            if library and (meta.get("library_behind")
                            or not same_library(layout, meta.get("library_stat"))):
                return None  # (entries an index-only refresh changed: a build splices)
            if order_sha1(layout) != meta.get("order_sha1"):
                return None
            now = scan_stamp(layout)
            changes = changes_since(layout, int(meta["scan_stamp"]))
            if seen is not None:
                seen.update(changes=changes, since=meta["scan_stamp"], stamp=now)
            if changes.records or len(changes.bib) > MOST_FLAGGED:
                return None
            (files,) = conn.execute("SELECT count(*) FROM files").fetchone()
            (records,) = conn.execute("SELECT count(*) FROM record_files").fetchone()
            if len(changes.names) != files or changes.record_count != records:
                return None
            for name in changes.bib:  # flagged: unchanged only if stat and content are
                row = conn.execute("SELECT size, mtime_ns, sha1 FROM files WHERE path = ?",
                                   (f"refs/{name}",)).fetchone()
                st = os.stat(layout.refs_dir / name)
                if (row is None or row[:2] != (st.st_size, st.st_mtime_ns)
                        or row[2] != file_sha1(layout, name)):
                    return None  # (a new stat alone: the build updates the cached one)
        finally:
            conn.close()
    except (sqlite3.DatabaseError, OSError, ValueError):
        return None
    kept = json.loads(meta["problems"])
    problems = [Problem(**p["problem"]) for p in kept]
    syntax = [Problem(**p["problem"]) for p in kept if p["syntax"]]
    return problems, syntax, files


def file_sha1(layout: Layout, name: str) -> str:
    with open(layout.refs_dir / name, "rb") as handle:
        return hashlib.sha1(handle.read()).hexdigest()


def order_sha1(layout: Layout) -> str:
    """The SHA-1 of refs/order.txt (of nothing when there is none)."""
    order = layout.order_file.read_bytes() if layout.order_file.is_file() else b""
    return hashlib.sha1(order).hexdigest()


def same_library(layout: Layout, recorded: str | None) -> bool:
    """Whether library.bib is the file the last build wrote or verified (size, mtime)."""
    try:
        st = layout.library_bib.stat()
    except FileNotFoundError:
        return False
    return recorded == f"{st.st_size}:{st.st_mtime_ns}"



def remember(layout: Layout, problems: list[Problem], syntax: list[Problem],
             library: bool | None, stamp: int | None = None,
             conn: sqlite3.Connection | None = None, behind: list[str] | None = None
             ) -> None:
    """Keep what `unchanged` needs: the problems, the stamp of the scan that made the
    index current (None: a scan of part of refs/, the stamp stays), and whether
    library.bib is current (True: record its stat; False: forget it; None: leave it).
    `behind`: the keys whose entries library.bib has out of date (an index-only refresh
    changed them; the next build splices them in). With `conn`, inside that
    connection's open transaction (the caller commits)."""
    marked = set(syntax)
    kept = json.dumps([{"problem": asdict(p), "syntax": p in marked} for p in problems])
    own = conn is None
    if own:
        conn = sqlite3.connect(layout.db_path)
    try:
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('problems', ?)", (kept,))
        if stamp is not None:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('scan_stamp', ?)", (str(stamp),))
        if library is True:
            st = layout.library_bib.stat()
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('library_stat', ?)",
                         (f"{st.st_size}:{st.st_mtime_ns}",))
        elif library is False:
            conn.execute("DELETE FROM meta WHERE name = 'library_stat'")
        if behind:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('library_behind', ?)",
                         (json.dumps(behind),))
        elif library is not None:
            conn.execute("DELETE FROM meta WHERE name = 'library_behind'")
        if own:
            conn.commit()
    finally:
        if own:
            conn.close()
