"""`refs serve`: Datasette over db/library.db, read-only, on loopback."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from reflib.library.findings import CheckRun, Finding, save_run
from reflib.serve import metadata
from reflib.serve.catalog import COLUMNS, QUERIES

ROOT = Path(__file__).resolve().parent.parent


def _built(run, library: Path) -> sqlite3.Connection:
    assert run("build").exit_code == 0
    return sqlite3.connect(library / "db" / "library.db")


def test_metadata_names_only_tables_and_columns_the_index_has(run, library: Path):
    conn = _built(run, library)
    columns = {table: {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
               for (table,) in conn.execute(
                   "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    tables = metadata()["databases"]["library"]["tables"]
    for table, meta in tables.items():
        assert table in columns, table
        assert "columns" not in meta, table  # Datasette would list them above the rows
        assert set(meta.get("facets", [])) <= columns[table], table
    for table, described in COLUMNS.items():
        assert set(described) <= columns[table], table
    assert tables["sources"]["fts_table"] in columns
    assert set(tables["sources"]["facets"]) == {"evidence", "year", "journal"}


def test_latest_findings_is_the_last_run_only(run, library: Path):
    conn = _built(run, library)
    db = library / "db" / "library.db"
    save_run(db, CheckRun([Finding("lee2021learn", "metadata", "warning", "old run")]))
    save_run(db, CheckRun([Finding("hurley2022cervical", "updates", "notice", "corrected")]))
    rows = conn.execute('SELECT key, "check", message FROM latest_findings').fetchall()
    assert rows == [("hurley2022cervical", "updates", "corrected")]
    assert conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 2


def test_the_canned_queries_answer_what_librarians_ask(run, library: Path):
    conn = _built(run, library)
    save_run(library / "db" / "library.db", CheckRun([
        Finding("hurley2022cervical", "updates", "notice", "correction: 10.1/x"),
        Finding("lee2021learn", "metadata", "warning", "not an update")]))

    def answer(name: str) -> list[tuple]:
        return conn.execute(QUERIES[name]["sql"]).fetchall()

    assert [r[1] for r in answer("retracted_or_corrected")] == ["hurley2022cervical"]
    without = {r[1] for r in answer("without_doi_or_pmid")}
    expected = {k for (k,) in conn.execute(
        "SELECT key FROM sources WHERE key NOT IN (SELECT key FROM identifiers "
        "WHERE scheme IN ('doi', 'pmid'))")}
    assert without == expected and "chou-uptodate-lbp" in without
    old_web = {r[1] for r in answer("web_sources_accessed_over_a_year_ago")}
    assert "chou-uptodate-lbp" in old_web and "lee2021learn" not in old_web
    by_type = {r[0]: r[1] for r in answer("sources_by_evidence_type")}
    assert by_type["guideline"] == 5 and sum(by_type.values()) == 12


def test_without_datasette_the_error_says_how_to_install_it(run, monkeypatch):
    run("build")
    monkeypatch.setitem(sys.modules, "datasette.app", None)  # makes the import fail
    result = run("serve", "--port", "0")
    assert result.exit_code == 1
    assert "pip install 'reflib[serve]'" in result.stderr


def test_without_an_index_it_says_to_build(run):
    result = run("serve")
    assert result.exit_code == 1
    assert "run `refs build` first" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict | list:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def wait_until_responds(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"refs serve exited with {process.returncode}: "
                        f"{process.stderr.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"refs serve did not answer at {url} within {timeout} s")


@contextmanager
def serving(library: Path):
    """`refs serve` on a free loopback port in a process of its own; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "import cli; cli.main()", "--root", str(library), "serve",
         "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_responds(f"{base}/-/versions.json", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_serve_answers_a_search_and_a_facet_on_loopback(run, library: Path):
    pytest.importorskip("datasette", reason="the serve extra: pip install 'reflib[serve]'")
    assert run("build").exit_code == 0
    db = library / "db" / "library.db"
    before = db.read_bytes()
    with serving(library) as base:
        found = get_json(f"{base}/library/sources.json?_search=cervical&_shape=objects")
        assert {row["key"] for row in found["rows"]} == {"hurley2022cervical",
                                                          "manchikanti2023neck"}
        found = get_json(f"{base}/library/sources.json?_search=LEARN&_shape=objects")
        assert [row["key"] for row in found["rows"]] == ["lee2021learn"]

        table = get_json(f"{base}/library/sources.json")
        facets = table["facet_results"]
        assert set(facets) == {"evidence", "year", "journal"}
        evidence = {item["value"]: item["count"] for item in facets["evidence"]["results"]}
        assert evidence == {"guideline": 5, "systematic-review": 2, "textbook-chapter": 2,
                            "textbook": 1, "point-of-care": 1, "expert-opinion": 1}
        journals = {item["value"]: item["count"] for item in facets["journal"]["results"]}
        assert journals["Journal of Pain Research"] == 3

        databases = get_json(f"{base}/-/databases.json")
        assert [(d["name"], d["is_mutable"]) for d in databases] == [("library", False)]
        meta = get_json(f"{base}/-/metadata.json")
        assert meta["databases"]["library"]["tables"]["sources"]["title"] == "Sources"
    assert db.read_bytes() == before  # served, not written


def test_a_port_in_use_fails_before_announcing(run, library: Path):
    pytest.importorskip("datasette", reason="the serve extra: pip install 'reflib[serve]'")
    assert run("build").exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert "serving" not in result.stderr


def test_without_an_index_nothing_is_announced(run):
    result = run("serve")
    assert result.exit_code == 1 and "serving" not in result.stderr
