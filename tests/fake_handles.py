"""A fake handle API (the DOI system's `/api/handles/{doi}`) on 127.0.0.1, in a thread.

It answers like doi.org: 200 with responseCode 1 for a registered DOI, 404 with
responseCode 100 for an unknown one. It records every request path and injects faults
on demand: `faults[doi] = "500" | "503" | "html" | "slow" | "reset"`.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHandleServer:
    """`with FakeHandleServer({"10.1/x"}) as server:` ... `server.url` ..."""

    def __init__(self, registered: set[str] | None = None, delay: float = 0.0) -> None:
        self.registered = {d.lower() for d in registered or set()}
        self.faults: dict[str, str] = {}
        self.requests: list[str] = []
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeHandleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                with fake._lock:
                    fake.requests.append(self.path)
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    self._answer()
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _answer(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                prefix = "/api/handles/"
                if not path.startswith(prefix):
                    return self._send(404, "text/html", b"<html>no such page</html>")
                doi = urllib.parse.unquote(path[len(prefix):])
                if fake.delay:
                    time.sleep(fake.delay)
                fault = fake.faults.get(doi.lower())
                if fault == "slow":
                    time.sleep(2.0)
                elif fault in ("500", "503"):
                    return self._send(int(fault), "text/html", b"<html>busy</html>")
                elif fault == "html":
                    return self._send(200, "text/html", b"<html>a landing page</html>")
                elif fault == "reset":
                    self.connection.close()
                    return None
                if doi.lower() in fake.registered:
                    body = {"responseCode": 1, "handle": doi, "values": [
                        {"index": 1, "type": "URL",
                         "data": {"format": "string", "value": f"https://example.org/{doi}"}}]}
                    return self._send(200, "application/json", json.dumps(body).encode())
                body = {"responseCode": 100, "handle": doi}
                return self._send(404, "application/json", json.dumps(body).encode())

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
