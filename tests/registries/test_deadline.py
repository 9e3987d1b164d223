"""Total deadlines for answers and runs (reflib/registries/deadline.py), against servers
on 127.0.0.1 that drip an answer a byte at a time or accept and never answer."""

from __future__ import annotations

import time
import urllib.request

import httpx2
import pytest
from fake_crossref import FakeCrossref, work_message

from reflib.registries.crossref.shape import shape_problems
from reflib.registries.deadline import Deadline, answer_deadline, bound_client, fetch

DOI = "10.5555/slow"


@pytest.fixture
def server():
    with FakeCrossref(drip=0.1) as fake:
        fake.add_work(work_message(DOI))
        yield fake


@pytest.mark.parametrize("fault", ["drip", "hang"])
def test_urllib_answers_have_a_total_deadline(server, fault: str) -> None:
    server.inject(fault)
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="no whole answer within 0.5 s"):
        fetch(urllib.request.Request(f"{server.url}/works/{DOI}"), 0.5)
    assert time.monotonic() - started < 1.5  # each byte came well within any read timeout


def test_urllib_a_whole_answer_in_time(server) -> None:
    status, headers, body = fetch(urllib.request.Request(f"{server.url}/works/{DOI}"), 5)
    assert status == 200 and DOI.encode() in body
    status, _, body = fetch(urllib.request.Request(f"{server.url}/works/10.5555/none"), 5)
    assert (status, body) == (404, b"Resource not found.")


@pytest.mark.parametrize("fault", ["drip", "hang"])
def test_httpx_answers_have_a_total_deadline(server, fault: str) -> None:
    server.inject(fault)
    client = bound_client(httpx2.Client(timeout=30))
    started = time.monotonic()
    with pytest.raises(httpx2.TimeoutException), answer_deadline(0.5):
        client.get(f"{server.url}/works/{DOI}")
    assert time.monotonic() - started < 1.5
    with answer_deadline(5):  # the same pooled client answers the next request in time
        assert client.get(f"{server.url}/works/{DOI}").status_code == 200
    client.close()


def test_a_run_deadline_counts_down() -> None:
    now = [100.0]
    run = Deadline(10, clock=lambda: now[0])
    assert run.limit(20) == 10 and not run.expired
    now[0] = 107.5
    assert run.limit(20) == 2.5 and run.limit(1) == 1
    now[0] = 111
    assert run.expired and run.remaining() == 0
    assert "time limit of 10 s (--deadline)" in run.reason()
    assert Deadline(None).limit(3) == 3 and not Deadline(None).expired


def test_wrongly_typed_works_are_named_field_by_field() -> None:
    good = work_message(DOI)
    assert shape_problems(good) == []
    assert shape_problems({**good, "issued": {"date-parts": [[None]]}}) == []  # Crossref does
    assert shape_problems({**good, "issued": {"date-parts": [["2020"]]}}) == [
        "issued has a date part that is a text, not a number"]
    assert shape_problems({**good, "license": [{"URL": 5}]}) == [
        "license has a URL that is a number, not a text"]
    assert shape_problems({**good, "author": [{"family": ["Doe"]}]}) == [
        "author has a family that is a list, not a text"]
    assert shape_problems(["not", "a", "work"]) == ["the work is a list, not an object"]
