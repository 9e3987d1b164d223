"""Reading a printed reference line: the article's own list, and one reference printed in
AMA, Vancouver, APA, Harvard and Chicago author-date, as chapters, books, web pages."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import FIXTURES

from reflib.formats.reference_string import parse_reference, parse_reference_list, printed_date

LIST = (FIXTURES / "checks" / "article-reference-list.txt").read_text(encoding="utf-8")
TITLE = ("Latest evidence-based application for radiofrequency neurotomy (LEARN): Best "
         "practice guidelines from the American Society of Pain and Neuroscience (ASPN)")


def test_the_articles_own_list() -> None:
    lines = parse_reference_list(LIST)
    assert [r.number for r in lines] == list(range(1, 13))
    assert [r.kind for r in lines] == ["article"] * 6 + [
        "web", "chapter", "web", "personal", "book", "chapter"]
    lee = lines[0]
    assert lee.names == [("Lee", "DW")] and lee.et_al and lee.title == TITLE
    assert lee.container == "Journal of Pain Research" and lee.year == 2021
    assert lee.doi == "10.2147/JPR.S325665"
    chapter = lines[7]
    assert chapter.names == [("Benson", "HT")] and chapter.editors == "eds" and chapter.et_al
    assert chapter.title == "Radiofrequency treatment"
    assert chapter.container == "Practical Management of Pain"
    assert (chapter.edition, chapter.publisher, chapter.year) == ("6", "Elsevier", 2023)
    assert chapter.urls == ["https://www.clinicalkey.com"]
    assert chapter.accessed == date(2023, 12, 5)
    nass = lines[8]
    assert nass.names == [] and nass.title == "Diagnosis and treatment of low back pain"
    assert nass.year == 2020 and nass.container == "North American Spine Society"
    mauck = lines[9]
    assert mauck.names == [("Mauck", "WD")] and mauck.organisation == "Mayo Clinic"
    assert mauck.personal_date == date(2024, 1, 2) and mauck.parsed
    book = lines[10]
    assert book.editors == "ed" and book.title == "Radiofrequency Ablation Techniques"
    assert book.publisher == "Elsevier" and book.accessed == date(2023, 12, 7)


@pytest.mark.parametrize("style, line", [
    ("ama", "Lee DW, Pritzlaff S, Jung MJ, et al. " + TITLE + ". J Pain Res. "
     "2021;14(3):2807-2831. doi:10.2147/JPR.S325665"),
    ("vancouver", "1. Lee DW, Pritzlaff S, Jung MJ, Ghosh P, Hagedorn JM, Tate J, et al. "
     + TITLE + ". J Pain Res. 2021 Sep 8;14(3):2807-31. PMID: 34526815; PMCID: PMC8436449."),
    ("apa", "Lee, D. W., Pritzlaff, S., Jung, M. J., & Amirdelfan, K. (2021). " + TITLE
     + ". Journal of Pain Research, 14(3), 2807–2831. https://doi.org/10.2147/JPR.S325665"),
    ("harvard", "Lee, D.W., Pritzlaff, S. and Jung, M.J. (2021) '" + TITLE + "', Journal "
     "of Pain Research, 14(3), pp. 2807–2831. Available at: https://doi.org/10.2147/JPR.S325665."),
    ("chicago", "Lee, David W., Scott Pritzlaff, and Michael J. Jung. 2021. “" + TITLE
     + ".” Journal of Pain Research 14 (3): 2807–31. https://doi.org/10.2147/JPR.S325665."),
])
def test_one_article_in_five_styles(style: str, line: str) -> None:
    ref = parse_reference(line)
    assert ref.names[0] == ("Lee", "DW"), style
    assert ref.title == TITLE
    assert ref.container in ("J Pain Res", "Journal of Pain Research")
    assert (ref.year, ref.volume, ref.issue) == (2021, "14", "3")
    assert ref.pages.startswith("2807-")
    assert ref.kind == "article"
    if style != "vancouver":
        assert ref.doi == "10.2147/JPR.S325665"
    else:
        assert (ref.pmid, ref.pmcid) == ("34526815", "PMC8436449")
    if style in ("apa", "harvard", "chicago"):
        assert [n[0] for n in ref.names] == ["Lee", "Pritzlaff", "Jung"] + (
            ["Amirdelfan"] if style == "apa" else [])


def test_chapters_in_three_styles() -> None:
    ama = parse_reference("Smith JA. Nerve blocks. In: Benzon HT, Rathmell JP, eds. Practical "
                          "Management of Pain. 5th ed. Mosby; 2014:10-20.")
    vancouver = parse_reference("Smith JA. Nerve blocks. In: Benzon HT, editor. Practical "
                                "management of pain. 5th ed. Philadelphia: Mosby; 2014. p. 10-20.")
    for ref in (ama, vancouver):
        assert ref.kind == "chapter" and ref.names == [("Smith", "JA")]
        assert ref.title == "Nerve blocks" and ref.book_editors[0] == ("Benzon", "HT")
        assert ref.container.lower() == "practical management of pain"
        assert (ref.edition, ref.publisher, ref.year, ref.pages) == ("5", "Mosby", 2014, "10-20")
    assert vancouver.place == "Philadelphia"


def test_a_title_ending_in_a_question_mark_is_read_both_ways() -> None:
    ref = parse_reference("Thanopoulou Z, Sini M. How many fish? Comparison of two methods. "
                          "PeerJ. 2018;6:e5066.")
    assert ref.title == "How many fish?"
    assert ref.title_options == ["How many fish?", "How many fish? Comparison of two methods"]
    assert ref.container == "PeerJ" and ref.pages == "e5066"


def test_accented_names_and_particles() -> None:
    ref = parse_reference("Holubová M, Čech M, van Zundert J. Density dependent attributes of "
                          "fish aggregative behaviour. PeerJ. 2019;7:e6378.")
    assert [n[0] for n in ref.names] == ["Holubová", "Čech", "van Zundert"]
    chicago = parse_reference("Cohen, Steven P., and Jan van Zundert. 2020. “Consensus "
                              "practice guidelines.” Reg Anesth Pain Med 45 (6): 424–67.")
    assert chicago.names == [("Cohen", "SP"), ("van Zundert", "J")]


def test_not_a_reference() -> None:
    ref = parse_reference("...")
    assert not ref.parsed


@pytest.mark.parametrize("text, expected", [
    ("Dec. 5, 2023", date(2023, 12, 5)), ("5 December 2023", date(2023, 12, 5)),
    ("2023 Dec 5", date(2023, 12, 5)), ("2023-12-05", date(2023, 12, 5)),
    ("Febtember 5, 2023", None), ("Feb 30, 2023", None),
])
def test_printed_dates(text: str, expected: date | None) -> None:
    assert printed_date(text) == expected


def test_harvard_prints_the_publisher_after_the_journal() -> None:
    """Cite Them Right Harvard (pandoc's citeproc, bench/data/from_list) prints the
    journal, then its publisher, then the numbers: the journal is the first sentence."""
    ref = parse_reference("Leu, S. T. and Bull, C. M. (2016) ‘Artificial Water Point for "
                          "Livestock Influences Spatial Ecology of a Native Lizard Species’, "
                          "PLOS ONE. Edited by C. Cooper. Public Library of Science (PLoS), "
                          "11(1), p. e0147433.")
    assert ref.names == [("Leu", "ST"), ("Bull", "CM")] and ref.year == 2016
    assert ref.title.startswith("Artificial Water Point") and ref.container == "PLOS ONE"
    assert (ref.volume, ref.issue, ref.pages) == ("11", "1", "e0147433")
    # an unquoted title may leave its end in the head: there the journal is the last part
    ama = parse_reference("Ali NM, Khan HA. Fish Ontology framework for taxonomy-based fish "
                          "recognition. PeerJ. 2017;5:e3811.")
    assert ama.container == "PeerJ"
