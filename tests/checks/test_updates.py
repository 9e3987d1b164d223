"""The `updates` check from both registries: PubMed's retractions, concerns, errata and
updates (real recorded records, and built ones for the cases no recording has), merged
with Crossref's; preprints with a published version; a curated evidence class PubMed
contradicts; "not checked" when PubMed could not be asked; offline from kept records."""

from __future__ import annotations

import json

import pytest
from checks_support import article, crossref_message, crossref_server, ref_from
from conftest import closed_port_url, write_source
from fake_pubmed import PUBMED, PUBMED_BUILT, FakePubMed, read_text

from reflib.checks.agreement import update_findings
from reflib.checks.runner import CheckOptions, check_library
from reflib.checks.updates import (
    evidence_findings,
    merge_updates,
    preprint_findings,
    pubmed_update_findings,
)
from reflib.enrich.writeback import enrich_sources
from reflib.library.findings import Finding
from reflib.library.layout import Layout
from reflib.registries.crossref.gateway import CrossrefClient
from reflib.registries.pubmed.gateway import PubMedClient
from reflib.registries.pubmed.record import parse_articles, parse_record
from reflib.registries.throttle import RetryPolicy

BASELINE = PUBMED / "baseline-pubmed19_176-records_retractions_medlinedate_updatein_fatcat.xml.gz"
FAST = RetryPolicy(attempts=2, base=0.01, cap=0.02, budget=5)
REF = ref_from(article("x", "10.5555/retracted.1", "A retracted trial", "  pmid = {1},\n"))


@pytest.fixture(scope="module")
def baseline():
    return parse_articles(read_text(BASELINE))


def test_retracted_publication_is_an_error_naming_pubmed(baseline):
    found = pubmed_update_findings(REF, baseline["11543891"])
    assert [(f.severity, f.data["type"]) for f in found] == [("error", "retraction")]
    assert "PubMed lists PMID 11543891 as retracted: RetractionIn PMID 11600210 and types " \
           "it 'Retracted Publication'" in found[0].message


def test_a_retraction_notice_cited_is_an_error(baseline):
    found = pubmed_update_findings(REF, baseline["11600210"])
    assert found[0].severity == "error" and "retracts PMID 11543891" in found[0].message


def test_erratum_and_updates_are_notices():
    record = parse_record(read_text(
        PUBMED / "efetch_pmid32887691_practice-guideline_updatein_erratumin_pubmed-client.xml"))
    found = pubmed_update_findings(REF, record)
    assert sorted({(f.severity, f.data["type"]) for f in found}) == [
        ("notice", "erratum"), ("notice", "update")]
    assert sum(f.data["type"] == "update" for f in found) == 4


def test_erratum_without_pmid_names_its_citation(baseline):
    found = pubmed_update_findings(REF, baseline["8863847"])
    erratum = next(f for f in found if f.data["type"] == "erratum")
    assert "ErratumIn 'Mol Pharmacol 1997 Mar;51(3):533'" in erratum.message


def test_citing_a_published_erratum_is_a_warning():
    record = parse_record(read_text(
        PUBMED / "efetch_pmid38833988_published-erratum_erratumfor_metapub.xml"))
    assert [(f.severity, f.data["type"]) for f in pubmed_update_findings(REF, record)] == [
        ("warning", "published_erratum")]


def test_both_registries_one_finding_naming_both():
    built = parse_articles(read_text(PUBMED_BUILT / "efetch_built_updates.xml"))
    crossref = update_findings(REF, crossref_message("10.5555/retracted.1"))
    pubmed = pubmed_update_findings(REF, built["99999901"])
    merged = merge_updates(crossref, pubmed)
    assert len(merged) == 1 and merged[0].severity == "error"
    assert merged[0].data["registries"] == ["crossref", "pubmed"]
    assert "Retraction Watch" in merged[0].message and "PubMed agrees" in merged[0].message


def test_only_one_registry_names_itself():
    crossref = update_findings(REF, crossref_message("10.5555/concern.1"))
    merged = merge_updates(crossref, [])
    assert merged[0].message.startswith("Crossref: ") and merged[0].severity == "warning"


def test_preprint_with_published_version_is_a_warning():
    from fake_crossref import RECORDED, load_message

    message = load_message(RECORDED / "works_10.1101_2020.12.01.406702_posted-content.json")
    assert preprint_findings(REF, message) == []  # no published version known
    message["relation"] = {"is-preprint-of": [{"id-type": "doi", "id": "10.1038/xyz",
                                               "asserted-by": "subject"}]}
    found = preprint_findings(REF, message)
    assert found[0].severity == "warning" and "doi:10.1038/xyz" in found[0].message


def test_evidence_contradicted_by_pubmed():
    record = parse_record(read_text(
        PUBMED / "efetch_pmid33856845_systematic-review_metapub.xml"))
    ours = ref_from(article("x", "10.1037/prj0000481", "T", "  evidence = {rct},\n"))
    found = evidence_findings(ours, record)
    assert found[0].check == "metadata" and found[0].data["pubmed"] == "systematic-review"
    agreeing = ref_from(article("x", "10.1037/prj0000481", "T",
                                "  evidence = {systematic-review},\n"))
    assert evidence_findings(agreeing, record) == []


