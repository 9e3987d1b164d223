"""No traceback reaches a user (issue 15): an unexpected error is one line naming what
failed and the file with the full trace (reflib/crash.py, cli.py's group), exit 1; and
`-o` into a folder that does not exist is reported, never created (item 11)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


def test_a_bug_is_one_line_and_a_trace_file(run, library, monkeypatch, tmp_path) -> None:
    import reflib.cite.bibliography as bibliography

    def broken(*args, **kwargs):
        return [][1]  # an IndexError deep in the export

    monkeypatch.setattr(bibliography, "export_library", broken)
    monkeypatch.setenv("REFS_CRASH_DIR", str(tmp_path))
    assert run("build").exit_code == 0
    result = run("export")
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: unexpected IndexError in `refs export` at cli.py:")
    assert "list index out of range (a bug in reflib; the full trace is in " in line
    (trace,) = tmp_path.glob("refs-crash-*.txt")
    assert str(trace) in line
    text = trace.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "return [][1]" in text
    assert "Traceback" not in result.output


def test_a_real_process_prints_no_traceback(tmp_path) -> None:
    """The installed entry point, in its own process, on an input that breaks a command."""
    (tmp_path / "refs").mkdir()
    env = {"PATH": "/usr/bin:/bin", "REFS_CRASH_DIR": str(tmp_path), "HOME": str(tmp_path)}
    code = ("import sys, cli, reflib.library.build as b\n"
            "b.build = lambda *a, **k: 1 / 0\n"
            "sys.argv = ['refs', 'build']\ncli.main()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={
        **env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.startswith("error: unexpected ZeroDivisionError in `refs build`")
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", [["export"], ["report", "--no-checks"]])
def test_o_into_a_missing_folder_is_reported_and_nothing_is_made(run, library, command,
                                                                 tmp_path) -> None:
    assert run("build").exit_code == 0
    target = tmp_path / "no-such-folder" / "deeper" / "out.txt"
    result = run(*command, "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == (f"error: cannot write {target}: the folder {target.parent} does "
                             "not exist; create it first or choose another -o\n")
    assert not (tmp_path / "no-such-folder").exists()


def test_o_where_nothing_may_be_written_is_one_line(run, library) -> None:
    assert run("build").exit_code == 0
    result = run("export", "-o", "/proc/x")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot write /proc/x: ")
    assert result.stderr.endswith("; choose another -o\n") and "Traceback" not in result.output
    assert not Path("/proc/x").exists()
