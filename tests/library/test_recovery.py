"""A killed writer never breaks reading (issue 15 items 2 and 12): the hot journal a
killed build leaves is rolled back, a damaged index says to run `refs build --full`,
`refs serve` answers, and `kill -9` of a parallel build leaves no worker running."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

# A writer killed in the middle of a transaction that has already written the database
# file: SQLite leaves library.db-journal, a hot journal (what a killed `refs build`
# leaves; a real `refs build` is killed the same way in test_kill_a_parallel_build...).
HALF_WRITE = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 1")  # spill: pages reach the file before the commit
conn.execute("BEGIN")
conn.execute("UPDATE sources SET title = 'HALF WRITTEN'")
conn.execute("DELETE FROM fields")
print("written", flush=True)
time.sleep(60)
"""


def half_written(db: Path) -> None:
    """Kill a real process in the middle of writing `db`; the hot journal stays."""
    before = db.read_bytes()
    process = subprocess.Popen([sys.executable, "-c", HALF_WRITE, str(db)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "written\n"
    process.send_signal(signal.SIGKILL)
    process.wait()
    journal = db.with_name(db.name + "-journal")
    assert journal.stat().st_size > 0 and db.read_bytes() != before  # really hot
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # what broke reads
        sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
            "SELECT count(*) FROM sources").fetchall()


@pytest.fixture
def built(run, library: Path) -> Path:
    assert run("build").exit_code == 0
    return library


@pytest.mark.parametrize("command", [
    ["list", "--format", "keys"], ["search", "cervical"], ["show", "lee2021learn",
                                                           "--format", "json"],
    ["export", "--format", "bibtex"], ["sql", "SELECT count(*) AS n FROM sources"],
    ["report", "--no-checks", "-o", "-"], ["check", "--offline"]])
def test_reads_after_a_killed_writer(run, built: Path, command: list[str]) -> None:
    db = built / "db" / "library.db"
    half_written(db)
    result = run(*command)
    assert result.exit_code in (0, 1) and "Traceback" not in result.output
    assert "readonly" not in result.output and "read-only" not in result.stderr
    assert "HALF WRITTEN" not in result.stdout
    assert not db.with_name("library.db-journal").exists()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM fields").fetchone()[0] > 0
    if command[0] == "sql":
        assert result.stdout.split() == ["n", "12"]


def test_a_damaged_index_says_how_to_remake_it(run, built: Path) -> None:
    db = built / "db" / "library.db"
    data = bytearray(db.read_bytes())
    data[4096:4096 * 3] = b"\xff" * 8192  # pages of garbage
    db.write_bytes(bytes(data))
    os.utime(db, (1, 1))
    result = run("sql", "SELECT * FROM fields")
    assert "Traceback" not in result.output
    if result.exit_code:
        assert "run `refs build --full` to remake it from refs/" in result.stderr
    assert run("build", "--full").exit_code == 0
    assert run("sql", "SELECT count(*) FROM sources").exit_code == 0


def test_serve_answers_after_a_killed_writer_and_hides_the_path(run, built: Path) -> None:
    pytest.importorskip("datasette", reason="the serve extra: pip install 'reflib[serve]'")
    from test_serve import free_port, get_json, wait_until_responds

    half_written(built / "db" / "library.db")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-c", "import cli; cli.main()", "--root", str(built), "serve",
         "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until_responds(f"{base}/-/versions.json", process)
        rows = get_json(f"{base}/library.json?sql=select+count(*)+as+n+from+sources"
                        "&_shape=objects")
        assert rows["rows"] == [{"n": 12}]
        table = get_json(f"{base}/library/sources.json?_shape=objects")
        assert "HALF WRITTEN" not in json.dumps(table)
        databases = get_json(f"{base}/-/databases.json")
        assert [d["name"] for d in databases] == ["library"]
        assert "path" not in databases[0] and str(built) not in json.dumps(databases)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir() or (os.cpu_count() or 1) < 2,
                    reason="needs /proc and two cores (the build's worker processes)")
def test_kill_a_parallel_build_leaves_no_worker(tmp_path: Path) -> None:
    from reflib.library.sourcefiles import PARALLEL_THRESHOLD

    refs = tmp_path / "refs"
    refs.mkdir()
    for i in range(PARALLEL_THRESHOLD * 3):
        (refs / f"k{i}.bib").write_text(
            f"@article{{k{i},\n  author = {{Doe, Jane}},\n  title = {{Work {i}}},\n"
            f"  journal = {{J}},\n  year = {{2020}},\n}}\n", encoding="utf-8")
    build = subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "--root",
                              str(tmp_path), "build", "--full"], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = children(build.pid)
        time.sleep(0.02)
    assert len(workers) >= 2, "the build started no worker processes"
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if alive(w)]
    assert not (tmp_path / "db" / "library.db").exists()  # the new index never landed
