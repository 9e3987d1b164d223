"""The PubMed gateway against a real local server (tests/fake_pubmed.py) serving recorded
NCBI answers: batching, the rate limit, retries, errors, the parameters NCBI asks for."""

from __future__ import annotations

import time

import pytest
from conftest import closed_port_url
from fake_pubmed import PUBMED, FakePubMed, cassette_body

from reflib.errors import BadResponse, NotFound, RateLimited, Unavailable
from reflib.registries.pubmed.gateway import PubMedClient
from reflib.registries.throttle import Limits, RetryPolicy

GUIDELINE = "efetch_pmid32887691_practice-guideline_updatein_erratumin_pubmed-client.xml"
FILES = [GUIDELINE, "efetch_pmid29963580_collectivename_mathml_biopython.xml",
         "efetch_pmid31789841_suffix-jr_metapub.xml",
         "efetch_pmid33856845_systematic-review_metapub.xml",
         "efetch_pmid12091962+9997_two-records_season-date_biopython.xml",
         "esummary_v2.0_pmid5683731+22144687_klortho.xml"]
OK_CASSETTE = "idconv_doi-10.1038-ng.590_ok_versions_rcrossref-cassette.yaml"
ERROR_CASSETTE = "idconv_404_idtype-doi-mismatch_rcrossref-cassette.yaml"
FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05, budget=20)


@pytest.fixture
def server():
    with FakePubMed() as fake:
        for name in FILES:
            fake.add_file(PUBMED / name)
        yield fake


def client(server: FakePubMed, **kwargs) -> PubMedClient:
    kwargs.setdefault("email", "t@example.org")
    kwargs.setdefault("retry", FAST)
    return PubMedClient(base_url=server.url, idconv_url=server.idconv_url, **kwargs)


def test_fetch_batches_and_sends_tool_and_email(server):
    with client(server, batch_size=2) as pubmed:
        records = pubmed.fetch(["32887691", "29963580", "31789841", "404040404"])
    assert list(records) == ["32887691", "29963580", "31789841"]
    fetches = [r for r in server.requests if r.path.endswith("efetch.fcgi")]
    assert [len(r.ids) for r in fetches] == [2, 2]
    assert all(r.method == "POST" for r in fetches)
    assert all(r.params["tool"] == "reflib" and r.params["email"] == "t@example.org"
               for r in fetches)
    assert all("api_key" not in r.params for r in fetches)


def test_fetch_one_not_found(server):
    with client(server) as pubmed:
        with pytest.raises(NotFound, match="no record with PMID 37909814"):
            pubmed.fetch_one("37909814")
        with pytest.raises(NotFound, match="not a PMID"):
            pubmed.fetch(["PMC123"])


def test_api_key_is_sent_and_raises_the_limit(monkeypatch):
    monkeypatch.setenv("NCBI_API_KEY", "k123")
    with FakePubMed(keys=("k123",)) as fake:
        fake.add_file(PUBMED / GUIDELINE)
        with client(fake) as pubmed:
            assert pubmed.throttle.limits.requests == 10
            started = time.monotonic()
            for _ in range(8):
                pubmed.fetch(["32887691"])
            elapsed = time.monotonic() - started
        assert all(r.params.get("api_key") == "k123" for r in fake.requests)
        assert fake.count(429) == 0 and elapsed < 0.9


def test_bad_api_key_says_so(server):
    with client(server, api_key="wrong") as pubmed:
        with pytest.raises(BadResponse, match="API key invalid.*NCBI_API_KEY"):
            pubmed.fetch(["32887691"])


def test_without_key_three_a_second_and_never_over(server):
    with client(server) as pubmed:
        started = time.monotonic()
        for _ in range(7):
            pubmed.search('"10.1136/bmj.m3379"[doi]')
        elapsed = time.monotonic() - started
    assert server.count(429) == 0
    assert elapsed >= 2.0  # 7 requests at 3 a second need two full windows


def test_429_body_and_backoff(server):
    # Another program on the same machine spends the allowance: the server answers 429
    # with NCBI's JSON body; the client waits a window and succeeds.
    server.inject("429", times=1)
    with client(server, retry=RetryPolicy(attempts=3, base=0.01, cap=0.05)) as pubmed:
        started = time.monotonic()
        assert pubmed.search('"10.1136/bmj.m3379"[doi]') == ["32887691"]
        assert time.monotonic() - started >= 1.0
        assert pubmed.stats.rate_limited == 1 and pubmed.stats.retries == 1


def test_429_forever_is_rate_limited(server):
    server.inject("429", times=10)
    with client(server, retry=RetryPolicy(attempts=2, base=0.01, cap=0.05)) as pubmed:
        with pytest.raises(RateLimited, match="API rate limit exceeded.*gave up after 2"):
            pubmed.fetch(["32887691"])


@pytest.mark.parametrize("fault", ["500", "502-html", "503", "reset"])
def test_retries_server_failures(server, fault):
    server.inject(fault, times=2)
    with client(server) as pubmed:
        assert "32887691" in pubmed.fetch(["32887691"])
        assert pubmed.stats.retries == 2


def test_timeout_is_unavailable():
    with FakePubMed(hang=1.0) as fake:
        fake.add_file(PUBMED / GUIDELINE)
        fake.inject("timeout", times=5)
        with client(fake, timeout=0.2, retry=RetryPolicy(attempts=2, base=0.01)) as pubmed:
            with pytest.raises(Unavailable, match="no answer .* within 0.2 s"):
                pubmed.fetch(["32887691"])


