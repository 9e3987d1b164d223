"""A new index written by the build's workers (indexwrite.WorkerRows) is the index a build
in one process writes, on real bibliographies: same rows, `sources` in file order, a key
two files share indexed from the first of them, and a failed build leaves nothing."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import ROOT
from test_build import dump

from reflib.errors import InvalidLibrary
from reflib.formats.importer import import_bibliography
from reflib.library import sourcefiles
from reflib.library.build import build
from reflib.library.layout import Layout

FIXTURES = ROOT / "tests" / "fixtures" / "bibtex"
needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2,
                                     reason="the build starts workers only on two cores")


def real_library(root: Path) -> Layout:
    """The twelve, xampl.bib and biber's crossref entries, one file per source."""
    shutil.copytree(ROOT / "refs", root / "refs")
    layout = Layout(root)
    for name in ("xampl.bib", "crossref_entries.bib"):
        import_bibliography(layout, (FIXTURES / name).read_text(encoding="utf-8"), name)
    return layout


def in_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers from ten files on, in batches of seven (many batches, interleaved)."""
    monkeypatch.setattr(sourcefiles, "PARALLEL_THRESHOLD", 10)
    monkeypatch.setattr(sourcefiles, "BATCH", 7)


def everything(db: Path) -> dict[str, list]:
    """dump() of test_build, with every column of `files` and the inherited rows."""
    result = dump(db)
    conn = sqlite3.connect(db)
    for table in ("files", "inherited", "inherited_fields"):
        result[table] = sorted(map(repr, conn.execute(f"SELECT * FROM {table}")))
    conn.close()
    return result


def in_rowid_order(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [f for (f,) in conn.execute("SELECT file FROM sources ORDER BY rowid")]
    finally:
        conn.close()


@needs_two_cores
def test_workers_write_the_index_one_process_writes(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    layout = real_library(tmp_path / "lib")
    assert len(layout.source_files()) > 60
    build(layout, full=True)
    alone, order = everything(layout.db_path), in_rowid_order(layout.db_path)
    library = layout.library_bib.read_bytes()
    in_workers(monkeypatch)
    report = build(layout, full=True)
    assert report.full and report.parsed == len(layout.source_files())
    assert everything(layout.db_path) == alone
    assert in_rowid_order(layout.db_path) == order  # however the batches interleaved
    assert layout.library_bib.read_bytes() == library
    conn = sqlite3.connect(layout.db_path)
    inherited = conn.execute("SELECT count(*) FROM inherited").fetchone()[0]
    conn.close()
    assert inherited > 0  # the crossref children were written by the main process
    assert not [p for p in layout.db_path.parent.iterdir() if p.name.endswith(".tmp")]


@needs_two_cores
def test_a_key_two_files_share_is_indexed_from_the_first(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    layout = real_library(tmp_path / "lib")
    twin = layout.refs_dir / "aaa-copy.bib"  # before knuth:1968 in file order
    text = (layout.refs_dir / "lee2021learn.bib").read_text(encoding="utf-8")
    # The first file lacks fields the second has: both go in, row by row, unless the
    # second's rows are dropped, so the index would show a mix of the two.
    text = "".join(line for line in text.splitlines(keepends=True)
                   if not line.lstrip().startswith(("pmid", "pmcid", "issn")))
    twin.write_text(text.replace("Latest", "Twin"), encoding="utf-8")
    report = build(layout, full=True, index_only=True)
    assert any("aaa-copy" in str(p) for p in report.problems)
    alone = everything(layout.db_path)
    in_workers(monkeypatch)
    build(layout, full=True, index_only=True)
    assert everything(layout.db_path) == alone
    conn = sqlite3.connect(layout.db_path)
    assert conn.execute("SELECT file FROM sources WHERE key = 'lee2021learn'"
                        ).fetchone() == ("refs/aaa-copy.bib",)
    titles = conn.execute("SELECT raw FROM fields WHERE key = 'lee2021learn' AND "
                          "name = 'title'").fetchall()
    fields = {name for (name,) in conn.execute(
        "SELECT name FROM fields WHERE key = 'lee2021learn'")}
    identifiers = {scheme for (scheme,) in conn.execute(
        "SELECT scheme FROM identifiers WHERE key = 'lee2021learn'")}
    conn.close()
    assert len(titles) == 1 and "Twin" in titles[0][0]
    assert "doi" in fields and not fields & {"pmid", "pmcid", "issn"}
    assert "doi" in identifiers and "pmid" not in identifiers


@needs_two_cores
def test_a_failed_parallel_build_leaves_the_old_index(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    layout = real_library(tmp_path / "lib")
    build(layout)
    before = layout.db_path.read_bytes()
    (layout.refs_dir / "broken.bib").write_text("@article{broken,\n  title = {Unclosed,\n",
                                                encoding="utf-8")
    in_workers(monkeypatch)
    with pytest.raises(InvalidLibrary) as caught:
        build(layout, full=True)
    assert any(p.file == "refs/broken.bib" for p in caught.value.problems)
    assert layout.db_path.read_bytes() == before
    assert [p.name for p in layout.db_path.parent.iterdir()] == ["library.db"]
