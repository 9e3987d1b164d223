"""Kept registry records and field provenance in the index, derived from
refs/KEY.crossref.json (reflib.library.records) and refs/KEY.pubmed.json
(reflib.library.pubmed_records) by `refs build`, incrementally like the sources.

Tables (schema in reflib.library.index):
- `crossref_records`: one row per kept record (key, DOIs, type, title, when and where
  fetched, and Crossref's whole `message` as JSON for `json_extract`).
- `crossref_applied`: the fields enrichment wrote, with the raw value and when.
- `pubmed_records`, `pubmed_applied`: the same for kept PubMed records (PMID, DOI, PMCID,
  title, publication types, PubMed's XML).
- `provenance` (a view): every field of every source with its origin, `crossref` or
  `pubmed` when the field still holds the value enrichment wrote from it, else `curated`:

      SELECT key, field, value, origin, recorded FROM provenance WHERE origin = 'crossref'

A view keeps full and incremental builds equal by construction: the source side comes
from the `fields` table the build already maintains, the Crossref side from the records.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reflib.errors import Problem
from reflib.library import pubmed_records
from reflib.library.layout import Layout
from reflib.library.pubmed_records import KeptPubMed
from reflib.library.records import (
    SUFFIX,
    CrossrefRecord,
    RecordError,
    key_of,
    parse_record,
    record_files,
)

TABLES = ("crossref_records", "crossref_applied", "pubmed_records", "pubmed_applied")


def _kept_files(layout: Layout) -> list[tuple[Path, str]]:
    """(path, key) of every kept record, Crossref's and PubMed's."""
    return sorted([(p, key_of(p)) for p in record_files(layout)]
                  + [(p, pubmed_records.key_of(p)) for p in pubmed_records.kept_files(layout)])


def _parse(text: str, rel: str) -> CrossrefRecord | KeptPubMed:
    if rel.endswith(pubmed_records.SUFFIX):
        return pubmed_records.parse_kept(text, rel)
    return parse_record(text, rel)


@dataclass
class RecordState:
    """One refs/*.crossref.json as the build sees it."""

    rel: str
    key: str
    size: int
    mtime_ns: int
    sha1: str = ""
    record: CrossrefRecord | KeptPubMed | None = None
    reused: bool = False
    touched: bool = False  # same content, new stat: only the cache row changes


@dataclass
class RecordScan:
    states: list[RecordState] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (rel, key)
    problems: list[Problem] = field(default_factory=list)
    full: bool = False  # no usable cache: every record was read

    @property
    def changed(self) -> list[RecordState]:
        return [s for s in self.states if not s.reused]

    @property
    def stale(self) -> bool:
        return bool(self.changed or self.removed)

    @property
    def touched(self) -> bool:
        return any(s.touched for s in self.states)

    def stale_lines(self) -> list[str]:
        return ([f"db/library.db: {s.rel} changed since the last build" for s in self.changed]
                + [f"db/library.db: {rel} was removed since the last build"
                   for rel, _ in self.removed])


def read_cache(db_path: Path) -> dict[str, tuple[str, int, int, str]] | None:
    """rel -> (key, size, mtime_ns, sha1) of the records the index holds; None if unknown."""
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT path, key, size, mtime_ns, sha1 FROM record_files")
            return {row[0]: tuple(row[1:]) for row in rows}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def scan_records(layout: Layout, cache: dict | None, source_keys: set[str]) -> RecordScan:
    """Stat every kept record; read only new or changed ones (all when `cache` is None)."""
    scan = RecordScan(full=cache is None)
    cache = cache or {}
    for path, key in _kept_files(layout):
        st = path.stat()
        rel = f"refs/{path.name}"
        state = RecordState(rel, key, st.st_size, st.st_mtime_ns)
        cached = cache.get(rel)
        if cached and cached[1:3] == (st.st_size, st.st_mtime_ns):
            state.sha1, state.reused = cached[3], True
        else:
            data = path.read_bytes()
            state.sha1 = hashlib.sha1(data).hexdigest()
            if cached and cached[3] == state.sha1:
                state.reused = state.touched = True
            else:
                try:
                    state.record = _parse(data.decode("utf-8"), rel)
                except RecordError as exc:
                    scan.problems.append(exc.problem)
                except UnicodeDecodeError as exc:
                    scan.problems.append(Problem(rel, 1, f"not UTF-8 ({exc.reason})"))
        if state.key not in source_keys:
            scan.problems.append(Problem(
                rel, 1, f"a kept {'PubMed' if rel.endswith(pubmed_records.SUFFIX) else 'Crossref'}"
                f" record without a source: no refs/{state.key}.bib; "
                f"delete it, or rename it with its source", state.key, "warning"))
        scan.states.append(state)
    current = {s.rel for s in scan.states}
    scan.removed = sorted((rel, row[0]) for rel, row in cache.items() if rel not in current)
    return scan


def record_rows(key: str, rel: str, record: CrossrefRecord | KeptPubMed
                ) -> dict[str, list[dict]]:
    """The index rows of one kept record. Pure."""
    if isinstance(record, KeptPubMed):
        return pubmed_records.index_rows(key, rel, record)
    message = record.message
    title = message.get("title") or [""]
    container = message.get("container-title") or [""]
    return {
        "crossref_records": [{
            "key": key, "doi": record.doi, "work_doi": record.work_doi,
            "type": message.get("type"), "title": title[0] if title else "",
            "container": container[0] if container else "", "fetched": record.fetched,
            "source": record.source, "file": rel,
            "message": json.dumps(message, ensure_ascii=False, sort_keys=True)}],
        "crossref_applied": [{"key": key, "field": name, "value": entry.get("value", ""),
                              "recorded": entry.get("when")}
                             for name, entry in sorted(record.applied.items())],
    }


def _file_row(state: RecordState) -> dict[str, Any]:
    return {"path": state.rel, "key": state.key, "size": state.size,
            "mtime_ns": state.mtime_ns, "sha1": state.sha1}


def _insert(conn: sqlite3.Connection, states: list[RecordState]) -> None:
    from reflib.library.index import insert_rows

    for state in states:
        if state.record is not None:
            for table, rows in record_rows(state.key, state.rel, state.record).items():
                insert_rows(conn, table, rows)


def write_all(conn: sqlite3.Connection, scan: RecordScan) -> None:
    """Load every record into a new index."""
    from reflib.library.index import insert_rows

    _insert(conn, scan.states)
    insert_rows(conn, "record_files", [_file_row(s) for s in scan.states])


def update(conn: sqlite3.Connection, scan: RecordScan) -> None:
    """Apply changed, new and removed records to an existing index (in the caller's
    transaction)."""
    from reflib.library.index import insert_rows

    gone = [key for _, key in scan.removed] + [s.key for s in scan.changed]
    for table in TABLES:
        conn.executemany(f"DELETE FROM {table} WHERE key = ?", [(k,) for k in gone])
    _insert(conn, scan.changed)
    dirty = [s for s in scan.states if not s.reused or s.touched]
    conn.executemany("DELETE FROM record_files WHERE path = ?",
                     [(rel,) for rel, _ in scan.removed] + [(s.rel,) for s in dirty])
    insert_rows(conn, "record_files", [_file_row(s) for s in dirty])


assert SUFFIX == ".crossref.json"  # the build globs refs/*.bib: records are never sources
