"""Crossref mapping fixes of issue 11: editors of articles, junk names, article numbers."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from reflib.cite.bibliography import format_bibliography
from reflib.enrich.mapping import map_work
from reflib.formats.csl import expand_initials, to_csl
from reflib.library.model import Reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "crossref"


def _plos() -> dict:
    path = FIXTURES / "works_10.1371_journal.pone.0033693.json"
    return json.loads(path.read_text(encoding="utf-8"))["message"]


def test_a_journal_articles_academic_editor_is_not_kept() -> None:
    message = _plos()
    assert message["editor"]  # PLOS ONE names its academic editor
    work = map_work(message)
    assert "editor" not in work.fields and "editor" not in work.people
    assert any("academic editor" in notice for notice in work.notices)
    chapter = dict(message, type="book-chapter", **{"container-title": ["A Book"]})
    assert "editor" in map_work(chapter).fields  # a book's editors are its editors


def test_a_name_that_is_only_punctuation_is_said_and_not_kept() -> None:
    message = copy.deepcopy(_plos())
    message["author"][1] = {"family": "-", "given": "S", "sequence": "additional"}
    work = map_work(message)
    assert " - " not in work.fields["author"] and "{-}" not in work.fields["author"]
    assert any("author 2 is not a name ('- S')" in n for n in work.notices)


def test_junk_names_never_print_and_compact_initials_are_initials() -> None:
    ref = Reference("w", "article", {
        "author": "{Wakefield, AJ and -, S and Murch, SH and ZHANG, WEI}", "title": "{X}",
        "journal": "{J}", "year": "2021", "volume": "1", "number": "1", "eid": "{27}"})
    item = to_csl(ref)
    assert [a.get("given") for a in item["author"]] == ["A. J.", "S. H.", "WEI"]
    assert format_bibliography([ref], "ama")[0] == (
        "Wakefield AJ, Murch SH, ZHANG W. X. J. 2021;1(1):27.")
    assert format_bibliography([ref], "apa")[0].endswith("J, 1(1), Article 27.")
    assert expand_initials("Ann") == "Ann" and expand_initials("AJ", "Wakefield") == "A. J."


def test_the_article_number_is_the_pages_of_the_plos_article() -> None:
    work = map_work(_plos())
    fields = {k: v for k, v in work.fields.items() if k != "abstract"}
    ref = Reference("pond2012", "article", fields)
    line = format_bibliography([ref], "ama")[0]
    assert "2012;7(3):e33693." in line and "ed." not in line
