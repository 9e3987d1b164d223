"""A local fake of NCBI's E-utilities and the PMC ID Converter: a real HTTP server on
127.0.0.1, port 0, in a thread. It serves efetch (GET or POST, many ids), esearch
(`"DOI"[doi]`, `N[pmid]` terms joined by OR; field-tagged `word[ti] AND lee dw[au] AND
2021[dp]` groups joined by OR, ranked by word overlap; else words of the title), esummary (recorded
DocumentSummaries) and the ID Converter from real recorded answers; enforces NCBI's limit
(3 requests a second, 10 with a known api_key; beyond it HTTP 429 with NCBI's JSON body
`{"error":"API rate limit exceeded","count":"N"}` and the X-RateLimit-* headers NCBI
sends); records every request with its parameters; and injects faults.

    with FakePubMed(latency=0.2) as server:
        server.add_file(PUBMED / "efetch_pmid32887691_....xml")
        server.inject("503", times=2)
        client = PubMedClient(base_url=server.url, idconv_url=server.idconv_url, ...)
        assert server.count(429) == 0
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fake_faults import send_hostile

FIXTURES = Path(__file__).parent / "fixtures"
PUBMED = FIXTURES / "pubmed"
PUBMED_BUILT = FIXTURES / "pubmed-built"

FAULTS = ("429", "500", "502-html", "503", "timeout", "reset", "truncated", "html-200", "drip",
          "bad-key")
PROLOG = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD '
          'PubMedArticle, 1st January 2025//EN" '
          '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n')
_ARTICLE = re.compile(r"<(PubmedArticle|PubmedBookArticle)>.*?</\1>", re.S)
_PMID = re.compile(r"<PMID[^>]*>(\d+)</PMID>")
_DOCSUM = re.compile(r'<DocumentSummary uid="(\d+)">.*?</DocumentSummary>', re.S)


def _article_id(xml: str, kind: str) -> str:
    data = xml.rsplit("<PubmedData>", 1)[-1].split("<ReferenceList>")[0]
    data = data.rsplit("<PubmedBookData>", 1)[-1]
    match = re.search(rf'<ArticleId IdType="{kind}">([^<]+)</ArticleId>', data)
    return match.group(1).strip() if match else ""


_FIELDED = re.compile(r"\[(?:ti|au|dp|ta)\]", re.I)


def _tagged(piece: str) -> tuple[str, str]:
    match = re.fullmatch(r'\s*"?(.+?)"?\[(\w+)\]\s*', piece)
    return (match.group(1).lower(), match.group(2).lower()) if match else (piece.lower(), "all")


def _facts(xml: str) -> dict[str, Any]:
    """What a tagged search reads of a record: title words, authors, year, journal."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    title = " ".join("".join(node.itertext()) for node in root.iter("ArticleTitle"))
    if not title:
        title = " ".join("".join(node.itertext()) for node in root.iter("BookTitle"))
    authors = [(a.findtext("LastName") or "", a.findtext("Initials") or "")
               for a in root.iter("Author")]
    date = root.find(".//PubDate")
    year = ""
    if date is not None:
        year = date.findtext("Year") or (re.findall(r"\d{4}", date.findtext("MedlineDate")
                                                    or "") or [""])[0]
    journals = [root.findtext(".//Journal/Title") or "", root.findtext(".//MedlineTA") or ""]
    return {"title": set(re.findall(r"\w+", title.lower())), "authors": authors,
            "year": year, "journals": [j.lower() for j in journals if j],
            "all": set(re.findall(r"\w+", xml.lower()))}


def _matches(token: tuple[str, str], facts: dict[str, Any]) -> bool:
    value, tag = token
    if tag == "ti":
        return all(w in facts["title"] for w in re.findall(r"\w+", value))
    if tag == "au":
        family, _, letters = value.rpartition(" ") if " " in value else (value, "", "")
        return any(last.lower() == family and initials.lower().startswith(letters)
                   for last, initials in facts["authors"])
    if tag == "dp":
        return facts["year"] == value[:4]
    if tag == "ta":
        return value in facts["journals"]
    return all(w in facts["all"] for w in re.findall(r"\w+", value))


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8")


