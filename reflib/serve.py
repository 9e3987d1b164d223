"""`refs serve`: browse and query db/library.db in a web browser with Datasette.

Datasette is an optional extra (`pip install 'reflib[serve]'`). The index is served
immutable: SQLite opens it read-only and Datasette never writes to it. After `refs
build` replaces the file, restart `refs serve` to see the new index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reflib.errors import ReflibError
from reflib.library.layout import Layout

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
INSTALL_HINT = "refs serve needs Datasette: pip install 'reflib[serve]'"

_SOURCE_COLUMNS = {
    "key": "Citekey: the source's file is refs/KEY.bib",
    "type": "BibTeX entry type (article, book, incollection, online, misc)",
    "title": "Title as plain text (LaTeX decoded)",
    "year": "Year of publication",
    "month": "Month of publication, 1-12",
    "journal": "Journal, or the book's title for a chapter",
    "doi": "DOI in normal form, without https://doi.org/",
    "evidence": "Evidence type: guideline, systematic-review, review, textbook-chapter, "
                "textbook, point-of-care, expert-opinion",
    "ord": "Position in the article's citation order (refs/order.txt); empty if not cited",
    "authors": "Authors (or editors when there are no authors), Family, Given; ...",
    "keywords": "Keywords",
    "notes": "Notes, annotations and abstract",
    "file": "The source file, relative to the library's folder",
    "line": "Line of the entry in its file",
}


def metadata(title: str = "reflib: the evidence library") -> dict[str, Any]:
    """Datasette metadata for db/library.db: titles, column notes, search and facets."""
    tables: dict[str, Any] = {
        "sources": {
            "title": "Sources",
            "description": "One row per refs/*.bib source. Search covers title, authors, "
                           "journal, keywords, notes and DOI.",
            "columns": _SOURCE_COLUMNS,
            "fts_table": "sources_fts",
            "fts_pk": "rowid",
            "facets": ["evidence", "year", "journal"],
            "sort": "ord",
            "label_column": "title",
        },
        "authors": {
            "title": "Authors and editors",
            "description": "Each person or organisation of each source, in order.",
            "columns": {"key": "Citekey of the source", "role": "author or editor",
                        "position": "1 for the first author", "family": "Family name",
                        "given": "Given names", "suffix": "Jr, III, ...",
                        "literal": "An organisation, or a name kept whole",
                        "display": "Family, Given"},
            "facets": ["role"],
        },
        "identifiers": {
            "title": "Identifiers",
            "description": "DOI, PMID, PMCID, ISBN, ISSN and URL of each source.",
            "columns": {"key": "Citekey of the source", "scheme": "doi, pmid, pmcid, isbn, "
                        "issn, eissn or url", "value": "The identifier"},
            "facets": ["scheme"],
        },
        "fields": {
            "title": "BibTeX fields",
            "description": "Every field of every source, as written in BibTeX.",
            "columns": {"key": "Citekey of the source", "name": "Field name",
                        "position": "Order in the entry", "raw": "Value as written in BibTeX",
                        "line": "Line in the source file"},
            "facets": ["name"],
        },
        "check_runs": {
            "title": "Check runs",
            "description": "Each saved run of `refs check`: when, offline or not, which "
                           "checks were made and which skipped (JSON).",
        },
        "findings": {
            "title": "Check findings",
            "description": "What each run of `refs check` found, per source.",
            "columns": {"run_id": "The run (check_runs.id)", "key": "Citekey; empty for "
                        "the library as a whole", "check": "The check that found it",
                        "severity": "error, warning, notice or skipped",
                        "message": "What was found and what to do",
                        "file": "File the finding points at", "line": "Line in that file",
                        "data": "Details, as JSON"},
            "facets": ["severity", "check"],
        },
        "files": {"hidden": True},  # the build's cache of parsed files and their BibTeX
        "meta": {"hidden": True},
    }
    return {
        "title": title,
        "description": "The article's sources, read-only. Edit refs/*.bib and run "
                       "`refs build` to change them.",
        "databases": {"library": {"title": "Evidence library", "tables": tables}},
    }


def datasette_app(db_path: Path, title: str | None = None):
    """A Datasette instance serving `db_path` immutable (read-only) with our metadata."""
    try:
        from datasette.app import Datasette
    except ImportError:
        raise ReflibError(INSTALL_HINT) from None
    meta = metadata(title) if title else metadata()
    # Datasette names the database after the file's stem; keep the metadata in step.
    meta["databases"] = {db_path.stem: meta["databases"]["library"]}
    return Datasette(immutables=[str(db_path)], metadata=meta,
                     settings={"allow_download": True, "suggest_facets": False})


class Server:
    """A Datasette app with its listening socket already bound: everything that can fail
    has, before anyone is told the address."""

    def __init__(self, app, sock, url: str) -> None:
        self.app, self.sock, self.url = app, sock, url

    def run(self) -> None:
        """Serve until interrupted."""
        import asyncio

        import uvicorn  # installed with datasette

        asyncio.run(self.app.invoke_startup())
        config = uvicorn.Config(self.app.app(), log_level="warning", lifespan="on")
        uvicorn.Server(config).run(sockets=[self.sock])


def bind(host: str, port: int):
    """A listening socket on host:port; ReflibError saying why not (in use, no address)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ReflibError(f"cannot listen on {host}: {exc.strerror}; check --host") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        import errno

        if exc.errno == errno.EADDRINUSE:
            raise ReflibError(f"port {port} on {host} is in use (another `refs serve`?); "
                              "stop it or choose another with --port") from None
        raise ReflibError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def prepare(layout: Layout, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
            title: str | None = None, notify=None) -> Server:
    """Bring the index up to date, load Datasette and bind the port: anything that fails
    raises ReflibError before the address is announced."""
    from reflib.library.query import read_library

    view = read_library(layout, notify=notify)
    app = datasette_app(view.db_path, title)
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return Server(app, sock, f"http://{shown}:{bound}/")


def serve(layout: Layout, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          title: str | None = None, notify=None) -> None:
    """Serve the library's index (refreshed first if refs/ changed) until interrupted."""
    prepare(layout, host, port, title, notify).run()
