"""Conventions every command keeps: `-` for stdin/stdout, keys ignoring case with "did you
mean", Ctrl-C exits 130, files made with the user's umask, examples in --help, number."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT
from processes import default_sigint

PRINTED = FIXTURES / "checks" / "article-reference-list.txt"


def test_every_command_has_examples_in_its_help():
    from cli import cli

    for name in cli.commands:
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output and f"refs {name}" in result.output, name


def test_keys_are_found_ignoring_case(run):
    run("build")
    shown = run("show", "LEE2021LEARN")
    assert shown.exit_code == 0 and shown.stdout.startswith("@article{lee2021learn,")
    listed = run("list", "Hurley2022Cervical", "--format", "keys")
    assert listed.stdout == "hurley2022cervical\n"


@pytest.mark.parametrize("command", [["show"], ["list"], ["export"], ["check", "--offline"],
                                     ["enrich", "--offline"]])
def test_an_unknown_key_gets_did_you_mean_and_exit_1(run, command):
    run("build")
    result = run(*command, "lee2021lern")
    assert result.exit_code == 1, result.output
    assert "no source with key 'lee2021lern' (did you mean 'lee2021learn'?)" in result.stderr
    assert result.stdout == ""


def test_dash_is_stdout_for_every_output(run, library: Path):
    run("build")
    exported = run("export", "lee2021learn", "-o", "-")
    assert exported.exit_code == 0 and exported.stdout.startswith("1. Lee DW")
    report = run("report", "-o", "-", "--no-checks")
    assert report.exit_code == 0 and report.stdout.startswith("<!DOCTYPE html>")
    manuscript = "Text [@lee2021learn].\n"
    cited = run("cite", "-", "-o", "-", input=manuscript)
    assert cited.exit_code == 0, cited.output
    assert cited.stdout.startswith("Text [1].")
    assert not (library / "-").exists()


def test_dash_is_stdin_for_the_printed_list(run):
    run("build")
    result = run("check", "--offline", "--only", "against", "--against", "-",
                 input=PRINTED.read_text(encoding="utf-8"))
    assert "Benson" in result.stdout and "<stdin>" in result.stdout
    assert result.exit_code == 1


def test_an_unreadable_printed_list_is_an_error(run, library: Path):
    run("build")
    result = run("check", "--offline", "--against", str(library / "missing.txt"))
    assert result.exit_code == 2 and "cannot read the printed list" in result.stderr


def test_files_are_made_with_the_users_umask(run, library: Path):
    old = os.umask(0o022)
    try:
        assert run("build").exit_code == 0
        assert run("export", "-o", str(library / "out.txt")).exit_code == 0
        assert run("report", "-o", str(library / "report.html"), "--no-checks").exit_code == 0
        assert run("add", input="@misc{umask2024,\n  title = {T},\n}\n").exit_code == 0
    finally:
        os.umask(old)
    for path in ["library.bib", "db/library.db", "out.txt", "report.html",
                 "refs/umask2024.bib"]:
        assert stat.S_IMODE((library / path).stat().st_mode) == 0o644, path


def test_messages_agree_in_number(run, library: Path):
    result = run("add", input="@misc{one2024,\n  title = {T},\n}\n")
    assert result.exit_code == 0
    imported = run("import", "-", input="@misc{two2024,\n  title = {T},\n}\n")
    assert "read 1 entry; wrote 1 new source," in imported.stderr
    for path in (library / "refs").glob("*.bib"):
        if path.stem != "one2024":
            path.unlink()
    (library / "refs" / "order.txt").write_text("one2024\n")
    built = run("build")
    assert built.exit_code == 0 and built.stderr.startswith("1 source (1 parsed"), built.stderr


def test_build_check_without_an_index_does_not_call_it_up_to_date(run, library: Path):
    assert run("build").exit_code == 0
    (library / "db" / "library.db").unlink()
    result = run("build", "--check")
    assert result.exit_code == 0
    assert "there is no index yet" in result.stderr
    assert "the index are up to date" not in result.stderr


def test_ctrl_c_exits_130_and_leaves_the_source_as_it_was(library: Path, tmp_path: Path):
    """A real process interrupted while `refs edit` waits for the editor."""
    editor = tmp_path / "slow-editor.py"
    started = tmp_path / "started"
    editor.write_text("import sys, time, pathlib\n"
                      f"pathlib.Path({str(started)!r}).touch()\n"
                      "p = pathlib.Path(sys.argv[1]); p.write_text('half')\n"
                      "time.sleep(60)\n")
    source = library / "refs" / "lee2021learn.bib"
    before = source.read_bytes()
    env = {**os.environ, "EDITOR": f"{sys.executable} {editor}"}
    env.pop("VISUAL", None)
    process = subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "--root",
                                str(library), "edit", "lee2021learn"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, preexec_fn=default_sigint)
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert b"interrupted" in err and b"Aborted!" not in err
    assert source.read_bytes() == before
