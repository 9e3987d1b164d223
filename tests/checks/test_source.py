"""The checks that need only refs/ (reflib/source_checks.py)."""

from __future__ import annotations

from datetime import date

import pytest
from checks_support import library_ref, ref_from, with_fields

from reflib.checks.duplicates import duplicate_findings
from reflib.checks.source import (
    completeness_findings,
    currency_findings,
    doi_findings,
    months_between,
    order_findings,
)
from reflib.errors import Problem
from reflib.library.textmatch import near_identical

ARTICLE_DATE = date(2024, 4, 6)  # the article's last update


@pytest.mark.parametrize("written,normal", [
    ("doi:10.2147/JPR.S325665", "10.2147/JPR.S325665"),
    ("https://doi.org/10.2147/JPR.S325665", "10.2147/JPR.S325665"),
    (" 10.2147/JPR.S325665. ", "10.2147/JPR.S325665"),
    ("https://dx.doi.org/10.1002/%28SICI%291097-4636", "10.1002/(SICI)1097-4636"),
])
def test_doi_not_in_normal_form_is_a_warning_with_the_fix(written: str, normal: str) -> None:
    ref = with_fields(library_ref("lee2021learn"), doi="{" + written + "}")
    found = doi_findings(ref)
    assert [f.severity for f in found] == ["warning"]
    assert f"doi = {{{normal}}}" in found[0].message
    assert found[0].line == ref.line_of("doi")


def test_doi_case_alone_is_not_reported() -> None:
    assert doi_findings(with_fields(library_ref("lee2021learn"), doi="{10.2147/jpr.s325665}")) \
        == []


def test_not_a_doi_is_an_error() -> None:
    found = doi_findings(with_fields(library_ref("lee2021learn"), doi="{10.2147/JPR. S325665}"))
    assert [f.severity for f in found] == ["error"]


def test_doi_link_in_url_is_a_notice() -> None:
    ref = with_fields(library_ref("lee2021learn"), doi=None,
                      url="{https://doi.org/10.2147/JPR.S325665}")
    assert [(f.severity, f.data["doi"]) for f in doi_findings(ref)] == [
        ("notice", "10.2147/JPR.S325665")]


def test_the_twelve_completeness_notices() -> None:
    keys = ["lee2021learn", "janapala2021efficacy", "manchikanti2023neck", "sayed2022lowback",
            "cohen2020lumbar", "hurley2022cervical", "chou-uptodate-lbp",
            "benzon2023radiofrequency", "nass2020lbp", "mauck2024expert", "abdelsayed2024rfa",
            "abdelsayed2024bvn"]
    found = {k: completeness_findings(library_ref(k)) for k in keys}
    assert all(f.severity == "notice" for fs in found.values() for f in fs)
    assert {k for k, fs in found.items() if fs} == {
        "benzon2023radiofrequency", "abdelsayed2024bvn", "mauck2024expert"}
    assert found["benzon2023radiofrequency"][0].data["missing"] == ["chapter authors", "pages"]
    assert found["abdelsayed2024bvn"][0].data["missing"] == [
        "chapter authors", "pages", "edition"]
    assert "personal communication" in found["mauck2024expert"][0].message


def test_article_without_volume_and_pages_is_an_error() -> None:
    ref = with_fields(library_ref("lee2021learn"), volume=None, pages=None)
    found = completeness_findings(ref)
    assert [(f.severity, f.data["missing"]) for f in found] == [("error", ["volume", "pages"])]


def test_chapter_needs_editors_book_title_publisher_year() -> None:
    ref = with_fields(library_ref("benzon2023radiofrequency"), editor=None, publisher=None)
    errors = [f for f in completeness_findings(ref) if f.severity == "error"]
    assert errors[0].data["missing"] == ["editors", "publisher"]


def test_months_between() -> None:
    assert months_between(date(2023, 12, 5), date(2024, 12, 5)) == 12
    assert months_between(date(2023, 12, 5), date(2024, 12, 4)) == 11


def test_access_dates_of_the_twelve_are_current_on_the_article_date() -> None:
    for key in ("chou-uptodate-lbp", "nass2020lbp", "benzon2023radiofrequency"):
        assert currency_findings(library_ref(key), ARTICLE_DATE, 12) == []


def test_old_access_date_is_a_warning() -> None:
    found = currency_findings(library_ref("chou-uptodate-lbp"), date(2026, 11, 22), 12)
    assert [(f.severity, f.data["age_months"]) for f in found] == [("warning", 35)]
    assert "uptodate.com" in found[0].message
    assert currency_findings(library_ref("chou-uptodate-lbp"), date(2026, 11, 22), 36) == []


def test_web_source_without_url_or_access_date_is_an_error() -> None:
    ref = with_fields(library_ref("nass2020lbp"), url=None, urldate=None)
    found = currency_findings(ref, ARTICLE_DATE, 12)
    assert sorted(f.data["missing"] for f in found) == ["url", "urldate"]
    assert {f.severity for f in found} == {"error"}


def test_unreadable_access_date_is_an_error() -> None:
    ref = with_fields(library_ref("nass2020lbp"), urldate="{5 Dec}")
    assert [f.severity for f in currency_findings(ref, ARTICLE_DATE, 12)] == ["error"]


def test_same_doi_twice_is_an_error() -> None:
    lee = library_ref("lee2021learn")
    copy = ref_from("@article{lee2,\n  title = {Another},\n  doi = {10.2147/jpr.s325665},\n}\n",
                    "lee2")
    found = duplicate_findings([lee, copy])
    assert [(f.key, f.severity) for f in found] == [("lee2", "error")]


def test_near_identical_titles_are_a_notice() -> None:
    hurley = library_ref("hurley2022cervical")
    pain_med = ref_from("@article{hurley2021pm,\n  title = {Consensus Practice Guidelines on "
                        "Interventions for Cervical Spine (Facet) Joint Pain from a "
                        "Multispecialty International Working Group},\n"
                        "  doi = {10.1093/pm/pnab281},\n}\n", "hurley2021pm")
    found = duplicate_findings([hurley, pain_med])
    assert [(f.key, f.severity, f.data["other"]) for f in found] == [
        ("hurley2021pm", "notice", "hurley2022cervical")]


def test_lumbar_and_cervical_guidelines_are_not_duplicates() -> None:
    assert not near_identical(library_ref("cohen2020lumbar").title,
                              library_ref("hurley2022cervical").title)
    assert duplicate_findings([library_ref("cohen2020lumbar"),
                               library_ref("hurley2022cervical")]) == []


def test_order() -> None:
    refs = [library_ref("lee2021learn"), library_ref("janapala2021efficacy")]
    found = order_findings(refs, ["lee2021learn", "ghost"], [], "refs/order.txt",
                           {"lee2021learn": 3, "ghost": 4}, True)
    assert [(f.key, f.severity, f.line) for f in found] == [
        (None, "error", 4), ("janapala2021efficacy", "warning", 1)]
    twice = Problem("refs/order.txt", 5, "'lee2021learn' is already reference 1")
    assert order_findings(refs[:1], ["lee2021learn"], [twice], "refs/order.txt", {}, True)[0] \
        .severity == "error"
    assert [f.severity for f in order_findings(refs, [], [], "refs/order.txt", {}, False)] == [
        "warning"]
