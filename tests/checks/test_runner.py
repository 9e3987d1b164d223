"""`check_library` end to end: refs/ on disk, a fake handle server and a fake Crossref."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from checks_support import DOI_KEYS, article, batch_requests, crossref_server, keep_record
from conftest import closed_port_url, write_source
from fake_handles import FakeHandleServer

from reflib.checks.lookups import gateway_fetcher
from reflib.checks.runner import CheckOptions, check_library
from reflib.errors import NotInLibrary
from reflib.library.findings import latest_run
from reflib.library.layout import Layout
from reflib.registries.throttle import RetryPolicy

ARTICLE_DATE = date(2024, 4, 6)
TODAY = date(2026, 11, 22)
DATACITE = "10.5061/dryad.example"  # registered with DataCite: no Crossref record
UNKNOWN = "10.5555/no-such-doi"


@pytest.fixture
def services():
    """The fake handle server (knows the library's DOIs and the test works) and Crossref."""
    registered = set(DOI_KEYS) | {"10.5555/retracted.1", "10.5555/concern.1",
                                  "10.5555/corrected.1", "10.5555/retraction.1", DATACITE}
    with FakeHandleServer(registered) as handles, crossref_server() as crossref:
        yield handles, crossref


def run_checks(root: Path, services=None, keys=(), **options):
    handles, crossref = services or (None, None)
    options.setdefault("today", ARTICLE_DATE)
    if handles:
        options.setdefault("doi_url", handles.url)
    if crossref:
        options.setdefault("crossref_url", crossref.url)
        options.setdefault("mailto", "checks@example.org")
    fast = RetryPolicy(attempts=2, base=0.05, budget=10)
    opts = CheckOptions(**options)
    fetcher = gateway_fetcher(opts.crossref_url, opts.mailto, 2.0, retry=fast,
                              notice=lambda _: None)
    return check_library(Layout(root), keys, opts, fetcher=fetcher)


def summary(result, *severities):
    return sorted((f.key, f.check, f.severity) for f in result.findings
                  if f.severity in (severities or ("error", "warning", "notice")))


def test_the_twelve_as_they_are(library: Path, services) -> None:
    start = time.monotonic()
    result = run_checks(library, services)
    elapsed = time.monotonic() - start
    assert summary(result) == [
        ("abdelsayed2024bvn", "completeness", "notice"),
        ("benzon2023radiofrequency", "completeness", "notice"),
        ("mauck2024expert", "completeness", "notice"),
    ]
    assert summary(result, "skipped") == []
    assert result.exit_code() == 0 and result.exit_code("notice") == 1
    assert result.run.checks_made == ["syntax", "doi-syntax", "completeness", "abbreviations",
                                      "currency",
                                      "duplicates", "order", "doi-resolves", "metadata",
                                      "updates"]
    handles, crossref = services
    assert len(handles.requests) == 6
    assert len(crossref.requests) == 1 and len(batch_requests(crossref)) == 1
    assert crossref.count(429) == 0
    assert elapsed < 3, f"the twelve took {elapsed:.2f} s"


def test_the_twelve_today_need_their_access_dates_checked(library: Path, services) -> None:
    result = run_checks(library, services, today=TODAY)
    warnings = summary(result, "warning")
    assert warnings == [(k, "currency", "warning") for k in sorted([
        "abdelsayed2024bvn", "abdelsayed2024rfa", "benzon2023radiofrequency",
        "chou-uptodate-lbp", "nass2020lbp"])]
    assert summary(result, "error") == []
    assert result.exit_code() == 0 and result.exit_code("warning") == 1


def test_the_year_traps_give_no_error(library: Path, services) -> None:
    result = run_checks(library, services, keys=["manchikanti2023neck", "hurley2022cervical"])
    assert result.keys == ["manchikanti2023neck", "hurley2022cervical"]
    assert summary(result) == []


def _updates_library(root: Path) -> None:
    works = {
        "retracted": ("10.5555/retracted.1", "A retracted trial of radiofrequency neurotomy"),
        "concern": ("10.5555/concern.1", "A trial under an expression of concern"),
        "corrected": ("10.5555/corrected.1", "A corrected trial"),
        "notice": ("10.5555/retraction.1",
                   "Retraction: A retracted trial of radiofrequency neurotomy"),
        "datacite": (DATACITE, "A data set of neurotomy outcomes"),
        "unknown": (UNKNOWN, "A work with a mistyped DOI"),
    }
    (root / "refs").mkdir()
    for key, (doi, title) in works.items():
        write_source(root, key, article(key, doi, title))
    (root / "refs" / "order.txt").write_text("\n".join(works) + "\n")


def test_retraction_concern_correction_and_unknown_dois(tmp_path: Path, services) -> None:
    _updates_library(tmp_path)
    result = run_checks(tmp_path, services)
    assert summary(result) == [
        ("concern", "updates", "warning"),
        ("corrected", "updates", "notice"),
        ("notice", "updates", "error"),
        ("retracted", "updates", "error"),
        ("unknown", "doi-resolves", "error"),
    ]
    by_key = {(f.key, f.check): f for f in result.findings}
    assert "10.5555/retraction.1" in by_key[("retracted", "updates")].message
    assert "Retraction Watch" in by_key[("retracted", "updates")].message
    assert "10.5555/erratum.1" in by_key[("corrected", "updates")].message
    assert by_key[("unknown", "doi-resolves")].line == 8
    # the DataCite DOI resolves; not having a Crossref record is not an error
    assert {(f.check, f.data["reason"]) for f in result.findings
            if f.key == "datacite"} == {("metadata", "no-record"), ("updates", "no-record")}
    assert {f.data["reason"] for f in result.findings
            if f.key == "unknown" and f.severity == "skipped"} == {"not-registered"}
    assert result.exit_code() == 1
    assert result.unverified() == []


def test_network_down_is_exit_3_and_nothing_is_reported_invalid(library: Path) -> None:
    down = closed_port_url()
    start = time.monotonic()
    result = run_checks(library, doi_url=down, crossref_url=down)
    assert time.monotonic() - start < 10
    assert [f for f in result.findings
            if f.check in ("doi-resolves", "metadata", "updates") and f.severity != "skipped"] \
        == []
    unverified = result.unverified()
    assert {(f.check, f.data["reason"]) for f in unverified} == {
        ("doi-resolves", "unavailable"), ("metadata", "unavailable"), ("updates", "unavailable")}
    assert len({f.key for f in unverified}) == 6
    assert result.exit_code() == 3
    assert result.exit_code(allow_unverified=True) == 0
    assert result.exit_code("notice") == 1  # something else failed: 1 wins over 3


def test_crossref_down_uses_the_kept_record_but_cannot_vouch_for_news(library: Path,
                                                                       services) -> None:
    handles, _ = services
    keep_record(library, "lee2021learn", "10.2147/JPR.S325665")
    with crossref_server() as crossref:
        crossref.inject("503-html", times=100)
        result = run_checks(library, (handles, crossref), keys=["lee2021learn"])
    assert summary(result) == []
    assert [(f.check, f.data["reason"]) for f in result.unverified()] == [("updates",
                                                                         "unavailable")]
    assert "kept on 2024-04-01" in result.unverified()[0].message
    assert result.exit_code() == 3


def test_offline_uses_kept_records_and_skips_on_request(tmp_path: Path) -> None:
    _updates_library(tmp_path)
    keep_record(tmp_path, "retracted", "10.5555/retracted.1")
    result = run_checks(tmp_path, offline=True, doi_url=closed_port_url(),
                        crossref_url=closed_port_url())
    assert summary(result) == [("retracted", "updates", "error")]
    retracted = [f for f in result.findings if f.key == "retracted" and f.check == "updates"]
    assert retracted[0].data["record"] == "kept"
    reasons = {f.data["reason"] for f in result.findings if f.severity == "skipped"}
    assert reasons == {"offline"}
    assert result.run.checks_skipped == {"doi-resolves": "offline (by request)"}
    assert result.exit_code() == 1
    del_kept = tmp_path / "refs" / "retracted.crossref.json"
    del_kept.unlink()
    again = run_checks(tmp_path, offline=True)
    assert summary(again) == [] and again.exit_code() == 0  # skipped on request: not exit 3


def test_the_run_is_kept_in_the_index(library: Path, services, run) -> None:
    assert run("build").exit_code == 0
    result = run_checks(library, services, today=TODAY)
    assert result.saved
    saved = latest_run(Layout(library).db_path)
    assert saved is not None
    assert [(f.key, f.check, f.severity, f.message) for f in saved.findings] == [
        (f.key, f.check, f.severity, f.message) for f in result.findings]
    assert saved.checks_made == result.run.checks_made


def test_not_saved_without_an_index(library: Path) -> None:
    result = run_checks(library, offline=True)
    assert not result.saved and not (library / "db").exists()


def test_unknown_key(library: Path) -> None:
    with pytest.raises(NotInLibrary):
        run_checks(library, offline=True, keys=["nosuchkey"])


def test_only_some_checks(library: Path, services) -> None:
    handles, crossref = services
    result = run_checks(library, services, only=("doi-resolves",))
    assert result.run.checks_made == ["syntax", "doi-resolves"]
    assert len(handles.requests) == 6 and crossref.requests == []


def test_against_runs_with_the_others(library: Path) -> None:
    from checks_support import PRINTED_LIST

    result = run_checks(library, offline=True, against=PRINTED_LIST)
    against = [f for f in result.findings if f.check == "against"]
    assert sorted((f.key, f.severity) for f in against) == [
        ("benzon2023radiofrequency", "error"), ("chou-uptodate-lbp", "warning"),
        ("janapala2021efficacy", "warning")]
    assert {f.file for f in against} == {str(PRINTED_LIST)}
    assert result.exit_code() == 1


def test_a_broken_source_file_is_a_syntax_error(library: Path) -> None:
    write_source(library, "broken", "@article{broken,\n  title = {Unclosed,\n")
    result = run_checks(library, offline=True)
    assert ("broken", "syntax", "error") in summary(result)


def test_progress_counts_every_answer(library: Path, services) -> None:
    seen = []
    handles, crossref = services
    opts = CheckOptions(doi_url=handles.url, crossref_url=crossref.url, today=ARTICLE_DATE,
                        mailto="checks@example.org")
    check_library(Layout(library), options=opts, progress=lambda n, total: seen.append((n, total)))
    assert seen[0] == (0, 12) and {t for _, t in seen} == {12}
    assert sum(n for n, _ in seen) == 12  # six DOIs asked of the handle API and of Crossref


def test_the_erratum_of_reference_4_is_a_notice_naming_it(library: Path) -> None:
    from fake_crossref import BUILT

    with FakeHandleServer(set(DOI_KEYS)) as handles, crossref_server() as crossref:
        crossref.add_fixture(BUILT / "sayed2022lowback-with-built-erratum.json")
        result = run_checks(library, (handles, crossref), keys=["sayed2022lowback"])
    assert summary(result) == [("sayed2022lowback", "updates", "notice")]
    assert "10.5555/built.erratum.jpr.s386879" in result.findings[0].message
