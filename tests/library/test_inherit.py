"""crossref/xdata inheritance by biblatex's rules, and parents after children."""

from __future__ import annotations

from reflib.library.bibtex import parse_text
from reflib.library.inherit import inherit, parent_keys, parents_last

TEXT = """@book{book1, editor = {Ed, A}, title = {The Book}, publisher = {P}, year = 2001,
  shorttitle = {TB}, author = {Writer, W}}
@xdata{pub, publisher = {X Press}, location = {Oslo}}
@inbook{ch1, title = {Chapter}, crossref = {book1}}
@incollection{ch2, title = {Other}, crossref = {book1}, xdata = {pub, nothere}}
@periodical{jour, title = {Journal of Things}, year = 2000}
@article{art, title = {A}, crossref = {jour}}
"""


def refs():
    parsed = parse_text(TEXT, "t.bib")
    return {ref.key.lower(): ref for ref in parsed.references}


def test_a_chapter_inherits_its_books_fields_under_biblatex_names() -> None:
    found = refs()
    chapter = inherit(found["ch1"], found)
    assert chapter.text("booktitle") == "The Book" and chapter.text("title") == "Chapter"
    assert chapter.text("editor") == "Ed, A" and chapter.text("publisher") == "P"
    assert chapter.text("year") == "2001" and chapter.text("bookauthor") == "Writer, W"
    assert "shorttitle" not in chapter.fields  # biblatex does not inherit it
    article = inherit(found["art"], found)
    assert article.text("journaltitle") == "Journal of Things"


def test_xdata_lists_are_lists_and_come_first() -> None:
    found = refs()
    assert parent_keys(found["ch2"]) == ["pub", "nothere", "book1"]
    other = inherit(found["ch2"], found)
    assert other.text("publisher") == "X Press" and other.text("location") == "Oslo"
    assert "bookauthor" not in other.fields  # only an @inbook's book author is its bookauthor


def test_parents_come_after_every_child() -> None:
    items = [("a-parent", []), ("b-child", ["a-parent"]), ("c-grand", ["b-child"]),
             ("d-alone", [])]
    assert parents_last(items) == ["c-grand", "d-alone", "b-child", "a-parent"]
