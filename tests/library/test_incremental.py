"""The incremental rebuild (and its library.bib splice) gives what a full build gives.

Random edits, additions, removals, renames, same-size same-mtime edits and re-saves of
the same bytes, on the twelve and xampl.bib (Oren Patashnik's examples); after each
step, library.bib byte for byte and every index table against a full build of a copy.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import ROOT, write_source
from test_build import GOOD, dump

from reflib.errors import InvalidLibrary
from reflib.formats.importer import import_bibliography
from reflib.library import freshness, incremental, splice
from reflib.library.build import build
from reflib.library.layout import Layout

XAMPL = ROOT / "tests" / "fixtures" / "bibtex" / "xampl.bib"


@pytest.fixture
def mixed(library: Path) -> Path:
    """The twelve and xampl's entries (those in no crossref relation), built."""
    import_bibliography(Layout(library), XAMPL.read_text(encoding="utf-8"), "xampl.bib")
    for path in (library / "refs").glob("*.bib"):
        if "crossref" in path.read_text(encoding="utf-8").lower():
            path.unlink()
    for key in ("whole-collection", "whole-proceedings", "whole-set", "whole-journal"):
        (library / "refs" / f"{key}.bib").unlink(missing_ok=True)
    build(Layout(library))
    return library


def full_build_of(library: Path, tmp: Path) -> Path:
    copy = tmp / "full"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(library / "refs", copy / "refs")
    build(Layout(copy), full=True)
    return copy


def same_as_full(library: Path, tmp: Path) -> None:
    full = full_build_of(library, tmp)
    assert (library / "library.bib").read_bytes() == (full / "library.bib").read_bytes()
    assert dump(library / "db" / "library.db") == dump(full / "db" / "library.db")
    conn = sqlite3.connect(library / "db" / "library.db")
    other = sqlite3.connect(full / "db" / "library.db")
    for sql in ("SELECT key, ord FROM sources ORDER BY key",
                "SELECT * FROM library_spans ORDER BY lkey, key",
                "SELECT path, size, mtime_ns, sha1 FROM files ORDER BY path"):
        mine, theirs = conn.execute(sql).fetchall(), other.execute(sql).fetchall()
        if "mtime_ns" in sql:  # the copy has new mtimes; sizes and hashes must agree
            mine = [(p, s, h) for p, s, _, h in mine]
            theirs = [(p, s, h) for p, s, _, h in theirs]
        assert mine == theirs, sql
    conn.close()
    other.close()


def rebuilt(library: Path) -> bool:
    """Build as `refs build` does; True when the incremental path did it."""
    layout = Layout(library)
    seen: dict = {}
    freshness.unchanged(layout, library=True, seen=seen)
    report = incremental.rebuild(layout, strict=False, seen=seen)
    if report is None:
        build(layout)
    return report is not None


def edit_title(path: Path, rng: random.Random) -> None:
    """A word put at the start of the title (or another text field)."""
    text = path.read_text(encoding="utf-8")
    word = rng.choice(["Revised", "Zebra", "Ärger", "A", "Longer words here"])
    found = re.search(r"\n\s*(title|note|howpublished|booktitle|journal)\s*=\s*\{", text,
                      re.IGNORECASE)
    assert found, path
    path.write_text(text[:found.end()] + word + " " + text[found.end():], encoding="utf-8")


def test_random_steps_match_a_full_build(mixed: Path, tmp_path_factory) -> None:
    tmp = tmp_path_factory.mktemp("compare")
    refs = mixed / "refs"
    cited = set((refs / "order.txt").read_text(encoding="utf-8").split())
    fast = 0
    for seed in range(3):
        rng = random.Random(seed)
        for step in range(12):
            files = sorted(p for p in refs.glob("*.bib"))
            what = rng.choice(["edit", "edit", "add", "remove", "rename", "same", "tick",
                               "several"])
            if what == "edit":
                edit_title(rng.choice(files), rng)
            elif what == "several":
                for path in rng.sample(files, 3):
                    edit_title(path, rng)
                write_source(mixed, f"new{seed}x{step}", GOOD.format(
                    key=f"new{seed}x{step}", doi=f"10.5555/n{seed}.{step}"))
            elif what == "add":
                key = rng.choice(["aaa", "Zz", "mid", "0first", "zzz"]) + f"{seed}{step}"
                write_source(mixed, key, GOOD.format(key=key, doi=f"10.5555/{key}"))
            elif what == "remove":
                rng.choice([p for p in files if p.stem not in cited]).unlink()
            elif what == "rename":
                path = rng.choice([p for p in files if p.stem not in cited])
                new = f"{path.stem}-renamed"
                text = path.read_text(encoding="utf-8").replace(
                    "{" + path.stem + ",", "{" + new + ",", 1)
                path.unlink()
                write_source(mixed, new, text)
            elif what == "same":  # the same bytes saved again (a new mtime and ctime)
                path = rng.choice(files)
                path.write_bytes(path.read_bytes())
            else:  # the same size and mtime, other content: only ctime tells
                path = rng.choice(files)
                st = path.stat()
                data = path.read_bytes()
                at = data.index(b"title = {") + len(b"title = {") if b"title = {" in data \
                    else data.index(b",")
                data = data[:at] + (b"Q" if data[at:at + 1] != b"Q" else b"R") + data[at + 1:]
                path.write_bytes(data)
                os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
            fast += rebuilt(mixed)
            same_as_full(mixed, tmp)
    assert fast >= 20  # most steps took the incremental path


