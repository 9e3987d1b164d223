"""refs remove: files, records, order lines, and which references are renumbered."""

from __future__ import annotations

import pytest
from conftest import write_source

from reflib.errors import InvalidLibrary, NotInLibrary
from reflib.library.layout import Layout, read_order
from reflib.library.remove import remove_sources


def test_remove_renumbers_the_later_references_and_says_so(library):
    layout = Layout(library)
    before = read_order(layout)[0]
    third = before[2]
    (library / "refs" / f"{third}.crossref.json").write_text("{}\n")
    report = remove_sources(layout, [third.upper()])
    assert report.removed == [third]
    assert report.files == [f"refs/{third}.bib", f"refs/{third}.crossref.json"]
    after = read_order(layout)[0]
    assert after == [k for k in before if k != third]
    assert report.renumbered == [(k, n, n - 1) for n, k in enumerate(before, 1) if n > 3]
    assert not (library / "refs" / f"{third}.bib").exists()


def test_keep_order_leaves_a_gap_and_builds(library, run):
    layout = Layout(library)
    before = read_order(layout)[0]
    report = remove_sources(layout, [before[1]], keep_order=True)
    assert report.renumbered == [] and report.gaps == [2]
    assert read_order(layout)[0] == ["" if k == before[1] else k for k in before]
    assert f"- removed {before[1]}" in layout.order_file.read_text()
    built = run("build")
    assert built.exit_code == 0, built.stderr
    listed = run("list", "--format", "json")
    assert '"order": 3' in listed.stdout and '"order": 2' not in listed.stdout


def test_a_crossref_parent_is_not_removed_alone(library):
    write_source(library, "parentbook", "@book{parentbook,\n  title = {Book},\n"
                 "  editor = {Doe, Jane},\n  year = 2020,\n  publisher = {P},\n}\n")
    write_source(library, "child", "@incollection{child,\n  title = {Chapter},\n"
                 "  crossref = {parentbook},\n}\n")
    with pytest.raises(InvalidLibrary) as caught:
        remove_sources(Layout(library), ["parentbook"])
    assert "remove 'child' too" in str(caught.value.problems[0])
    assert (library / "refs" / "parentbook.bib").is_file()
    report = remove_sources(Layout(library), ["parentbook", "child"])
    assert sorted(report.removed) == ["child", "parentbook"]


def test_unknown_keys_are_all_named_and_nothing_is_removed(library):
    with pytest.raises(NotInLibrary, match=r"'lee2021lern' \(did you mean 'lee2021learn'\?\)"):
        remove_sources(Layout(library), ["hurley2022cervical", "lee2021lern"])
    assert (library / "refs" / "hurley2022cervical.bib").is_file()


def test_cli_remove_lists_the_moves(run, library):
    order = read_order(Layout(library))[0]
    result = run("remove", order[0])
    assert result.exit_code == 0, result.output
    assert f"refs/{order[0]}.bib" in result.stdout
    assert f"reference 2 is now 1: {order[1]}" in result.stderr
    assert "removed 1 source; 11 references renumbered" in result.stderr
    missing = run("remove", "nosuchkey")
    assert missing.exit_code == 1 and "no source with key 'nosuchkey'" in missing.stderr
