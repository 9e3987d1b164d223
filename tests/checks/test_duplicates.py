"""The duplicates check: blocking keys, a precise comparison, one finding per group."""

from __future__ import annotations

import time
from pathlib import Path

from checks_support import library_ref, ref_from

from reflib.checks.duplicates import distinct_pairs, duplicate_findings, read_distinct


def article(key: str, title: str, author: str = "Beeton, Barbara", year: int = 1990,
            volume: str = "11", number: str = "2", pages: str = "153--154",
            journal: str = "TUGboat", extra: str = "") -> str:
    return (f"@article{{{key},\n  author = {{{author}}},\n  title = {{{title}}},\n"
            f"  journal = {{{journal}}},\n  year = {{{year}}},\n  volume = {{{volume}}},\n"
            f"  number = {{{number}}},\n  pages = {{{pages}}},\n{extra}}}\n")


def refs_of(*texts: str):
    return [ref_from(text, text.split("{", 1)[1].split(",", 1)[0]) for text in texts]


def test_a_copy_with_a_misspelt_title_is_one_group_with_evidence() -> None:
    refs = refs_of(
        article("a", "Typesetting chemical formulae with TeX"),
        article("b", "Typesetting chemical formulas with {TeX}", pages="153"),
        article("c", "A different article about fonts"),
    )
    found = duplicate_findings(refs)
    assert [(f.key, f.severity, f.data["group"]) for f in found] == [
        ("b", "notice", ["a", "b"])]
    assert "title similarity" in found[0].data["evidence"]
    assert "same first author and year" in found[0].data["evidence"]
    assert found[0].file == "refs/b.bib" and found[0].line == 3  # the title's line
    assert "refs/distinct.txt" in found[0].message


def test_three_copies_are_one_finding_not_three() -> None:
    refs = refs_of(*(article(k, "The treasure chest of LaTeX packages") for k in "xyz"))
    found = duplicate_findings(refs)
    assert len(found) == 1 and found[0].data["group"] == ["x", "y", "z"]
    assert "x (refs/x.bib), z (refs/z.bib)" in found[0].message


def test_a_recurring_column_is_not_a_duplicate() -> None:
    # "Editorial comments" in every issue: same title and author, another issue or year.
    refs = refs_of(
        article("e1", "Editorial comments", number="1", pages="5--6"),
        article("e2", "Editorial comments", number="2", pages="153--154"),
        article("e3", "Editorial comments", year=1992, volume="13", number="1"),
        article("t1", "TUG 2002 announcement"), article("t2", "TUG 2003 announcement",
                                                       pages="160"),
    )
    assert duplicate_findings(refs) == []


def test_short_items_on_one_page_are_not_duplicates() -> None:
    refs = refs_of(article("m", "MAPS: Contents of issue 38--39 (2009)", pages="105"),
                   article("b", "Baskerville: Contents of issue 10.2 (2009)", pages="105"))
    assert duplicate_findings(refs) == []


def test_same_pmid_with_other_titles_in_other_words() -> None:
    refs = refs_of(article("p1", "Radiofrequency ablation for low back pain",
                           extra="  pmid = {34764220},\n"),
                   article("p2", "Radiofrequency ablation in low-back pain", pages="",
                           extra="  pmid = {34764220},\n"))
    found = duplicate_findings(refs)
    assert len(found) == 1 and "same PMID 34764220" in found[0].data["evidence"]


def test_marked_distinct_is_not_reported_again(tmp_path: Path) -> None:
    refs = refs_of(article("a", "Typesetting chemical formulae with TeX"),
                   article("b", "Typesetting chemical formulae with TeX", pages=""))
    assert len(duplicate_findings(refs)) == 1
    (tmp_path / "distinct.txt").write_text("# different works\nb, a\n", encoding="utf-8")
    assert duplicate_findings(refs, distinct_pairs(tmp_path)) == []
    assert read_distinct("a b c") == {frozenset("ab"), frozenset("ac"), frozenset("bc")}


def test_same_doi_is_an_error_on_the_second() -> None:
    lee = library_ref("lee2021learn")
    copy = ref_from("@article{lee2,\n  title = {Another},\n  doi = {10.2147/jpr.s325665},\n}\n",
                    "lee2")
    found = duplicate_findings([lee, copy])
    assert [(f.key, f.severity, f.line) for f in found] == [("lee2", "error", 3)]
    assert "also the doi of lee2021learn (refs/lee2021learn.bib)" in found[0].message


def test_ten_thousand_sources_with_common_titles_take_well_under_a_second_each() -> None:
    texts = []
    for i in range(10_000):
        title = "Editorial comments" if i % 10 == 0 else f"Study {i} of nerve block number {i}"
        texts.append(article(f"k{i}", title, year=1980 + i % 40, volume=str(i % 40),
                             number=str(i % 4), pages=str(i)))
    refs = refs_of(*texts)
    start = time.perf_counter()
    found = duplicate_findings(refs)
    elapsed = time.perf_counter() - start
    assert found == []
    assert elapsed < 5, f"{elapsed:.1f} s for 10,000 sources"


def test_a_long_comparison_shows_a_bar_and_finds_the_same(monkeypatch, capsys) -> None:
    from reflib.checks import duplicates

    refs = refs_of(
        article("a", "Typesetting chemical formulae with TeX"),
        article("b", "Typesetting chemical formulas with {TeX}", pages="153"),
        *(article(f"o{i}", f"Column number {i} on fonts", pages=str(i)) for i in range(30)))
    quiet = duplicate_findings(refs)
    assert capsys.readouterr().err == ""  # below BAR_FROM: no bar
    monkeypatch.setattr(duplicates, "BAR_FROM", 10)
    monkeypatch.setenv("REFS_PROGRESS", "1")
    assert duplicate_findings(refs) == quiet
    err = capsys.readouterr().err
    assert "finding duplicates" in err  # (click writes only the label when not a terminal)
    assert [f.data["group"] for f in quiet] == [["a", "b"]]
    steps: list[int] = []  # the comparison's share of the bar: one step a source in all
    facts = [duplicates._facts(i, ref) for i, ref in enumerate(refs)]
    list(duplicates._candidates(facts, steps.append))
    assert sum(steps) == len(refs) and all(step >= 0 for step in steps)
