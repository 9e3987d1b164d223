"""Parsing real PubMed efetch answers (tests/fixtures/pubmed, see SOURCES.md)."""

from __future__ import annotations

import pytest
from fake_pubmed import PUBMED, read_text

from reflib.errors import BadResponse
from reflib.registries.pubmed.record import (
    expand_pages,
    parse_articles,
    parse_date_text,
    parse_record,
)

BASELINE = PUBMED / "baseline-pubmed19_176-records_retractions_medlinedate_updatein_fatcat.xml.gz"


def one(name: str):
    return parse_record(read_text(PUBMED / name))


@pytest.fixture(scope="module")
def baseline():
    return parse_articles(read_text(BASELINE))


def test_practice_guideline_with_updates_and_erratum():
    record = one("efetch_pmid32887691_practice-guideline_updatein_erratumin_pubmed-client.xml")
    assert record.pmid == "32887691"
    assert record.doi == "10.1136/bmj.m3379"
    assert record.publication_types == ("Journal Article", "Practice Guideline")
    assert record.medline_ta == "BMJ" and record.journal == "BMJ (Clinical research ed.)"
    assert (record.year, record.month, record.day) == ("2020", 9, 4)
    assert record.pages == "m3379" and record.volume == "370"
    updates = record.corrections("UpdateIn")
    assert [c.pmid for c in updates] == ["33214213", "33789884", "34230027", "34556469"]
    assert updates[0].doi == "10.1136/bmj.m4475"
    assert [c.pmid for c in record.corrections("ErratumIn")] == ["35470203"]
    assert "Betacoronavirus*" in record.mesh and "Humans" in record.mesh
    assert any(a.given == "François" for a in record.authors)  # &#xe7; decoded


def test_reference_list_ids_are_not_the_articles():
    record = one("efetch_pmid27797938_feb2018-recording_title-i-tag-glued_biopython-branch.xml")
    assert record.pmcid == "PMC5442267"
    assert record.doi == "10.1136/gutjnl-2016-312510"


def test_glued_italic_title_gets_its_spaces_back():
    record = one("efetch_pmid27797938_feb2018-recording_title-i-tag-glued_biopython-branch.xml")
    assert "at the <i>TERT</i> gene region" in record.title_markup
    assert "<i>" not in record.title and "TERT" in record.title


def test_subscript_title():
    record = one("efetch_pmid38914053_title-sub-tag_metapub.xml")
    assert record.title_markup.startswith("Doped SnO<sub>2</sub> thin films")
    rct = one("efetch_pmid28731372_rct_title-sub-tag_pmc_metapub.xml")
    assert "vitamin D<sub>3</sub> supplementation" in rct.title_markup
    assert "Randomized Controlled Trial" in rct.publication_types


def test_markup_across_a_quote_is_kept_as_sent():
    record = one("efetch_pmid30108519_title-quote-i-markup_mathml-abstract_biopython.xml")
    assert record.title.startswith('A "Blood Relationship" Between')


def test_collective_name_and_parenthesised_medline_ta():
    record = one("efetch_pmid29963580_collectivename_mathml_biopython.xml")
    assert record.medline_ta == "J Med Imaging (Bellingham)"
    groups = [a.collective for a in record.authors if a.collective]
    assert groups == ["Canadian Respiratory Research Network"]


def test_suffix():
    record = one("efetch_pmid31789841_suffix-jr_metapub.xml")
    artino = next(a for a in record.authors if a.family == "Artino")
    assert artino.suffix == "Jr" and artino.display == "Artino, Anthony R, Jr"


def test_season_range_gives_first_month():
    record = one("efetch_pmid35830032_meta-analysis_review_season-range_allcaps-title_metapub.xml")
    assert (record.year, record.month, record.date_text) == ("2022", 4, "Apr-Jun")
    assert record.publication_types == ("Journal Article", "Meta-Analysis", "Review")


def test_two_records_in_one_answer_and_abbreviated_pages():
    records = parse_articles(read_text(
        PUBMED / "efetch_pmid12091962+9997_two-records_season-date_biopython.xml"))
    assert list(records) == ["12091962", "9997"]
    assert records["12091962"].date_text == "Spring" and records["12091962"].month is None
    assert records["9997"].doi == "10.1016/0005-2795(76)90109-4"


def test_empty_set_is_no_record():
    assert parse_articles(read_text(PUBMED / "efetch_empty-set_pmid37909814_metapub.xml")) == {}
    with pytest.raises(BadResponse, match="found 0"):
        parse_record(read_text(PUBMED / "efetch_empty-set_pmid37909814_metapub.xml"))


def test_book_record():
    record = one("efetch_pmid20301295_pubmedbookarticle_genereviews_klortho.xml")
    assert record.kind == "book" and record.title == "GeneReviews™"
    assert record.editors[0].family == "Pagon" and record.publisher.startswith("University")


def test_medline_dates(baseline):
    assert (baseline["10188493"].year, baseline["10188493"].month) == ("1998", 12)
    assert (baseline["18122624"].year, baseline["18122624"].month) == ("1947", None)
    assert (baseline["29635139"].year, baseline["29635139"].month) == ("2018", 5)
    assert baseline["18941263"].year == "2008"


def test_retraction_pair(baseline):
    retracted = baseline["11543891"]
    assert "Retracted Publication" in retracted.publication_types
    assert [c.pmid for c in retracted.corrections("RetractionIn")] == ["11600210"]
    notice = baseline["11600210"]
    assert notice.publication_types == ("Retraction of Publication",)
    assert [c.pmid for c in notice.corrections("RetractionOf")] == ["11543891"]


def test_erratum_without_pmid(baseline):
    errata = baseline["8863847"].corrections("ErratumIn")
    assert errata[0].pmid == "" and errata[0].ref_source.startswith("Mol Pharmacol 1997")


def test_suffix_in_baseline(baseline):
    assert any(a.suffix == "Jr" for a in baseline["9575322"].authors)


@pytest.mark.parametrize("text,expected", [
    ("2807-31", "2807-2831"), ("3-59", "3-59"), ("e123", "e123"), ("S1-9", "S1-S9"),
    ("1116-1122", "1116-1122"), ("99-101", "99-101")])
def test_expand_pages(text, expected):
    assert expand_pages(text) == expected


def test_date_text():
    assert parse_date_text("1993 Sep-Oct") == ("1993", 9)
    assert parse_date_text("Spring") == ("", None)


def test_entities_refused():
    hostile = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
               "<PubmedArticleSet>&a;</PubmedArticleSet>")
    with pytest.raises(BadResponse, match="entities"):
        parse_articles(hostile)


def test_not_a_pubmed_answer():
    with pytest.raises(BadResponse, match="eSummaryResult"):
        parse_articles(read_text(PUBMED / "esummary_error_no-id-nor-query-key_biopython.xml"))


def test_record_keeps_ncbis_own_xml_and_reads_it_back():
    text = read_text(PUBMED / "efetch_pmid12091962+9997_two-records_season-date_biopython.xml")
    records = parse_articles(text)
    for record in records.values():
        assert record.xml in text and record.xml.startswith("<PubmedArticle>")
        assert parse_record(record.xml) == record  # a kept record is one bare article
