"""Check runs kept in the index: saved, read back, and carried over full rebuilds."""

from __future__ import annotations

from reflib.library.build import build
from reflib.library.findings import CheckRun, Finding, latest_run, save_run
from reflib.library.layout import Layout


def test_runs_survive_rebuilds_and_record_their_scope(library) -> None:
    layout = Layout(library)
    build(layout)
    finding = Finding("lee2021learn", "updates", "error", "retracted", "refs/lee2021learn.bib",
                      3, {"type": "retraction"})
    save_run(layout.db_path, CheckRun([finding], offline=True, checks_made=["updates"],
                                      keys=["lee2021learn"]))
    build(layout, full=True)  # a new index file: the runs are copied into it
    run = latest_run(layout.db_path)
    assert run is not None and run.keys == ["lee2021learn"] and run.offline
    assert run.findings == [finding] and run.findings[0].data == {"type": "retraction"}
    save_run(layout.db_path, CheckRun([], checks_made=["doi-syntax"]))
    assert latest_run(layout.db_path).keys is None  # the whole library


def test_no_run_yet(library) -> None:
    assert latest_run(Layout(library).db_path) is None
    build(Layout(library))
    assert latest_run(Layout(library).db_path) is None
