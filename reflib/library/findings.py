"""Findings of `refs check`, and keeping the last run's findings in the index.

`refs check` saves each run (when it ran, which checks were made or skipped) with its
findings in the tables `check_runs` and `findings` of db/library.db; `refs report`
reads the latest run. These tables are outside what `refs build` derives from refs/,
so a rebuild of the index keeps them (see `copy_runs`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

SEVERITIES = ("error", "warning", "notice")  # most severe first
SKIPPED = "skipped"  # a check that was not made: offline by request, or network failure


@dataclass(frozen=True)
class Finding:
    """One thing a check found about one source (or about the library, key None)."""

    key: str | None
    check: str  # e.g. "doi-resolves", "metadata", "updates", "currency", "completeness"
    severity: str  # error | warning | notice | skipped
    message: str
    file: str | None = None
    line: int | None = None
    data: dict = field(default_factory=dict, compare=False)  # machine-readable details

    def rank(self) -> int:
        return SEVERITIES.index(self.severity) if self.severity in SEVERITIES else len(SEVERITIES)


@dataclass
class CheckRun:
    """One run of `refs check`: its findings and which checks were made or skipped."""

    findings: list[Finding]
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    offline: bool = False
    checks_made: list[str] = field(default_factory=list)
    checks_skipped: dict[str, str] = field(default_factory=dict)  # check -> why
    keys: list[str] | None = None  # the sources checked; None: the whole library


_DDL = """
CREATE TABLE IF NOT EXISTS check_runs (
    id INTEGER PRIMARY KEY, started TEXT NOT NULL, offline INTEGER NOT NULL,
    checks_made TEXT NOT NULL, checks_skipped TEXT NOT NULL, keys TEXT);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES check_runs(id), key TEXT, "check" TEXT NOT NULL,
    severity TEXT NOT NULL, message TEXT NOT NULL, file TEXT, line INTEGER, data TEXT);
CREATE INDEX IF NOT EXISTS findings_by_run ON findings(run_id, key);
-- What the last run found: `findings` keeps every run ever made (refs serve, refs sql).
CREATE VIEW IF NOT EXISTS latest_findings AS
    SELECT key, "check", severity, message, file, line, data, run_id FROM findings
    WHERE run_id = (SELECT max(id) FROM check_runs);
"""


def save_run(db_path: Path, run: CheckRun) -> int:
    """Append a run and its findings in one transaction; returns the run id."""
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.executescript(_DDL)
            cursor = conn.execute(
                "INSERT INTO check_runs (started, offline, checks_made, checks_skipped, keys) "
                "VALUES (?, ?, ?, ?, ?)",
                (run.started, int(run.offline), json.dumps(run.checks_made),
                 json.dumps(run.checks_skipped),
                 None if run.keys is None else json.dumps(run.keys)))
            run_id = cursor.lastrowid
            conn.executemany(
                'INSERT INTO findings (run_id, key, "check", severity, message, file, line, data) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ((run_id, f.key, f.check, f.severity, f.message, f.file, f.line,
                  json.dumps(f.data, ensure_ascii=False)) for f in run.findings))
        return run_id
    finally:
        conn.close()


def latest_run(db_path: Path) -> CheckRun | None:
    """The last saved run, or None when `refs check` has not run since the index was made."""
    if not db_path.is_file():
        return None
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        try:
            row = conn.execute("SELECT id, started, offline, checks_made, checks_skipped, keys "
                               "FROM check_runs ORDER BY id DESC LIMIT 1").fetchone()
        except sqlite3.OperationalError:
            return None
        if row is None:
            return None
        # A run of 100,000 sources offline has 300,000 "not checked: offline" findings
        # alike: each distinct text and data is made once and shared (read-only).
        texts: dict[str, str] = {}
        decoded: dict[str, dict] = {}

        def data_of(text: str | None) -> dict:
            known = decoded.get(text or "{}")
            if known is None:
                known = decoded[text or "{}"] = json.loads(text or "{}")
            return known

        findings = [
            Finding(key, texts.setdefault(check, check), texts.setdefault(severity, severity),
                    texts.setdefault(message, message), file, line, data_of(data))
            for key, check, severity, message, file, line, data in conn.execute(
                'SELECT key, "check", severity, message, file, line, data FROM findings '
                "WHERE run_id = ? ORDER BY rowid", (row[0],))
        ]
        keys = json.loads(row[5]) if row[5] is not None else None
        return CheckRun(findings, row[1], bool(row[2]), json.loads(row[3]), json.loads(row[4]),
                        keys)
    finally:
        conn.close()


def copy_runs(old_db: Path, new_conn: sqlite3.Connection) -> None:
    """Carry saved check runs from the old index into a freshly built one (which gets the
    tables and the `latest_findings` view even when there is nothing to carry)."""
    new_conn.executescript(_DDL)
    if not old_db.is_file():
        return
    try:
        new_conn.execute("ATTACH DATABASE ? AS old", (str(old_db),))
    except sqlite3.DatabaseError:
        return
    try:
        tables = {r[0] for r in new_conn.execute("SELECT name FROM old.sqlite_master")}
        if {"check_runs", "findings"} <= tables:
            columns = ", ".join(r[1] for r in new_conn.execute(
                "PRAGMA old.table_info(check_runs)"))
            new_conn.execute(f"INSERT INTO check_runs ({columns}) "
                             f"SELECT {columns} FROM old.check_runs")
            new_conn.execute("INSERT INTO findings SELECT * FROM old.findings")
    except sqlite3.DatabaseError:
        pass  # an unreadable old index: its findings are lost, the sources are not
    finally:
        new_conn.commit()
        new_conn.execute("DETACH DATABASE old")


def as_dict(finding: Finding) -> dict:
    return asdict(finding)
