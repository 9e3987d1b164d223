"""The Crossref gateway: the only module that talks to Crossref, and the only one that
imports habanero. Batching, rate and concurrency limits, retries, redirects, our errors.

    from reflib.registries.crossref.gateway import CrossrefClient
    with CrossrefClient(mailto="editor@example.org") as crossref:
        results = crossref.fetch_works(["10.2147/JPR.S325665", "10.1136/rapm-2021-103031"])
        for doi, result in results.items():
            print(doi, result.record.message["title"] if result.ok else result.error)
        items = crossref.search_bibliographic("Radiofrequency treatment Benzon 2023", rows=5)

Public API:
- `CrossrefClient(base_url=None, mailto=None, ...)`: base URL from the argument, else
  $REFS_CROSSREF_URL, else https://api.crossref.org; contact address from the argument,
  else $REFS_MAILTO, else $CROSSREF_MAILTO. Without one, a notice says once that the
  public pool is slower.
- `fetch_work(doi) -> CrossrefRecord`, raising `NotFound`, `Unavailable`, `RateLimited`
  or `BadResponse` (reflib.errors); a 301 is followed and the record keeps both DOIs.
- `fetch_works(dois, progress=None) -> dict[doi, WorkResult]`: many DOIs in few requests
  (`/works?filter=doi:A,doi:B&rows=N`), one request each for those a batch did not return,
  in threads within the limits. Never raises for one DOI's failure: each result holds a
  record or an error. Keys are the DOIs as given (normalised, first spelling wins);
  `progress(done, total)` is called in the caller's thread as DOIs are settled.
- `search_bibliographic(query, rows=5) -> list[dict]`: works with Crossref's `score`.
- `load_kept_record(layout, key)` / `load_kept_records(layout)`: the records kept in
  refs/KEY.crossref.json, offline (re-exported from reflib.library.records).

How requests are sent. habanero builds every request (URL, filters, field queries, the
User-Agent with the mailto) and checks every answer, but it sends with the module-level
`httpx2.get`, takes no transport, and returns only the JSON body. Crossref's rate-limit
headers, Retry-After and redirect targets live in the response, so the gateway gives
habanero's request modules a stand-in for `httpx2` whose `get` sends through one pooled,
throttled client while a gateway call runs on the thread, and is plain `httpx2.get`
otherwise. habanero's own exceptions (HTTPStatusError, RequestError, RuntimeError,
TypeError, JSONDecodeError) are turned into ours here; nothing outside sees them.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from reflib.errors import BadResponse, CrossrefError, NotFound, Unavailable
from reflib.library.model import normalize_doi
from reflib.library.records import CrossrefRecord, load_kept_record, load_kept_records
from reflib.registries.crossref.answers import (
    answer_failure,
    doi_from_location,
    encode_doi,
    is_doi_shaped,
    list_items,
    misshapen,
    work_message,
)
from reflib.registries.deadline import NO_DEADLINE, Deadline, answer_deadline, bound_client
from reflib.registries.throttle import (
    POLITE_POOL,
    PUBLIC_POOL,
    Limits,
    RetryBudget,
    RetryPolicy,
    Throttle,
)
from reflib.registries.throttle import retry_after_seconds as _retry_after

__all__ = ["DEFAULT_URL", "CrossrefClient", "CrossrefRecord", "WorkResult", "encode_doi",
           "load_kept_record", "load_kept_records", "resolve_settings"]

DEFAULT_URL = "https://api.crossref.org"
URL_ENV = "REFS_CROSSREF_URL"
MAILTO_ENVS = ("REFS_MAILTO", "CROSSREF_MAILTO")
BATCH_SIZE = 50  # DOIs per filter request; Crossref allows rows up to 1000
MAX_FILTER_CHARS = 4000  # keep batch URLs well under common 8 KB limits
MAX_REDIRECTS = 5

_notice_lock = threading.Lock()
_noticed: set[str] = set()


def _stderr_notice(message: str) -> None:
    print(message, file=sys.stderr)


def resolve_settings(base_url: str | None = None, mailto: str | None = None
                     ) -> tuple[str, str | None]:
    """Base URL and mailto from the arguments, else the environment, else the defaults."""
    url = base_url or os.environ.get(URL_ENV) or DEFAULT_URL
    contact = mailto or next((os.environ[n] for n in MAILTO_ENVS if os.environ.get(n)), None)
    return url.rstrip("/"), (contact.strip() or None) if contact else None


@dataclass(frozen=True)
class WorkResult:
    """What became of one DOI: a record, or the error that stopped it."""

    doi: str
    record: CrossrefRecord | None = None
    error: CrossrefError | None = None

    @property
    def ok(self) -> bool:
        return self.record is not None


@dataclass
class Stats:
    """What one client did: requests by status, retries, pauses the server asked for."""

    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0
    retries: int = 0
    batches: int = 0
    single: int = 0

    @property
    def rate_limited(self) -> int:
        return self.by_status.get(429, 0)


class _Moved(Exception):
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass
class _Failure:
    error: CrossrefError
    retryable: bool
    retry_after: float | None = None


class _Call:
    """One attempt of one gateway request: what was sent and what came back."""

    def __init__(self, client: CrossrefClient) -> None:
        self.client = client
        self.response: Any = None
        self.error: Exception | None = None
        self.seconds = client.timeout  # the time this attempt's answer had


_local = threading.local()


class _HttpxForHabanero:
    """Stands in for the `httpx2` module inside habanero's request modules."""

    def __init__(self, httpx2_module: Any) -> None:
        self._httpx2 = httpx2_module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._httpx2, name)

    def get(self, url: Any, **kwargs: Any) -> Any:
        call: _Call | None = getattr(_local, "call", None)
        if call is None:
            return self._httpx2.get(url, **kwargs)
        return call.client._send(call, url, kwargs)


