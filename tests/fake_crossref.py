"""A local fake of the Crossref REST API: a real HTTP server on 127.0.0.1, port 0, in a
thread. It serves `/works/{doi}`, the batch filter `/works?filter=doi:A,doi:B&rows=N`
and `/works?query.bibliographic=...` (ranked by word overlap, `filter=type:...` honoured)
from fixtures, enforces a rate and a concurrency
limit like Crossref (429 with Retry-After beyond them, and the x-rate-limit-* headers on
every answer), records every request, and injects faults on demand.

    with FakeCrossref(rate=10, concurrency=5, latency=0.2) as server:
        server.add_work(message)
        server.inject("503-html", times=2)
        client = CrossrefClient(base_url=server.url, mailto="t@example.org")
        ...
        assert server.count(429) == 0
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from fake_faults import send_hostile

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = FIXTURES / "crossref"
BUILT = FIXTURES / "crossref-built"

FAULTS = ("429", "400", "500", "503-html", "504-html", "404-html", "timeout", "reset",
          "truncated", "html-200", "no-headers",
          # hostile networks (issue 15): a proxy's JSON 404, a 200 whose JSON has the wrong
          # shape or wrongly typed fields, a reset in the middle of the body, an answer
          # dripped one byte at a time, a connection accepted and never answered
          "404-json", "wrong-shape", "wrong-types", "reset-mid-body", "drip", "hang")
# A Crossref work whose fields all have the wrong JSON type (what a broken proxy or a
# schema change could send); what it replaces, it replaces in every item of a list.
WRONG_TYPES = {"title": 5, "author": "Tester, Ada", "editor": {"family": "X"},
               "container-title": {"a": 1}, "issued": "2024", "published-print": [2024],
               "volume": [1], "issue": {"n": 2}, "page": 12, "license": "cc-by",
               "updated-by": "retracted", "ISSN": 1234, "type": ["journal-article"],
               "publisher": None, "relation": [], "subject": "x"}
NOT_FOUND = b"Resource not found."
_STOP = frozenset("a an and the of for in on to with from by at or".split())


def load_message(path: Path) -> dict[str, Any]:
    """The work `message` of a recorded or built fixture file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["message"] if "message" in data and "DOI" not in data else data


def work_message(doi: str, title: str = "", **extra: Any) -> dict[str, Any]:
    """A small, valid work message (for volume tests and the benchmark)."""
    message = {"DOI": doi, "type": "journal-article", "title": [title or f"Work {doi}"],
               "container-title": ["Journal of Tests"], "publisher": "Test Publisher",
               "issued": {"date-parts": [[2024, 1, 2]]}, "volume": "1", "page": "1-10",
               "author": [{"given": "Ada", "family": "Tester", "sequence": "first"}]}
    message.update(extra)
    return message


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    raw_path: str  # as sent, still percent-encoded
    path: str  # decoded
    query: dict[str, list[str]]
    headers: dict[str, str]
    arrived: float
    status: int = 0
    fault: str = ""

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")


@dataclass
class _Fault:
    kind: str
    times: int
    path: str | None
    retry_after: str


@dataclass
class _Limits:
    rate: int
    interval: float
    concurrency: int
    window: deque = field(default_factory=deque)
    active: int = 0
    peak: int = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.fake._handle(self)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    fake: FakeCrossref


