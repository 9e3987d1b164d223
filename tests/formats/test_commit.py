"""An import interrupted for real: `refs import` runs as its own process and gets SIGINT
(Ctrl-C) or SIGKILL (no handler runs) while it writes; refs/ must be as it was.

The input is made of the repository's own twelve sources, each copied under many keys
(without DOI or PMID, which must be unique): thousands of entries, enough that the
import is still writing when the signal comes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from processes import default_sigint

from reflib.formats.commit import commit
from reflib.library import staging
from reflib.library.layout import Layout

COPIES = 300  # x 12 sources: 3,600 entries, 7,200 files to write


def big_export(path: Path) -> Path:
    texts = []
    for source in sorted((ROOT / "refs").glob("*.bib")):
        text = source.read_text(encoding="utf-8")
        text = "\n".join(line for line in text.splitlines()
                         if not re.match(r"\s*(doi|pmid|pmcid|ids)\s*=", line)) + "\n"
        key = source.stem
        texts += [text.replace("{" + key + ",", "{" + f"{key}-{n}" + ",", 1)
                  for n in range(COPIES)]
    path.write_text("".join(texts), encoding="utf-8")
    return path


def refs_command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from cli import cli; sys.exit(cli())",
            "--root", str(root), *args]


def snapshot(refs_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in refs_dir.iterdir() if p.is_file()}


def start_and_signal(root: Path, export: Path, sig: int) -> subprocess.CompletedProcess:
    """Start `refs import EXPORT`, send `sig` as soon as its staging folder exists."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(refs_command(root, "import", str(export)), cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=default_sigint)
    refs_dir = root / "refs"
    deadline = time.monotonic() + 120
    while not staging.leftovers(refs_dir):
        if process.poll() is not None or time.monotonic() > deadline:
            out, err = process.communicate()
            pytest.fail(f"the import ended before it wrote anything: {process.returncode} "
                        f"{err[-2000:]}")
        time.sleep(0.002)
    process.send_signal(sig)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture
