"""The books gateway: ISBN lookups at Open Library, the only module that talks to it.

    with BooksClient(email="editor@example.org") as books:
        found = books.fetch_isbns(["978-0-306-40615-7"])   # {isbn13: edition data}

Why Open Library: it is free and needs no key (Google Books wants one for any real
volume of use, and its terms restrict keeping what it returns), its catalogue data is
CC0, so the kept records may be committed, and its Books API answers many ISBNs in one
request (`/api/books?bibkeys=ISBN:A,ISBN:B&format=json&jscmd=data`). It asks clients to
identify themselves and to stay gentle: the User-Agent names reflib and the contact
address, and the shared throttle allows one request a second.

Base URL from the argument, else $REFS_BOOKS_URL, else https://openlibrary.org. Retries on
429 and 5xx with back-off; every request has a timeout; failures are our errors
(reflib.errors: Unavailable, RateLimited, BadResponse); ISBNs Open Library does not know
are absent from the answer, as they are from Open Library's.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from reflib.errors import BadResponse, RateLimited, RegistryError, Unavailable
from reflib.registries.throttle import (
    Limits,
    RetryBudget,
    RetryPolicy,
    Throttle,
    retry_after_seconds,
)

DEFAULT_URL = "https://openlibrary.org"
URL_ENV = "REFS_BOOKS_URL"
LIMITS = Limits(requests=1, interval=1.0, concurrency=1)
BATCH_SIZE = 50

_throttles: dict[str, Throttle] = {}
_throttles_lock = threading.Lock()


def normalize_isbn(text: str) -> str:
    """The ISBN-13 of an ISBN-10 or ISBN-13 with a valid check digit, else ''.

    `0-306-40615-2` -> `9780306406157`; hyphens, spaces and an `ISBN` label are ignored."""
    digits = re.sub(r"[\s\-]", "", re.sub(r"(?i)^isbn(-1[03])?:?", "", text.strip())).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        if total % 11:
            return ""
        digits = "978" + digits[:9]
        check = (10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10) % 10
        return digits + str(check)
    if re.fullmatch(r"97[89]\d{10}", digits):
        total = sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits))
        return digits if total % 10 == 0 else ""
    return ""


class BooksClient:
    """A polite, throttled client of Open Library's Books API."""

    def __init__(self, base_url: str | None = None, email: str | None = None, *,
                 timeout: float = 20.0, limits: Limits | None = None,
                 retry: RetryPolicy | None = None, batch_size: int = BATCH_SIZE,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        import httpx2

        self.base_url = (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        contact = email or os.environ.get("REFS_MAILTO") or ""
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.batch_size = max(1, batch_size)
        host = urlsplit(self.base_url).netloc or self.base_url
        if limits:
            self.throttle = Throttle(limits)
        else:
            with _throttles_lock:
                self.throttle = _throttles.setdefault(host, Throttle(LIMITS))
        self.requests = 0
        self.rate_limited = 0
        self._budget = RetryBudget(self.retry.budget)
        self._sleep = sleep
        self._httpx2 = httpx2
        agent = "reflib" + (f" (mailto:{contact.strip()})" if contact.strip() else "")
        self._http = httpx2.Client(timeout=timeout, follow_redirects=True,
                                   headers={"User-Agent": agent})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BooksClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record_url(self, isbn: str) -> str:
        return f"{self.base_url}/isbn/{isbn}"

    def fetch_isbns(self, isbns: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Edition data by ISBN-13, for the ISBNs Open Library knows."""
        wanted = list(dict.fromkeys(n for i in isbns if (n := normalize_isbn(i))))
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), self.batch_size):
            chunk = wanted[start:start + self.batch_size]
            text = self._get({"bibkeys": ",".join(f"ISBN:{i}" for i in chunk),
                              "format": "json", "jscmd": "data"},
                             f"Open Library lookup of {len(chunk)} ISBN(s)")
            try:
                data = json.loads(text)
            except ValueError:
                raise BadResponse("Open Library: the answer is not JSON") from None
            if not isinstance(data, dict):
                raise BadResponse("Open Library: the answer is not a JSON object")
            for isbn in chunk:
                item = data.get(f"ISBN:{isbn}")
                if isinstance(item, dict):
                    out[isbn] = item
        return out

    def _get(self, params: dict[str, str], what: str) -> str:
        attempt = 0
        url = f"{self.base_url}/api/books"
        host = urlsplit(url).netloc
        while True:
            attempt += 1
            wait = None
            with self.throttle.slot():
                try:
                    response = self._http.get(url, params=params, timeout=self.timeout)
                    self.requests += 1
                except self._httpx2.HTTPError as exc:
                    self.requests += 1
                    failure: RegistryError = Unavailable(
                        f"{what}: no usable answer from {host} ({type(exc).__name__}: {exc})")
                    response = None
            if response is not None:
                if response.status_code == 200:
                    return response.text
                wait = retry_after_seconds(response.headers.get("retry-after"))
                if response.status_code == 429:
                    self.rate_limited += 1
                    failure = RateLimited(f"{what}: {host} is rate limiting us (429)")
                    wait = max(wait or 0.0, 1.0)
                    self.throttle.pause(wait)
                elif response.status_code >= 500:
                    failure = Unavailable(f"{what}: {host} answered {response.status_code}")
                else:
                    raise BadResponse(f"{what}: {host} answered {response.status_code} "
                                      f"{response.reason_phrase}")
            if attempt >= self.retry.attempts or not self._budget.spend():
                raise type(failure)(f"{failure} (gave up after {attempt} attempts)")
            self._sleep(self.retry.delay(attempt, wait))
