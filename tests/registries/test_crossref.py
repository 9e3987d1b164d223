"""The Crossref gateway against a real HTTP server on 127.0.0.1 (tests/fake_crossref.py):
encoding, the polite pool, batching, limits, retries, redirects and our errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fake_crossref import BUILT, RECORDED, FakeCrossref, load_message, work_message

import reflib.registries.crossref.gateway as gateway
from reflib.errors import BadResponse, CrossrefError, NotFound, RateLimited, Unavailable
from reflib.library.layout import Layout
from reflib.library.records import CrossrefRecord, RecordError, keep_record
from reflib.registries.crossref.gateway import CrossrefClient, encode_doi, resolve_settings
from reflib.registries.throttle import (
    POLITE_POOL,
    PUBLIC_POOL,
    Limits,
    RetryPolicy,
    Throttle,
    announced_limits,
    parse_interval,
    retry_after_seconds,
)

SICI = "10.1002/(SICI)1097-4636(199812)43:4<466::AID-JBM16>3.0.CO;2-#"
FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05, budget=50)
MAILTO = "editor@example.org"


def add_fixtures(server: FakeCrossref) -> None:
    for path in sorted(RECORDED.glob("works_10*.json")) + sorted(BUILT.glob("*.json")):
        if "with-built-erratum" not in path.name:
            server.add_fixture(path)
    server.redirect("10.26434/chemrxiv.5406907", "10.26434/chemrxiv.5406907.v5")


@pytest.fixture
def server():
    with FakeCrossref() as fake:
        add_fixtures(fake)
        yield fake


def client_for(server: FakeCrossref, **options) -> CrossrefClient:
    options.setdefault("mailto", MAILTO)
    options.setdefault("retry", FAST)
    options.setdefault("timeout", 2.0)
    return CrossrefClient(base_url=server.url, **options)


# -- settings and encoding -------------------------------------------------------------


def test_settings_come_from_arguments_then_environment(monkeypatch) -> None:
    for name in ("REFS_CROSSREF_URL", "REFS_MAILTO", "CROSSREF_MAILTO"):
        monkeypatch.delenv(name, raising=False)
    assert resolve_settings() == ("https://api.crossref.org", None)
    monkeypatch.setenv("CROSSREF_MAILTO", "b@example.org")
    assert resolve_settings()[1] == "b@example.org"
    monkeypatch.setenv("REFS_MAILTO", "a@example.org")
    monkeypatch.setenv("REFS_CROSSREF_URL", "http://mirror.example/")
    assert resolve_settings() == ("http://mirror.example", "a@example.org")
    assert resolve_settings("http://x", "c@example.org") == ("http://x", "c@example.org")


def test_encode_doi_keeps_odd_characters_inside_the_path() -> None:
    assert encode_doi(SICI) == ("10.1002/%28SICI%291097-4636%28199812%2943%3A4%3C466%3A%3A"
                                "AID-JBM16%3E3.0.CO%3B2-%23")
    assert encode_doi("10.5555/a b?c") == "10.5555/a%20b%3Fc"
    assert encode_doi("10.5555/ends/") == "10.5555/ends%2F"


@pytest.mark.parametrize("doi", [SICI, "10.5555/with space?and#hash;semi<angle>",
                                 "10.5555/100%25-percent", "10.5555/ends/"])
def test_odd_dois_reach_the_server_whole(server: FakeCrossref, doi: str) -> None:
    server.add_work(work_message(doi))
    with client_for(server) as crossref:
        record = crossref.fetch_work(doi)
    assert record.message["DOI"] == doi
    assert server.requests[-1].path == f"/works/{doi}"


def test_odd_dois_survive_the_batch_filter(server: FakeCrossref) -> None:
    odd = [SICI, "10.5555/with space?and#hash", "10.5555/plain"]
    server.add_works([work_message(d) for d in odd])
    with client_for(server) as crossref:
        results = crossref.fetch_works(odd)
    assert all(r.ok for r in results.values())
    assert len(server.requests) == 1 and "filter" in server.requests[0].query


# -- the polite pool ---------------------------------------------------------------------


def test_mailto_is_sent_in_the_user_agent(server: FakeCrossref) -> None:
    with client_for(server) as crossref:
        crossref.fetch_work("10.2147/JPR.S325665")
        assert crossref.throttle.limits == Limits(50, 1.0, 10)  # what the server announced
    agent = server.requests[0].user_agent
    assert f"(mailto:{MAILTO})" in agent and "habanero/" in agent and "reflib/" in agent


def test_without_mailto_the_public_pool_is_used_and_said_once(server: FakeCrossref,
                                                              monkeypatch) -> None:
    for name in ("REFS_MAILTO", "CROSSREF_MAILTO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(gateway, "_noticed", set())
    notices: list[str] = []
    first = CrossrefClient(base_url=server.url, notice=notices.append, retry=FAST)
    second = CrossrefClient(base_url=server.url, notice=notices.append, retry=FAST)
    assert first.throttle.limits == PUBLIC_POOL
    assert len(notices) == 1 and "public pool" in notices[0] and "--mailto" in notices[0]
    first.fetch_work("10.2147/JPR.S325665")
    assert "mailto" not in server.requests[0].user_agent
    first.close()
    second.close()


def test_with_mailto_the_polite_pool_is_the_start() -> None:
    with CrossrefClient(base_url="http://127.0.0.1:9", mailto=MAILTO) as crossref:
        assert crossref.throttle.limits == POLITE_POOL


# -- works, batches, redirects, search ----------------------------------------------------


def test_fetch_work_returns_the_message_and_where_from(server: FakeCrossref) -> None:
    with client_for(server, now=lambda: "2026-06-01T00:00:00Z") as crossref:
        record = crossref.fetch_work("https://doi.org/10.1371/journal.pone.0033693")
    expected = load_message(RECORDED / "works_10.1371_journal.pone.0033693.json")
    assert record.message == expected
    assert record.doi == "10.1371/journal.pone.0033693"
    assert record.source == f"{server.url}/works/10.1371/journal.pone.0033693"
    assert record.fetched == "2026-06-01T00:00:00Z"


def test_a_missing_doi_is_not_found(server: FakeCrossref) -> None:
    assert (RECORDED / "works_404_10.1371_notarealdoi.txt").read_text() == "Resource not found."
    with client_for(server) as crossref, pytest.raises(NotFound, match="no such work"):
        crossref.fetch_work("10.1371/notarealdoi")
    assert len(server.requests) == 1  # not retried


def test_a_301_is_followed_and_both_dois_are_kept(server: FakeCrossref) -> None:
    with client_for(server) as crossref:
        record = crossref.fetch_work("10.26434/chemrxiv.5406907")
    assert record.doi == "10.26434/chemrxiv.5406907"
    assert record.work_doi == "10.26434/chemrxiv.5406907.v5" and record.moved
    assert record.source.endswith("/works/10.26434/chemrxiv.5406907.v5")
    assert [r.status for r in server.requests] == [301, 200]


def test_redirect_loops_end(server: FakeCrossref) -> None:
    server.redirect("10.5555/a", "10.5555/b")
    server.redirect("10.5555/b", "10.5555/a")
    with client_for(server) as crossref, pytest.raises(BadResponse, match="redirects"):
        crossref.fetch_work("10.5555/a")


def test_many_dois_take_few_requests(server: FakeCrossref) -> None:
    dois = [f"10.5555/many.{i}" for i in range(120)]
    server.add_works([work_message(d) for d in dois])
    progress: list[tuple[int, int]] = []
    with client_for(server) as crossref:
        results = crossref.fetch_works(dois, progress=lambda done, total:
                                       progress.append((done, total)))
    assert list(results) == dois and all(r.ok for r in results.values())
    assert len(server.requests) == 3  # 50 + 50 + 20
    assert all(int(r.query["rows"][0]) == len(r.query["filter"][0].split(","))
               for r in server.requests)
    assert progress[0] == (0, 120) and progress[-1] == (120, 120)


def test_dois_a_batch_misses_are_asked_one_by_one(server: FakeCrossref) -> None:
    dois = ["10.2147/JPR.S325665", "10.1136/rapm-2021-103031", "10.26434/chemrxiv.5406907",
            "10.1371/notarealdoi", "10.2147/jpr.s323362"]
    with client_for(server) as crossref:
        results = crossref.fetch_works(dois + ["10.2147/JPR.S325665"])  # a duplicate too
    assert list(results) == dois
    assert results["10.26434/chemrxiv.5406907"].record.work_doi.endswith(".v5")
    assert isinstance(results["10.1371/notarealdoi"].error, NotFound)
    assert results["10.2147/jpr.s323362"].ok  # DOIs compare without case
    singles = sorted(r.path for r in server.requests if "filter" not in r.query)
    assert singles == ["/works/10.1371/notarealdoi", "/works/10.26434/chemrxiv.5406907",
                       "/works/10.26434/chemrxiv.5406907.v5"]


def test_a_refused_batch_falls_back_to_one_request_each(server: FakeCrossref) -> None:
    server.inject("400", times=1)
    with client_for(server) as crossref:
        results = crossref.fetch_works(["10.2147/JPR.S325665", "10.1136/rapm-2021-103031"])
    assert all(r.ok for r in results.values())
    assert [r.status for r in server.requests][0] == 400 and len(server.requests) == 3


def test_a_failed_batch_fails_its_dois_without_hammering(server: FakeCrossref) -> None:
    server.inject("503-html", times=10, retry_after="0")
    with client_for(server, retry=RetryPolicy(attempts=2, base=0.01)) as crossref:
        results = crossref.fetch_works(["10.2147/JPR.S325665", "10.1136/rapm-2021-103031"])
    assert all(isinstance(r.error, Unavailable) for r in results.values())
    assert len(server.requests) == 2  # the batch and one retry; no per-DOI storm


def test_search_bibliographic_returns_scored_items(server: FakeCrossref) -> None:
    recorded = load_message(RECORDED / "works_query_ecology_rows2.json")
    server.add_search("ecology", recorded["items"])
    with client_for(server) as crossref:
        items = crossref.search_bibliographic("ecology of things", rows=2)
    assert [i["score"] for i in items] == [11.044969, 10.913344]
    assert server.requests[0].query["query.bibliographic"] == ["ecology of things"]
    assert server.requests[0].query["rows"] == ["2"]


# -- limits ----------------------------------------------------------------------------


def test_the_public_pool_limits_are_never_exceeded(server: FakeCrossref) -> None:
    server.set_limits(5, 1.0, 1)
    dois = [f"10.5555/limit.{i}" for i in range(8)]
    server.add_works([work_message(d) for d in dois])
    with client_for(server, mailto=None, batch_size=2) as crossref:
        assert crossref.throttle.limits == PUBLIC_POOL
        results = crossref.fetch_works(dois)
    assert all(r.ok for r in results.values())
    assert server.count(429) == 0 and server.peak_concurrency == 1
    assert len(server.requests) == 4
    started = time.monotonic()
    with client_for(server, mailto=None) as crossref:  # shares the first one's throttle
        for doi in dois:  # eight single requests: the sixth waits for the window
            crossref.fetch_work(doi)
    assert time.monotonic() - started >= 1.0
    assert server.count(429) == 0


def test_the_polite_pool_limits_are_never_exceeded_with_latency() -> None:
    with FakeCrossref(rate=10, concurrency=5, latency=0.05) as server:
        dois = [f"10.5555/polite.{i}" for i in range(30)]
        server.add_works([work_message(d) for d in dois])
        with client_for(server, limits=POLITE_POOL, batch_size=1) as crossref:
            results = crossref.fetch_works(dois)
        assert all(r.ok for r in results.values())
        assert server.count(429) == 0 and server.peak_concurrency <= 5
        starts = [r.arrived for r in server.requests]
        gaps = [later - earlier for earlier, later in zip(starts, starts[10:], strict=False)]
        assert min(gaps) >= 1.0  # never 11 starts within one second


def test_announced_limits_are_followed() -> None:
    with FakeCrossref(rate=3, concurrency=1) as server:
        dois = [f"10.5555/adapt.{i}" for i in range(8)]
        server.add_works([work_message(d) for d in dois])
        with client_for(server, limits=POLITE_POOL, batch_size=1) as crossref:
            results = crossref.fetch_works(dois)  # starts too fast, learns, slows down
            assert all(r.ok for r in results.values())
            assert crossref.throttle.limits == Limits(3, 1.0, 1)
            server.reset_log()
            more = [f"10.5555/adapt.more.{i}" for i in range(4)]
            server.add_works([work_message(d) for d in more])
            assert all(r.ok for r in crossref.fetch_works(more).values())
        assert server.count(429) == 0


def test_429_retry_after_is_honoured_by_every_thread(server: FakeCrossref) -> None:
    server.inject("429", times=1, retry_after="1")
    started = time.monotonic()
    with client_for(server) as crossref:
        record = crossref.fetch_work("10.2147/JPR.S325665")
        assert crossref.stats.rate_limited == 1 and crossref.stats.retries == 1
    assert record.ok if hasattr(record, "ok") else record.message
    assert time.monotonic() - started >= 1.0
    assert server.requests[1].arrived - server.requests[0].arrived >= 1.0


def test_a_pause_longer_than_we_wait_gives_up_at_once(server: FakeCrossref) -> None:
    server.inject("429", times=5, retry_after="3600")
    with client_for(server) as crossref, pytest.raises(RateLimited, match="try again later"):
        crossref.fetch_work("10.2147/JPR.S325665")
    assert len(server.requests) == 1


def test_rate_limiting_that_never_ends_is_rate_limited(server: FakeCrossref) -> None:
    server.inject("429", times=50, retry_after="0")
    with client_for(server) as crossref, pytest.raises(RateLimited, match="gave up after 4"):
        crossref.fetch_work("10.2147/JPR.S325665")
    assert len(server.requests) == 4


def test_the_retry_budget_bounds_a_whole_run(server: FakeCrossref) -> None:
    server.inject("500", times=100)
    policy = RetryPolicy(attempts=10, base=0.001, cap=0.002, budget=3)
    with client_for(server, retry=policy) as crossref:
        with pytest.raises(Unavailable, match="retry budget"):
            crossref.fetch_work("10.2147/JPR.S325665")
        with pytest.raises(Unavailable, match="retry budget"):
            crossref.fetch_work("10.2147/JPR.S325665")
    assert len(server.requests) == 5


# -- faults become our errors, never "not found" -------------------------------------------


@pytest.mark.parametrize("fault, error", [
    ("500", Unavailable), ("503-html", Unavailable), ("504-html", Unavailable),
    ("timeout", Unavailable), ("reset", Unavailable), ("truncated", BadResponse),
    ("html-200", BadResponse), ("404-html", Unavailable), ("429", RateLimited),
])
def test_faults_are_our_errors_and_never_not_found(fault: str, error: type) -> None:
    with FakeCrossref(hang=1.0, retry_after="0") as server:
        add_fixtures(server)
        server.inject(fault, times=100)
        with client_for(server, timeout=0.3, retry=RetryPolicy(attempts=2, base=0.01)) as c:
            with pytest.raises(CrossrefError) as caught:
                c.fetch_work("10.2147/JPR.S325665")
            results = c.fetch_works(["10.2147/JPR.S325665", "10.1136/rapm-2021-103031"])
    assert type(caught.value) is error
    assert not isinstance(caught.value, NotFound)
    assert all(isinstance(r.error, CrossrefError) and not isinstance(r.error, NotFound)
               for r in results.values())


@pytest.mark.parametrize("fault", ["500", "503-html", "504-html", "timeout", "reset",
                                   "truncated", "html-200"])
def test_one_fault_is_retried_away(fault: str) -> None:
    with FakeCrossref(hang=1.0, retry_after="0") as server:
        add_fixtures(server)
        server.inject(fault, times=1)
        with client_for(server, timeout=0.3) as crossref:
            record = crossref.fetch_work("10.2147/JPR.S325665")
    assert record.message["DOI"] == "10.2147/JPR.S325665"
    assert len(server.requests) == 2


def test_answers_without_limit_headers_keep_the_limits(server: FakeCrossref) -> None:
    server.inject("no-headers", times=1)
    with client_for(server, limits=Limits(7, 2.0, 3)) as crossref:
        crossref.fetch_work("10.2147/JPR.S325665")
        assert crossref.throttle.limits == Limits(7, 2.0, 3)
        crossref.fetch_work("10.2147/JPR.S325665")
        assert crossref.throttle.limits == Limits(50, 1.0, 10)


def test_a_bad_request_is_not_retried(server: FakeCrossref) -> None:
    server.inject("400", times=5)
    with client_for(server) as crossref, pytest.raises(BadResponse,
                                                       match="does not support field"):
        crossref.fetch_work("10.2147/JPR.S325665")
    assert len(server.requests) == 1


def test_a_refused_connection_is_unavailable() -> None:
    with FakeCrossref() as server:
        url = server.url
    with CrossrefClient(base_url=url, mailto=MAILTO, retry=RetryPolicy(attempts=2, base=0.01),
                        timeout=0.5) as crossref:
        with pytest.raises(Unavailable, match="cannot connect"):
            crossref.fetch_work("10.2147/JPR.S325665")
        results = crossref.fetch_works(["10.2147/JPR.S325665", "10.1136/rapm-2021-103031"])
        with pytest.raises(Unavailable):
            crossref.search_bibliographic("anything")
    assert all(isinstance(r.error, Unavailable) for r in results.values())


def test_plain_habanero_calls_are_left_alone(server: FakeCrossref) -> None:
    from habanero import Crossref

    with client_for(server) as crossref:
        before = crossref.stats.requests
        answer = Crossref(base_url=server.url).works(ids="10.2147/JPR.S325665")
        assert answer["message"]["DOI"] == "10.2147/JPR.S325665"
        assert crossref.stats.requests == before  # not counted, not throttled by us


# -- pieces ------------------------------------------------------------------------------


def test_announced_limits_and_retry_after_are_parsed() -> None:
    headers = {"X-Rate-Limit-Limit": "50", "x-rate-limit-interval": "1s",
               "x-concurrency-limit": "5"}
    assert announced_limits(headers, PUBLIC_POOL) == Limits(50, 1.0, 5)
    assert announced_limits({"x-rate-limit-limit": "nonsense"}, PUBLIC_POOL) == PUBLIC_POOL
    assert [parse_interval(t) for t in ("1s", "500ms", "1m", "", "x")] == [1.0, 0.5, 60.0,
                                                                         None, None]
    assert retry_after_seconds("3") == 3.0 and retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    import random

    policy = RetryPolicy(base=1.0, cap=8.0)
    rng = random.Random(7)
    delays = [policy.delay(n, rng=rng) for n in (1, 2, 3, 4, 5)]
    assert 0.5 <= delays[0] <= 1.0 and 1.0 <= delays[1] <= 2.0 and 4.0 <= delays[4] <= 8.0
    assert 2.0 <= policy.delay(1, retry_after=2.0, rng=rng) <= 3.0


def test_throttle_counts_requests_until_a_window_after_their_answer() -> None:
    clock = [0.0]
    throttle = Throttle(Limits(2, 1.0, 5), margin=0.0, clock=lambda: clock[0])
    throttle.acquire()
    throttle.acquire()
    assert throttle._wait_needed(5.0) == float("inf")  # in flight: they count as now
    clock[0] = 0.2
    throttle.release()  # answered at 0.2: counts until 1.2
    clock[0] = 0.4
    throttle.release()
    assert throttle._wait_needed(0.5) == pytest.approx(0.7)
    assert throttle._wait_needed(1.2) == 0.0
    clock[0] = 1.2
    throttle.pause(5.0)  # the server asked: nobody starts before 6.2
    assert throttle._wait_needed(1.2) == pytest.approx(5.0)


def test_kept_records_load_offline(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    message = load_message(BUILT / "lee2021learn.json")
    record = CrossrefRecord("10.2147/JPR.S325665", message, "https://api.crossref.org/works/x",
                            "2026-06-01T00:00:00Z", {"publisher": {"value": "{Informa UK "
                                                                   "Limited}", "when": "t"}})
    assert keep_record(layout, "lee2021learn", record) is True
    assert keep_record(layout, "lee2021learn", record) is False  # unchanged: not rewritten
    assert gateway.load_kept_record(layout, "lee2021learn") == record
    assert gateway.load_kept_record(layout, "absent") is None
    (tmp_path / "refs" / "broken.crossref.json").write_text('{"doi": "x",\n "message": ')
    records, problems = gateway.load_kept_records(layout)
    assert list(records) == ["lee2021learn"]
    assert str(problems[0]).startswith("refs/broken.crossref.json:2: not valid JSON")
    with pytest.raises(RecordError):
        gateway.load_kept_record(layout, "broken")
