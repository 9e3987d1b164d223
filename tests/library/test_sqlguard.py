"""`refs sql` limits (reflib/library/sqlguard.py, issue 15 item 8): only reading
statements, refused before anything touches the disk; a time limit; a size limit; and
Ctrl-C that stops a running query, in a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from processes import default_sigint

FOREVER = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"


@pytest.fixture
def built(run, library: Path):
    assert run("build").exit_code == 0
    return library


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize(("statement", "named"), [
    ("ATTACH DATABASE 'x.db' AS x", "ATTACH"),
    ("VACUUM INTO 'x.db'", "ATTACH (or VACUUM"),
    ("VACUUM", "ATTACH (or VACUUM"),
    ("DELETE FROM sources", "DELETE"),
    ("UPDATE sources SET title = 'x'", "UPDATE"),
    ("CREATE TEMP TABLE t(a)", "a write (INSERT or CREATE)"),
    ("PRAGMA journal_mode = WAL", "PRAGMA journal_mode"),
    ("BEGIN", "a transaction"),
    ("SELECT load_extension('x')", "the function load_extension()"),
])
def test_everything_but_reading_is_refused_before_the_disk(run, built, monkeypatch, statement,
                                                           named) -> None:
    monkeypatch.chdir(built)  # where a relative 'x.db' would land
    before = files(built)
    db = (built / "db" / "library.db").read_bytes()
    result = run("sql", statement)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: refs sql is read-only: {named}")
    assert "refused before anything touches the disk; nothing was changed" in result.stderr
    assert files(built) == before and (built / "db" / "library.db").read_bytes() == db


def test_describing_the_schema_is_allowed(run, built) -> None:
    result = run("sql", "PRAGMA table_info(sources)", "--format", "csv")
    assert result.exit_code == 0 and "evidence" in result.stdout


def test_a_query_that_never_ends_stops_at_the_time_limit(run, built) -> None:
    started = time.monotonic()
    result = run("sql", FOREVER, "--time-limit", "0.3")
    assert time.monotonic() - started < 3
    assert result.exit_code == 1
    assert result.stderr == ("error: the query ran longer than its time limit of 0.3 s and "
                             "was stopped; narrow it or raise --time-limit\n")


def test_huge_values_and_results_are_refused(run, built) -> None:
    result = run("sql", "SELECT randomblob(1000000000)")
    assert result.exit_code == 1
    assert "string or blob too big: a value may hold at most 16,000,000 bytes" in result.stderr
    many = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LIMIT 5000) " \
           "SELECT n FROM r"
    result = run("sql", many, "--max-rows", "1000")
    assert result.exit_code == 1
    assert "the result has more than 1,000 rows; narrow the query" in result.stderr
    assert run("sql", many, "--format", "csv").stdout.count("\n") == 5001


def test_ctrl_c_stops_a_running_query(built) -> None:
    code = "import sys, cli; sys.argv[0] = 'refs'; cli.main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--root", str(built), "sql", FOREVER, "--time-limit",
         "120"], env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE,
        text=True, preexec_fn=default_sigint)
    time.sleep(1.5)  # well into the query
    assert process.poll() is None
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)
    assert time.monotonic() - started < 3
    assert process.returncode == 130
    assert "interrupted (Ctrl-C)" in stderr and "Traceback" not in stderr
