"""DOIs as opaque strings in URLs (reflib/registries/doipath.py): nothing in a DOI can
reach another path on Crossref, the handle API or doi.org (issue 15, item 1)."""

from __future__ import annotations

import pytest
from fake_crossref import FakeCrossref, work_message
from fake_handles import FakeHandleServer

from reflib.registries.crossref.gateway import CrossrefClient
from reflib.registries.doipath import encode_doi
from reflib.registries.handles import NOT_REGISTERED, REGISTERED, HandleClient
from reflib.registries.throttle import RetryPolicy
from reflib.report.page import doi_url

CLIMBING = "10.1234/../../../etc/passwd"
HOSTILE = [CLIMBING, "10.1234/..", "10.1234/.", "10.1234/a/../b", "10.1234/x?y=1#z",
           "10.1234/100%", "10.1234/a%2F..%2Fb"]


@pytest.mark.parametrize("doi", HOSTILE)
def test_every_segment_is_encoded(doi: str) -> None:
    encoded = encode_doi(doi)
    prefix, suffix = encoded.split("/")  # the suffix is one segment, whatever it holds
    assert prefix == "10.1234"
    assert suffix not in (".", "..") and not {"?", "#", "/"} & set(suffix)
    assert "%" not in doi or "%25" in suffix  # a % in the DOI is text, never an escape


# (the gateway drops trailing dots, as normalize_doi does, so "10.1234/.." is never sent)
@pytest.mark.parametrize("doi", [d for d in HOSTILE if not d.endswith(".")])
def test_crossref_is_asked_for_the_doi_and_nothing_else(doi: str) -> None:
    with FakeCrossref() as server:
        server.add_work(work_message(doi))
        with CrossrefClient(server.url, "t@example.org",
                            retry=RetryPolicy(attempts=1)) as crossref:
            record = crossref.fetch_work(doi)
    assert record.message["DOI"] == doi
    (request,) = server.requests
    assert request.raw_path.startswith("/works/10.1234/")
    assert request.path == f"/works/{doi}"  # the server decodes it back whole
    assert "/../" not in request.raw_path and not request.raw_path.endswith("/..")


@pytest.mark.parametrize("doi", HOSTILE)
def test_the_handle_api_is_asked_for_the_doi_and_nothing_else(doi: str) -> None:
    with FakeHandleServer({CLIMBING}) as server:
        outcome = HandleClient(server.url, timeout=2).resolve(doi).outcome
    assert outcome == (REGISTERED if doi == CLIMBING else NOT_REGISTERED)
    (path,) = server.requests
    assert path.startswith("/api/handles/10.1234/") and "/../" not in path


def test_report_links_stay_on_the_doi() -> None:
    assert doi_url(CLIMBING) == "https://doi.org/10.1234/..%2F..%2F..%2Fetc%2Fpasswd"
    assert doi_url("10.1234/..") == "https://doi.org/10.1234/%2E%2E"
    assert doi_url("10.1002/(SICI)1097-4571(199806)49:8") == (
        "https://doi.org/10.1002/(SICI)1097-4571(199806)49:8")
