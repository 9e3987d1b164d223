"""`refs check` and `refs enrich` against hostile registries (issue 15, items 3, 4, 5):
only a well-formed answer may make a source invalid; anything else is "could not check"
(exit 3), never a false error and never a traceback; a server that drips or hangs is
given up within the deadlines."""

from __future__ import annotations

import time

import pytest
from checks_support import DOI_KEYS, crossref_server
from fake_handles import FakeHandleServer

# What each fault looks like on the wire is in tests/fake_crossref.py and fake_handles.py.
HANDLE_FAULTS = ("404-json", "wrong-shape", "wrong-types", "reset-mid-body", "drip", "hang")
CROSSREF_FAULTS = ("404-json", "wrong-shape", "wrong-types", "reset-mid-body", "drip", "hang",
                   "truncated", "html-200")


@pytest.fixture
def servers(monkeypatch):
    with FakeHandleServer(set(DOI_KEYS), drip=0.3) as handles, crossref_server() as crossref:
        crossref.drip = 0.3
        monkeypatch.setenv("REFS_DOI_URL", handles.url)
        monkeypatch.setenv("REFS_CROSSREF_URL", crossref.url)
        monkeypatch.setenv("REFS_MAILTO", "checks@example.org")
        yield handles, crossref


def assert_could_not_check(result, started: float, limit: float) -> None:
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert time.monotonic() - started < limit
    errors = [line for line in result.stdout.splitlines() if line.strip().startswith("error")]
    assert not [e for e in errors if "doi-resolves" in e or "metadata" in e
                or "updates" in e], errors


@pytest.mark.parametrize("fault", HANDLE_FAULTS)
def test_a_bad_handle_answer_is_never_not_registered(run, servers, fault: str) -> None:
    handles, _ = servers
    for doi in DOI_KEYS:
        handles.faults[doi.lower()] = fault
    started = time.monotonic()
    result = run("check", "--only", "doi-resolves", "--timeout", "0.5", "--deadline", "3",
                 "--format", "json")
    assert_could_not_check(result, started, 8)
    assert '"reason": "unavailable"' in result.stdout
    assert "is not registered" not in result.stdout


@pytest.mark.parametrize("fault", CROSSREF_FAULTS)
def test_a_bad_crossref_answer_is_never_a_metadata_error(run, servers, fault: str) -> None:
    _, crossref = servers
    crossref.inject(fault, times=1000)
    started = time.monotonic()
    result = run("check", "--only", "metadata", "--only", "updates", "--timeout", "0.5",
                 "--deadline", "3")
    assert_could_not_check(result, started, 8)
    assert "checks not made (12 unavailable)" in result.stdout


def test_the_deadline_ends_a_run_and_says_what_was_not_checked(run, servers) -> None:
    handles, crossref = servers
    crossref.inject("hang", times=1000)
    for doi in DOI_KEYS:
        handles.faults[doi.lower()] = "drip"
    started = time.monotonic()
    result = run("check", "--timeout", "60", "--deadline", "2", "--format", "json")
    assert_could_not_check(result, started, 12)
    assert "the run's time limit of 2 s (--deadline) was reached" in result.stdout


@pytest.mark.parametrize("fault", ("wrong-types", "wrong-shape", "reset-mid-body", "drip"))
def test_enrich_writes_nothing_from_a_bad_answer(run, library, servers, fault: str) -> None:
    _, crossref = servers
    crossref.inject(fault, times=1000)
    before = {p.name: p.read_bytes() for p in (library / "refs").iterdir()}
    started = time.monotonic()
    result = run("enrich", "--timeout", "1", "--deadline", "4", "--registry", "crossref")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output and time.monotonic() - started < 10
    assert {p.name: p.read_bytes() for p in (library / "refs").iterdir()} == before
