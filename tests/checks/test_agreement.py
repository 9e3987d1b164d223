"""Metadata agreement with Crossref records and updates to works (reflib/agreement.py)."""

from __future__ import annotations

import copy

import pytest
from checks_support import DOI_KEYS, crossref_message, library_ref, with_fields

from reflib.checks.agreement import (
    crossref_years,
    metadata_findings,
    page_range,
    update_findings,
    update_type,
)


@pytest.mark.parametrize("doi,key", sorted(DOI_KEYS.items()))
def test_the_six_articles_agree_with_their_records(doi: str, key: str) -> None:
    assert metadata_findings(library_ref(key), crossref_message(doi)) == []
    assert update_findings(library_ref(key), crossref_message(doi)) == []


@pytest.mark.parametrize("doi,key,cited,issued", [
    ("10.1007/s40122-022-00455-0", "manchikanti2023neck", 2023, 2022),
    ("10.1136/rapm-2021-103031", "hurley2022cervical", 2022, 2021),
])
def test_year_traps_print_year_cited_online_year_issued(doi, key, cited, issued) -> None:
    record = crossref_message(doi)
    assert crossref_years(record)["issued"] == issued
    assert library_ref(key).year == cited
    assert metadata_findings(library_ref(key), record) == []
    online_only = {k: v for k, v in record.items() if k not in ("published-print",
                                                                "journal-issue")}
    found = metadata_findings(library_ref(key), online_only)
    assert [(f.severity, f.data["field"]) for f in found] == [("error", "year")]
    assert f"online {issued}" in found[0].message


def test_a_year_matching_neither_print_nor_online_is_an_error() -> None:
    ref = with_fields(library_ref("lee2021learn"), year="{2019}")
    found = metadata_findings(ref, crossref_message("10.2147/JPR.S325665"))
    assert [(f.severity, f.data["field"]) for f in found] == [("error", "year")]
    assert found[0].line == ref.line_of("year")


def test_title_differing_in_a_word_shows_the_difference() -> None:
    ref = with_fields(library_ref("janapala2021efficacy"),
                      title="{Efficacy of radiofrequency neurotomy in chronic lower back pain: "
                            "a systematic review and meta-analysis}")
    found = metadata_findings(ref, crossref_message("10.2147/JPR.S323362"))
    assert len(found) == 1 and found[0].severity == "warning"
    assert "(here → Crossref): lower → low" in found[0].message


def test_case_braces_accents_and_punctuation_are_not_differences() -> None:
    record = crossref_message("10.2147/JPR.S325665")
    record["title"] = ["Latest evidence based application for radiofrequency neurotomy "
                       "(LEARN) – best practice guidelines from the américan society of pain "
                       "and neuroscience (<i>ASPN</i>)"]
    assert metadata_findings(library_ref("lee2021learn"), record) == []


def test_a_wholly_different_title_suggests_a_wrong_doi() -> None:
    record = copy.deepcopy(crossref_message("10.2147/JPR.S325665"))
    record["title"] = ["Mechanisms of tinnitus in adolescent zebrafish"]
    found = [f for f in metadata_findings(library_ref("lee2021learn"), record)
             if f.data["field"] == "title"]
    assert found[0].severity == "error" and "is the DOI right" in found[0].message


def test_journal_full_or_abbreviated_and_ampersand() -> None:
    ref = library_ref("cohen2020lumbar")
    record = crossref_message("10.1136/rapm-2019-101243")
    record["container-title"] = ["Regional Anesthesia and Pain Medicine"]
    record["short-container-title"] = []
    assert metadata_findings(ref, record) == []
    only_abbreviation = with_fields(ref, journal="{Reg Anesth Pain Med}", shortjournal=None)
    assert metadata_findings(only_abbreviation, crossref_message("10.1136/rapm-2019-101243")) \
        == []
    other = with_fields(ref, journal="{Pain Medicine}", shortjournal=None)
    found = metadata_findings(other, crossref_message("10.1136/rapm-2019-101243"))
    assert [(f.severity, f.data["field"]) for f in found] == [("warning", "journal")]


