"""refs rename: file, key, ids, order.txt, kept records and crossref children, or nothing."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import write_source

from reflib.errors import NotInLibrary, ReflibError
from reflib.library.bibtex import parse_source_text
from reflib.library.layout import Layout, read_order
from reflib.library.rename import rename_source, renamed_text


def _read(root, key):
    path = root / "refs" / f"{key}.bib"
    ref, problems = parse_source_text(path.read_text(encoding="utf-8"), f"refs/{key}.bib", key)
    assert not [p for p in problems if p.severity != "warning"], problems
    return ref


def test_rename_moves_file_key_order_and_keeps_old_key_in_ids(library):
    layout = Layout(library)
    before = read_order(layout)[0]
    (library / "refs" / "lee2021learn.crossref.json").write_text("{}\n")
    report = rename_source(layout, "LEE2021LEARN", "lee2021asp")
    assert report.old == "lee2021learn" and report.source == "refs/lee2021asp.bib"
    assert not (library / "refs" / "lee2021learn.bib").exists()
    ref = _read(library, "lee2021asp")
    assert ref.key == "lee2021asp" and ref.text("ids") == "lee2021learn"
    after = read_order(layout)[0]
    assert after == ["lee2021asp" if k == "lee2021learn" else k for k in before]
    assert (library / "refs" / "lee2021asp.crossref.json").is_file()
    assert report.records == ["refs/lee2021asp.crossref.json"]
    lines = layout.order_file.read_text().splitlines()
    assert lines[report.order_line - 1] == "lee2021asp"


def test_renamed_text_keeps_the_rest_of_the_file_as_written():
    text = "% kept comment\n@article{old,\n  title = {A {B} c},\n  year = 2020,\n}\n"
    ref, _ = parse_source_text(text, "refs/old.bib", "old")
    out = renamed_text(text, ref, "new", "refs/new.bib")
    assert out == ("% kept comment\n@article{new,\n  ids = {old},\n  title = {A {B} c},\n"
                   "  year = 2020,\n}\n")


def test_existing_ids_gain_the_old_key_and_lose_the_new():
    text = "@misc{b,\n  ids = {a, c},\n  title = {T},\n}\n"
    ref, _ = parse_source_text(text, "refs/b.bib", "b")
    out = renamed_text(text, ref, "a", "refs/a.bib")
    back, _ = parse_source_text(out, "refs/a.bib", "a")
    assert back.text("ids") == "c, b"


def test_crossref_children_follow(library):
    write_source(library, "parentbook", "@book{parentbook,\n  title = {Book},\n"
                 "  editor = {Doe, Jane},\n  year = 2020,\n  publisher = {P},\n}\n")
    write_source(library, "child", "@incollection{child,\n  title = {Chapter},\n"
                 "  crossref = {ParentBook},\n}\n")
    report = rename_source(Layout(library), "parentbook", "doe2020book")
    assert report.children == ["refs/child.bib"]
    assert _read(library, "child").text("crossref") == "doe2020book"


def test_unknown_key_suggests_the_closest(library):
    with pytest.raises(NotInLibrary, match="did you mean 'lee2021learn'"):
        rename_source(Layout(library), "lee2021lern", "x")


@pytest.mark.parametrize("new, message", [("../evil", "not a safe citekey"),
                                          ("HURLEY2022CERVICAL", "is taken by")])
def test_refused_names_change_nothing(library, new, message):
    before = sorted(p.name for p in (library / "refs").iterdir())
    with pytest.raises(ReflibError, match=message):
        rename_source(Layout(library), "lee2021learn", new)
    assert sorted(p.name for p in (library / "refs").iterdir()) == before


def test_a_stray_record_under_the_new_name_stops_before_anything_changes(library):
    layout = Layout(library)
    (library / "refs" / "lee2021learn.crossref.json").write_text("{}\n")
    (library / "refs" / "lee2021asp.crossref.json").write_text("stray\n")
    with pytest.raises(ReflibError, match="refs/lee2021asp.crossref.json exists already"):
        rename_source(layout, "lee2021learn", "lee2021asp")
    assert (library / "refs" / "lee2021learn.bib").is_file()
    assert not (library / "refs" / "lee2021asp.bib").exists()


def test_new_file_gets_the_umask_mode(library):
    old = os.umask(0o022)
    try:
        rename_source(Layout(library), "lee2021learn", "lee2021asp")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((library / "refs" / "lee2021asp.bib").stat().st_mode)
    assert mode == 0o644


def test_cli_rename_then_build(run, library):
    result = run("rename", "Lee2021Learn", "lee2021asp")
    assert result.exit_code == 0, result.output
    assert "refs/lee2021asp.bib" in result.stdout
    assert "renamed lee2021learn to lee2021asp" in result.stderr
    built = run("build")
    assert built.exit_code == 0, built.stderr
    listed = run("list", "--format", "keys")
    assert "lee2021asp" in listed.stdout and "lee2021learn" not in listed.stdout
