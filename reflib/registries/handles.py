"""Is a DOI registered? Ask the DOI system itself through its handle API.

`GET {base}/api/handles/{doi}` answers with a JSON body whose `responseCode` is 1 for a
registered handle and 100 (HTTP 404) for an unknown one. Publishers' landing pages are
not asked: they answer link checkers with 403s and timeouts. There are three outcomes,
never two: a timeout, a refused connection or a 5xx is "unknown", not "not registered".
Only the handle API's own documented answer decides: "not registered" is HTTP 404 with
`responseCode` 100, "registered" is HTTP 200 with `responseCode` 1 (or 200); any other
body (a proxy's JSON 404, the wrong shape, wrongly typed fields) is "unknown". Every
answer must arrive whole within the timeout (a server that drips bytes is given up),
and `deadline` bounds the whole run.

    client = HandleClient("https://doi.org")
    client.resolve("10.2147/JPR.S325665").outcome   # 'registered'
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from reflib.registries.deadline import NO_DEADLINE, Deadline, fetch
from reflib.registries.doipath import encode_doi

REGISTERED = "registered"
NOT_REGISTERED = "not-registered"
UNKNOWN = "unknown"

DEFAULT_DOI_URL = "https://doi.org"
_HANDLE_FOUND = (1, 200)  # 200: the handle exists but has no value of the type asked for
_HANDLE_NOT_FOUND = 100


@dataclass(frozen=True)
class Resolution:
    """What the handle API said about one DOI."""

    doi: str
    outcome: str  # registered | not-registered | unknown
    url: str = ""  # where the DOI points, when registered
    detail: str = ""  # why the outcome is unknown: "timed out", "HTTP 503", ...


def handle_url(base_url: str, doi: str) -> str:
    """The handle API address of `doi`, percent-encoded so any DOI arrives whole.

    >>> handle_url("https://doi.org", "10.1002/(SICI)1097-4636(199812)43:4<466::AID>3.0.CO;2-#")
    'https://doi.org/api/handles/10.1002/%28SICI%291097-4636%28199812%2943%3A4%3C466%3A%3AAID%3E3.0.CO%3B2-%23?type=URL'
    >>> handle_url("https://doi.org", "10.1234/../../etc/passwd")
    'https://doi.org/api/handles/10.1234/..%2F..%2Fetc%2Fpasswd?type=URL'
    """
    path = encode_doi(doi)
    return f"{base_url.rstrip('/')}/api/handles/{path}?type=URL"


class RateLimiter:
    """At most `rate` request starts per second, shared by all threads."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class _Transient(Exception):
    """A failure worth another try: timeout, reset, 429, 5xx."""

    def __init__(self, detail: str, retry_after: float | None = None,
                 host_down: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after
        self.host_down = host_down


class HandleClient:
    """A small, polite client of the handle API: rate-limited, concurrent, retrying."""

    def __init__(self, base_url: str = DEFAULT_DOI_URL, *, rate: float = 10.0,
                 concurrency: int = 4, timeout: float = 10.0, retries: int = 2,
                 backoff: float = 0.5, max_wait: float = 10.0, mailto: str | None = None,
                 deadline: Deadline = NO_DEADLINE) -> None:
        self.base_url = base_url
        self.concurrency = max(1, concurrency)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.limiter = RateLimiter(rate)
        self.deadline = deadline
        contact = f"; mailto:{mailto}" if mailto else ""
        self.user_agent = f"reflib/0.1 (refs check{contact})"
        self._down: str = ""  # set once the host is plainly unreachable: fail the rest fast

    def resolve(self, doi: str) -> Resolution:
        """Ask once (with retries) whether `doi` is registered."""
        if self._down:
            return Resolution(doi, UNKNOWN, detail=self._down)
        attempt = 0
        while True:
            if self.deadline.expired:
                return Resolution(doi, UNKNOWN, detail=self.deadline.reason())
            try:
                return self._ask(doi)
            except _Transient as exc:
                if exc.host_down and attempt >= 1:
                    self._down = exc.detail
                if attempt >= self.retries or self._down:
                    return Resolution(doi, UNKNOWN, detail=exc.detail)
                wait = exc.retry_after if exc.retry_after is not None else (
                    self.backoff * 2 ** attempt * (0.5 + random.random()))
                wait = min(wait, self.max_wait)
                if wait >= self.deadline.remaining():
                    return Resolution(doi, UNKNOWN, detail=f"{exc.detail}; "
                                      f"{self.deadline.reason()}")
                time.sleep(wait)
                attempt += 1

    def resolve_many(self, dois: Iterable[str],
                     progress: Callable[[int], None] | None = None) -> dict[str, Resolution]:
        """Resolve every DOI, a few at a time; keyed by the DOI as given."""
        unique = list(dict.fromkeys(dois))
        results: dict[str, Resolution] = {}
        if not unique:
            return results
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(unique))) as pool:
            for resolution in pool.map(self.resolve, unique):
                results[resolution.doi] = resolution
                if progress:
                    progress(1)
        return results

    def _ask(self, doi: str) -> Resolution:
        self.limiter.wait()
        seconds = self.deadline.limit(self.timeout)
        request = urllib.request.Request(
            handle_url(self.base_url, doi),
            headers={"Accept": "application/json", "User-Agent": self.user_agent})
        try:
            status, headers, body = fetch(request, seconds)
        except TimeoutError:
            raise _Transient(f"no whole answer within {seconds:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise _Transient(f"no whole answer within {seconds:g} s") from None
            down = isinstance(reason, ConnectionRefusedError | socket.gaierror)
            raise _Transient(f"cannot connect ({_reason(reason)})", host_down=down) from None
        except http.client.HTTPException as exc:  # IncompleteRead, a bad status line
            raise _Transient(f"the answer was cut off ({type(exc).__name__})") from None
        except OSError as exc:
            raise _Transient(f"connection failed ({_reason(exc)})") from None
        if status in (200, 404):
            return _read_answer(doi, status, body)
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status}", _retry_after(headers))
        return Resolution(doi, UNKNOWN, detail=f"HTTP {status}")


def _read_answer(doi: str, status: int, body: bytes) -> Resolution:
    """Registered or not only in the handle API's documented shape; else unknown."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    code = data.get("responseCode") if isinstance(data, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        # A 404 without a handle answer is a proxy or a wrong --doi-url, not a verdict.
        return Resolution(doi, UNKNOWN, detail=f"HTTP {status} without a handle API answer")
    if status == 404 and code == _HANDLE_NOT_FOUND:
        return Resolution(doi, NOT_REGISTERED)
    values = data.get("values", [])
    if status == 200 and code in _HANDLE_FOUND and isinstance(values, list):
        urls = [v["data"].get("value") for v in values
                if isinstance(v, dict) and v.get("type") == "URL"
                and isinstance(v.get("data"), dict)]
        urls = [u for u in urls if isinstance(u, str)]
        if len(urls) == sum(isinstance(v, dict) and v.get("type") == "URL" for v in values):
            return Resolution(doi, REGISTERED, url=urls[0] if urls else "")
    return Resolution(doi, UNKNOWN, detail=f"handle API answered HTTP {status} with an "
                      f"answer of an unexpected form (responseCode {code})")


def _retry_after(headers) -> float | None:
    value = headers.get("Retry-After") if headers else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _reason(reason: object) -> str:
    text = str(getattr(reason, "strerror", None) or reason)
    return text or type(reason).__name__