def test_a_dripped_answer_is_cut_at_the_whole_answer_limit():
    """A server that sends one byte every 50 ms never trips a per-byte timeout; the
    answer as a whole must still arrive within `timeout`, or it is Unavailable."""
    with FakePubMed(drip=0.05) as fake:
        fake.add_file(PUBMED / GUIDELINE)
        fake.inject("drip", times=5)
        with client(fake, timeout=0.5, retry=RetryPolicy(attempts=1)) as pubmed:
            started = time.monotonic()
            with pytest.raises(Unavailable, match="no answer .* within 0.5 s"):
                pubmed.fetch(["32887691"])
            assert time.monotonic() - started < 3


def test_the_runs_deadline_stops_pubmed_too():
    from reflib.registries.deadline import Deadline

    with FakePubMed(drip=0.05) as fake:
        fake.add_file(PUBMED / GUIDELINE)
        fake.inject("drip", times=50)
        run = Deadline(0.6)
        with client(fake, timeout=30, deadline=run,
                    retry=RetryPolicy(attempts=5, base=0.01)) as pubmed:
            started = time.monotonic()
            with pytest.raises(Unavailable):
                pubmed.fetch(["32887691"])
            assert time.monotonic() - started < 3
            assert run.expired


def test_truncated_and_html_answers_are_bad_responses(server):
    server.inject("truncated")
    with client(server) as pubmed:
        with pytest.raises(BadResponse, match="unreadable PubMed XML"):
            pubmed.fetch(["32887691"])
    server.inject("html-200")
    with client(server) as pubmed:
        with pytest.raises(BadResponse):
            pubmed.fetch(["32887691"])


def test_nothing_listening():
    url = closed_port_url()
    with PubMedClient(base_url=url, retry=RetryPolicy(attempts=2, base=0.01)) as pubmed:
        with pytest.raises(Unavailable, match="cannot connect"):
            pubmed.fetch(["1"])


def test_find_dois_two_requests(server):
    with client(server) as pubmed:
        found = pubmed.find_dois(["10.1136/BMJ.M3379", "10.1037/prj0000481", "10.5555/none"])
        assert {d: r.pmid for d, r in found.items()} == {"10.1136/BMJ.M3379": "32887691",
                                                        "10.1037/prj0000481": "33856845"}
        assert pubmed.stats.by_endpoint == {"esearch": 1, "efetch": 1}


def test_search_words(server):
    with client(server) as pubmed:
        assert pubmed.search("living WHO guideline covid") == ["32887691"]


def test_summary_recorded(server):
    with client(server) as pubmed:
        summaries = pubmed.summary(["5683731", "22144687"])
    assert summaries["5683731"]["title"] == "An assistive device for smoking."
    assert summaries["5683731"]["authors"] == ["Goldberg MJ", "Davis LJ"]
    assert summaries["5683731"]["articleids"]["doi"] == "10.1038/sc.1968.18"


def test_convert_from_records(server):
    with client(server) as pubmed:
        ids = pubmed.convert(["PMC6022861", "PMC0000000"])
    assert ids == {"PMC6022861": {"pmid": "29963580", "pmcid": "PMC6022861",
                                  "doi": "10.1117/1.JMI.5.2.026002"}}


def test_convert_recorded_answers(server):
    status, body = cassette_body(PUBMED / OK_CASSETTE)
    server.serve("/idconv/", status, body, "application/json; charset=ISO-8859-1")
    with client(server) as pubmed:
        assert pubmed.convert(["10.1038/ng.590"]) == {
            "10.1038/ng.590": {"pmcid": "PMC2883744", "pmid": "20495566",
                               "doi": "10.1038/ng.590"}}
    status, body = cassette_body(PUBMED / ERROR_CASSETTE)
    server.serve("/idconv/", status, body, "application/json; charset=ISO-8859-1")
    with client(server) as pubmed:
        with pytest.raises(BadResponse, match="ID type 'doi' mismatch"):
            pubmed.convert(["28371833"])


def test_limits_override(server):
    with client(server, limits=Limits(1, 1.0, 1)) as pubmed:
        assert pubmed.throttle.limits.requests == 1


def test_clients_of_one_server_share_the_limit(server):
    first, second = client(server), client(server)
    assert first.throttle is second.throttle
    started = time.monotonic()
    for pubmed in (first, second, first, second):
        pubmed.fetch(["32887691"])
    assert server.count(429) == 0 and time.monotonic() - started >= 0.9


def test_a_field_tagged_search_by_relevance(server):
    """`word[ti] AND family x[au] AND year[dp]` groups joined by OR: the records a group
    matches, those matching more of the term's words first."""
    pubmed = client(server, limits=Limits(requests=100, interval=1.0, concurrency=4))
    try:
        exact = pubmed.search("(pulmonary[ti] AND imaging[ti] AND guo f[au] AND 2018[dp]) OR "
                              "(pulmonary[ti] AND imaging[ti])", retmax=3, sort="relevance")
        assert exact == ["29963580"]
        assert server.requests[-1].params["sort"] == "relevance"
        # a wrong year: the full group fails, the title-only group still finds it
        assert pubmed.search("(pulmonary[ti] AND imaging[ti] AND 2017[dp]) OR "
                             "(pulmonary[ti] AND imaging[ti])", sort="relevance") == ["29963580"]
        assert pubmed.search("pulmonary[ti] AND 2017[dp]") == []
        assert pubmed.search("treatment[ti] OR magnetic[ti]") == ["12091962", "9997"]
        assert pubmed.search("strekas t[au] OR olivero j[au]") == ["12091962", "9997"]
        assert pubmed.search("(treatment[ti] AND olivero[au]) OR magnetic[ti]")[0] == "12091962"
    finally:
        pubmed.close()
