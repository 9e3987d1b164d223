"""The PubMed gateway: the only module that talks to NCBI (E-utilities and the PMC ID
Converter). Batching, NCBI's rate limit, retries, our errors.

    from reflib.registries.pubmed.gateway import PubMedClient
    with PubMedClient(email="editor@example.org") as pubmed:
        records = pubmed.fetch(["34526815", "36422818"])         # {pmid: PubMedRecord}
        pmids = pubmed.search("10.2147/JPR.S323362[doi]")
        found = pubmed.find_dois(["10.2147/JPR.S323362"])         # {doi: PubMedRecord}
        ids = pubmed.convert(["PMC8436449"])                      # {id: {"pmid": ...}}
        by_pmid, by_doi, by_pmcid = pubmed.lookup(pmids, dois, pmcids)   # 3 requests at most

Public API:
- `PubMedClient(base_url=None, idconv_url=None, email=None, api_key=None, tool="reflib")`:
  E-utilities base from the argument, else $REFS_PUBMED_URL, else NCBI's; the converter
  from the argument, else $REFS_IDCONV_URL, else PMC's; `email` else $REFS_MAILTO else
  $NCBI_EMAIL; `api_key` else $NCBI_API_KEY. `tool` and `email` go with every request,
  `api_key` when there is one.
- NCBI allows 3 requests a second without a key and 10 with one, for all E-utilities
  together: every client of one host and key in a process shares one throttle
  (reflib.registries.throttle), so two clients together keep the limit too.
- `fetch(pmids)`: efetch by POST (no URL is too long), `batch_size` PMIDs a request;
  PMIDs PubMed does not have are absent from the answer, as from PubMed's.
- `fetch_one(pmid)` raises NotFound; every method raises `Unavailable`, `RateLimited`
  (429s outlasted the retries) or `BadResponse` (reflib.errors) for the whole call.
- Retries: 429, 5xx and transport failures, with back-off and jitter; 429 waits at least
  NCBI's one-second window. Every request has a timeout.
"""

from __future__ import annotations

import json
import os
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from reflib.errors import BadResponse, NotFound, RateLimited, RegistryError, Unavailable
from reflib.registries.deadline import NO_DEADLINE, Deadline, answer_deadline, bound_client
from reflib.registries.pubmed.record import PubMedRecord, parse_articles
from reflib.registries.throttle import (
    Limits,
    RetryBudget,
    RetryPolicy,
    Throttle,
    retry_after_seconds,
)

__all__ = ["DEFAULT_IDCONV_URL", "DEFAULT_URL", "KEYED", "KEYLESS", "PubMedClient",
           "PubMedRecord", "Stats"]

DEFAULT_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
DEFAULT_IDCONV_URL = "https://pmc.ncbi.nlm.nih.gov/tools/idconv/api/v1/articles/"
URL_ENV, IDCONV_ENV, KEY_ENV = "REFS_PUBMED_URL", "REFS_IDCONV_URL", "NCBI_API_KEY"
EMAIL_ENVS = ("REFS_MAILTO", "NCBI_EMAIL")
KEYLESS = Limits(requests=3, interval=1.0, concurrency=3)  # NCBI's published limits
KEYED = Limits(requests=10, interval=1.0, concurrency=10)
BATCH_SIZE = 200  # NCBI's advice for efetch by POST; the converter takes 200 ids
MIN_429_WAIT = 1.0  # NCBI counts per second and sends no Retry-After

_throttles: dict[tuple[str, bool], Throttle] = {}
_throttles_lock = threading.Lock()
_noticed: set[str] = set()


def _shared_throttle(host: str, keyed: bool) -> Throttle:
    with _throttles_lock:
        key = (host, keyed)
        if key not in _throttles:
            _throttles[key] = Throttle(KEYED if keyed else KEYLESS)
        return _throttles[key]


@dataclass
class Stats:
    """What one client did: requests by endpoint and status, retries."""

    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    by_endpoint: dict[str, int] = field(default_factory=dict)
    transport_errors: int = 0
    retries: int = 0

    @property
    def rate_limited(self) -> int:
        return self.by_status.get(429, 0)


