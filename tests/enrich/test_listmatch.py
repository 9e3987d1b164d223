"""Resolving printed lines: search under find-doi's guards, notices that share a work's
title, the damage a printed first name suffers, and the dual-published guideline."""

from __future__ import annotations

import pytest
from fake_crossref import BUILT, FakeCrossref, load_message

from reflib.enrich.candidates import decide
from reflib.enrich.listmatch import ACCEPTED, AMBIGUOUS, resolve_line
from reflib.enrich.listmatch import BUILT as BUILT_STATUS
from reflib.enrich.printed import reference_of
from reflib.formats.reference_string import parse_reference
from reflib.registries.crossref.gateway import CrossrefClient
from reflib.registries.throttle import RetryPolicy

LEE = ("Lee, D. W., Pritzlaff, S., Jung, M. J., & Amirdelfan, K. (2021). Latest "
       "evidence-based application for radiofrequency neurotomy (LEARN): Best practice "
       "guidelines from the American Society of Pain and Neuroscience (ASPN). Journal of Pain "
       "Research, 14, 2807–2831.")
HURLEY = ("Hurley RW, Adams MCB, Barad M, et al. Consensus practice guidelines on interventions "
          "for cervical spine (facet) joint pain from a multispecialty international working "
          "group. Reg Anesth Pain Med. 2022;47(1):3-59.")


@pytest.fixture
def crossref():
    with FakeCrossref() as fake:
        for name in ("lee2021learn", "hurley2022cervical", "hurley2021painmed-dual",
                     "cohen2020lumbar"):
            fake.add_fixture(BUILT / f"{name}.json")
        client = CrossrefClient(fake.url, "t@example.org", timeout=2,
                                retry=RetryPolicy(attempts=1))
        yield fake, client
        client.close()


def item(name: str, score: float, **change) -> dict:
    return {**load_message(BUILT / f"{name}.json"), "score": score, **change}


def test_an_apa_line_without_doi_is_found_by_search(crossref) -> None:
    fake, client = crossref
    result = resolve_line(parse_reference(LEE), client)
    assert result.status == ACCEPTED and result.doi == "10.2147/JPR.S325665"
    assert result.how == "found by search"
    search = next(r for r in fake.requests if "query.bibliographic" in r.query)
    assert search.query["filter"] == ["type:journal-article"]
    assert "2807" in search.query["query.bibliographic"][0]


def test_the_dual_published_guideline_is_decided_by_the_printed_journal(crossref) -> None:
    _, client = crossref
    result = resolve_line(parse_reference(HURLEY), client)
    assert result.status == ACCEPTED and result.doi == "10.1136/rapm-2021-103031"
    by_doi = {c.doi: c for c in result.candidates}
    assert [c.name for c in by_doi["10.1093/pm/pnab281"].failed()] == ["container"]
    assert "only candidate in Reg Anesth Pain Med" in result.reason
    assert "not by score" in result.reason
    other = HURLEY.replace("Reg Anesth Pain Med. 2022;47(1):3-59", "Pain Med. 2021;22(11):2443")
    assert resolve_line(parse_reference(other), client).doi == "10.1093/pm/pnab281"


def test_the_dual_published_guideline_stays_ambiguous_without_a_journal(crossref) -> None:
    _, client = crossref
    line = HURLEY.replace(" Reg Anesth Pain Med. 2022;47(1):3-59.", " Published 2022.")
    result = resolve_line(parse_reference(line), client)
    assert result.status == AMBIGUOUS and result.doi == ""
    assert {"10.1136/rapm-2021-103031", "10.1093/pm/pnab281"} <= {
        c.doi for c in result.candidates}


def test_a_web_page_is_not_looked_up(crossref) -> None:
    fake, client = crossref
    line = ("Chou R, et al. Subacute and chronic low back pain. "
            "https://www.uptodate.com/contents/search. Accessed Dec. 5, 2023.")
    result = resolve_line(parse_reference(line), client)
    assert result.status == BUILT_STATUS and fake.requests == []


def test_a_correction_notice_is_neither_the_work_nor_its_rival() -> None:
    ref = reference_of(parse_reference(HURLEY))
    title = load_message(BUILT / "hurley2022cervical.json")["title"][0]
    notice = item("hurley2022cervical", 99.0, DOI="10.5555/correction",
                  title=[f"Correction: {title}"])
    decision = decide(ref, [item("hurley2022cervical", 100.0), notice])
    assert decision.accepted is not None and decision.accepted.doi == "10.1136/rapm-2021-103031"
    failed = {c.doi: c.failed() for c in decision.candidates}
    assert "a notice about a work" in failed["10.5555/correction"][0].detail
    first = decide(ref, [notice, item("hurley2022cervical", 50.0)])
    assert first.accepted is not None  # a notice scoring higher does not stand as top hit


