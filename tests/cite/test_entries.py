"""Entries rendered in forked workers are the entries one process renders (issue 13)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from reflib.cite import bibliography, entries
from reflib.cite.bibliography import export
from reflib.cite.rendercache import cached_in
from reflib.formats import parallel
from reflib.library.bibtex import parse_text, read_source_file
from reflib.library.layout import Layout, read_order

ROOT = Path(__file__).resolve().parents[2]
XAMPL = ROOT / "tests" / "fixtures" / "bibtex" / "xampl.bib"
needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no workers")


def real_references():
    """The repository's twelve sources and xampl.bib's (books, theses, manuals, ...)."""
    layout = Layout(ROOT)
    order, _ = read_order(layout)
    twelve = [read_source_file(layout.source_path(key), ROOT)[0] for key in order]
    xampl = [r for r in parse_text(XAMPL.read_text(encoding="utf-8"), "xampl.bib").references
             if "crossref" not in r.fields]
    return twelve + xampl


_PIDS: list[Path] = []  # where `_recording` notes the process that rendered a slice
_NUMBERED_SLICE = bibliography._numbered_slice


def _recording(numbered, style, fmt):
    """bibliography._numbered_slice, noting its process id (module level: pickled)."""
    with _PIDS[0].open("a") as out:
        out.write(f"{os.getpid()}\n")
    return _NUMBERED_SLICE(numbered, style, fmt)


@pytest.fixture
def workers(monkeypatch, tmp_path):
    """Workers from 10 entries on, 4 entries a job; yields the ids of the processes that
    rendered (read after the render)."""
    pids_file = tmp_path / "pids"
    monkeypatch.setattr(bibliography, "_numbered_slice", _recording)
    monkeypatch.setattr(entries, "PARALLEL_FROM", 10)
    monkeypatch.setattr(entries, "SLICE", 4)
    _PIDS[:] = [pids_file]

    def pids() -> set[int]:
        return {int(n) for n in pids_file.read_text().split()} if pids_file.exists() else set()

    yield pids
    _PIDS.clear()


def one_process(monkeypatch) -> None:
    monkeypatch.setattr(entries, "PARALLEL_FROM", 10**9)


@needs_two_cores
@pytest.mark.parametrize("style", ["ama", "vancouver", "article"])
@pytest.mark.parametrize("fmt", ["text", "html", "markdown"])
def test_numeric_styles_render_the_same_on_every_core(style, fmt, workers, monkeypatch):
    refs = real_references()
    assert len(refs) > 20
    in_workers = export(refs, fmt, style)
    assert workers() - {os.getpid()}  # other processes rendered
    one_process(monkeypatch)
    alone = export(refs, fmt, style)
    assert in_workers == alone
    first = in_workers.splitlines()[0]
    assert first.startswith(("1.", "1 ", "<")) and len(in_workers.splitlines()) >= len(refs)


@needs_two_cores
def test_author_date_styles_stay_in_this_process(workers):
    refs = real_references()
    assert export(refs, "text", "apa")
    assert workers() == set()  # not by slices: "2020a" depends on the other entries


@needs_two_cores
def test_with_the_cache_only_the_changed_entries_go_to_the_workers(tmp_path, workers,
                                                                     monkeypatch):
    refs = real_references()
    db = tmp_path / "library.db"
    sqlite3.connect(db).close()  # an index for the rendered entries to be kept in
    with cached_in(db) as cache:
        first = export(refs, "text", "ama")
    assert cache.rendered == len(refs)
    edited = list(refs)
    for i in (3, 17):
        fields = {**edited[i].fields, "title": "{Edited} " + edited[i].fields["title"]}
        edited[i] = type(edited[i])(edited[i].key, edited[i].entry_type, fields)
    with cached_in(db) as cache:
        again = export(edited, "text", "ama")
    assert cache.rendered == 2
    one_process(monkeypatch)
    assert again == export(edited, "text", "ama") != first


def test_numbers_are_looked_up_without_searching_the_list():
    positions = entries._Positions(["a", "b", "a", "c"])
    assert [positions.index(k) for k in "abc"] == [0, 1, 3]
    assert "c" in positions and "d" not in positions
    with pytest.raises(ValueError):
        positions.index("d")
    assert positions.index("a", 1) == 2  # bounds: list's own search


def test_a_key_given_twice_is_rendered_once():
    from citeproc.formatter import plain

    from reflib.cite.stylesheet import load

    items = [{"id": "X1", "type": "book", "title": "One"},
             {"id": "x1", "type": "book", "title": "Again"},
             {"id": "y", "type": "book", "title": "Two"}]
    bibliography = entries.bibliography_of(load("ama"), items, plain)
    assert [c.key for c in bibliography.items] == ["x1", "y"]
    assert [c.number for c in bibliography.items] == [1, 2]


def test_progress_counts_every_entry():
    seen: list[int] = []
    results = parallel.map_slices(sum, list(range(10)), seen.append, size=3, threshold=100)
    assert results == [3, 12, 21, 9] and seen == [3, 3, 3, 1]
