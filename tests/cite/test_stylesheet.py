"""Processor fixes of issue 11: authorless works, page ranges, year suffixes, names."""

from __future__ import annotations

import pytest

from reflib.cite.bibliography import format_bibliography, render
from reflib.cite.suffixes import add_suffix, year_suffixes
from reflib.library.model import Reference


def article(key: str, pages: str, **fields: str) -> Reference:
    base = {"author": "{Doe, J.}", "title": "{X}", "journal": "{J}", "year": "2021",
            "volume": "3", "pages": "{" + pages + "}"}
    return Reference(key, "article", {**base, **fields})


@pytest.mark.parametrize(("pages", "vancouver", "apa"), [
    ("i--ii", "3:i-ii.", "3, i–ii."),
    ("xii--xv", "3:xii-xv.", "3, xii–xv."),
    ("e1--e10", "3:e1-10.", "3, e1–e10."),
    ("S12--S19", "3:S12-9.", "3, S12–S19."),
    ("1.1--1.10", "3:1.1-10.", "3, 1.1–1.10."),
    ("2807--2831", "3:2807-31.", "3, 2807–2831."),
    ("1--10", "3:1-10.", "3, 1–10."),
])
def test_page_ranges(pages: str, vancouver: str, apa: str) -> None:
    ref = article("p", pages)
    assert format_bibliography([ref], "vancouver")[0].endswith(vancouver)
    assert format_bibliography([ref], "apa")[0].endswith(apa)


def test_a_work_without_authors_prints_its_title_once() -> None:
    ref = Reference("t", "article", {"title": "{Table of Contents}", "journal": "{Pain Med}",
                                     "year": "2021", "volume": "22", "pages": "{i--ii}"})
    for style in ("ama", "vancouver", "apa", "chicago"):
        line = format_bibliography([ref], style)[0]
        assert line.lower().count("table of contents") == 1, (style, line)


def test_group_with_only_empty_variables_is_left_out() -> None:
    thesis = Reference("th", "phdthesis", {"author": "{Doe, Jane}", "title": "{A Thesis}",
                                           "school": "{Uni}", "year": "2020"})
    line = format_bibliography([thesis], "apa")[0]
    assert line.startswith("Doe, J. (2020). A thesis [PhD thesis") and "Publication" not in line


def test_apa_year_suffixes_follow_title_order() -> None:
    books = [Reference(k, "book", {"editor": "{Abd-Elsayed, Alaa}", "title": "{" + t + "}",
                                   "publisher": "{Elsevier}", "year": "2024"})
             for k, t in (("rfa", "Radiofrequency Ablation"), ("bvn", "Basivertebral Nerve"))]
    lines = render(books, "apa").splitlines()
    assert lines[0].startswith("Abd-Elsayed, A. (Ed.). (2024b). Radiofrequency")
    assert lines[1].startswith("Abd-Elsayed, A. (Ed.). (2024a). Basivertebral")
    assert "2024a" not in render(books, "ama")  # numbered styles need no suffix
    assert year_suffixes([{"id": "x", "author": [{"family": "A"}],
                           "issued": {"date-parts": [[2020]]}}]) == {}
    assert add_suffix("Doe (2020). Vol 2020.", "2020", "b") == "Doe (2020b). Vol 2020."


def test_hyphenated_given_names_with_a_lowercase_part() -> None:
    ref = article("h", "1--2", author="{Bae, Jae-sung and Lee, Anna-Lena}")
    assert format_bibliography([ref], "apa")[0].startswith("Bae, J., & Lee, A.-L. (2021).")
    assert format_bibliography([ref], "ama")[0].startswith("Bae J, Lee A-L.")