@pytest.fixture
def updates_library(tmp_path):
    tmp_path = tmp_path / "lib"
    (tmp_path / "refs").mkdir(parents=True)
    for key, doi, pmid in (("retracted", "10.5555/retracted.1", "99999901"),
                           ("concern", "10.5555/concern.1", "99999903"),
                           ("corrected", "10.5555/corrected.1", "99999905")):
        write_source(tmp_path, key, article(key, doi, f"The {key} work",
                                            f"  pmid = {{{pmid}}},\n"))
    return tmp_path


def pubmed_factory(server):
    return lambda: PubMedClient(server.url, server.idconv_url, retry=FAST)


def fetcher(server):
    from reflib.checks.lookups import gateway_fetcher

    return gateway_fetcher(server.url, "t@example.org", 5.0)


def test_check_both_registries_end_to_end(updates_library):
    with crossref_server() as crossref, FakePubMed() as pubmed:
        pubmed.add_file(PUBMED_BUILT / "efetch_built_updates.xml")
        options = CheckOptions(only=("updates",), registries=("crossref", "pubmed"),
                               pubmed_client=pubmed_factory(pubmed), save=False)
        result = check_library(Layout(updates_library), options=options,
                               fetcher=fetcher(crossref))
        assert pubmed.count(endpoint="efetch") == 1
    by_key = {f.key: f for f in result.findings}
    assert by_key["retracted"].severity == "error"
    assert by_key["retracted"].data["registries"] == ["crossref", "pubmed"]
    assert by_key["concern"].severity == "warning"
    assert "ExpressionOfConcernIn PMID 99999904" in by_key["concern"].message
    assert by_key["corrected"].severity == "notice"
    assert result.exit_code() == 1


def test_pubmed_down_is_not_checked_and_exit_3(updates_library):
    with crossref_server() as crossref:
        options = CheckOptions(only=("updates",), registries=("crossref", "pubmed"),
                               pubmed_client=lambda: PubMedClient(closed_port_url(), retry=FAST),
                               save=False)
        result = check_library(Layout(updates_library), ["concern"], options=options,
                               fetcher=fetcher(crossref))
    skipped = [f for f in result.findings if f.severity == "skipped"]
    assert skipped and skipped[0].data["reason"] == "unavailable"
    assert skipped[0].message.startswith("PubMed part not checked: PubMed could not be asked")
    assert any(f.severity == "warning" for f in result.findings)  # Crossref's part stands
    assert result.exit_code(fail_on="error") == 3
    assert any("PubMed could not be asked" in n for n in result.notes)


def test_offline_from_kept_records(updates_library, run, monkeypatch):
    with crossref_server() as crossref, FakePubMed() as pubmed:
        pubmed.add_file(PUBMED_BUILT / "efetch_built_updates.xml")
        enrich_sources(Layout(updates_library), registries=("crossref", "pubmed"),
                       crossref=lambda: CrossrefClient(crossref.url, "t@example.org"),
                       pubmed=pubmed_factory(pubmed))
    monkeypatch.setenv("REFS_REGISTRIES", "crossref,pubmed")
    result = run("check", "--offline", "--only", "updates", "--format", "json",
                 root=updates_library)
    findings = json.loads(result.stdout)
    retracted = next(f for f in findings if f["key"] == "retracted")
    assert retracted["severity"] == "error" and retracted["data"]["registries"] == [
        "crossref", "pubmed"]
    assert result.exit_code == 1
    (updates_library / "refs" / "concern.pubmed.json").unlink()
    result = run("check", "--offline", "--only", "updates", "--format", "json", "concern",
                 root=updates_library)
    concern = json.loads(result.stdout)
    assert any(f["severity"] == "skipped" and f["data"]["reason"] == "offline"
               and f["message"].startswith("PubMed part not checked: offline")
               for f in concern)


def test_report_badge_names_a_preprint_and_a_later_version():
    from reflib.library.findings import CheckRun
    from reflib.report.data import badges_for

    preprint = Finding("x", "updates", "warning", "a preprint with a published version",
                       data={"type": "preprint", "published": ["10.1038/xyz"]})
    run = CheckRun([preprint], checks_made=["updates"])
    badge = next(b for b in badges_for(REF, [preprint], run) if b.badge == "updates")
    assert badge.text == "Preprint: published version exists" and badge.state == "warning"
    later = Finding("x", "updates", "notice", "update: ...", data={"type": "update"})
    badge = next(b for b in badges_for(REF, [later], run) if b.badge == "updates")
    assert badge.text == "Later version"


def test_crossref_not_asked_is_not_checked_and_no_exit_3(updates_library):
    with FakePubMed() as pubmed:
        pubmed.add_file(PUBMED_BUILT / "efetch_built_updates.xml")
        options = CheckOptions(only=("updates",), registries=("pubmed",),
                               pubmed_client=pubmed_factory(pubmed), save=False)
        result = check_library(Layout(updates_library), ["corrected"], options=options,
                               fetcher=lambda dois, step: pytest.fail("Crossref was asked"),
                               handle_client=object())
    states = sorted((f.severity, f.data.get("reason", "")) for f in result.findings)
    assert states == [("notice", ""), ("skipped", "not-asked")]
    assert result.exit_code(fail_on="error") == 0
