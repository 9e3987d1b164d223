"""The library's writer lock (reflib/library/lock.py, issue 15 items 10 and 12) with
real concurrent processes: a second writer waits, then names the holder; two builds at
once both succeed; a killed writer leaves no lock and its temporary files are removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT

from reflib.library.layout import Layout
from reflib.library.lock import lock_path

HOLD = """
import sys, time
from reflib.library.layout import Layout
from reflib.library.lock import writer_lock
with writer_lock(Layout.find(sys.argv[1]), "refs enrich"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def refs(root: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "--root",
                             str(root), *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def hold(root: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(root), str(seconds)],
                               stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout.readline() == "held\n"
    return process


def test_a_second_writer_waits_then_names_the_holder(library: Path) -> None:
    holder = hold(library, 30)
    try:
        started = time.monotonic()
        build = refs(library, "build", env={"REFS_LOCK_WAIT": "1"})
        _, stderr = build.communicate(timeout=30)
        assert 1 <= time.monotonic() - started < 10
        assert build.returncode == 1
        assert stderr.startswith(f"error: the library {library} is being written by `refs "
                                 f"enrich` (pid {holder.pid} on ")
        assert "waited 1 s. Run this again when it has finished" in stderr
        assert not (library / "library.bib").exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_waits_for_the_lock_to_be_free(library: Path) -> None:
    holder = hold(library, 1.5)
    build = refs(library, "build")
    _, stderr = build.communicate(timeout=60)
    holder.wait()
    assert build.returncode == 0, stderr
    assert (library / "library.bib").is_file()


def test_a_killed_holder_leaves_no_lock(library: Path) -> None:
    holder = hold(library, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    build = refs(library, "build", env={"REFS_LOCK_WAIT": "1"})
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 0, stderr
    assert lock_path(Layout.find(library)).read_text(encoding="utf-8").strip() == ""


def test_two_incremental_builds_at_once_both_succeed(library: Path, run) -> None:
    assert run("build").exit_code == 0
    for path in sorted((library / "refs").glob("*.bib"))[:6]:
        path.write_text(path.read_text(encoding="utf-8").replace("}\n", "}\n", 1) + "\n",
                        encoding="utf-8")
    for round in range(3):
        if round:  # something new for each pair to write
            (library / "refs" / "order.txt").write_text(
                (library / "refs" / "order.txt").read_text(encoding="utf-8") + "\n",
                encoding="utf-8")
        first, second = refs(library, "build"), refs(library, "build")
        results = [p.communicate(timeout=60) for p in (first, second)]
        assert (first.returncode, second.returncode) == (0, 0), results
        assert all("Traceback" not in err and "IntegrityError" not in err
                   for _, err in results)
    assert run("build", "--check").exit_code == 0


def test_temporaries_a_crash_left_are_removed(library: Path, run) -> None:
    assert run("build").exit_code == 0
    left = [library / "db" / ".library.db.abc123.tmp", library / ".library.bib.x1.tmp",
            library / "refs" / ".lee2021learn.bib.q9.tmp"]
    for path in left:
        path.write_bytes(b"half a file" * 1000)
    mine = library / "refs" / ".notes.tmp"  # not ours: left alone
    mine.write_text("keep", encoding="utf-8")
    (library / "refs" / "lee2021learn.bib").touch()  # something to do
    assert run("build").exit_code == 0
    assert not any(path.exists() for path in left) and mine.exists()