_install_lock = threading.Lock()


def _install_transport() -> None:
    """Route habanero's sends through `_HttpxForHabanero` (once per process)."""
    import habanero.request
    import habanero.request_class
    import httpx2

    with _install_lock:
        for module in (habanero.request, habanero.request_class):
            current = getattr(module, "httpx2", None)
            if current is httpx2:
                module.httpx2 = _HttpxForHabanero(httpx2)
            elif not isinstance(current, _HttpxForHabanero):
                raise RuntimeError(f"{module.__name__} no longer sends with httpx2.get; "
                                   "the Crossref gateway must be adapted to this habanero version")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_throttles: dict[tuple[str, bool], Throttle] = {}
_throttles_lock = threading.Lock()


def _shared_throttle(base_url: str, mailto: str | None) -> Throttle:
    """One throttle per server and pool in a process, so that two clients (an enrich and
    a check in one run) together stay within the limits too."""
    with _throttles_lock:
        key = (base_url, bool(mailto))
        if key not in _throttles:
            _throttles[key] = Throttle(POLITE_POOL if mailto else PUBLIC_POOL)
        return _throttles[key]


class CrossrefClient:
    """A polite, throttled client of the Crossref REST API (see the module docstring)."""

    def __init__(self, base_url: str | None = None, mailto: str | None = None, *,
                 timeout: float = 20.0, limits: Limits | None = None,
                 retry: RetryPolicy | None = None, batch_size: int = BATCH_SIZE,
                 max_workers: int = 8, notice: Callable[[str], None] | None = None,
                 now: Callable[[], str] = _now, sleep: Callable[[float], None] = time.sleep,
                 deadline: Deadline = NO_DEADLINE) -> None:
        import habanero
        import httpx2

        from reflib import __version__

        self.base_url, self.mailto = resolve_settings(base_url, mailto)
        self.timeout = timeout  # for one whole answer, however slowly it arrives
        self.deadline = deadline  # for the whole run
        self.retry = retry or RetryPolicy()
        self.batch_size = max(1, batch_size)
        self.max_workers = max(1, max_workers)
        self.throttle = Throttle(limits) if limits else _shared_throttle(self.base_url,
                                                                         self.mailto)
        self.stats = Stats()
        self._budget = RetryBudget(self.retry.budget)
        self._now = now
        self._sleep = sleep
        self._stats_lock = threading.Lock()
        self._httpx2 = httpx2
        self._http = bound_client(httpx2.Client(
            timeout=timeout, follow_redirects=False,
            limits=httpx2.Limits(max_connections=32, max_keepalive_connections=32)))
        self._crossref = habanero.Crossref(base_url=self.base_url, mailto=self.mailto,
                                           ua_string=f"reflib/{__version__}", timeout=timeout)
        _install_transport()
        if not self.mailto:
            self._notice_once("mailto", notice or _stderr_notice,
                              "notice: no contact address for Crossref (--mailto or "
                              "$REFS_MAILTO): using the public pool, "
                              f"{PUBLIC_POOL}; with one, Crossref serves the faster polite "
                              f"pool ({POLITE_POOL})")

    @staticmethod
    def _notice_once(topic: str, notice: Callable[[str], None], message: str) -> None:
        with _notice_lock:
            if topic in _noticed:
                return
            _noticed.add(topic)
        notice(message)

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CrossrefClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending (called by _HttpxForHabanero on a gateway thread) -------------------------

    def _send(self, call: _Call, url: Any, kwargs: dict[str, Any]) -> Any:
        with self.throttle.slot():
            seconds = call.seconds = self.deadline.limit(self.timeout)
            try:
                with answer_deadline(seconds):
                    response = self._http.get(url, params=kwargs.get("params"),
                                              headers=kwargs.get("headers"), timeout=seconds)
            except self._httpx2.HTTPError as exc:
                call.error = exc
                with self._stats_lock:
                    self.stats.requests += 1
                    self.stats.transport_errors += 1
                raise
        call.response = response
        with self._stats_lock:
            self.stats.requests += 1
            self.stats.by_status[response.status_code] = (
                self.stats.by_status.get(response.status_code, 0) + 1)
        self.throttle.adapt(response.headers)
        if response.status_code in (429, 503):
            wait_for = _retry_after(response.headers.get("retry-after"))
            if wait_for is not None and wait_for <= self.retry.max_wait:
                self.throttle.pause(wait_for)
        return response

    def _request(self, what: str, do: Callable[[], Any]) -> Any:
        """Run one habanero call with retries; our errors out, habanero's never."""
        attempt = 0
        while True:
            attempt += 1
            if self.deadline.expired:
                raise Unavailable(f"{what}: {self.deadline.reason()}")
            call = _Call(self)
            _local.call = call
            try:
                return do()
            except (self._httpx2.HTTPError, RuntimeError, TypeError, ValueError, KeyError,
                    IndexError, AttributeError, _habanero_request_error()) as exc:
                if call.response is None and call.error is None:
                    raise  # nothing was sent: a bug in the call, not a service failure
                failure = self._failure(what, exc, call)
            finally:
                _local.call = None
            if not failure.retryable:
                raise failure.error
            if attempt >= self.retry.attempts:
                raise type(failure.error)(f"{failure.error} (gave up after {attempt} "
                                          "attempts)")
            delay = self.retry.delay(attempt, failure.retry_after)
            if delay > self.retry.max_wait:
                raise type(failure.error)(f"{failure.error}; asked to wait {delay:.0f} s, "
                                          "more than we wait: try again later")
            if delay >= self.deadline.remaining():
                raise type(failure.error)(f"{failure.error}; {self.deadline.reason()}")
            if not self._budget.spend():
                raise type(failure.error)(f"{failure.error} (retry budget of this run spent)")
            with self._stats_lock:
                self.stats.retries += 1
            self._sleep(delay)

    def _failure(self, what: str, exc: Exception, call: _Call) -> _Failure:
        """Sort a failed attempt into one of our errors; raise _Moved for a redirect."""
        host = urlsplit(self.base_url).netloc or self.base_url
        if call.error is not None:
            error = call.error
            if isinstance(error, self._httpx2.TimeoutException):
                text = f"{what}: no whole answer from {host} within {call.seconds:g} s"
            elif isinstance(error, self._httpx2.ConnectError):
                text = f"{what}: cannot connect to {self.base_url} ({error})"
            else:
                text = f"{what}: the connection to {host} failed ({error or type(error).__name__})"
            return _Failure(Unavailable(text), retryable=True)
        response = call.response
        if 300 <= response.status_code < 400 and response.headers.get("location"):
            raise _Moved(response.headers["location"])
        error, retryable, wait_for = answer_failure(what, host, response, exc)
        return _Failure(error, retryable, wait_for)

    # -- the API -------------------------------------------------------------------------

    def work_url(self, doi: str) -> str:
        return f"{self.base_url}/works/{encode_doi(doi)}"

    def fetch_work(self, doi: str) -> CrossrefRecord:
        """The record of one DOI; follows 301 redirects to the DOI's new name."""
        asked = normalize_doi(doi)
        if not is_doi_shaped(asked):
            raise NotFound(f"{doi!r} is not a DOI (expected 10.NNNN/suffix)")
        current = asked
        for _ in range(MAX_REDIRECTS + 1):
            what = f"Crossref lookup of {current}"
            with self._stats_lock:
                self.stats.single += 1
            try:
                data = self._request(
                    what, lambda d=current: self._crossref.works(ids=[encode_doi(d)]))
            except _Moved as moved:
                new = doi_from_location(moved.location)
                if not new:
                    raise BadResponse(f"{what}: redirected to {moved.location!r}, which "
                                      "names no work") from None
                current = new
                continue
            message = work_message(data, what)
            return CrossrefRecord(doi=asked, message=message, source=self.work_url(current),
                                  fetched=self._now())
        raise BadResponse(f"Crossref lookup of {asked}: more than {MAX_REDIRECTS} redirects")

    def fetch_works(self, dois: Iterable[str],
                    progress: Callable[[int, int], None] | None = None
                    ) -> dict[str, WorkResult]:
        """Results for many DOIs, keyed by each DOI as given (normalised), in input order."""
        asked: dict[str, str] = {}
        for doi in dois:
            normal = normalize_doi(doi)
            asked.setdefault(normal.lower(), normal)
        results: dict[str, WorkResult] = {}
        batchable, single = [], []
        for key, doi in asked.items():
            if not is_doi_shaped(doi):
                results[key] = WorkResult(doi, error=NotFound(f"{doi!r} is not a DOI"))
            elif "," in doi or doi != doi.strip():  # a comma would split the filter
                single.append(doi)
            else:
                batchable.append(doi)
        total = len(asked)

        def report() -> None:
            if progress:
                progress(len(results), total)

        report()
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="crossref") as pool:
            pending: dict[Any, tuple[str, Any]] = {}
            for chunk in self._batches(batchable):
                if len(chunk) == 1:
                    single.append(chunk[0])  # one DOI: its own route, same cost
                else:
                    pending[pool.submit(self._fetch_batch, chunk)] = ("batch", chunk)
            for doi in single:
                pending[pool.submit(self._fetch_one, doi)] = ("one", doi)
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    kind, what = pending.pop(future)
                    if kind == "one":
                        result = future.result()
                        results[result.doi.lower()] = result
                    else:
                        found, retry_singly, error = future.result()
                        for doi, record in found.items():
                            results[doi.lower()] = (
                                WorkResult(doi, record=record)
                                if isinstance(record, CrossrefRecord)
                                else WorkResult(doi, error=record))
                        for doi in retry_singly:
                            pending[pool.submit(self._fetch_one, doi)] = ("one", doi)
                        if error is not None:
                            for doi in what:
                                if doi.lower() not in results and doi not in retry_singly:
                                    results[doi.lower()] = WorkResult(doi, error=error)
                    report()
        return {asked[key]: results[key] for key in asked}

    def _batches(self, dois: list[str]) -> list[list[str]]:
        chunks: list[list[str]] = []
        chunk: list[str] = []
        size = 0
        for doi in dois:
            cost = len(quote(doi, safe="")) + 7  # "doi%3A" and the comma
            if chunk and (len(chunk) >= self.batch_size or size + cost > MAX_FILTER_CHARS):
                chunks.append(chunk)
                chunk, size = [], 0
            chunk.append(doi)
            size += cost
        if chunk:
            chunks.append(chunk)
        return chunks

    def _fetch_batch(self, chunk: list[str]
                     ) -> tuple[dict[str, CrossrefRecord | CrossrefError], list[str],
                                CrossrefError | None]:
        """Records the filter returned (or why one is unusable); DOIs to ask one by one;
        the error if the whole batch failed."""
        what = f"Crossref batch lookup of {len(chunk)} DOIs"
        with self._stats_lock:
            self.stats.batches += 1
        try:
            data = self._request(what, lambda: self._crossref.works(
                filter={"doi": list(chunk)}, limit=len(chunk)))
            items = list_items(data, what)
        except _Moved:  # not seen from Crossref's filter route; ask each DOI its own way
            return {}, list(chunk), None
        except CrossrefError as exc:
            if getattr(exc, "status", None) == 400:  # the filter was refused: ask singly
                return {}, list(chunk), None
            return {}, [], exc
        by_doi = {str(item.get("DOI", "")).lower(): item for item in items
                  if isinstance(item, dict)}
        found: dict[str, CrossrefRecord | CrossrefError] = {}
        missing: list[str] = []
        fetched = self._now()
        for doi in chunk:
            item = by_doi.get(doi.lower())
            if item is None:
                missing.append(doi)  # not registered, an alias (301), or another agency
                continue
            try:
                misshapen(item, f"Crossref batch lookup of {doi}")
            except BadResponse as exc:
                found[doi] = exc
            else:
                found[doi] = CrossrefRecord(doi=doi, message=item, source=self.work_url(doi),
                                            fetched=fetched)
        return found, missing, None

    def _fetch_one(self, doi: str) -> WorkResult:
        try:
            return WorkResult(doi, record=self.fetch_work(doi))
        except CrossrefError as exc:
            return WorkResult(doi, error=exc)

    def search_bibliographic(self, query: str, rows: int = 5,
                             filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Works matching a free-text citation (`query.bibliographic`), best first, each
        with Crossref's relevance `score`."""
        what = "Crossref search"
        try:
            data = self._request(what, lambda: self._crossref.works(
                query_bibliographic=query, limit=rows,
                filter=dict(filters) if filters else None))
        except _Moved as moved:
            raise BadResponse(f"{what}: redirected to {moved.location!r}") from None
        items = list_items(data, what)
        for item in items:
            misshapen(item, what)
        return items


def _habanero_request_error() -> type[Exception]:
    from habanero.exceptions import RequestError

    return RequestError
