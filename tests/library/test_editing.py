"""refs edit: a real editor process (a script standing in for $EDITOR) edits a copy."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from reflib.library.editing import NOTE, edit_source, strip_notes, validate_text
from reflib.library.layout import Layout

EDITOR = """\
import json, sys
from pathlib import Path
state = Path(sys.argv[1])
target = Path(sys.argv[2])
plan = json.loads(state.read_text())
seen = plan.setdefault("seen", [])
seen.append(target.read_text())
step = plan["steps"].pop(0) if plan["steps"] else None
if step is not None:
    target.write_text(step)
state.write_text(json.dumps(plan))
"""


@pytest.fixture
def editor(tmp_path: Path):
    """An editor command that writes each planned text in turn (None: close without
    saving) and records what it was shown."""
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    state = tmp_path / "editor.json"

    def plan(*steps: str | None) -> tuple[str, Path]:
        state.write_text(json.dumps({"steps": list(steps)}))
        return f'{sys.executable} {script} {state}', state

    return plan


def _runner(command: str):
    import subprocess

    def open_editor(path: Path) -> None:
        subprocess.run(f'{command} "{path}"', shell=True, check=True)

    return open_editor


def _source(library: Path, key: str = "lee2021learn") -> Path:
    return library / "refs" / f"{key}.bib"


def test_a_valid_edit_is_saved(library, editor):
    path = _source(library)
    old = path.read_text()
    command, _ = editor(old.replace("title = {", "title = {Edited: ", 1))
    outcome = edit_source(Layout(library), "LEE2021LEARN", _runner(command))
    assert outcome.status == "saved"
    assert "Edited: " in path.read_text()


def test_an_invalid_edit_reopens_with_the_problems_then_gives_up(library, editor):
    path = _source(library)
    old = path.read_text()
    bad = old.replace("doi = {", "doi = {not a doi ", 1)
    command, state = editor(bad, None)
    outcome = edit_source(Layout(library), "lee2021learn", _runner(command))
    assert outcome.status == "abandoned"
    assert path.read_text() == old
    shown = json.loads(state.read_text())["seen"]
    assert len(shown) == 2 and NOTE in shown[1] and "is not a DOI" in shown[1]
    assert strip_notes(Path(outcome.kept_copy).read_text()) == strip_notes(bad)


def test_fixing_the_problems_on_the_second_round_saves(library, editor):
    path = _source(library)
    old = path.read_text()
    command, _ = editor(old.replace("{guideline}", "{blog}"),
                        old.replace("title = {", "title = {X ", 1))
    outcome = edit_source(Layout(library), "lee2021learn", _runner(command))
    assert outcome.status == "saved" and "title = {X " in path.read_text()
    assert NOTE not in path.read_text()


def test_closing_unchanged_writes_nothing(library, editor):
    path = _source(library)
    mtime = path.stat().st_mtime_ns
    command, _ = editor(None)
    assert edit_source(Layout(library), "lee2021learn", _runner(command)).status == "unchanged"
    assert path.stat().st_mtime_ns == mtime


def test_validation_is_the_builds_across_the_library(library):
    other = _source(library, "hurley2022cervical").read_text()
    doi = next(line for line in other.splitlines() if line.strip().startswith("doi"))
    text = _source(library).read_text()
    text = "\n".join(doi if line.strip().startswith("doi") else line
                     for line in text.splitlines()) + "\n"
    problems = validate_text(Layout(library), "lee2021learn", text)
    assert any("is also the doi of 'hurley2022cervical'" in p.message for p in problems)
    renamed = text.replace("@article{lee2021learn", "@article{other")
    problems = validate_text(Layout(library), "lee2021learn", renamed)
    assert any("differs from the file name" in p.message for p in problems)


def test_cli_edit(run, library, editor, monkeypatch):
    old = _source(library).read_text()
    command, _ = editor(old.replace("doi = {", "doi = {bad ", 1), None)
    monkeypatch.setenv("EDITOR", command)
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("edit", "lee2021learn")
    assert result.exit_code == 1
    assert "is not a DOI" in result.stderr and "your edit is kept in" in result.stderr
    assert _source(library).read_text() == old
    command, _ = editor(old.replace("title = {", "title = {Y ", 1))
    monkeypatch.setenv("EDITOR", command)
    result = run("edit", "lee2021learn")
    assert result.exit_code == 0 and "saved refs/lee2021learn.bib" in result.stderr


def test_a_failing_editor_changes_nothing_and_says_where_the_copy_is(run, library,
                                                                    monkeypatch):
    before = _source(library).read_text()
    monkeypatch.setenv("EDITOR", "false")
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("edit", "lee2021learn")
    assert result.exit_code == 1
    assert "the editor failed" in result.stderr and "the copy is kept in" in result.stderr
    assert _source(library).read_text() == before


def test_the_save_waits_for_another_writer_and_loses_nothing(library, editor, monkeypatch):
    from test_lock import hold

    from reflib.library.lock import LibraryLocked

    path = _source(library)
    old = path.read_text()
    command, _ = editor(old.replace("title = {", "title = {Edited: ", 1))
    monkeypatch.setenv("REFS_LOCK_WAIT", "0.5")
    holder = hold(library, 30)  # a `refs enrich` writing the library meanwhile
    try:
        with pytest.raises(LibraryLocked) as caught:
            edit_source(Layout(library), "lee2021learn", _runner(command))
    finally:
        holder.kill()
        holder.wait()
    message = str(caught.value)
    assert message.startswith("refs/lee2021learn.bib is not changed: the library ")
    assert "is being written by `refs enrich`" in message and "Run this again" not in message
    assert message.endswith(": when that has finished, copy it over refs/lee2021learn.bib, "
                            "or run `refs edit lee2021learn` and paste it in")
    kept = Path(message.split("Your edit is kept in ", 1)[1].split(": when", 1)[0])
    assert "Edited: " in kept.read_text() and path.read_text() == old
    command, _ = editor(old.replace("title = {", "title = {Edited: ", 1))
    outcome = edit_source(Layout(library), "lee2021learn", _runner(command))  # free now
    assert outcome.status == "saved" and "Edited: " in path.read_text()