def test_an_edit_in_the_same_tick_as_the_build_is_seen(mixed: Path) -> None:
    path = mixed / "refs" / "lee2021learn.bib"
    st = path.stat()
    data = path.read_bytes().replace(b"title = {", b"title = {X", 1)[:-1]  # same size
    data = data if len(data) == st.st_size else data[:st.st_size]
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert freshness.unchanged(Layout(mixed), library=True) is None
    assert build(Layout(mixed)).parsed == 1
    assert b"title = {X" in (mixed / "library.bib").read_bytes()


def test_a_problem_in_an_edit_is_reported_by_the_full_build(mixed: Path) -> None:
    write_source(mixed, "dupdoi", GOOD.format(key="dupdoi", doi="10.5555/one"))
    build(Layout(mixed))
    write_source(mixed, "dupdoi2", GOOD.format(key="dupdoi2", doi="10.5555/ONE"))
    assert incremental.rebuild(Layout(mixed), strict=False) is None
    with pytest.raises(InvalidLibrary) as caught:
        build(Layout(mixed))
    assert "doi 10.5555/one is also the doi of 'dupdoi'" in str(caught.value.problems)
    before = (mixed / "library.bib").read_bytes()
    (mixed / "refs" / "dupdoi2.bib").unlink()
    assert build(Layout(mixed)).parsed == 0
    assert (mixed / "library.bib").read_bytes() == before


def test_library_bib_edited_by_hand_is_rewritten_whole(mixed: Path, tmp_path) -> None:
    (mixed / "library.bib").write_text("% mine\n", encoding="utf-8")
    edit_title(mixed / "refs" / "lee2021learn.bib", random.Random(1))
    assert not rebuilt(mixed)
    same_as_full(mixed, tmp_path)


def test_crossref_libraries_are_not_spliced_and_still_match(library: Path, tmp_path) -> None:
    import_bibliography(Layout(library), XAMPL.read_text(encoding="utf-8"), "xampl.bib")
    build(Layout(library))
    child = next(p for p in (library / "refs").glob("*.bib")
                 if "crossref" in p.read_text(encoding="utf-8"))
    edit_title(child, random.Random(2))
    assert not rebuilt(library)
    same_as_full(library, tmp_path)


def test_splice_copies_unchanged_ranges(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"0123456789" * 1000)
    splice.apply(path, [(0, 1, b"A"), (5, 5, b"-inserted-"), (20, 9000, b""),
                        (9999, 10000, b"Z")])
    old = b"0123456789" * 1000
    assert path.read_bytes() == b"A" + old[1:5] + b"-inserted-" + old[5:20] + old[9000:9999] \
        + b"Z"
    with pytest.raises(ValueError):
        splice.apply(path, [(5, 3, b"")])
    assert not list(tmp_path.glob(".f.txt.*"))  # the temporary file went with the failure


def _record_warnings(report) -> list[str]:
    return sorted(str(w) for w in report.warnings if "crossref.json" in str(w))


