"""`refs find-doi`: guarded acceptance over bibliographic search, and the traps of the
twelve sources (one guideline under two DOIs, a chapter and its book's DOI)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fake_crossref import BUILT, FakeCrossref, load_message

from reflib.enrich.candidates import LEAD, decide, evaluate, query_of
from reflib.enrich.doifinder import ACCEPTED, HAS_DOI, NOTHING, REFUSED, REVIEW, SKIPPED, find_dois
from reflib.errors import UsageError
from reflib.library.bibtex import read_source_file
from reflib.library.layout import Layout
from reflib.library.model import Reference
from reflib.library.records import load_kept_record
from reflib.registries.crossref.gateway import CrossrefClient
from reflib.registries.throttle import RetryPolicy

MAILTO = "editor@example.org"
RAPM = "10.1136/rapm-2021-103031"
PAIN_MED = "10.1093/pm/pnab281"


@pytest.fixture
def server():
    with FakeCrossref() as fake:
        for path in sorted(BUILT.glob("*.json")):
            if "with-built-erratum" not in path.name:
                fake.add_fixture(path)
        yield fake


def client(server: FakeCrossref):
    return lambda: CrossrefClient(base_url=server.url, mailto=MAILTO, timeout=2.0,
                                  retry=RetryPolicy(attempts=2, base=0.01))


def drop_doi(library: Path, key: str, **replace: str) -> Path:
    path = library / "refs" / f"{key}.bib"
    text = re.sub(r"  doi = .*\n", "", path.read_text())
    for field, value in replace.items():
        text = re.sub(rf"  {field} = .*\n", f"  {field} = {{{value}}},\n", text)
    path.write_text(text)
    return path


def drop_journal(path: Path) -> Path:
    """Nothing printed but title, people and year: only the score could tell twins apart."""
    path.write_text(re.sub(r"  (journal|shortjournal|volume|number|pages|issn) = .*\n", "",
                           path.read_text()))
    return path


def source(library: Path, key: str) -> Reference:
    ref, problems = read_source_file(library / "refs" / f"{key}.bib", library)
    assert ref is not None and problems == []
    return ref


def item(path: str, score: float, **change) -> dict:
    return {**load_message(BUILT / path), "score": score, **change}


def statuses(report) -> dict[str, str]:
    return {f.key: f.status for f in report.findings}


# -- end to end against the fake server -------------------------------------------------


def test_a_clear_match_is_accepted_and_written(library: Path, server: FakeCrossref) -> None:
    path = drop_doi(library, "lee2021learn")
    before = path.read_text()
    report = find_dois(Layout(library), ["lee2021learn"], crossref=client(server),
                       now=lambda: "2026-06-01T00:00:00Z")
    finding = report.findings[0]
    assert finding.status == ACCEPTED and finding.doi == "10.2147/JPR.S325665"
    assert "matches title, first author, year, type and container" in finding.reason
    assert report.exit_code == 0
    after = path.read_text()
    assert [line for line in after.splitlines() if line not in before.splitlines()] == [
        "  doi = {10.2147/JPR.S325665},"]
    assert after.splitlines().index("  doi = {10.2147/JPR.S325665},") == \
        after.splitlines().index("  pages = {2807--2831},") + 1
    kept = load_kept_record(Layout(library), "lee2021learn")
    assert kept.message["DOI"] == "10.2147/JPR.S325665"
    assert kept.applied == {"doi": {"value": "{10.2147/JPR.S325665}",
                                    "when": "2026-06-01T00:00:00Z"}}
    query = server.requests[0].query["query.bibliographic"][0]
    assert query.startswith("Latest Evidence-Based Application") and "Lee" in query


def test_the_dual_published_guideline_is_decided_by_its_journal_and_volume(
        library: Path, server: FakeCrossref) -> None:
    drop_doi(library, "hurley2022cervical")
    report = find_dois(Layout(library), ["hurley2022cervical"], crossref=client(server))
    finding = report.findings[0]
    by_doi = {c.doi: c for c in finding.candidates}
    assert by_doi[RAPM].passes and not by_doi[PAIN_MED].passes
    assert [c.name for c in by_doi[PAIN_MED].failed()] == ["container"]
    assert by_doi[RAPM].score < LEAD * by_doi[PAIN_MED].score  # the score cannot decide
    assert finding.status == ACCEPTED and finding.doi == RAPM
    assert "the only candidate in Regional Anesthesia" in finding.reason
    assert "volume" in finding.reason and "not by score" in finding.reason
    assert "10.1093/pm/pnab281 (container" in finding.reason


def test_without_a_journal_the_dual_published_guideline_stays_for_review(
        library: Path, server: FakeCrossref) -> None:
    path = drop_journal(drop_doi(library, "hurley2022cervical"))
    report = find_dois(Layout(library), ["hurley2022cervical"], crossref=client(server))
    finding = report.findings[0]
    assert finding.status == REVIEW and finding.doi == ""
    assert "match equally well" in finding.reason
    assert "doi =" not in path.read_text()


def test_the_pain_medicine_version_is_never_given_to_the_rapm_citation(
        library: Path, server: FakeCrossref) -> None:
    drop_doi(library, "hurley2022cervical")
    server.add_search("cervical spine", [item("hurley2021painmed-dual.json", 120.0),
                                         item("hurley2022cervical.json", 60.0)])
    report = find_dois(Layout(library), ["hurley2022cervical"], crossref=client(server))
    assert report.findings[0].status == ACCEPTED and report.findings[0].doi == RAPM
    assert "10.1093/pm/pnab281 (container" in report.findings[0].reason


def test_citing_pain_medicine_never_takes_the_rapm_doi(library: Path,
                                                       server: FakeCrossref) -> None:
    drop_doi(library, "hurley2022cervical", journal="Pain Medicine", shortjournal="Pain Med",
             year="2021", month="nov")
    server.add_search("cervical spine", [item("hurley2022cervical.json", 130.0),
                                         item("hurley2021painmed-dual.json", 40.0)])
    report = find_dois(Layout(library), ["hurley2022cervical"], crossref=client(server))
    assert report.findings[0].status == REVIEW and report.findings[0].doi == ""
    server.searches.clear()
    server.add_search("cervical spine", [item("hurley2021painmed-dual.json", 130.0),
                                         item("hurley2022cervical.json", 40.0)])
    report = find_dois(Layout(library), ["hurley2022cervical"], crossref=client(server))
    assert report.findings[0].status == ACCEPTED and report.findings[0].doi == PAIN_MED


def test_a_chapter_never_gets_its_books_doi(library: Path, server: FakeCrossref) -> None:
    server.add_search("radiofrequency treatment", [item("built-pmp6-book.json", 300.0)])
    report = find_dois(Layout(library), ["benzon2023radiofrequency"], crossref=client(server))
    finding = report.findings[0]
    assert finding.status == REVIEW and finding.doi == ""
    failed = {c.name: c.detail for c in finding.candidates[0].failed()}
    assert failed["type"] == "@incollection cannot be a Crossref book"
    refused = find_dois(Layout(library), ["benzon2023radiofrequency"], crossref=client(server),
                        accept="10.5555/built.pmp6")
    assert refused.findings[0].status == REFUSED and refused.exit_code == 1
    assert "does not fit this source" in refused.findings[0].reason
    assert "doi =" not in (library / "refs" / "benzon2023radiofrequency.bib").read_text()


def test_the_fifth_edition_chapter_is_not_the_sixth(library: Path,
                                                    server: FakeCrossref) -> None:
    server.add_search("radiofrequency treatment", [item("benzon-5th-edition-chapter.json", 90.0),
                                                   item("built-pmp6-chapter.json", 20.0)])
    report = find_dois(Layout(library), ["benzon2023radiofrequency"], crossref=client(server))
    finding = report.findings[0]
    assert finding.status == REVIEW
    fifth = finding.candidates[0]
    assert fifth.doi == "10.1016/b978-0-323-08340-9.00062-1"
    assert {c.name for c in fifth.failed()} == {"year"}  # same editor, another edition


def test_the_guidelines_journal_summary_is_not_the_guideline(library: Path,
                                                             server: FakeCrossref) -> None:
    report = find_dois(Layout(library), ["nass2020lbp"], crossref=client(server))
    finding = report.findings[0]
    assert finding.status == REVIEW
    top = finding.candidates[0]
    assert top.doi == "10.5555/built.nass.summary"
    assert {c.name for c in top.failed()} == {"author", "type"}


def test_the_whole_library(library: Path, server: FakeCrossref) -> None:
    before = {p.name: p.read_text() for p in (library / "refs").glob("*.bib")}
    report = find_dois(Layout(library), crossref=client(server), dry_run=True)
    assert statuses(report) == {
        "lee2021learn": HAS_DOI, "janapala2021efficacy": HAS_DOI,
        "manchikanti2023neck": HAS_DOI, "sayed2022lowback": HAS_DOI,
        "cohen2020lumbar": HAS_DOI, "hurley2022cervical": HAS_DOI,
        "chou-uptodate-lbp": REVIEW, "benzon2023radiofrequency": REVIEW,
        "nass2020lbp": REVIEW, "mauck2024expert": SKIPPED,
        "abdelsayed2024rfa": ACCEPTED, "abdelsayed2024bvn": ACCEPTED,
    }
    assert {p.name: p.read_text() for p in (library / "refs").glob("*.bib")} == before
    assert not list((library / "refs").glob("*.crossref.json"))
    assert "would accept" in report.summary()


def test_nothing_found(library: Path, server: FakeCrossref) -> None:
    server.add_search("uptodate", [])
    server.add_search("nonsurgical", [])
    report = find_dois(Layout(library), ["chou-uptodate-lbp"], crossref=client(server))
    assert report.findings[0].status == NOTHING and report.exit_code == 0


def test_accept_checks_with_crossref_and_writes(library: Path, server: FakeCrossref) -> None:
    report = find_dois(Layout(library), ["benzon2023radiofrequency"], crossref=client(server),
                       accept="https://doi.org/10.5555/built.pmp6.rf")
    finding = report.findings[0]
    assert finding.status == ACCEPTED and finding.doi == "10.5555/built.pmp6.rf"
    assert any(n.startswith("author differs") for n in finding.notices)
    assert "  doi = {10.5555/built.pmp6.rf}," in (
        library / "refs" / "benzon2023radiofrequency.bib").read_text()
    kept = load_kept_record(Layout(library), "benzon2023radiofrequency")
    assert kept.applied == {}  # a person chose it: curated


def test_accept_refuses_unknown_used_and_unchecked_dois(library: Path,
                                                        server: FakeCrossref) -> None:
    layout = Layout(library)
    unknown = find_dois(layout, ["abdelsayed2024rfa"], crossref=client(server),
                        accept="10.5555/nothing.here")
    assert unknown.findings[0].status == REFUSED and "no such work" in unknown.findings[0].reason
    used = find_dois(layout, ["abdelsayed2024rfa"], crossref=client(server),
                     accept="10.2147/jpr.s325665")
    assert used.findings[0].reason == "10.2147/jpr.s325665 is already the DOI of 'lee2021learn'"
    with FakeCrossref() as down:
        url = down.url
    offline = find_dois(layout, ["abdelsayed2024rfa"], accept="10.5555/built.rfa",
                        crossref=lambda: CrossrefClient(base_url=url, mailto=MAILTO,
                                                        timeout=0.5,
                                                        retry=RetryPolicy(attempts=1)))
    assert offline.exit_code == 3 and "nothing was written" in offline.findings[0].reason
    assert "doi =" not in (library / "refs" / "abdelsayed2024rfa.bib").read_text()
    with pytest.raises(UsageError):
        find_dois(layout, [], crossref=client(server), accept="10.5555/built.rfa")


# -- the pure decision ---------------------------------------------------------------------


def hurley_without_doi() -> Reference:
    ref = Reference("h", "article", {
        "author": "{Hurley, Robert W. and Adams, Meredith C. B.}",
        "title": "{Consensus practice guidelines on interventions for cervical spine (facet) "
                 "joint pain from a multispecialty international working group}",
        "journal": "{Regional Anesthesia \\& Pain Medicine}", "year": "{2022}"})
    return ref


def test_the_top_hit_is_never_trusted_on_its_score() -> None:
    ref = hurley_without_doi()
    decision = decide(ref, [item("hurley2021painmed-dual.json", 500.0),
                            item("cohen2020lumbar.json", 10.0)])
    assert decision.accepted is None and "does not match" in decision.reason
    ref.fields.pop("journal")  # nothing printed tells the twins apart
    decision = decide(ref, [item("hurley2021painmed-dual.json", 500.0),
                            item("hurley2022cervical.json", 10.0)])
    assert decision.accepted is None and "match equally well" in decision.reason
    # the printed journal picks the runner-up out; the top hit is still not taken
    ref.fields["journal"] = "{Reg Anesth Pain Med}"
    decision = decide(ref, [item("hurley2021painmed-dual.json", 500.0),
                            item("hurley2022cervical.json", 10.0)])
    assert decision.accepted is not None and decision.accepted.doi == RAPM


def test_without_a_lead_the_printed_journal_and_year_decide() -> None:
    ref = hurley_without_doi()
    other = item("cohen2020lumbar.json", 100.0)  # another title: it contradicts the source
    close = decide(ref, [item("hurley2022cervical.json", 100.0 * LEAD - 0.1), other])
    assert close.accepted is not None and close.accepted.doi == RAPM
    assert "with the printed year" in close.reason and "cohen" not in close.reason
    assert "10.1136/rapm-2019-101243 (title" in close.reason


def test_evidence_needs_every_other_candidate_contradicted() -> None:
    ref = hurley_without_doi()
    ref.fields.update({"volume": "{47}", "pages": "{3--59}"})
    twin = item("hurley2021painmed-dual.json", 99.0)
    assert decide(ref, [item("hurley2022cervical.json", 100.0), twin]).accepted.doi == RAPM
    # a copy in the same journal and volume: nothing printed tells them apart
    copy = item("hurley2022cervical.json", 99.0, DOI="10.5555/copy")
    decision = decide(ref, [item("hurley2022cervical.json", 100.0), copy])
    assert decision.accepted is None and "match equally well" in decision.reason
    # ... but another volume of the same journal contradicts the printed one
    later = item("hurley2022cervical.json", 99.0, DOI="10.5555/later", volume="48")
    assert decide(ref, [item("hurley2022cervical.json", 100.0), later]).accepted.doi == RAPM
    # a runner-up with nothing that contradicts the source (no journal, no numbers)
    bare = item("hurley2022cervical.json", 99.0, DOI="10.5555/bare", volume=None, page=None,
                **{"container-title": [], "short-container-title": [], "ISSN": []})
    undecided = decide(ref, [item("hurley2022cervical.json", 100.0), bare])
    assert undecided.accepted is None
    # the printed volume disagrees with the only candidate in the journal
    ref.fields.update({"volume": "{46}", "year": "{2019}"})
    ref.fields.pop("pages")
    assert decide(ref, [item("hurley2022cervical.json", 100.0), twin]).accepted is None


def test_two_candidates_passing_everything_are_ambiguous() -> None:
    ref = hurley_without_doi()
    twin = item("hurley2022cervical.json", 50.0, DOI="10.5555/duplicate.record")
    decision = decide(ref, [item("hurley2022cervical.json", 100.0), twin])
    assert decision.accepted is None and "match equally well" in decision.reason


def test_the_lead_over_the_runner_up_must_be_clear() -> None:
    ref = hurley_without_doi()
    ref.fields.pop("journal")  # no journal printed: only the score could decide
    other = item("cohen2020lumbar.json", 100.0)
    close = decide(ref, [item("hurley2022cervical.json", 100.0 * LEAD - 0.1), other])
    assert close.accepted is None and "does not clearly lead" in close.reason
    clear = decide(ref, [item("hurley2022cervical.json", 100.0 * LEAD), other])
    assert clear.accepted is not None and clear.accepted.doi == RAPM
    alone = decide(ref, [item("hurley2022cervical.json", 1.0)])
    assert alone.accepted is not None


@pytest.mark.parametrize("change, failing", [
    ({"title": ["Consensus practice guidelines on interventions for lumbar facet joint pain"]},
     "title"),
    ({"issued": {"date-parts": [[2019]]}, "published-print": {"date-parts": [[2019]]},
      "published-online": {"date-parts": [[2019]]}}, "year"),
    ({"type": "posted-content"}, "type"),
    ({"container-title": ["Pain Medicine"], "short-container-title": []}, "container"),
])
def test_each_guard_alone_refuses(change: dict, failing: str) -> None:
    ref = hurley_without_doi()
    message = item("hurley2022cervical.json", 100.0, **change)
    candidate = evaluate(ref, message)
    assert [c.name for c in candidate.failed()] == [failing]
    assert decide(ref, [message]).accepted is None


def test_first_author_must_match() -> None:
    ref = hurley_without_doi()
    message = item("hurley2022cervical.json", 100.0)
    message["author"] = message["author"][1:]
    assert [c.name for c in evaluate(ref, message).failed()] == ["author"]


def test_year_within_one_is_enough() -> None:
    ref = hurley_without_doi()
    message = item("hurley2022cervical.json", 100.0, issued={"date-parts": [[2021]]})
    message.pop("published-print")
    message.pop("published-online")
    assert evaluate(ref, message).passes


def test_query_holds_title_people_container_and_year() -> None:
    ref = hurley_without_doi()
    assert query_of(ref) == ("Consensus practice guidelines on interventions for cervical "
                             "spine (facet) joint pain from a multispecialty international "
                             "working group Hurley Adams Regional Anesthesia & Pain Medicine "
                             "2022")


def test_cli_find_doi(run, library: Path, server: FakeCrossref) -> None:
    drop_journal(drop_doi(library, "hurley2022cervical"))
    url = ["--crossref-url", server.url, "--mailto", MAILTO]
    result = run("find-doi", *url, "hurley2022cervical")
    assert result.exit_code == 0
    assert result.stdout.startswith("hurley2022cervical: review: 2 candidates match equally "
                                    "well (10.1136/rapm-2021-103031")
    assert "10.1093/pm/pnab281" in result.stdout
    assert "1 to review (choose with --accept)" in result.stderr
    result = run("find-doi", *url, "--format", "json", "hurley2022cervical", "--accept", RAPM)
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["sources"][0]["status"] == ACCEPTED
    assert "run `refs enrich`" in result.stderr
    assert run("find-doi", *url, "--accept", RAPM).exit_code == 2