class FakeCrossref:
    """See the module docstring. Thread-safe; use as a context manager."""

    def __init__(self, *, rate: int = 50, interval: float = 1.0, concurrency: int = 10,
                 latency: float = 0.0, retry_after: str = "1", announce: bool = True,
                 hang: float = 3.0, drip: float = 0.2) -> None:
        self.works: dict[str, dict[str, Any]] = {}
        self.redirects: dict[str, str] = {}
        self.searches: list[tuple[str, list[dict[str, Any]]]] = []
        self.requests: list[Recorded] = []
        self.latency = latency
        self.retry_after = retry_after
        self.announce = announce
        self.hang = hang
        self.drip = drip  # seconds between the bytes of a dripped answer
        self._stopping = threading.Event()
        self.limits = _Limits(rate, interval, concurrency)
        self._faults: list[_Fault] = []
        self._tokens_cache: dict[tuple[str, int], set[str]] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- set up ----------------------------------------------------------------------------

    def add_work(self, message: dict[str, Any]) -> None:
        self.works[message["DOI"].lower()] = message

    def add_works(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self.add_work(message)

    def add_fixture(self, path: Path) -> dict[str, Any]:
        message = load_message(path)
        self.add_work(message)
        return message

    def redirect(self, old: str, new: str) -> None:
        """`/works/OLD` answers 301 with Location `/works/NEW`, like Crossref for aliases."""
        self.redirects[old.lower()] = new

    def add_search(self, contains: str, items: list[dict[str, Any]]) -> None:
        """Queries containing `contains` (any case) get `items` (each with a "score")."""
        self.searches.append((contains.lower(), items))

    def inject(self, kind: str, times: int = 1, path: str | None = None,
               retry_after: str | None = None) -> None:
        """The next `times` requests (whose path contains `path`, if given) fail as `kind`."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULTS)}")
        with self._lock:
            self._faults.append(_Fault(kind, times, path, retry_after or self.retry_after))

    def set_limits(self, rate: int, interval: float, concurrency: int) -> None:
        with self._lock:
            self.limits.rate, self.limits.interval = rate, interval
            self.limits.concurrency = concurrency

    # -- running ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeCrossref:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # frees handlers that hang or drip
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeCrossref:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what happened -----------------------------------------------------------------------

    def count(self, status: int) -> int:
        with self._lock:
            return sum(r.status == status for r in self.requests)

    @property
    def peak_concurrency(self) -> int:
        return self.limits.peak

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- serving -------------------------------------------------------------------------------

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and (fault.path is None or fault.path in path):
                    fault.times -= 1
                    return fault
        return None

    def _admit(self, arrived: float) -> bool:
        """Count the request against the limits; False when it is over them."""
        limits = self.limits
        with self._lock:
            while limits.window and limits.window[0] <= arrived - limits.interval:
                limits.window.popleft()
            over = len(limits.window) >= limits.rate or limits.active >= limits.concurrency
            limits.window.append(arrived)
            if not over:
                limits.active += 1
                limits.peak = max(limits.peak, limits.active)
            return not over

    def _release(self) -> None:
        with self._lock:
            self.limits.active -= 1

    def _headers(self, request: Recorded) -> dict[str, str]:
        if not self.announce:
            return {}
        polite = "mailto" in request.user_agent or "mailto" in request.query
        return {"x-rate-limit-limit": str(self.limits.rate),
                "x-rate-limit-interval": f"{self.limits.interval:g}s",
                "x-concurrency-limit": str(self.limits.concurrency),
                "x-api-pool": "polite" if polite else "public"}

    def _handle(self, handler: _Handler) -> None:
        arrived = time.monotonic()
        split = urlsplit(handler.path)
        request = Recorded("GET", handler.path, unquote(split.path),
                           parse_qs(split.query, keep_blank_values=True),
                           {k.lower(): v for k, v in handler.headers.items()}, arrived)
        with self._lock:
            self.requests.append(request)
        if not self._admit(arrived):
            request.status = 429
            self._send(handler, request, 429, b"Too Many Requests", "text/plain",
                       {"Retry-After": self.retry_after})
            return
        fault = self._take_fault(request.path)
        try:
            if self.latency:
                time.sleep(self.latency)
            if fault is not None:
                request.fault = fault.kind
                if fault.kind == "timeout":
                    time.sleep(self.hang)
                elif fault.kind == "no-headers":
                    pass
                elif fault.kind == "hang":  # accepted, never answered, never closed
                    self._release_once(request)
                    self._stopping.wait()
                    handler.close_connection = True
                    return
                elif fault.kind in ("drip", "reset-mid-body", "wrong-types"):
                    status, body, ctype, extra = self._answer(request)
                    if fault.kind == "wrong-types" and status == 200:
                        body = _wrong_types(body)
                    self._release_once(request)
                    request.status = status
                    if fault.kind == "wrong-types":
                        self._send(handler, request, status, body, ctype, extra)
                    else:
                        self._send_hostile(handler, request, status, body, ctype, fault.kind)
                    return
                elif fault.kind == "reset":
                    self._release_once(request)
                    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                  struct.pack("ii", 1, 0))
                    handler.close_connection = True
                    handler.connection.close()
                    return
                else:
                    status, body, ctype, extra = self._fault_answer(fault)
                    self._release_once(request)
                    request.status = status
                    self._send(handler, request, status, body, ctype, extra)
                    return
            status, body, ctype, extra = self._answer(request)
        finally:
            self._release_once(request)
        request.status = status
        self._send(handler, request, status, body, ctype, extra)

    def _release_once(self, request: Recorded) -> None:
        if not getattr(request, "_released", False):
            request._released = True  # type: ignore[attr-defined]
            self._release()

    def _send(self, handler: _Handler, request: Recorded, status: int, body: bytes,
              ctype: str, extra: dict[str, str]) -> None:
        try:
            handler.send_response(status)
            headers = {} if request.fault == "no-headers" else self._headers(request)
            for name, value in {**headers, **extra}.items():
                handler.send_header(name, value)
            if ctype:
                handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True

    def _send_hostile(self, handler: _Handler, request: Recorded, status: int, body: bytes,
                      ctype: str, kind: str) -> None:
        """The whole answer one byte every `drip` seconds, or half the body then a reset."""
        head = [f"HTTP/1.1 {status} OK\r\n", f"Content-Type: {ctype}\r\n",
                f"Content-Length: {len(body)}\r\n"]
        head += [f"{k}: {v}\r\n" for k, v in self._headers(request).items()]
        raw = "".join(head).encode() + b"\r\n" + body
        send_hostile(handler, raw, len(body), kind, self.drip, self._stopping)

    def _fault_answer(self, fault: _Fault) -> tuple[int, bytes, str, dict[str, str]]:
        kind = fault.kind
        if kind == "429":
            return 429, b"Too Many Requests", "text/plain", {"Retry-After": fault.retry_after}
        if kind == "400":
            return 400, (RECORDED / "works_400_field_query_with_doi.json").read_bytes(), \
                "application/json", {}
        if kind == "500":
            return 500, (RECORDED / "works_500_cursor_exception.json").read_bytes(), \
                "application/json", {}
        if kind == "503-html":
            page = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
            return 503, page, "text/html", {"Retry-After": fault.retry_after}
        if kind == "504-html":
            return 504, (RECORDED / "journals_504_gateway_timeout.html").read_bytes(), \
                "text/html", {}
        if kind == "404-html":
            return 404, b"<html><body>Not Found</body></html>", "text/html", {}
        if kind == "404-json":  # a proxy or gateway, not Crossref's text body
            return 404, b'{"error": "not found", "status": 404}', "application/json", {}
        if kind == "wrong-shape":  # JSON, but no work in it
            return 200, b'{"status": "ok", "message": ["not", "a", "work"]}', \
                "application/json", {}
        if kind == "html-200":
            return 200, b"<!DOCTYPE html><html><body>Please log in</body></html>", \
                "text/html; charset=utf-8", {}
        if kind == "truncated":
            body = json.dumps({"status": "ok", "message-type": "work",
                               "message": work_message("10.5555/truncated")}).encode()
            return 200, body[: len(body) // 2], "application/json", {}
        raise ValueError(kind)

    def _answer(self, request: Recorded) -> tuple[int, bytes, str, dict[str, str]]:
        path = request.path
        if path.rstrip("/") == "/works":
            if "query.bibliographic" in request.query:
                return self._search(request)
            if "filter" in request.query:
                return self._filter(request)
            return 400, b'{"status":"failed","message":"unsupported"}', "application/json", {}
        match = re.match(r"^/works/(.+)$", path)
        if not match:
            return 404, NOT_FOUND, "text/plain", {}
        doi = match.group(1)
        if doi.lower() in self.redirects:
            new = self.redirects[doi.lower()]
            body = (RECORDED / "works_301_10.26434_chemrxiv.5406907.txt").read_bytes()  # empty
            return 301, body, "", {"Location": "/works/" + quote(new, safe="/")}
        message = self.works.get(doi.lower())
        if message is None:
            return 404, NOT_FOUND, "text/plain", {}
        body = {"status": "ok", "message-type": "work", "message-version": "1.0.0",
                "message": message}
        return 200, json.dumps(body).encode(), "application/json;charset=utf-8", {}

    def _list(self, items: list[dict[str, Any]], rows: int, terms: Any = None
              ) -> tuple[int, bytes, str, dict[str, str]]:
        body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                "message": {"facets": {}, "total-results": len(items), "items": items[:rows],
                            "items-per-page": rows,
                            "query": {"start-index": 0, "search-terms": terms}}}
        return 200, json.dumps(body).encode(), "application/json;charset=utf-8", {}

    def _filter(self, request: Recorded) -> tuple[int, bytes, str, dict[str, str]]:
        filters = ",".join(request.query["filter"]).split(",")
        dois = [f[4:] for f in filters if f.startswith("doi:")]
        rows = int(request.query.get("rows", ["20"])[0])
        items = [self.works[d.lower()] for d in dois if d.lower() in self.works]
        return self._list(items, rows)

    def _work_tokens(self, message: dict[str, Any]) -> set[str]:
        """The words a search matches in a work (cached: the bench asks 2,000 times)."""
        key = (message["DOI"].lower(), id(message))
        cached = self._tokens_cache.get(key)
        if cached is None:
            cached = self._tokens_cache[key] = _tokens(_searchable(message))
        return cached

    def _search(self, request: Recorded) -> tuple[int, bytes, str, dict[str, str]]:
        query = request.query["query.bibliographic"][0]
        rows = int(request.query.get("rows", ["20"])[0])
        for contains, items in self.searches:
            if contains in query.lower():
                return self._list(items, rows, query)
        wanted = _tokens(query)
        filters = ",".join(request.query.get("filter", [])).split(",")
        types = {f[5:] for f in filters if f.startswith("type:")}
        scored = []
        for message in self.works.values():
            if types and message.get("type") not in types:
                continue
            overlap = len(wanted & self._work_tokens(message))
            if overlap:
                scored.append({**message, "score": round(overlap * 3.7, 4)})
        scored.sort(key=lambda m: -m["score"])
        return self._list(scored, rows, query)


def _wrong_types(body: bytes) -> bytes:
    """A work answer (or a list of works) with the fields of WRONG_TYPES retyped."""
    data = json.loads(body)
    message = data.get("message", {})
    for work in message.get("items", [message]):
        work.update(WRONG_TYPES)
    return json.dumps(data).encode()


def _tokens(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if w not in _STOP}


def _searchable(message: dict[str, Any]) -> str:
    people = " ".join(str(p.get("family") or p.get("name") or "")
                      for p in (message.get("author") or []) + (message.get("editor") or []))
    dates = " ".join(str(d["date-parts"][0][0]) for k in ("issued", "published-print")
                     if (d := message.get(k)) and d.get("date-parts") and d["date-parts"][0])
    return " ".join([" ".join(message.get("title") or []), people,
                     " ".join(message.get("container-title") or []), dates])
