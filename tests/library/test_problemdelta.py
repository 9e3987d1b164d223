"""problemdelta: the kept problems updated for a few changed sources, checked against
the problems across sources (validate.cross_problems) computed over the whole library."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import write_source
from test_build import GOOD

from reflib.errors import Problem
from reflib.library import problemdelta
from reflib.library.build import build
from reflib.library.buildstate import FileState
from reflib.library.layout import Layout
from reflib.library.validate import CrossItem, cross_problems


def _item(key: str, doi: str = "") -> CrossItem:
    return CrossItem(key, f"refs/{key}.bib", 1, doi, 6 if doi else 0)


def test_kept_replaces_a_changed_files_problems_and_refuses_what_it_did_not_keep() -> None:
    old = Problem("refs/a.bib", 2, "syntax error: x", None)
    other = Problem("refs/b.bib", 1, "warning of b", "b", "warning")
    kept = problemdelta.Kept([old, other, other], [old])
    new = FileState("refs/a.bib", 1, 1, item=_item("a"),
                    warnings=[Problem("refs/a.bib", 1, "a warning", "a", "warning")])
    assert kept.replace({"refs/a.bib"}, [new], [], [])
    assert kept.sorted() == sorted([other, other, *new.warnings])
    assert kept.syntax_sorted() == []
    assert not kept.has_errors()
    assert not kept.replace(set(), [], [Problem("refs/c.bib", 1, "never kept", "c")], [])


def test_across_gives_the_groups_problems_before_and_after(library: Path) -> None:
    for key, doi in (("x1", "10.5555/same"), ("x2", "10.5555/same"), ("x3", "10.5555/other")):
        write_source(library, key, GOOD.format(key=key, doi=doi))
    build(Layout(library), index_only=True)
    conn = sqlite3.connect(library / "db" / "library.db")
    try:
        cached = conn.execute("SELECT key, sha1, parent, lkey, doi, line, doi_line, warnings, "
                              "syntax, errors, path FROM files WHERE key = 'x1'").fetchone()
        now = FileState("refs/x1.bib", 1, 1, key="x1", item=_item("x1", "10.5555/other"))
        before, after = problemdelta.across(conn, [cached], [now], {"refs/x1.bib"})
        everything = [CrossItem(*row) for row in conn.execute(
            "SELECT key, path, line, doi, doi_line, parent FROM files ORDER BY path")]
    finally:
        conn.close()
    assert before == [p for p in cross_problems(everything) if "doi" in p.message]
    assert [p.file for p in before] == ["refs/x2.bib"]  # x2 repeats x1's DOI
    assert [p.file for p in after] == ["refs/x3.bib"]  # now x3 repeats x1's new one
    assert "'x1' (refs/x1.bib)" in after[0].message


def test_across_leaves_two_files_with_one_key_to_the_full_comparison(library: Path) -> None:
    write_source(library, "twin", GOOD.format(key="twin", doi="10.5555/t"))
    build(Layout(library), index_only=True)
    conn = sqlite3.connect(library / "db" / "library.db")
    try:
        other = FileState("refs/Twin2.bib", 1, 1, key="TWIN", item=CrossItem(
            "TWIN", "refs/Twin2.bib", 1))
        assert problemdelta.across(conn, [], [other], {"refs/Twin2.bib"}) is None
    finally:
        conn.close()
