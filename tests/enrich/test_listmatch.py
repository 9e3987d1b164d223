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
