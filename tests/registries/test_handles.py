"""The handle API client against a fake handle server on 127.0.0.1 (reflib/handles.py)."""

from __future__ import annotations

import time
import urllib.parse

from conftest import closed_port_url
from fake_handles import FakeHandleServer

from reflib.registries.handles import (
    NOT_REGISTERED,
    REGISTERED,
    UNKNOWN,
    HandleClient,
    RateLimiter,
    handle_url,
)

SICI = "10.1002/(SICI)1097-4636(199812)43:4<466::AID-JBM16>3.0.CO;2-#"


def client(url: str, **options) -> HandleClient:
    options = {"timeout": 0.5, "retries": 1, "backoff": 0.01, **options}
    return HandleClient(url, **options)


def test_three_outcomes() -> None:
    with FakeHandleServer({"10.2147/JPR.S325665"}) as server:
        server.faults["10.5555/busy"] = "503"
        c = client(server.url)
        registered = c.resolve("10.2147/JPR.S325665")
        assert registered.outcome == REGISTERED
        assert registered.url == "https://example.org/10.2147/JPR.S325665"
        assert c.resolve("10.2147/JPR.S000000").outcome == NOT_REGISTERED
        busy = c.resolve("10.5555/busy")
        assert (busy.outcome, busy.detail) == (UNKNOWN, "HTTP 503")
    assert sum("busy" in p for p in server.requests) == 2  # retried once


def test_registered_case_insensitively() -> None:
    with FakeHandleServer({"10.2147/JPR.S325665"}) as server:
        assert client(server.url).resolve("10.2147/jpr.s325665").outcome == REGISTERED


def test_a_doi_with_reserved_characters_arrives_whole() -> None:
    assert "%23" in handle_url("https://doi.org", SICI) and "#" not in handle_url("x", SICI)
    with FakeHandleServer({SICI}) as server:
        assert client(server.url).resolve(SICI).outcome == REGISTERED
    path = urllib.parse.urlsplit(server.requests[0]).path
    assert urllib.parse.unquote(path) == f"/api/handles/{SICI}"


def test_an_html_page_is_not_an_answer() -> None:
    with FakeHandleServer() as server:
        server.faults["10.5555/html"] = "html"
        assert client(server.url).resolve("10.5555/html").outcome == UNKNOWN
        # a wrong --doi-url: the 404 is the web server's, not the handle system's
        wrong = client(server.url + "/nothing-here")
        assert wrong.resolve("10.5555/x").outcome == UNKNOWN


def test_timeouts_and_resets_are_unknown() -> None:
    with FakeHandleServer() as server:
        server.faults["10.5555/slow"] = "slow"
        server.faults["10.5555/reset"] = "reset"
        c = client(server.url, timeout=0.2, retries=0)
        slow = c.resolve("10.5555/slow")
        assert (slow.outcome, slow.detail) == (UNKNOWN, "no whole answer within 0.2 s")
        assert c.resolve("10.5555/reset").outcome == UNKNOWN


def test_network_down_fails_fast() -> None:
    c = client(closed_port_url(), retries=3, backoff=0.05)
    start = time.monotonic()
    results = c.resolve_many([f"10.5555/{i}" for i in range(12)])
    assert {r.outcome for r in results.values()} == {UNKNOWN}
    assert "cannot connect" in results["10.5555/0"].detail
    assert time.monotonic() - start < 3


def test_concurrency_and_rate_are_limited() -> None:
    dois = [f"10.5555/{i}" for i in range(12)]
    with FakeHandleServer(set(dois), delay=0.05) as server:
        c = client(server.url, concurrency=3, rate=40)
        done = []
        start = time.monotonic()
        results = c.resolve_many(dois + dois[:2], progress=done.append)
        elapsed = time.monotonic() - start
    assert len(results) == 12 and {r.outcome for r in results.values()} == {REGISTERED}
    assert len(server.requests) == 12 and sum(done) == 12
    assert server.max_in_flight <= 3
    assert elapsed >= 11 / 40 * 0.9  # 12 starts at 40 per second


def test_rate_limiter_spaces_starts() -> None:
    limiter = RateLimiter(20)
    start = time.monotonic()
    for _ in range(5):
        limiter.wait()
    assert time.monotonic() - start >= 4 / 20 * 0.9
