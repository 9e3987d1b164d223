"""Helpers shared by the `refs check` tests: the library's sources, built Crossref records."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from conftest import ROOT

from reflib.bibtex import parse_source_text, read_source_file
from reflib.model import Reference

WORKS = Path(__file__).resolve().parent / "fixtures" / "checks" / "works"
PRINTED_LIST = ROOT.parent / "shared" / "reference-data" / "article-reference-list.txt"
DOI_KEYS = {
    "10.2147/JPR.S325665": "lee2021learn",
    "10.2147/JPR.S323362": "janapala2021efficacy",
    "10.1007/s40122-022-00455-0": "manchikanti2023neck",
    "10.2147/JPR.S386879": "sayed2022lowback",
    "10.1136/rapm-2019-101243": "cohen2020lumbar",
    "10.1136/rapm-2021-103031": "hurley2022cervical",
}


def crossref_message(doi: str) -> dict:
    """The built Crossref `message` of a fixture work (see fixtures/checks/README.md)."""
    path = WORKS / (doi.replace("/", "_") + ".json")
    return json.loads(path.read_text(encoding="utf-8"))["message"]


def all_messages() -> dict[str, dict]:
    messages = {}
    for path in sorted(WORKS.glob("*.json")):
        message = json.loads(path.read_text(encoding="utf-8"))["message"]
        messages[message["DOI"]] = message
    return messages


def library_ref(key: str) -> Reference:
    ref, problems = read_source_file(ROOT / "refs" / f"{key}.bib", ROOT)
    assert ref is not None and not problems
    return ref


def ref_from(text: str, key: str = "x") -> Reference:
    ref, problems = parse_source_text(text, f"refs/{key}.bib", key)
    assert ref is not None, problems
    return ref


def with_fields(ref: Reference, **fields: str | None) -> Reference:
    """A copy of `ref` with fields set (raw BibTeX values) or removed (None)."""
    new = dict(ref.fields)
    for name, value in fields.items():
        if value is None:
            new.pop(name, None)
        else:
            new[name] = value
    return replace(ref, fields=new)


def keep_record(root: Path, key: str, doi: str, message: dict | None = None) -> Path:
    """Write refs/KEY.crossref.json as `refs enrich` keeps it (the gateway's format)."""
    body = {"doi": doi, "source": f"https://api.crossref.org/works/{doi}",
            "fetched": "2024-04-01T10:00:00Z", "applied": {},
            "message": message or crossref_message(doi)}
    path = root / "refs" / f"{key}.crossref.json"
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")
    return path


def article(key: str, doi: str, title: str, extra: str = "") -> str:
    """A small, complete @article for test libraries."""
    return (f"@article{{{key},\n  author = {{Tester, Ada and Example, Ben}},\n"
            f"  title = {{{title}}},\n  journal = {{Journal of Checks}},\n  year = {{2020}},\n"
            f"  volume = {{3}},\n  pages = {{10--20}},\n  doi = {{{doi}}},\n{extra}}}\n")


class FakeCrossref:
    """A small stand-in for Crossref's `/works` API on 127.0.0.1 (single and batch lookups).

    Used until the enrichment suite's fake (tests/fake_crossref.py) is available; it serves
    the built records of fixtures/checks/works/ and says "Resource not found." otherwise.
    """

    def __init__(self, messages: dict[str, dict] | None = None, status: int = 200,
                 delay: float = 0.0) -> None:
        import threading
        from http.server import ThreadingHTTPServer

        self.messages = {d.lower(): m for d, m in (messages or all_messages()).items()}
        self.status = status  # 503: every request fails
        self.delay = delay  # seconds before each answer, like a distant server
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeCrossref:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        import time
        import urllib.parse
        from http.server import BaseHTTPRequestHandler

        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                fake.requests.append(self.path)
                if fake.delay:
                    time.sleep(fake.delay)
                parts = urllib.parse.urlsplit(self.path)
                if fake.status != 200:
                    return self._send(fake.status, "text/html", "<html>unavailable</html>")
                if parts.path.startswith("/works/"):
                    doi = urllib.parse.unquote(parts.path[len("/works/"):]).lower()
                    if doi in fake.messages:
                        return self._json({"status": "ok", "message-type": "work",
                                           "message": fake.messages[doi]})
                    return self._send(404, "text/plain", "Resource not found.")
                if parts.path == "/works":
                    query = urllib.parse.parse_qs(parts.query)
                    wanted = [f[4:].lower() for value in query.get("filter", [])
                              for f in value.split(",") if f.startswith("doi:")]
                    items = [fake.messages[d] for d in wanted if d in fake.messages]
                    return self._json({"status": "ok", "message-type": "work-list",
                                       "message": {"items": items,
                                                   "total-results": len(items)}})
                return self._send(404, "text/plain", "Resource not found.")

            def _json(self, body: dict) -> None:
                self._send(200, "application/json", json.dumps(body))

            def _send(self, status: int, ctype: str, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