def cassette_body(path: Path, index: int = 0) -> tuple[int, str]:
    """(status, body) of interaction `index` of a recorded R vcr cassette."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    response = data["http_interactions"][index]["response"]
    return int(response["status"]["status_code"]), response["body"]["string"]


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]  # query and form body together, first value of each
    headers: dict[str, str]
    arrived: float
    status: int = 0
    fault: str = ""

    @property
    def ids(self) -> list[str]:
        return [i for i in self.params.get("id", self.params.get("ids", "")).split(",") if i]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.fake._handle(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.fake._handle(self, "POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    fake: FakePubMed


class FakePubMed:
    """See the module docstring. Thread-safe; use as a context manager."""

    def __init__(self, *, rate: int = 3, keyed_rate: int = 10, keys: tuple[str, ...] = (),
                 latency: float = 0.0, hang: float = 3.0, drip: float = 0.2) -> None:
        self.articles: dict[str, str] = {}  # pmid -> the record's XML as recorded
        self.summaries: dict[str, str] = {}  # pmid -> DocumentSummary XML as recorded
        self.requests: list[Request] = []
        self.rate, self.keyed_rate, self.keys = rate, keyed_rate, set(keys)
        self.latency, self.hang, self.drip = latency, hang, drip
        self._stopping = threading.Event()  # frees handlers that drip
        self._window: dict[str, deque[float]] = {}
        self._faults: list[list[Any]] = []  # [kind, times, path]
        self.canned: dict[str, tuple[int, bytes, str]] = {}  # path part -> answer
        self._lock = threading.Lock()
        self._server: _Server | None = None

    # -- set up ----------------------------------------------------------------------------

    def add_xml(self, text: str) -> list[str]:
        """Every PubmedArticle / PubmedBookArticle of an efetch answer; their PMIDs."""
        pmids = []
        for match in _ARTICLE.finditer(text):
            pmid = _PMID.search(match.group(0))
            if pmid:
                self.articles[pmid.group(1)] = match.group(0)
                pmids.append(pmid.group(1))
        for match in _DOCSUM.finditer(text):
            self.summaries[match.group(1)] = match.group(0)
        return pmids

    def add_file(self, path: Path) -> list[str]:
        return self.add_xml(read_text(path))

    def serve(self, path_part: str, status: int, body: str, ctype: str) -> None:
        """Answer every request whose path contains `path_part` with this recorded body."""
        self.canned[path_part] = (status, body.encode("utf-8"), ctype)

    def inject(self, kind: str, times: int = 1, path: str | None = None) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULTS)}")
        with self._lock:
            self._faults.append([kind, times, path])

    # -- running ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/entrez/eutils"

    @property
    def idconv_url(self) -> str:
        return self.url.replace("/entrez/eutils", "/tools/idconv/api/v1/articles/")

    def start(self) -> FakePubMed:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePubMed:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what happened ---------------------------------------------------------------------

    def count(self, status: int | None = None, endpoint: str = "") -> int:
        with self._lock:
            return sum((status is None or r.status == status) and endpoint in r.path
                       for r in self.requests)

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self._window.clear()

    # -- serving ---------------------------------------------------------------------------

    def _handle(self, handler: _Handler, method: str) -> None:
        arrived = time.monotonic()
        split = urlsplit(handler.path)
        params = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            body = handler.rfile.read(length).decode("utf-8")
            params.update({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()})
        request = Request(method, unquote(split.path), params,
                          {k.lower(): v for k, v in handler.headers.items()}, arrived)
        with self._lock:
            self.requests.append(request)
        key = params.get("api_key", "")
        if key and key not in self.keys:
            body = json.dumps({"error": "API key invalid", "api-key": key,
                               "type": "invalid", "status": "unknown"}).encode()
            return self._send(handler, request, 400, body, "application/json", key)
        over, count = self._admit(key or "ip", arrived, self.keyed_rate if key else self.rate)
        if over:
            body = json.dumps({"error": "API rate limit exceeded", "count": str(count)})
            return self._send(handler, request, 429, body.encode(), "application/json", key)
        fault = self._take_fault(request.path)
        if self.latency:
            time.sleep(self.latency)
        if fault:
            request.fault = fault
            if fault == "timeout":
                time.sleep(self.hang)
            elif fault == "drip":  # a whole, right answer, one byte every `drip` seconds
                status, body, ctype = self._answer(request)
                raw = (f"HTTP/1.1 {status} OK\r\nContent-Type: {ctype}\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
                return send_hostile(handler, raw, len(body), "drip", self.drip,
                                    self._stopping)
            elif fault == "reset":
                handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                              struct.pack("ii", 1, 0))
                handler.close_connection = True
                handler.connection.close()
                return None
            else:
                status, body, ctype = self._fault_answer(fault, count)
                return self._send(handler, request, status, body, ctype, key)
        status, body, ctype = self._answer(request)
        return self._send(handler, request, status, body, ctype, key)

    def _admit(self, who: str, arrived: float, rate: int) -> tuple[bool, int]:
        with self._lock:
            window = self._window.setdefault(who, deque())
            while window and window[0] <= arrived - 1.0:
                window.popleft()
            window.append(arrived)
            return len(window) > rate, len(window)

    def _take_fault(self, path: str) -> str:
        with self._lock:
            for fault in self._faults:
                if fault[1] > 0 and (fault[2] is None or fault[2] in path):
                    fault[1] -= 1
                    return fault[0]
        return ""

    def _send(self, handler: _Handler, request: Request, status: int, body: bytes,
              ctype: str, key: str) -> None:
        request.status = status
        limit = self.keyed_rate if key else self.rate
        try:
            handler.send_response(status)
            if "eutils" in request.path and request.fault != "502-html":
                handler.send_header("X-RateLimit-Limit", str(limit))
                handler.send_header("X-RateLimit-Remaining", str(max(0, limit - 1)))
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True

    def _fault_answer(self, kind: str, count: int) -> tuple[int, bytes, str]:
        if kind == "429":
            body = json.dumps({"error": "API rate limit exceeded", "count": str(count)})
            return 429, body.encode(), "application/json"
        if kind == "500":
            return 500, b"Internal Server Error", "text/plain"
        if kind == "502-html":
            return 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"
        if kind == "503":
            return 503, b"<html><body>Service unavailable</body></html>", "text/html"
        if kind == "bad-key":
            return 400, b'{"error":"API key invalid"}', "application/json"
        if kind == "html-200":
            return 200, b"<!DOCTYPE html><html><body>Please log in</body></html>", "text/html"
        if kind == "truncated":
            body = (PROLOG + "<PubmedArticleSet>" + "".join(self.articles.values())
                    + "</PubmedArticleSet>").encode()
            return 200, body[: max(60, len(body) // 2)], "text/xml; charset=UTF-8"
        raise ValueError(kind)

    def _answer(self, request: Request) -> tuple[int, bytes, str]:
        path = request.path
        for part, answer in self.canned.items():
            if part in path:
                return answer
        if path.endswith("/efetch.fcgi"):
            found = [self.articles[i] for i in request.ids if i in self.articles]
            body = PROLOG + "<PubmedArticleSet>\n" + "\n".join(found) + "\n</PubmedArticleSet>"
            return 200, body.encode(), "text/xml; charset=UTF-8"
        if path.endswith("/esearch.fcgi"):
            return self._esearch(request)
        if path.endswith("/esummary.fcgi"):
            if not request.ids:
                return 200, (PUBMED / "esummary_error_no-id-nor-query-key_biopython.xml"
                             ).read_bytes(), "text/xml; charset=UTF-8"
            docs = [self.summaries[i] for i in request.ids if i in self.summaries]
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n<eSummaryResult>\n'
                    '<DocumentSummarySet status="OK">\n' + "\n".join(docs)
                    + "\n</DocumentSummarySet>\n</eSummaryResult>\n")
            return 200, body.encode(), "text/xml; charset=UTF-8"
        if "/idconv/" in path:
            return self._idconv(request)
        return 404, b"<html><body>Not Found</body></html>", "text/html"

    def _esearch(self, request: Request) -> tuple[int, bytes, str]:
        term = request.params.get("term", "")
        retmax = int(request.params.get("retmax", "20"))
        fielded = bool(_FIELDED.search(term))
        ids: list[str] = self._ranked(term) if fielded else []
        for part in [] if fielded else re.split(r"\s+OR\s+", term):
            tagged = re.fullmatch(r'\s*"?(.+?)"?\[(doi|pmid|uid|aid)\]\s*', part, re.I)
            for pmid, xml in self.articles.items():
                if tagged:
                    value, field = tagged.group(1).lower(), tagged.group(2).lower()
                    hit = (value == pmid if field in ("pmid", "uid")
                           else value == _article_id(xml, "doi").lower())
                else:
                    words = set(re.findall(r"\w+", part.lower()))
                    hit = bool(words) and words <= set(re.findall(r"\w+", xml.lower()))
                if hit and pmid not in ids:
                    ids.append(pmid)
        body = ('<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC '
                '"-//NLM//DTD esearch 20060628//EN" '
                '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
                f"<eSearchResult><Count>{len(ids)}</Count><RetMax>{min(retmax, len(ids))}"
                "</RetMax><RetStart>0</RetStart><IdList>\n"
                + "".join(f"<Id>{i}</Id>\n" for i in ids[:retmax])
                + "</IdList><TranslationSet/><QueryTranslation>"
                + term.replace("&", "&amp;").replace("<", "&lt;")
                + "</QueryTranslation></eSearchResult>\n")
        return 200, body.encode(), "text/xml; charset=UTF-8"

    def _ranked(self, term: str) -> list[str]:
        """A field-tagged search (`word[ti]`, `lee dw[au]`, `2021[dp]`, AND within a group,
        OR between parenthesised groups), as PubMed's search by relevance: the records a
        group matches whole, ranked by how many of the term's tagged words each matches
        (word overlap, like the fake Crossref); ties in the order the records were added."""
        groups = [[_tagged(piece) for piece in re.split(r"\s+AND\s+", group.strip(" ()"))
                   if piece.strip(" ()")]
                  for group in re.split(r"\)\s+OR\s+\(|\s+OR\s+", term.strip())]
        every = {token for group in groups for token in group}
        ranked = []
        for order, (pmid, xml) in enumerate(self.articles.items()):
            facts = _facts(xml)
            if any(group and all(_matches(t, facts) for t in group) for group in groups):
                ranked.append((-sum(_matches(t, facts) for t in every), order, pmid))
        return [pmid for *_, pmid in sorted(ranked)]

    def _idconv(self, request: Request) -> tuple[int, bytes, str]:
        records = []
        for asked in request.ids:
            hit = None
            for pmid, xml in self.articles.items():
                known = {"pmid": pmid, "pmcid": _article_id(xml, "pmc"),
                         "doi": _article_id(xml, "doi")}
                if asked.lower() in {v.lower() for v in known.values() if v}:
                    hit = known
                    break
            if hit and hit["pmcid"]:
                records.append({"requested-id": asked, **{k: v for k, v in hit.items() if v}})
            else:  # the converter knows only articles in PMC
                records.append({"requested-id": asked, "status": "error",
                                "errmsg": "Identifier not found in PMC"})
        body = {"status": "ok", "responseDate": time.strftime("%Y-%m-%d %H:%M:%S"),
                "request": f"ids={','.join(request.ids)};format=json", "records": records}
        return 200, json.dumps(body, indent=1).encode("iso-8859-1", "replace"), \
            "application/json; charset=ISO-8859-1"
