"""Time limits for talking to registries: one for a whole run, one for each answer.

A socket timeout bounds each wait for a byte, not an answer: a server that drips one
byte a second keeps a plain client waiting forever. Here every request gets a total
deadline, the earlier of its own timeout and what is left of the run's:

    run = Deadline(60)                        # `--deadline 60`: the whole command
    seconds = run.limit(10.0)                 # this answer: at most 10 s, less near the end
    status, headers, body = fetch(request, seconds)      # urllib: TimeoutError past it
    client = bound_client(httpx2.Client(...))            # httpx2: ReadTimeout past it
    with answer_deadline(seconds):
        client.get(url)

What a run did not ask because its time was up is reported as not checked (exit 3).
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Deadline:
    """The time a whole run may spend on the network; `seconds=None`: no limit."""

    def __init__(self, seconds: float | None = None, clock=time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = None if seconds is None else clock() + seconds

    def remaining(self) -> float:
        return float("inf") if self._end is None else max(0.0, self._end - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def limit(self, timeout: float) -> float:
        """`timeout`, or less when the run ends sooner."""
        return min(timeout, self.remaining())

    def reason(self) -> str:
        return f"not asked: the run's time limit of {self.seconds:g} s (--deadline) was reached"


NO_DEADLINE = Deadline(None)

# -- urllib: a watchdog shuts the request's sockets when its time is up ------------------

_local = threading.local()


class _Watch:
    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.expired = False
        self.lock = threading.Lock()

    def add(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes the reader at once
    except OSError:
        pass


def _watch_socket(sock: Any) -> None:
    watch = getattr(_local, "watch", None)
    if watch is not None and sock is not None:
        watch.add(sock)


class _WatchedHTTP(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch_socket(self.sock)


class _WatchedHTTPS(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch_socket(self.sock)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):  # noqa: ANN001 (urllib's signature)
        return self.do_open(_WatchedHTTP, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):  # noqa: ANN001
        return self.do_open(_WatchedHTTPS, req, context=self._context)


_opener = urllib.request.build_opener(_HTTPHandler, _HTTPSHandler)


def fetch(request: urllib.request.Request, seconds: float) -> tuple[int, Any, bytes]:
    """(status, headers, body) of one GET, whatever the status; the whole answer within
    `seconds` or TimeoutError. Other failures raise as urllib raises them (URLError,
    OSError, http.client.HTTPException for a body cut off)."""
    if seconds <= 0:
        raise TimeoutError("no time left")
    watch = _Watch()
    timer = threading.Timer(seconds, watch.expire)
    timer.daemon = True
    _local.watch = watch
    timer.start()
    try:
        try:
            with _opener.open(request, timeout=seconds) as response:
                answer = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            answer = exc.code, exc.headers, exc.read() if exc.fp else b""
    except (OSError, http.client.HTTPException):
        if watch.expired:
            raise TimeoutError(f"no whole answer within {seconds:g} s") from None
        raise
    finally:
        timer.cancel()
        _local.watch = None
    if watch.expired:  # a body without a length ends at the shutdown: not whole
        raise TimeoutError(f"no whole answer within {seconds:g} s")
    return answer


# -- httpx2: each read and write waits at most until the answer's deadline ----------------


@contextmanager
def answer_deadline(seconds: float) -> Iterator[None]:
    """Requests of a `bound_client` on this thread must be answered within `seconds`."""
    previous = getattr(_local, "until", None)
    _local.until = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.until = previous


def _left(timeout: float | None) -> float | None:
    until = getattr(_local, "until", None)
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        import httpcore2

        raise httpcore2.ReadTimeout("the answer's time is up")
    return left if timeout is None else min(timeout, left)


class _Stream:
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        return self._stream.write(buffer, _left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # noqa: ANN001
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend:
    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def connect_tcp(self, host, port, timeout=None, local_address=None,  # noqa: ANN001
                    socket_options=None):
        return _Stream(self._backend.connect_tcp(host, port, _left(timeout), local_address,
                                                 socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # noqa: ANN001
        return _Stream(self._backend.connect_unix_socket(path, _left(timeout),
                                                         socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bound_client(client: Any) -> Any:
    """An httpx2.Client whose every transport keeps to `answer_deadline`."""
    transports = [client._transport, *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is None or not hasattr(pool, "_network_backend"):
            if transport is None:
                continue
            raise RuntimeError("httpx2's transport changed: answers can no longer be given a "
                               "total deadline; adapt reflib.registries.deadline")
        if not isinstance(pool._network_backend, _Backend):
            pool._network_backend = _Backend(pool._network_backend)
    return client
