"""`refs search` on sources with huge notes (issue 15 item 7): the snippet is cut in one
pass (index.snippet_of), not by FTS5's snippet(), which took 81 s on a 1 MB note."""

from __future__ import annotations

import time

from conftest import write_source

from reflib.library.index import snippet_of

WORDS = ("alpha", "beta", "gamma", "delta", "joint", "radio", "frequency", "lumbar")


def test_search_over_a_5_mb_note_is_quick(run, library) -> None:
    filler = " ".join(WORDS[i % len(WORDS)] for i in range(700_000))  # about 5 MB
    write_source(library, "huge", "@misc{huge,\n  title = {Huge notes},\n  year = {2020},\n"
                 f"  note = {{{filler} facet pain {filler}}},\n}}\n")
    assert run("build").exit_code == 0
    started = time.monotonic()
    result = run("search", "facet", "pain", "--format", "json")
    assert time.monotonic() - started < 5
    assert result.exit_code == 0
    assert '"key": "huge"' in result.stdout
    assert "[facet] [pain]" in result.stdout  # the snippet found the words in the middle


def test_snippets_mark_words_as_the_index_matches_them() -> None:
    assert snippet_of([None, "Radiofréquence of the Cervical spine"], {"cervical"},
                      ("[", "]"), size=4) == "…the [Cervical] spine"
    assert snippet_of(["Crème brûlée"], {"creme"}, ("<", ">")) == "<Crème> brûlée"
    assert snippet_of(["nothing here"], {"facet"}, ("[", "]")) == ""
    long = "word " * 100_000 + "facet " + "word " * 100_000
    started = time.monotonic()
    snippet = snippet_of([long], {"facet"}, ("[", "]"), size=5)
    assert time.monotonic() - started < 2
    assert snippet == "…word [facet] word word word…"
