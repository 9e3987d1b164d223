"""The one read path: `read_library` refreshes a stale index (never library.bib) and every
read command goes through it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import write_source

from reflib.errors import IndexMissing, NotInLibrary
from reflib.library.build import build
from reflib.library.layout import Layout
from reflib.library.query import read_library

NEW = """@article{newsource2025,
  author = {Roe, Richard},
  title = {A new trial of nerve ablation},
  journal = {Pain Medicine},
  year = {2025},
}
"""


def test_a_fresh_index_is_read_without_a_notice(library: Path) -> None:
    build(Layout(library))
    said: list[str] = []
    view = read_library(Layout(library), notify=said.append)
    assert said == [] and view.notice == ""
    assert [r.key for r in view.references][:2] == ["lee2021learn", "janapala2021efficacy"]
    assert len(view.references) == 12 and len(view.order) == 12
    assert view.references[0].file == "refs/lee2021learn.bib" and view.references[0].line == 1


def test_a_stale_index_is_refreshed_once_and_library_bib_is_left(library: Path) -> None:
    layout = Layout(library)
    build(layout)
    before = layout.library_bib.read_bytes()
    write_source(library, "newsource2025", NEW)
    said: list[str] = []
    view = read_library(layout, notify=said.append)
    assert len(said) == 1 and "1 source changed" in said[0] and "updated it" in said[0]
    assert "newsource2025" in [r.key for r in view.references]
    assert layout.library_bib.read_bytes() == before  # only `refs build` writes it
    again: list[str] = []
    read_library(layout, notify=again.append)
    assert again == []  # the refresh was kept
    assert build(layout, check=True).stale == ["library.bib is out of date with refs/"]


def test_a_removed_source_leaves_the_index(library: Path) -> None:
    layout = Layout(library)
    build(layout)
    (library / "refs" / "nass2020lbp.bib").unlink()
    said: list[str] = []
    keys = [r.key for r in read_library(layout, notify=said.append).references]
    assert "nass2020lbp" not in keys and len(keys) == 11
    assert "1 removed" in said[0]


def test_a_broken_file_is_indexed_as_a_problem_and_build_still_refuses(library: Path) -> None:
    layout = Layout(library)
    build(layout)
    write_source(library, "broken", "@article{broken,\n  title = {Unclosed,\n")
    view = read_library(layout)
    assert [p.file for p in view.syntax] == ["refs/broken.bib"]
    assert len(view.references) == 12
    # The problem is kept with the file: a second read does not parse it again, and
    # still knows it.
    second = read_library(layout)
    assert second.notice == "" and [p.file for p in second.syntax] == ["refs/broken.bib"]
    from reflib.errors import InvalidLibrary

    with pytest.raises(InvalidLibrary) as caught:
        build(layout)
    assert [p.file for p in caught.value.problems] == ["refs/broken.bib"]


def test_without_an_index_it_says_build_or_reads_a_temporary_one(library: Path) -> None:
    layout = Layout(library)
    with pytest.raises(IndexMissing, match="run `refs build` first"):
        read_library(layout)
    said: list[str] = []
    view = read_library(layout, notify=said.append, if_missing="scratch")
    assert len(view.references) == 12 and not view.kept
    assert len(said) == 1 and "temporary index" in said[0]
    assert not (library / "db").exists() and not layout.library_bib.exists()


def test_unknown_keys_are_named(library: Path) -> None:
    build(Layout(library))
    with pytest.raises(NotInLibrary, match="'nosuch'"):
        read_library(Layout(library), keys=["lee2021learn", "nosuch"])


def test_check_reports_a_broken_file_from_the_kept_index(library: Path, run) -> None:
    assert run("build").exit_code == 0
    write_source(library, "broken", "@article{broken,\n  title = {Unclosed,\n")
    result = run("check", "--offline", "--only", "doi-syntax")
    assert "refs/broken.bib" in result.stdout and result.exit_code == 1
    notices = [line for line in result.stderr.splitlines() if "out of date" in line]
    assert len(notices) == 1
    conn = sqlite3.connect(library / "db" / "library.db")
    assert conn.execute("SELECT syntax IS NOT NULL FROM files WHERE path = "
                        "'refs/broken.bib'").fetchone() == (1,)


@pytest.mark.parametrize("command", [
    ["list", "--format", "keys"], ["search", "nerve"], ["show", "newsource2025"],
    ["sql", "SELECT count(*) FROM sources"], ["export", "--format", "ris"],
])
def test_every_read_command_refreshes_and_says_so_once(library: Path, run, command) -> None:
    assert run("build").exit_code == 0
    before = (library / "library.bib").read_bytes()
    write_source(library, "newsource2025", NEW)
    result = run(*command)
    assert result.exit_code == 0, result.output
    notices = [line for line in result.stderr.splitlines() if "out of date" in line]
    assert len(notices) == 1, result.stderr
    assert (library / "library.bib").read_bytes() == before
    if command[0] != "sql":
        assert "newsource2025" in result.stdout or "new trial" in result.stdout.lower()
    else:
        assert "13" in result.stdout
