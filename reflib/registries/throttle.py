"""Client-side limits for a rate-limited service: requests per interval, requests at a
time, pauses the server asks for, and retry back-off with jitter. No I/O, no HTTP.

    throttle = Throttle(Limits(10, 1.0, 5))
    with throttle.slot():          # waits for a free slot and for the rate window
        response = send()
    throttle.adapt(response.headers)  # follow what the server announces

Crossref announces its limits in `x-rate-limit-limit`, `x-rate-limit-interval` and
`x-concurrency-limit`; `Throttle.adapt` reads exactly those.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Limits:
    """At most `requests` starts per `interval` seconds, and `concurrency` at a time."""

    requests: int
    interval: float
    concurrency: int

    def __str__(self) -> str:
        return f"{self.requests} requests per {self.interval:g} s, {self.concurrency} at a time"


# Crossref's published limits since December 2025; the headers may say otherwise.
PUBLIC_POOL = Limits(requests=5, interval=1.0, concurrency=1)
POLITE_POOL = Limits(requests=10, interval=1.0, concurrency=5)

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", re.I)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_interval(text: str) -> float | None:
    """`1s` -> 1.0, `500ms` -> 0.5, `1m` -> 60.0; None when unreadable."""
    match = _INTERVAL.match(text or "")
    if not match:
        return None
    seconds = float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "s").lower()]
    return seconds if seconds > 0 else None


def _positive_int(text: str | None) -> int | None:
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def announced_limits(headers: Mapping[str, str], current: Limits) -> Limits:
    """The limits a response announces; what it does not announce stays as `current`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    requests = _positive_int(lowered.get("x-rate-limit-limit"))
    interval = parse_interval(lowered.get("x-rate-limit-interval", ""))
    concurrency = _positive_int(lowered.get("x-concurrency-limit"))
    return replace(current,
                   requests=requests or current.requests,
                   interval=interval or current.interval,
                   concurrency=concurrency or current.concurrency)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds to wait: `"3"` -> 3.0, or an HTTP date; None if absent."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Throttle:
    """Keeps requests within a sliding window and in-flight requests within a cap.

    The server counts a request when it arrives, which we cannot see: a request leaves
    some time after its slot is given (a busy thread lags) and arrives later still. What
    we do know is that it arrived before its answer came back. So a finished request
    counts in the window from the moment it finished, and one in flight counts as if it
    arrived just now: the window we keep always covers the server's, and the limit is
    never exceeded, whatever the network or the threads do. Thread-safe.
    """

    def __init__(self, limits: Limits, margin: float = 0.01,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._margin = margin
        self._clock = clock
        self._done: deque[float] = deque()  # when answers came back, oldest first
        self._in_flight = 0
        self._paused_until = 0.0
        self._cond = threading.Condition()

    @property
    def limits(self) -> Limits:
        return self._limits

    def set_limits(self, limits: Limits) -> None:
        with self._cond:
            self._limits = limits
            self._cond.notify_all()

    def adapt(self, headers: Mapping[str, str]) -> Limits:
        """Follow the limits a response announces; returns the limits now in force."""
        with self._cond:
            new = announced_limits(headers, self._limits)
            if new != self._limits:
                self._limits = new
                self._cond.notify_all()
            return self._limits

    def pause(self, seconds: float) -> None:
        """Nobody starts a request for `seconds` (the server asked us to wait)."""
        with self._cond:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
            self._cond.notify_all()

    def _wait_needed(self, now: float) -> float:
        """Seconds until a request may start; 0 when it may start now. Lock held."""
        if self._in_flight >= self._limits.concurrency:
            return float("inf")  # woken by a release
        window = self._limits.interval * (1 + self._margin)
        while self._done and self._done[0] <= now - window:
            self._done.popleft()
        wait = self._paused_until - now
        over = len(self._done) + self._in_flight - self._limits.requests + 1
        if over > 0:
            if over > len(self._done):
                return float("inf")  # only requests in flight fill the window
            wait = max(wait, self._done[over - 1] + window - now)
        return max(0.0, wait)

    def acquire(self) -> None:
        with self._cond:
            while True:
                wait = self._wait_needed(self._clock())
                if wait <= 0:
                    self._in_flight += 1
                    return
                self._cond.wait(None if wait == float("inf") else wait)

    def release(self) -> None:
        """The answer is in: the request counts in the window from now."""
        with self._cond:
            self._done.append(self._clock())
            self._in_flight -= 1
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: per request and for a whole client.

    `attempts` counts the first try; `budget` caps retries across every request of one
    client, so a run against a failing service ends instead of crawling; a server that
    asks for a pause longer than `max_wait` is not waited for.
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 20.0
    budget: int = 60
    max_wait: float = 120.0

    def delay(self, attempt: int, retry_after: float | None = None,
              rng: random.Random | None = None) -> float:
        """Seconds before retry number `attempt` (1-based): Retry-After plus jitter when
        given, else exponential back-off with "equal jitter" (half fixed, half random)."""
        rng = rng or random
        if retry_after is not None:
            return retry_after + rng.uniform(0, min(1.0, self.base))
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class RetryBudget:
    """The retries one client may still spend; thread-safe."""

    def __init__(self, retries: int) -> None:
        self._left = retries
        self._lock = threading.Lock()

    def spend(self) -> bool:
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True

    @property
    def left(self) -> int:
        return self._left
