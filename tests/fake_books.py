"""A local fake of Open Library's Books API (`/api/books?bibkeys=ISBN:A,ISBN:B&format=json
&jscmd=data`): a real HTTP server on 127.0.0.1, port 0, in a thread, serving built
edition data (tests/fixtures/books/README.md), answering 429 beyond `rate` requests a
second, recording every request, and failing on demand (`fail_next`)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOOKS = Path(__file__).parent / "fixtures" / "books"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        fake: FakeBooks = self.server.fake  # type: ignore[attr-defined]
        status, body = fake._answer(self.path, dict(self.headers))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeBooks:
    def __init__(self, rate: int = 1) -> None:
        self.editions: dict[str, dict[str, Any]] = json.loads(
            (BOOKS / "openlibrary_built.json").read_text(encoding="utf-8"))
        self.requests: list[dict[str, Any]] = []
        self.rate = rate
        self.fail_next = 0  # answer 503 to the next N requests
        self._arrivals: list[float] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeBooks:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _answer(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        now = time.monotonic()
        split = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        with self._lock:
            self._arrivals = [t for t in self._arrivals if t > now - 1.0] + [now]
            over = len(self._arrivals) > self.rate
            failing = self.fail_next > 0
            self.fail_next -= failing
            self.requests.append({"path": split.path, "query": query, "headers": headers,
                                  "status": 429 if over else 503 if failing else 200})
        if over:
            return 429, b'{"error": "Too Many Requests"}'
        if failing:
            return 503, b'{"error": "Service Unavailable"}'
        if split.path != "/api/books":
            return 404, b"{}"
        keys = [k for k in query.get("bibkeys", "").split(",") if k]
        found = {k: self.editions[k[5:]] for k in keys
                 if k.startswith("ISBN:") and k[5:] in self.editions}
        return 200, json.dumps(found).encode()