def test_publisher_is_not_compared() -> None:
    ref = with_fields(library_ref("lee2021learn"), publisher="{Dove Medical Press}")
    assert metadata_findings(ref, crossref_message("10.2147/JPR.S325665")) == []


def test_first_author_count_volume_issue_pages() -> None:
    ref = library_ref("cohen2020lumbar")
    record = crossref_message("10.1136/rapm-2019-101243")
    changed = with_fields(ref, author="{Cohan, Steven P. and Bhaskar, Arun}", volume="{46}",
                          number="{5}", pages="{425--467}")
    first = [f for f in metadata_findings(changed, record) if "first author" in f.message]
    assert "Cohan here, Cohen at Crossref" in first[0].message
    severities = sorted((f.data["field"], f.severity) for f in metadata_findings(changed, record))
    assert severities == [("author", "error"), ("author", "warning"), ("number", "warning"),
                          ("pages", "error"), ("volume", "error")]


def test_and_others_allows_fewer_authors() -> None:
    ref = with_fields(library_ref("cohen2020lumbar"),
                      author="{Cohen, Steven P. and Bhaskar, Arun and others}")
    assert metadata_findings(ref, crossref_message("10.1136/rapm-2019-101243")) == []


def test_missing_fields_crossref_has_are_notices() -> None:
    ref = with_fields(library_ref("hurley2022cervical"), number=None, pages=None)
    found = metadata_findings(ref, crossref_message("10.1136/rapm-2021-103031"))
    assert sorted((f.data["field"], f.severity) for f in found) == [
        ("number", "notice"), ("pages", "notice")]


@pytest.mark.parametrize("text,expected", [
    ("424--467", ("424", "467")), ("424–467", ("424", "467")), ("2807-31", ("2807", "2831")),
    ("e33693", ("e33693", "")), ("", ("", "")),
])
def test_page_range(text, expected) -> None:
    assert page_range(text) == expected


def _ref():
    return library_ref("lee2021learn")


def test_retraction_from_retraction_watch_is_an_error_naming_the_notice() -> None:
    found = update_findings(_ref(), crossref_message("10.5555/retracted.1"))
    assert [(f.check, f.severity) for f in found] == [("updates", "error")]
    assert "10.5555/retraction.1" in found[0].message
    assert "Retraction Watch" in found[0].message
    assert found[0].data["type"] == "retraction"


def test_expression_of_concern_is_a_warning() -> None:
    found = update_findings(_ref(), crossref_message("10.5555/concern.1"))
    assert [(f.severity, f.data["type"]) for f in found] == [
        ("warning", "expression_of_concern")]
    assert "10.5555/eoc.1" in found[0].message


def test_correction_is_one_notice_naming_its_doi_and_both_sources() -> None:
    found = update_findings(_ref(), crossref_message("10.5555/corrected.1"))
    assert len(found) == 1 and found[0].severity == "notice"
    assert "10.5555/erratum.1" in found[0].message
    assert found[0].data["sources"] == ["publisher", "retraction-watch"]


def test_citing_a_retraction_notice_itself_is_an_error() -> None:
    found = update_findings(_ref(), crossref_message("10.5555/retraction.1"))
    assert [(f.severity, f.data["type"]) for f in found] == [("error", "retraction_notice")]
    assert "10.5555/retracted.1" in found[0].message


@pytest.mark.parametrize("kind,severity", [
    ("withdrawal", "error"), ("removal", "error"), ("Partial Retraction", "error"),
    ("erratum", "notice"), ("new_version", "notice"), ("something-new", "notice"),
])
def test_update_types(kind: str, severity: str) -> None:
    record = {"updated-by": [{"DOI": "10.5555/n.1", "type": kind, "source": "publisher"}]}
    assert [f.severity for f in update_findings(_ref(), record)] == [severity]


def test_retracted_title_marker() -> None:
    found = update_findings(_ref(), {"title": ["RETRACTED: A trial"]})
    assert [(f.severity, f.data["type"]) for f in found] == [("error", "retracted_title")]


def test_update_type_normalised() -> None:
    assert update_type("Expression of Concern") == "expression_of_concern"
    assert update_type("expression-of-concern") == "expression_of_concern"
