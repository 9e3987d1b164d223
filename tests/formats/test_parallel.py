"""map_slices: long lists mapped in forked workers, in order; the data exports made that
way are the same text as made in one process (issue 13)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from reflib.formats import parallel, writers
from reflib.library.bibtex import read_source_file
from reflib.library.index import entry_json
from reflib.library.layout import Layout, read_order

ROOT = Path(__file__).resolve().parents[2]
needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no workers")


def _pid_and_sum(items) -> tuple[int, int]:
    return os.getpid(), sum(items)


@pytest.fixture
def small_slices(monkeypatch):
    """Workers for lists of more than 10 items, 7 items a job (so the tests stay fast)."""
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 10)
    monkeypatch.setattr(parallel, "SLICE", 7)


def many_references(count: int):
    """The repository's twelve sources again and again, keys and titles varied."""
    layout = Layout(ROOT)
    order, _ = read_order(layout)
    base = [read_source_file(layout.source_path(key), ROOT)[0] for key in order]
    out = []
    for i in range(count):
        ref = base[i % len(base)]
        fields = {**ref.fields, "title": f"{{Part {i}:}} " + ref.fields.get("title", "")}
        out.append(replace(ref, key=f"{ref.key}-{i}", fields=fields))
    return out


@needs_two_cores
def test_map_slices_keeps_order_and_uses_workers(small_slices):
    items = list(range(50))
    results = parallel.map_slices(_pid_and_sum, items)
    assert [total for _, total in results] == [sum(items[i:i + 7]) for i in range(0, 50, 7)]
    assert {pid for pid, _ in results} - {os.getpid()}  # mapped in other processes
    assert parallel._ITEMS == ()  # the list is not kept after the map


def test_map_slices_short_list_in_this_process(small_slices):
    results = parallel.map_slices(_pid_and_sum, list(range(9)))
    assert results == [(os.getpid(), 21), (os.getpid(), 15)]
    assert parallel.map_slices(_pid_and_sum, []) == []


@needs_two_cores
def test_exports_of_entries_are_the_exports_of_references(small_slices, monkeypatch):
    refs = many_references(40)
    entries = [entry_json(ref) for ref in refs]
    parallel_json = writers.csl_json_of_entries(entries)
    parallel_ris = writers.ris_of_entries(entries)
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 10**9)  # now all in this process
    assert parallel_json == writers.to_csl_json(many_references(40))
    assert parallel_ris == writers.to_ris(many_references(40))
    items = json.loads(parallel_json)
    assert [item["id"] for item in items] == [ref.key for ref in refs]
    assert parallel_ris.count("ER  - \n") == 40
    assert writers.csl_json_of_entries([]) == "[]\n" and writers.ris_of_entries([]) == ""
