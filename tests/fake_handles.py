"""A fake handle API (the DOI system's `/api/handles/{doi}`) on 127.0.0.1, in a thread.

It answers like doi.org: 200 with responseCode 1 for a registered DOI, 404 with
responseCode 100 for an unknown one. It records every request path and injects faults
on demand: `faults[doi] = KIND`, one of FAULTS.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fake_faults import send_hostile

FAULTS = ("500", "503", "html", "slow", "reset",
          # hostile networks (issue 15): a proxy's 404 with a JSON body, JSON of the wrong
          # shape, wrongly typed fields, a reset mid-body, a byte every `drip` seconds, a
          # connection accepted and never answered
          "404-json", "wrong-shape", "wrong-types", "reset-mid-body", "drip", "hang")


class FakeHandleServer:
    """`with FakeHandleServer({"10.1/x"}) as server:` ... `server.url` ..."""

    def __init__(self, registered: set[str] | None = None, delay: float = 0.0,
                 drip: float = 0.2) -> None:
        self.registered = {d.lower() for d in registered or set()}
        self.faults: dict[str, str] = {}
        self.requests: list[str] = []
        self.delay = delay
        self.drip = drip
        self.stopping = threading.Event()
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
        self.stopping.set()
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
                elif fault == "hang":
                    fake.stopping.wait()
                    self.close_connection = True
                    return None
                elif fault == "404-json":
                    return self._send(404, "application/json", b'{"error": "Not Found"}')
                elif fault == "wrong-shape":
                    return self._send(200, "application/json", b'[1, "URL", null]')
                elif fault == "wrong-types":
                    body = {"responseCode": 1, "handle": doi, "values": [
                        {"index": 1, "type": "URL", "data": "https://example.org/"}, 7, None]}
                    return self._send(200, "application/json", json.dumps(body).encode())
                elif fault in ("drip", "reset-mid-body"):
                    registered = doi.lower() in fake.registered
                    body = json.dumps({"responseCode": 1 if registered else 100,
                                       "handle": doi}).encode()
                    return self._send_hostile(200 if registered else 404, body, fault)
                if doi.lower() in fake.registered:
                    body = {"responseCode": 1, "handle": doi, "values": [
                        {"index": 1, "type": "URL",
                         "data": {"format": "string", "value": f"https://example.org/{doi}"}}]}
                    return self._send(200, "application/json", json.dumps(body).encode())
                body = {"responseCode": 100, "handle": doi}
                return self._send(404, "application/json", json.dumps(body).encode())

            def _send_hostile(self, status: int, body: bytes, kind: str) -> None:
                raw = (f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
                send_hostile(self, raw, len(body), kind, fake.drip, fake.stopping)

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
