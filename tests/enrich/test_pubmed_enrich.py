"""Enrichment from PubMed and from both registries: mapping of real records, evidence
classes, the two-registry combination, stubs completed, kept PubMed records, provenance
in the index, and `refs enrich` end to end against fake Crossref and fake PubMed servers."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import closed_port_url, write_source
from fake_crossref import BUILT, FakeCrossref
from fake_pubmed import PUBMED, PUBMED_BUILT, FakePubMed, read_text

from reflib.enrich.evidence import evidence_disagrees, evidence_from_types
from reflib.enrich.pubmed_mapping import map_pubmed
from reflib.enrich.writeback import ENRICHED, NOT_FOUND, enrich_sources
from reflib.library.bibtex import format_entry, parse_source_text
from reflib.library.build import build
from reflib.library.layout import Layout
from reflib.library.model import Reference
from reflib.library.pubmed_records import load_kept_pubmed
from reflib.registries.crossref.gateway import CrossrefClient
from reflib.registries.pubmed.gateway import PubMedClient
from reflib.registries.pubmed.record import parse_record
from reflib.registries.throttle import RetryPolicy

DOI_SOURCES = ("lee2021learn", "janapala2021efficacy", "manchikanti2023neck",
               "sayed2022lowback", "cohen2020lumbar", "hurley2022cervical")
NOW = "2026-06-01T09:30:00Z"
FAST = RetryPolicy(attempts=2, base=0.01, cap=0.02, budget=5)


@pytest.fixture
def servers():
    with FakeCrossref() as crossref, FakePubMed() as pubmed:
        for key in DOI_SOURCES:
            crossref.add_fixture(BUILT / f"{key}.json")
        for path in PUBMED_BUILT.glob("efetch_pmid*.xml"):
            pubmed.add_file(path)
        yield crossref, pubmed


def clients(crossref: FakeCrossref, pubmed: FakePubMed):
    return {"crossref": lambda: CrossrefClient(crossref.url, "t@example.org", retry=FAST),
            "pubmed": lambda: PubMedClient(pubmed.url, pubmed.idconv_url, email="t@example.org",
                                           retry=FAST)}


def source(root, key):
    path = root / "refs" / f"{key}.bib"
    ref, problems = parse_source_text(path.read_text(encoding="utf-8"), path.name, key)
    assert ref is not None and not problems
    return ref


def test_mapping_of_a_real_guideline():
    record = parse_record(read_text(
        PUBMED / "efetch_pmid32887691_practice-guideline_updatein_erratumin_pubmed-client.xml"))
    work = map_pubmed(record)
    entry = format_entry(Reference("who2020", work.entry_type, work.fields))
    assert work.entry_type == "article"
    assert "title = {A living {WHO} guideline on drugs for covid-19}" in entry  # no "."
    assert "shortjournal = {BMJ}" in entry and "pmid = {32887691}" in entry
    assert "pubtype = {Journal Article; Practice Guideline}" in entry
    assert "mesh = {Adrenal Cortex Hormones*; Betacoronavirus*;" in entry
    assert "evidence = {guideline}" in entry
    assert "Fran\\c{c}ois" in entry or "François" in entry
    assert any("UpdateIn" in n for n in work.notices)


def mapped(name: str):
    return map_pubmed(parse_record(read_text(PUBMED / name)))


def test_mapping_collective_suffix_markup():
    group = mapped("efetch_pmid29963580_collectivename_mathml_biopython.xml")
    assert "{Canadian Respiratory Research Network}" in group.fields["author"]
    jr = mapped("efetch_pmid31789841_suffix-jr_metapub.xml")
    assert "Artino, Jr, Anthony R." in jr.fields["author"]
    sub = mapped("efetch_pmid38914053_title-sub-tag_metapub.xml")
    assert sub.fields["title"].startswith("{Doped {SnO}\\textsubscript{2} thin films")


@pytest.mark.parametrize("types,expected", [
    (["Journal Article", "Review", "Practice Guideline"], "guideline"),
    (["Journal Article", "Meta-Analysis", "Review"], "systematic-review"),
    (["Randomized Controlled Trial", "Multicenter Study"], "rct"),
    (["Clinical Trial, Phase III"], "clinical-trial"),
    (["Observational Study"], "observational"),
    (["Case Reports"], "case-report"),
    (["Review"], "review"),
    (["Editorial"], "expert-opinion"),
    (["Journal Article", "Research Support, Non-U.S. Gov't"], ""),
])
def test_evidence_table(types, expected):
    assert evidence_from_types(types) == expected


def test_evidence_disagreement_rules():
    assert evidence_disagrees("review", ["Practice Guideline"]) == "guideline"
    assert evidence_disagrees("guideline", ["Review", "Practice Guideline"]) == ""
    assert evidence_disagrees("review", ["Review", "Practice Guideline"]) == ""  # also true
    assert evidence_disagrees("textbook-chapter", ["Review"]) == ""
    assert evidence_disagrees("guideline", ["Journal Article"]) == ""


def test_twelve_through_both_registries(library, servers):
    crossref, pubmed = servers
    layout = Layout(library)
    report = enrich_sources(layout, registries=("crossref", "pubmed"), now=lambda: NOW,
                            **clients(crossref, pubmed))
    assert report.requests == 1 and report.pubmed_requests == 2
    assert crossref.count(429) == 0 and pubmed.count(429) == 0
    assert pubmed.count(endpoint="esearch") == 1 and pubmed.count(endpoint="efetch") == 1
    assert report.exit_code == 0
    neck = source(library, "manchikanti2023neck")
    assert neck.text("pubtype") == "Journal Article; Systematic Review; Meta-Analysis; Review"
    kept = load_kept_pubmed(layout, "manchikanti2023neck")
    assert kept is not None and kept.pmid == "36422818"
    assert kept.applied["pubtype"]["value"] == neck.fields["pubtype"]
    # curated evidence agrees with PubMed's types: nothing to say about it
    assert not any(c.field == "evidence" for o in report.outcomes if o.plan
                   for c in o.plan.conflicts)
    # reference 2 has no PMID: only Crossref's record, no PubMed file
    assert load_kept_pubmed(layout, "janapala2021efficacy") is None
    janapala = next(o for o in report.outcomes if o.key == "janapala2021efficacy")
    assert "PubMed has no record of doi:10.2147/JPR.S323362" in janapala.notices
    # a second run asks nobody and changes nothing
    again = enrich_sources(layout, registries=("crossref", "pubmed"), now=lambda: NOW,
                           **clients(crossref, pubmed))
    assert again.count(ENRICHED) == 0 and again.requests == 0
    assert again.pubmed_requests == 1  # only janapala, which PubMed does not have
    build(layout)
    with sqlite3.connect(library / "db" / "library.db") as conn:
        rows = conn.execute("SELECT origin FROM provenance WHERE key = ? AND field = ?",
                            ("manchikanti2023neck", "pubtype")).fetchall()
        pmids = conn.execute("SELECT key, pmid FROM pubmed_records ORDER BY key").fetchall()
    assert rows == [("pubmed",)]
    assert ("lee2021learn", "34526815") in pmids and len(pmids) == 5


def test_pmid_stub_is_completed_with_its_type(tmp_path, servers):
    crossref, pubmed = servers
    (tmp_path / "refs").mkdir()
    write_source(tmp_path, "stub", "@misc{stub,\n  pmid = {36422818},\n}\n")
    report = enrich_sources(Layout(tmp_path), registries=("crossref", "pubmed"),
                            now=lambda: NOW, **clients(crossref, pubmed))
    assert report.outcomes[0].status == ENRICHED
    ref = source(tmp_path, "stub")
    assert ref.entry_type == "article"
    assert ref.text("shortjournal") == "Pain Ther" and ref.fields["pages"] == "{19--66}"
    assert ref.text("evidence") == "systematic-review"
    assert ref.authors[0].family == "Manchikanti"
    # the DOI PubMed gave is there now; Crossref is asked next time
    assert ref.doi == "10.1007/s40122-022-00455-0"


def test_doi_stub_completed_by_both_and_disagreement_named(tmp_path, servers):
    crossref, pubmed = servers
    text = read_text(PUBMED_BUILT / "efetch_pmid34526815_lee2021learn.xml")
    pubmed.add_xml(text.replace("<Volume>14</Volume>", "<Volume>41</Volume>"))
    (tmp_path / "refs").mkdir()
    write_source(tmp_path, "stub", "@misc{stub,\n  doi = {10.2147/JPR.S325665},\n}\n")
    report = enrich_sources(Layout(tmp_path), registries=("crossref", "pubmed"),
                            now=lambda: NOW, **clients(crossref, pubmed))
    plan = report.outcomes[0].plan
    assert any(n.startswith("registries disagree on volume: Crossref '14', PubMed '41'")
               for n in plan.notices)
    ref = source(tmp_path, "stub")
    assert ref.entry_type == "article" and ref.text("volume") == "14"
    assert ref.text("pmid") == "34526815" and ref.text("pmcid") == "PMC8436449"
    assert ref.text("shortjournal") == "J Pain Res"
    kept = json.loads((tmp_path / "refs" / "stub.pubmed.json").read_text())
    assert "pmid" in kept["applied"] and "volume" not in kept["applied"]
    assert "volume" in json.loads((tmp_path / "refs" / "stub.crossref.json").read_text()
                                  )["applied"]


def test_curated_evidence_disagreeing_is_a_conflict(tmp_path, servers):
    crossref, pubmed = servers
    (tmp_path / "refs").mkdir()
    write_source(tmp_path, "neck", "@article{neck,\n  pmid = {36422818},\n  title = {A "
                 "Systematic Review and Meta-analysis of the Effectiveness of Radiofrequency "
                 "Neurotomy in Managing Chronic Neck Pain},\n  evidence = {rct},\n}\n")
    report = enrich_sources(Layout(tmp_path), registries=("pubmed",), now=lambda: NOW,
                            **clients(crossref, pubmed))
    conflicts = report.outcomes[0].plan.conflicts
    assert [(c.field, c.ours, c.crossref, c.registry) for c in conflicts] == [
        ("evidence", "rct", "systematic-review", "PubMed")]
    lines = report.text_lines()
    assert "  ! evidence: ours 'rct', PubMed 'systematic-review' (kept ours; --force " \
           "evidence takes PubMed's)" in lines
    assert source(tmp_path, "neck").text("evidence") == "rct"


def test_pubmed_down_is_exit_3_and_named(library, servers):
    crossref, _ = servers
    report = enrich_sources(
        Layout(library), ["lee2021learn"], registries=("crossref", "pubmed"), now=lambda: NOW,
        crossref=lambda: CrossrefClient(crossref.url, "t@example.org", retry=FAST),
        pubmed=lambda: PubMedClient(closed_port_url(), retry=FAST))
    assert report.exit_code == 3
    assert "PubMed could not be asked" in report.summary()
    assert report.outcomes[0].plan is not None  # Crossref's part was done


def test_unknown_pmid_is_not_found(tmp_path, servers):
    crossref, pubmed = servers
    (tmp_path / "refs").mkdir()
    write_source(tmp_path, "ghost", "@misc{ghost,\n  pmid = {99999999},\n}\n")
    report = enrich_sources(Layout(tmp_path), registries=("crossref", "pubmed"),
                            now=lambda: NOW, **clients(crossref, pubmed))
    assert report.outcomes[0].status == NOT_FOUND
    assert "PubMed has no record of PMID 99999999" in report.outcomes[0].detail
    assert report.exit_code == 1


def test_offline_uses_kept_pubmed_records(library, servers, run, monkeypatch):
    crossref, pubmed = servers
    enrich_sources(Layout(library), registries=("crossref", "pubmed"), now=lambda: NOW,
                   **clients(crossref, pubmed))
    crossref.reset_log()
    pubmed.reset_log()
    monkeypatch.setenv("REFS_REGISTRIES", "crossref,pubmed")
    result = run("enrich", "--offline", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    lee = next(s for s in data["sources"] if s["key"] == "lee2021learn")
    assert lee["record"] == "kept+kept pubmed" and lee["status"] == "unchanged"
    assert not crossref.requests and not pubmed.requests


def test_cli_enrich_both(library, servers, run):
    crossref, pubmed = servers
    result = run("enrich", "--registry", "crossref", "--registry", "pubmed", "--crossref-url",
                 crossref.url, "--pubmed-url", pubmed.url, "--idconv-url", pubmed.idconv_url,
                 "--mailto", "t@example.org")
    assert result.exit_code == 0, result.stderr
    assert "(1 request to Crossref, 2 to PubMed)" in result.stderr
    assert "hurley2022cervical: enriched" in result.stdout
    assert all(r.params.get("email") == "t@example.org" for r in pubmed.requests)