@pytest.mark.parametrize("printed_name, accepted", [
    ("Hurely RW", True),     # two letters swapped
    ("Hurly RW", True),      # a letter dropped
    ("Adams MCB", True),     # the first author dropped: ours is their second
    ("Barad M", False),      # their third is not their first
    ("Smith RW", False),
])
def test_a_printed_first_name_may_be_misspelt_or_dropped(printed_name: str,
                                                         accepted: bool) -> None:
    line = HURLEY.replace("Hurley RW, Adams MCB, Barad M, et al.", f"{printed_name}, et al.")
    ref = reference_of(parse_reference(line))
    items = [item("hurley2022cervical", 100.0)]
    assert (decide(ref, items, printed=True).accepted is not None) is accepted
    assert decide(ref, items).accepted is None or printed_name.startswith("Hurley")


# -- PubMed searched for lines Crossref does not settle ------------------------------------

PUBMED_LINES = {
    # in PubMed with a DOI Crossref does not know
    "29963580": "Guo F, Capaldi D, Kirby M, et al. Development of a pulmonary imaging biomarker "
                "pipeline for phenotyping of chronic lung disease. J Med Imaging (Bellingham). "
                "2018;5(2):026002.",
    # in PubMed without a DOI
    "12091962": "Olivero JM. The treatment of AIDS behind the walls of correctional "
                "facilities. Soc Justice. 1990;17(1):113-125.",
}


@pytest.fixture
def pubmed():
    from fake_pubmed import PUBMED, FakePubMed

    from reflib.registries.pubmed.gateway import PubMedClient
    from reflib.registries.throttle import Limits

    with FakePubMed(rate=1000) as fake:
        for name in ("efetch_pmid29963580_collectivename_mathml_biopython.xml",
                     "efetch_pmid12091962+9997_two-records_season-date_biopython.xml",
                     "efetch_pmid28731372_rct_title-sub-tag_pmc_metapub.xml"):
            fake.add_file(PUBMED / name)
        client = PubMedClient(fake.url, email="t@example.org", timeout=2,
                              limits=Limits(requests=1000, interval=1.0, concurrency=4),
                              retry=RetryPolicy(attempts=1))
        yield fake, client
        client.close()


def test_a_line_only_pubmed_holds_gets_its_pmid_and_doi(crossref, pubmed) -> None:
    _, client = crossref
    fake, pubmed_client = pubmed
    without = resolve_line(parse_reference(PUBMED_LINES["29963580"]), client)
    assert without.status != ACCEPTED and without.pmid == ""
    result = resolve_line(parse_reference(PUBMED_LINES["29963580"]), client,
                          pubmed=pubmed_client)
    assert result.status == ACCEPTED and result.registry == "PubMed"
    assert result.pmid == "29963580" and result.doi == "10.1117/1.JMI.5.2.026002"
    assert result.how == "found by PubMed search"
    assert any("Crossref does not know" in n for n in result.notes)
    term = [r for r in fake.requests if r.path.endswith("esearch.fcgi")][0].params
    assert term["sort"] == "relevance"
    assert "pulmonary[ti]" in term["term"] and "guo f[au]" in term["term"]
    assert "2018[dp]" in term["term"]


def test_a_pubmed_record_without_a_doi_gives_the_pmid_alone(crossref, pubmed) -> None:
    _, client = crossref
    result = resolve_line(parse_reference(PUBMED_LINES["12091962"]), client,
                          pubmed=pubmed[1])
    assert result.status == ACCEPTED and result.pmid == "12091962" and result.doi == ""
    assert "PubMed gives no DOI" in " ".join(result.notes)


def test_pubmed_hits_face_the_same_guards(crossref, pubmed) -> None:
    _, client = crossref
    # a misspelt first author and the wrong year still find it (the title-only group) ...
    line = PUBMED_LINES["12091962"].replace("Olivero", "Olviero").replace("1990", "1991")
    assert resolve_line(parse_reference(line), client, pubmed=pubmed[1]).pmid == "12091962"
    # ... another first author, or another title, does not pass
    other = PUBMED_LINES["12091962"].replace("Olivero JM", "Smith AB")
    assert resolve_line(parse_reference(other), client, pubmed=pubmed[1]).status != ACCEPTED
    title = PUBMED_LINES["12091962"].replace("behind the walls of", "outside")
    assert resolve_line(parse_reference(title), client, pubmed=pubmed[1]).status != ACCEPTED


LEE_WITHOUT_JOURNAL = (
    "Lee DW, Pritzlaff S, Jung MJ, et al. Latest Evidence-Based Application for "
    "Radiofrequency Neurotomy (LEARN): Best Practice Guidelines from the American Society of "
    "Pain and Neuroscience (ASPN). 2021.")