@pytest.mark.parametrize("step", ["remove the source", "bring the source back"])
def test_a_kept_record_s_warning_follows_its_source(tmp_path: Path, step: str) -> None:
    """A kept Crossref record whose source goes (or comes back) gets (or loses) its
    "record without a source" warning, as a full build says (found in review)."""
    import time

    shutil.copytree(ROOT / "refs", tmp_path / "refs",
                    ignore=shutil.ignore_patterns("*.json"))
    order = tmp_path / "refs" / "order.txt"
    order.write_text("".join(line for line in order.read_text().splitlines(True)
                             if line.strip() != "lee2021learn"))
    source = tmp_path / "refs" / "lee2021learn.bib"
    text = source.read_text()
    if step == "bring the source back":
        source.unlink()
    (tmp_path / "refs" / "lee2021learn.crossref.json").write_text(
        (ROOT / "tests/fixtures/crossref-built/lee2021learn.json").read_text())
    layout = Layout(tmp_path)
    time.sleep(2.5)  # the build's stamp past the margin: later, only the source is looked at
    build(layout, full=True)
    if step == "remove the source":
        source.unlink()
    else:
        source.write_text(text)
    quick = build(layout)
    assert _record_warnings(quick) == _record_warnings(build(layout, full=True))
    assert bool(_record_warnings(quick)) == (step == "remove the source")


# -- the read commands' refresh (index_only) through the incremental path -------------


def refreshed(library: Path):
    """Refresh the index as a read command does; (report, whether incrementally)."""
    layout = Layout(library)
    seen: dict = {}
    assert freshness.unchanged(layout, library=False, seen=seen) is None
    report = incremental.rebuild(layout, strict=False, seen=seen, index_only=True)
    return (report, True) if report is not None else (build(layout, index_only=True), False)


def index_and_problems(root: Path) -> tuple:
    db = root / "db" / "library.db"
    conn = sqlite3.connect(db)
    try:
        files = conn.execute("SELECT path, key, lkey, sha1, line, doi, doi_line, warnings, "
                             "syntax, errors FROM files ORDER BY path").fetchall()
        ords = conn.execute("SELECT key, ord FROM sources ORDER BY key").fetchall()
    finally:
        conn.close()
    problems, syntax, count = freshness.unchanged(Layout(root), library=False)
    return dump(db), files, ords, [str(p) for p in problems], [str(p) for p in syntax], count


def same_as_full_refresh(library: Path, tmp: Path, report) -> None:
    """The index and the problems (returned and kept) of a full index-only refresh of a
    copy of refs/."""
    copy = tmp / "full"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(library / "refs", copy / "refs")
    full = build(Layout(copy), index_only=True)
    assert full.full
    assert report.problems == full.problems
    assert report.syntax == full.syntax
    assert index_and_problems(library) == index_and_problems(copy)


def break_syntax(path: Path) -> None:
    """The comma after the first field's value deleted (as in bibtexparser's
    article_missing_coma.bib)."""
    text = path.read_text(encoding="utf-8")
    found = re.search(r"\}\s*,\s*\n", text)
    assert found, path
    path.write_text(text[:found.start() + 1] + "\n" + text[found.end():], encoding="utf-8")


def doi_of(path: Path) -> str | None:
    found = re.search(r"\bdoi\s*=\s*\{([^}]+)\}", path.read_text(encoding="utf-8"), re.I)
    return found[1] if found else None


def test_a_read_commands_refresh_after_each_kind_of_change_matches_a_full_one(
        mixed: Path, tmp_path_factory) -> None:
    tmp = tmp_path_factory.mktemp("refresh")
    refs = mixed / "refs"
    library_bib = (mixed / "library.bib").read_bytes()
    with_doi = sorted(p for p in refs.glob("*.bib") if doi_of(p))
    article = (refs / "article-full.bib").read_bytes()
    steps = [
        ("edit", lambda: edit_title(refs / "lee2021learn.bib", random.Random(3))),
        ("syntax error", lambda: break_syntax(refs / "article-full.bib")),
        ("same DOI", lambda: write_source(mixed, "copyof", GOOD.format(
            key="copyof", doi=doi_of(with_doi[0]).upper()))),
        ("the copy renamed to come first", lambda: (refs / "copyof.bib").rename(
            refs / "aa.bib")),
        ("removed", lambda: (refs / "book-full.bib").unlink()),
        ("added", lambda: write_source(mixed, "zadded", GOOD.format(
            key="zadded", doi="10.5555/zadded"))),
        ("several", lambda: [edit_title(p, random.Random(4)) for p in with_doi[1:4]]),
        ("syntax fixed", lambda: (refs / "article-full.bib").write_bytes(article)),
    ]
    for what, step in steps:
        step()
        report, fast = refreshed(mixed)
        assert fast, what
        assert report.changed, what
        same_as_full_refresh(mixed, tmp, report)
        if what == "syntax error":
            assert any("syntax error" in str(p) for p in report.syntax)
        if what == "same DOI":
            assert any("is also the doi of" in str(p) for p in report.problems)
    assert (mixed / "library.bib").read_bytes() == library_bib  # the index only
    assert freshness.unchanged(Layout(mixed), library=True) is None  # library.bib is stale