class _Retry(Exception):
    def __init__(self, error: RegistryError, wait: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait


class PubMedClient:
    """A polite, throttled client of NCBI's E-utilities (see the module docstring)."""

    def __init__(self, base_url: str | None = None, idconv_url: str | None = None,
                 email: str | None = None, api_key: str | None = None,
                 tool: str = "reflib", *, timeout: float = 20.0,
                 limits: Limits | None = None, retry: RetryPolicy | None = None,
                 batch_size: int = BATCH_SIZE,
                 sleep: Callable[[float], None] = time.sleep,
                 notice: Callable[[str], None] | None = None,
                 deadline: Deadline = NO_DEADLINE) -> None:
        import httpx2

        self.base_url = (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        self.idconv_url = idconv_url or os.environ.get(IDCONV_ENV) or DEFAULT_IDCONV_URL
        contact = email or next((os.environ[n] for n in EMAIL_ENVS if os.environ.get(n)), "")
        self.email = contact.strip() or None
        self.api_key = (api_key or os.environ.get(KEY_ENV) or "").strip() or None
        self.tool = tool
        self.timeout = timeout
        self.deadline = deadline  # for the whole run; each answer within `timeout` too
        self.retry = retry or RetryPolicy()
        self.batch_size = max(1, batch_size)
        host = urlsplit(self.base_url).netloc or self.base_url
        self.throttle = Throttle(limits) if limits else _shared_throttle(host,
                                                                         bool(self.api_key))
        self.stats = Stats()
        self._budget = RetryBudget(self.retry.budget)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._httpx2 = httpx2
        self._http = bound_client(httpx2.Client(timeout=timeout, follow_redirects=True,
                                                headers={"User-Agent": f"reflib ({tool})"}))
        if not self.email and notice is not None:
            with _throttles_lock:
                if "email" not in _noticed:
                    _noticed.add("email")
                    notice("notice: no contact address for NCBI (--mailto or $REFS_MAILTO): "
                           "NCBI asks every tool for an email to write to before it blocks "
                           "one that misbehaves")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PubMedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the API -------------------------------------------------------------------------

    def search(self, term: str, retmax: int = 20, sort: str = "") -> list[str]:
        """PMIDs matching an E-utilities query (esearch), best first; `sort="relevance"`
        asks for PubMed's Best Match order (a field-tagged search of a printed line)."""
        params = {"db": "pubmed", "term": term, "retmax": str(retmax), "retmode": "xml"}
        if sort:
            params["sort"] = sort
        text = self._call("esearch", f"{self.base_url}/esearch.fcgi", "GET", params,
                          f"PubMed search {term[:60]!r}")
        root = _xml(text, "PubMed search")
        error = root.findtext("ERROR")
        if root.tag != "eSearchResult" or error:
            raise BadResponse(f"PubMed search: {error or 'not an eSearchResult'}")
        return [node.text.strip() for node in root.iterfind("IdList/Id") if node.text]

    def fetch(self, pmids: Iterable[str]) -> dict[str, PubMedRecord]:
        """Records of the PMIDs PubMed has, by PMID, `batch_size` a request."""
        wanted = _unique(str(p).strip() for p in pmids)
        bad = [p for p in wanted if not p.isdigit()]
        if bad:
            raise NotFound(f"not a PMID: {', '.join(bad)} (a PMID is digits only)")
        records: dict[str, PubMedRecord] = {}
        for start in range(0, len(wanted), self.batch_size):
            chunk = wanted[start:start + self.batch_size]
            text = self._call("efetch", f"{self.base_url}/efetch.fcgi", "POST",
                              {"db": "pubmed", "id": ",".join(chunk), "retmode": "xml"},
                              f"PubMed fetch of {len(chunk)} PMID(s)")
            records.update(parse_articles(text))
        return {p: records[p] for p in wanted if p in records}

    def fetch_one(self, pmid: str) -> PubMedRecord:
        record = self.fetch([pmid]).get(str(pmid).strip())
        if record is None:
            raise NotFound(f"PubMed has no record with PMID {pmid}")
        return record

    def find_dois(self, dois: Iterable[str]) -> dict[str, PubMedRecord]:
        """The PubMed records of DOIs, keyed by the DOI as given: one esearch for them
        all (`A[doi] OR B[doi]`), then one efetch; DOIs PubMed lacks are absent."""
        asked = _unique(d.strip() for d in dois if d and d.strip())
        found: dict[str, PubMedRecord] = {}
        for start in range(0, len(asked), self.batch_size):
            chunk = asked[start:start + self.batch_size]
            term = " OR ".join(f'"{d}"[doi]' for d in chunk)
            pmids = self.search(term, retmax=len(chunk) * 2)
            by_doi = {r.doi.lower(): r for r in self.fetch(pmids).values() if r.doi}
            found.update({d: by_doi[d.lower()] for d in chunk if d.lower() in by_doi})
        return found

    def lookup(self, pmids: Iterable[str] = (), dois: Iterable[str] = (),
               pmcids: Iterable[str] = ()) -> tuple[dict[str, PubMedRecord],
                                                    dict[str, PubMedRecord],
                                                    dict[str, PubMedRecord]]:
        """Records by PMID, by DOI and by PMCID (keys as given) in the fewest requests:
        one ID conversion for the PMCIDs, one esearch for the DOIs, then one efetch for
        every PMID known or found (a request more per `batch_size`)."""
        pmids, dois, pmcids = _unique(pmids), _unique(dois), _unique(pmcids)
        by_pmcid = {c: ids["pmid"] for c, ids in self.convert(pmcids).items()
                    if ids.get("pmid")} if pmcids else {}
        found: list[str] = []
        for start in range(0, len(dois), self.batch_size):
            chunk = dois[start:start + self.batch_size]
            found += self.search(" OR ".join(f'"{d}"[doi]' for d in chunk),
                                 retmax=len(chunk) * 2)
        records = self.fetch(pmids + list(by_pmcid.values()) + found)
        by_doi = {r.doi.lower(): r for r in records.values() if r.doi}
        return ({p: records[p] for p in pmids if p in records},
                {d: by_doi[d.lower()] for d in dois if d.lower() in by_doi},
                {c: records[p] for c, p in by_pmcid.items() if p in records})

    def summary(self, pmids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """ESummary (version 2.0) by PMID: each DocumentSummary as a dict of its simple
        fields, with `authors` (names) and `articleids` ({type: value})."""
        wanted = _unique(str(p).strip() for p in pmids)
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), self.batch_size):
            chunk = wanted[start:start + self.batch_size]
            text = self._call("esummary", f"{self.base_url}/esummary.fcgi", "POST",
                              {"db": "pubmed", "id": ",".join(chunk), "version": "2.0",
                               "retmode": "xml"}, f"PubMed summary of {len(chunk)} PMID(s)")
            out.update(_summaries(_xml(text, "PubMed summary")))
        return out

    def convert(self, ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """PMC ID Converter: each id as given (PMCID, PMID or DOI, not mixed kinds in one
        call) -> {"pmcid", "pmid", "doi"} as far as PMC knows them; unknown ids absent."""
        asked = _unique(str(i).strip() for i in ids if str(i).strip())
        out: dict[str, dict[str, str]] = {}
        for start in range(0, len(asked), self.batch_size):
            chunk = asked[start:start + self.batch_size]
            text = self._call("idconv", self.idconv_url, "GET",
                              {"ids": ",".join(chunk), "format": "json"},
                              f"PMC ID conversion of {len(chunk)} id(s)")
            try:
                data = json.loads(text)
            except ValueError:
                raise BadResponse("PMC ID Converter: the answer is not JSON") from None
            records = data.get("records") if isinstance(data, dict) else None
            if isinstance(data, dict) and data.get("status") == "error":
                raise BadResponse("PMC ID Converter refused the request: "
                                  f"{unquote(str(data.get('message', 'no message')))}")
            if not isinstance(records, list):
                raise BadResponse("PMC ID Converter: the answer holds no `records` list")
            by_any: dict[str, dict[str, str]] = {}
            for item in records:
                if not isinstance(item, dict) or item.get("status") == "error":
                    continue
                ids_of = {k: str(item[k]) for k in ("pmcid", "pmid", "doi") if item.get(k)}
                for value in list(ids_of.values()) + [str(item.get("requested-id", ""))]:
                    by_any[value.lower()] = ids_of
            out.update({i: by_any[i.lower()] for i in chunk if i.lower() in by_any})
        return out

    # -- sending ---------------------------------------------------------------------------

    def _params(self, params: dict[str, str]) -> dict[str, str]:
        common = {"tool": self.tool}
        if self.email:
            common["email"] = self.email
        if self.api_key:
            common["api_key"] = self.api_key
        return {**params, **common}

    def _call(self, endpoint: str, url: str, method: str, params: dict[str, str],
              what: str) -> str:
        """One request with retries: the answer's text, or our error."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(endpoint, url, method, self._params(params), what)
            except _Retry as retry:
                failure, wait = retry.error, retry.wait
            if attempt >= self.retry.attempts:
                raise type(failure)(f"{failure} (gave up after {attempt} attempts)")
            delay = self.retry.delay(attempt, wait)
            if delay >= self.deadline.remaining():
                raise type(failure)(f"{failure}; {self.deadline.reason()}")
            if delay > self.retry.max_wait:
                raise type(failure)(f"{failure}; asked to wait {delay:.0f} s: try again later")
            if not self._budget.spend():
                raise type(failure)(f"{failure} (retry budget of this run spent)")
            with self._lock:
                self.stats.retries += 1
            self._sleep(delay)

    def _once(self, endpoint: str, url: str, method: str, params: dict[str, str],
              what: str) -> str:
        host = urlsplit(url).netloc or url
        if self.deadline.expired:
            raise Unavailable(f"{what}: {self.deadline.reason()}")
        seconds = self.deadline.limit(self.timeout)  # the whole answer, not each byte
        with self.throttle.slot():
            try:
                with answer_deadline(seconds):
                    if method == "POST":
                        response = self._http.post(url, data=params, timeout=seconds)
                    else:
                        response = self._http.get(url, params=params, timeout=seconds)
                    text = response.text
            except self._httpx2.HTTPError as exc:
                with self._lock:
                    self.stats.requests += 1
                    self.stats.transport_errors += 1
                    self.stats.by_endpoint[endpoint] = self.stats.by_endpoint.get(endpoint,
                                                                                  0) + 1
                if isinstance(exc, self._httpx2.TimeoutException):
                    message = f"{what}: no answer from {host} within {seconds:g} s"
                elif isinstance(exc, self._httpx2.ConnectError):
                    message = f"{what}: cannot connect to {url} ({exc})"
                else:
                    message = f"{what}: the connection to {host} failed ({exc or type(exc)})"
                raise _Retry(Unavailable(message)) from None
        status = response.status_code
        with self._lock:
            self.stats.requests += 1
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
            self.stats.by_endpoint[endpoint] = self.stats.by_endpoint.get(endpoint, 0) + 1
        if status == 200:
            return text
        wait = retry_after_seconds(response.headers.get("retry-after"))
        if status == 429:
            wait = max(wait or 0.0, MIN_429_WAIT)
            self.throttle.pause(wait)
            raise _Retry(_status(RateLimited(f"{what}: {host} is rate limiting us (429: "
                                             f"{_ncbi_message(text)})"), status), wait)
        if status >= 500:
            raise _Retry(_status(Unavailable(f"{what}: {host} answered {status} "
                                             f"{response.reason_phrase}"), status), wait)
        if endpoint == "idconv" and status in (400, 404):
            return text  # the converter says "no such id" as an error document
        if status == 414:
            raise _status(BadResponse(f"{what}: the request was too long for {host} (414); "
                                      "use smaller batches"), status)
        message = _ncbi_message(text)
        hint = "; check $NCBI_API_KEY" if "api key" in message.lower() else ""
        raise _status(BadResponse(f"{what}: {host} answered {status} {response.reason_phrase}"
                                  f" ({message}){hint}"), status)


def _status(error: RegistryError, status: int) -> RegistryError:
    error.status = status  # type: ignore[attr-defined]
    return error


def _ncbi_message(text: str) -> str:
    """NCBI's error text: the JSON `error` (429, bad key), else the start of the body."""
    try:
        data = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:160] or "no message"
    if isinstance(data, dict):
        return unquote(str(data.get("error") or data.get("message") or data))[:160]
    return str(data)[:160]


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _xml(text: str, what: str) -> ET.Element:
    if "<!ENTITY" in text[:4096]:
        raise BadResponse(f"{what}: the answer declares XML entities; refused")
    try:
        return ET.fromstring(text.encode("utf-8") if not text.lstrip().startswith("<?xml")
                             else text.split("?>", 1)[1].encode("utf-8"))
    except ET.ParseError as exc:
        raise BadResponse(f"{what}: unreadable XML ({exc})") from None


def _summaries(root: ET.Element) -> dict[str, dict[str, Any]]:
    error = root.findtext("ERROR")
    if error:
        raise BadResponse(f"PubMed summary: {error.strip()}")
    out: dict[str, dict[str, Any]] = {}
    for doc in root.iterfind("DocumentSummarySet/DocumentSummary"):
        uid = doc.get("uid", "")
        item: dict[str, Any] = {"uid": uid}
        for child in doc:
            if child.tag == "Authors":
                item["authors"] = [" ".join((a.findtext("Name") or "").split())
                                   for a in child.iterfind("Author")]
            elif child.tag == "ArticleIds":
                item["articleids"] = {(a.findtext("IdType") or "").strip():
                                      (a.findtext("Value") or "").strip()
                                      for a in child.iterfind("ArticleId")}
            elif child.tag == "PubType":
                item["pubtype"] = [(f.text or "").strip() for f in child]
            elif len(child) == 0:
                item[child.tag.lower()] = " ".join((child.text or "").split())
        if uid:
            out[uid] = item
    return out