def resolved_with_lee_in_pubmed(line: str, client):  # noqa: ANN001, ANN201
    """`line` resolved with a local PubMed holding Lee 2021's real record (PMID 34526815)."""
    from fake_pubmed import PUBMED_BUILT, FakePubMed

    from reflib.registries.pubmed.gateway import PubMedClient
    from reflib.registries.throttle import Limits

    with FakePubMed(rate=1000) as fake:
        fake.add_file(PUBMED_BUILT / "efetch_pmid34526815_lee2021learn.xml")
        pubmed = PubMedClient(fake.url, email="t@example.org", timeout=2,
                              limits=Limits(requests=1000, interval=1.0, concurrency=4))
        try:
            return resolve_line(parse_reference(line), client, pubmed=pubmed)
        finally:
            pubmed.close()


def test_pubmed_does_not_settle_two_equal_crossref_records(crossref) -> None:
    """Which of two records Crossref cannot tell apart PubMed indexes is no evidence of
    which one the line cites (a work published twice): the line stays ambiguous."""
    fake_crossref, client = crossref
    fake_crossref.add_works([{**load_message(BUILT / "lee2021learn.json"),
                              "DOI": "10.5555/lee.copy"}])  # a second record, all alike
    line = LEE_WITHOUT_JOURNAL
    alone = resolve_line(parse_reference(line), client)
    assert alone.status == AMBIGUOUS and "match equally well" in alone.reason
    result = resolved_with_lee_in_pubmed(line, client)
    assert result.status == AMBIGUOUS and result.doi == "" and result.pmid == ""
    assert any("PubMed indexes 10.2147/JPR.S325665 (PMID 34526815), one of the candidates "
               "Crossref could not tell apart; not decided" in n for n in result.notes)


def test_a_pubmed_doi_naming_another_work_in_crossref_is_not_taken(crossref) -> None:
    """PubMed's record for the line, whose DOI Crossref holds for a different work (PubMed
    DOIs are sometimes wrong): the source is PubMed's record, without that DOI."""
    fake_crossref, client = crossref
    lee = load_message(BUILT / "lee2021learn.json")
    fake_crossref.add_works([{**load_message(BUILT / "cohen2020lumbar.json"),
                              "DOI": lee["DOI"]}])
    line = LEE_WITHOUT_JOURNAL
    result = resolved_with_lee_in_pubmed(line, client)
    assert result.pmid == "34526815"
    assert result.doi == "" and result.record is None
    assert any("names another work in Crossref" in n for n in result.notes)


def test_a_publisher_line_is_read_as_a_book_a_thesis_a_data_set_or_a_report(crossref) -> None:
    """`Author. Title. Publisher; 2020.` may be a thesis: a real dissertation record (the
    bench's pool, from ../shared/corpora/crossref) is found and accepted, the same line
    read as a journal article is not."""
    import gzip
    import json

    from conftest import ROOT

    fake, client = crossref
    with gzip.open(ROOT / "bench/data/from_list/pool.jsonl.gz", "rt", encoding="utf-8") as f:
        thesis = next(m for m in map(json.loads, f) if m["DOI"] == "10.14264/uql.2020.791")
    fake.add_works([thesis])
    line = ("Collingwood PM. School truancy and financial independence during emerging "
            "adulthood: a longitudinal analysis of receipt of and reliance on cash transfers. "
            "University of Queensland Library; 2020.")
    result = resolve_line(parse_reference(line), client)
    assert result.status == ACCEPTED and result.doi == "10.14264/uql.2020.791"
    assert "type" in result.reason
    filters = fake.requests[-1].query.get("filter", [""])[0]
    assert "type:dissertation" in filters and "type:book" in filters


def test_a_line_read_several_ways_is_certain_only_when_no_reading_lets_another_pass(
        crossref) -> None:
    """`Leung, V. S. (2018). Title. Cambridge University Press.`: read as a book it fits the
    book, read as misc its preprint (a year earlier: the misprinted year fits it best).
    The score must not choose; the publisher the line prints does."""
    import gzip
    import json

    from conftest import ROOT

    fake, client = crossref
    with gzip.open(ROOT / "bench/data/from_list/pool.jsonl.gz", "rt", encoding="utf-8") as f:
        book = next(m for m in map(json.loads, f) if m["DOI"] == "10.1017/9781108348843")
    preprint = {k: book[k] for k in ("title", "author")} | {
        "DOI": "10.5555/preprint.leung", "type": "posted-content",
        "issued": {"date-parts": [[2018]]}}
    fake.add_works([book, preprint])
    line = ("Leung, V. S. (2018). The Politics of the Past in Early China. Cambridge "
            "University Press.")
    result = resolve_line(parse_reference(line), client)
    assert result.status == ACCEPTED and result.doi == "10.1017/9781108348843"
    assert "publisher the line prints (Cambridge University Press)" in result.reason
    unprinted = resolve_line(parse_reference(line.replace(" Cambridge University Press.", "")),
                             client)
    assert unprinted.status == AMBIGUOUS and unprinted.doi == ""