def test_random_changes_refreshed_match_a_full_refresh(mixed: Path, tmp_path_factory) -> None:
    tmp = tmp_path_factory.mktemp("random")
    refs = mixed / "refs"
    cited = set((refs / "order.txt").read_text(encoding="utf-8").split())
    fast = 0
    for seed in range(2):
        rng = random.Random(seed)
        for step in range(10):
            files = sorted(p for p in refs.glob("*.bib") if p.stem not in cited)
            what = rng.choice(["edit", "break", "dupdoi", "remove", "add", "same"])
            path = rng.choice(files)
            if what == "edit":
                edit_title(path, rng)
            elif what == "break":
                break_syntax(path)
            elif what == "dupdoi":
                doi = doi_of(rng.choice([p for p in refs.glob("*.bib") if doi_of(p)]))
                key = f"dup{seed}x{step}"
                write_source(mixed, key, GOOD.format(key=key, doi=doi))
            elif what == "remove":
                path.unlink()
            elif what == "add":
                key = rng.choice(["aaa", "mid", "zzz"]) + f"{seed}{step}"
                write_source(mixed, key, GOOD.format(key=key, doi=f"10.5555/{key}"))
            else:
                path.write_bytes(path.read_bytes())
            report, took = refreshed(mixed)
            fast += took
            same_as_full_refresh(mixed, tmp, report)
    assert fast >= 15


def test_builds_after_refreshes_splice_what_the_refreshes_changed(
        mixed: Path, tmp_path_factory) -> None:
    """A read command's refresh leaves library.bib behind and says which entries; the
    next `refs build` splices those (and its own changes) in, as a full build writes it."""
    tmp = tmp_path_factory.mktemp("after")
    refs = mixed / "refs"
    cited = set((refs / "order.txt").read_text(encoding="utf-8").split())
    rng = random.Random(7)
    fast = 0
    for step in range(14):
        for _ in range(rng.choice([1, 2])):  # one or two refreshes, each after a change
            files = sorted(p for p in refs.glob("*.bib") if p.stem not in cited)
            what = rng.choice(["edit", "edit", "remove", "add", "rename"])
            path = rng.choice(files)
            if what == "edit":
                edit_title(path, rng)
            elif what == "remove":
                path.unlink()
            elif what == "add":
                key = rng.choice(["aaa", "mid", "zzz"]) + str(step)
                write_source(mixed, key, GOOD.format(key=key, doi=f"10.5555/{key}"))
            else:
                text = path.read_text(encoding="utf-8").replace(
                    "{" + path.stem + ",", "{" + path.stem + "-b,", 1)
                path.unlink()
                write_source(mixed, path.stem + "-b", text)
            assert refreshed(mixed)[1]
        if rng.random() < 0.5:
            edit_title(rng.choice(sorted(refs.glob("*.bib"))), rng)  # and one more
        fast += rebuilt(mixed)
        same_as_full(mixed, tmp)
        assert freshness.unchanged(Layout(mixed), library=True) is not None
    assert fast == 14


def test_a_cited_source_broken_is_refreshed_the_full_way(mixed: Path, tmp_path) -> None:
    break_syntax(mixed / "refs" / "lee2021learn.bib")
    report, fast = refreshed(mixed)
    assert not fast  # refs/order.txt names it: the order's problems are the full way's
    assert any("'lee2021learn' names no source" in str(p) for p in report.problems)


def test_refs_check_reports_what_the_read_paths_refresh_found(mixed: Path, run) -> None:
    """Through the CLI: `refs list` refreshes the index after a file is broken (one
    notice, the source gone from the list); `refs check` names the file, line and fix."""
    break_syntax(mixed / "refs" / "article-full.bib")
    listed = run("list", "--format", "keys")
    assert listed.exit_code == 0
    assert "(1 source changed); updated it" in listed.stderr
    assert "article-full" not in listed.stdout.split() and "lee2021learn" in listed.stdout
    checked = run("check", "--offline")
    assert checked.exit_code == 1
    assert "refs/article-full.bib:" in checked.output
    assert "syntax error" in checked.output and "check braces, quotes and commas" in \
        checked.output