def fresh(run, tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    assert run("init", str(root)).exit_code == 0
    assert run("import", str(ROOT / "refs" / "lee2021learn.bib"), root=root).exit_code == 0
    return root


def test_ctrl_c_while_writing_leaves_refs_as_it_was(run, fresh: Path, tmp_path: Path) -> None:
    export = big_export(tmp_path / "export.bib")
    before = snapshot(fresh / "refs")
    result = start_and_signal(fresh, export, signal.SIGINT)
    assert result.returncode == 130, result.stderr[-2000:]
    assert "interrupted (Ctrl-C): nothing was imported; refs/ is as it was" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(fresh / "refs") == before
    assert sorted(p.name for p in (fresh / "refs").iterdir()) == sorted(before)  # no folder
    again = run("import", str(export), root=fresh)
    assert again.exit_code == 0, again.output[-2000:]
    assert len(again.stdout.split()) == 12 * COPIES
    assert run("build", root=fresh).exit_code == 0


def test_kill_9_while_writing_is_undone_by_the_next_writer(run, fresh: Path,
                                                           tmp_path: Path) -> None:
    export = big_export(tmp_path / "export.bib")
    before = snapshot(fresh / "refs")
    result = start_and_signal(fresh, export, signal.SIGKILL)
    assert result.returncode == -signal.SIGKILL
    refs_dir = fresh / "refs"
    (left,) = staging.leftovers(refs_dir)
    assert not (left / staging.DONE).exists()
    after = snapshot(refs_dir)
    # Sources that were there are untouched; anything new is a hard link of a staged file
    # (the kill came while linking), which the next writer removes.
    assert {name: after[name] for name in before} == before
    assert all(os.path.samefile(refs_dir / name, left / name) for name in after
               if name not in before)
    again = run("import", str(export), root=fresh)
    assert again.exit_code == 0, again.output[-2000:]
    assert (f"note: refs/{left.name} was left by an import that was killed before it "
            "finished; undid it") in again.stderr
    assert staging.leftovers(refs_dir) == []
    assert len(again.stdout.split()) == 12 * COPIES
    assert run("build", root=fresh).exit_code == 0


def test_a_killed_import_half_linked_is_undone_by_any_writer(run, fresh: Path) -> None:
    """The state a SIGKILL leaves in the middle of linking, made exactly: half of the new
    files linked into refs/, one changed file replaced. `refs build` undoes it first."""
    refs_dir = fresh / "refs"
    before = snapshot(refs_dir)
    folder = refs_dir / f"{staging.PREFIX}killed"
    (folder / staging.OLD).mkdir(parents=True)
    text = (refs_dir / "lee2021learn.bib").read_text(encoding="utf-8")
    for n in range(4):
        (folder / f"new{n}.bib").write_text(text.replace("{lee2021learn,", f"{{new{n},"),
                                            encoding="utf-8")
    for n in range(2):
        os.link(folder / f"new{n}.bib", refs_dir / f"new{n}.bib")
    (folder / staging.OLD / "lee2021learn.bib").write_text(text, encoding="utf-8")
    (refs_dir / "lee2021learn.bib").write_text(text.replace("2021", "2031"), encoding="utf-8")
    result = run("build", root=fresh)
    assert result.exit_code == 0, result.output
    assert "undid it (2 new files removed, 1 restored)" in result.stderr
    assert snapshot(refs_dir) == before and staging.leftovers(refs_dir) == []


def test_an_undo_keeps_a_file_changed_by_hand_since_the_kill(fresh: Path) -> None:
    """Two files the killed import replaced: one still holds the import's text (put
    back as it was), one was edited by hand after the kill (kept, and said)."""
    refs_dir = fresh / "refs"
    (refs_dir / "cohen2020lumbar.bib").write_bytes(
        (ROOT / "refs" / "cohen2020lumbar.bib").read_bytes())
    folder = refs_dir / f"{staging.PREFIX}killed"
    (folder / staging.OLD).mkdir(parents=True)
    (folder / staging.NEW).mkdir()
    texts = {}
    for key in ("lee2021learn", "cohen2020lumbar"):
        path = refs_dir / f"{key}.bib"
        texts[key] = path.read_text(encoding="utf-8")
        imported = texts[key].replace("year = {20", "year = {19")
        (folder / staging.OLD / path.name).write_text(texts[key], encoding="utf-8")
        (folder / staging.NEW / path.name).write_text(imported, encoding="utf-8")
        path.write_text(imported, encoding="utf-8")
    edited = texts["cohen2020lumbar"].replace("title = {", "title = {Mine: ", 1)
    (refs_dir / "cohen2020lumbar.bib").write_text(edited, encoding="utf-8")
    said = staging.undo_interrupted(refs_dir)
    assert (refs_dir / "lee2021learn.bib").read_text(encoding="utf-8") == texts["lee2021learn"]
    assert (refs_dir / "cohen2020lumbar.bib").read_text(encoding="utf-8") == edited
    assert "undid it (0 new files removed, 1 restored)" in said[0]
    assert "as it was before that import" not in said[0]
    assert said[1] == ("refs/cohen2020lumbar.bib was changed after that import was killed: "
                       "kept as it is, not put back as it was before the import")
    assert staging.leftovers(refs_dir) == []


def test_an_undo_leaves_a_crlf_file_the_import_never_replaced(fresh: Path) -> None:
    refs_dir = fresh / "refs"
    path = refs_dir / "lee2021learn.bib"
    text = path.read_text(encoding="utf-8")
    crlf = text.replace("\n", "\r\n").encode("utf-8")
    path.write_bytes(crlf)
    folder = refs_dir / f"{staging.PREFIX}killed"
    (folder / staging.OLD).mkdir(parents=True)
    (folder / staging.NEW).mkdir()
    (folder / staging.OLD / path.name).write_text(text, encoding="utf-8")  # as read
    (folder / staging.NEW / path.name).write_text(text.replace("2021", "2031"),
                                                  encoding="utf-8")
    said = staging.undo_interrupted(refs_dir)
    assert path.read_bytes() == crlf  # not replaced yet: left alone, CRLF and all
    assert len(said) == 1 and "0 restored): refs/ is as it was" in said[0]


def test_an_import_stages_both_texts_of_a_file_it_replaces(fresh: Path) -> None:
    refs_dir = fresh / "refs"
    path = refs_dir / "lee2021learn.bib"
    old = path.read_text(encoding="utf-8")
    new = old.replace("year = {2021}", "year = {2022}")
    seen = {}
    real = os.sync

    def look() -> None:  # the moment everything is staged, before refs/ changes
        (folder,) = staging.leftovers(refs_dir)
        seen.update({kind: (folder / kind / path.name).read_text(encoding="utf-8")
                     for kind in (staging.OLD, staging.NEW)})
        real()

    os.sync = look
    try:
        commit(Layout(fresh).refs_dir, [], {path: (old, new)})
    finally:
        os.sync = real
    assert seen == {staging.OLD: old, staging.NEW: new}
    assert path.read_text(encoding="utf-8") == new


def staged_and_linked(refs_dir: Path, folder_name: str, key: str) -> Path:
    """A staging folder holding refs/KEY.bib, already hard-linked into refs/ (the state a
    kill leaves after linking). The folder."""
    folder = refs_dir / f"{staging.PREFIX}{folder_name}"
    folder.mkdir()
    (folder / f"{key}.bib").write_text(f"@misc{{{key}, title = {{T}}}}\n", encoding="utf-8")
    os.link(folder / f"{key}.bib", refs_dir / f"{key}.bib")
    return folder


def test_a_finished_import_that_was_killed_before_cleaning_up_is_kept(fresh: Path) -> None:
    refs_dir = fresh / "refs"
    folder = staged_and_linked(refs_dir, "finished", "new0")
    (folder / staging.DONE).touch()
    assert staging.undo_interrupted(refs_dir) == []
    assert (refs_dir / "new0.bib").is_file() and not folder.exists()


def test_commit_undoes_a_killed_import_when_called_without_the_lock(fresh: Path) -> None:
    refs_dir = fresh / "refs"
    staged_and_linked(refs_dir, "killed", "x")
    said = commit(Layout(fresh).refs_dir, [("y.bib", "@misc{y, title = {T}}\n")], {})
    assert len(said) == 1 and "1 new file removed, 0 restored" in said[0]
    assert not (refs_dir / "x.bib").exists() and (refs_dir / "y.bib").is_file()
