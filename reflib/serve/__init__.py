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

TEMPLATES = Path(__file__).parent / "templates"
PLUGIN_NAME = "reflib-serve"


def metadata(title: str | None = None) -> dict[str, Any]:
    from reflib.serve.catalog import metadata as catalog

    return catalog(title) if title else catalog()


def _cell(row, name: str):
    try:
        return row[name]
    except (KeyError, IndexError, TypeError):
        return None


def _render_cell(row, value, column, table, database, datasette):
    """A source's title links to its findings, and a finding's key to its source."""
    from urllib.parse import quote

    from datasette.utils import tilde_encode
    from markupsafe import Markup, escape

    if table == "sources" and column == "title":
        key = _cell(row, "key")
        if key:
            findings = datasette.urls.table(database, "latest_findings") + f"?key={quote(key)}"
            return Markup(f'{escape(value or "")} <a class="reflib-findings" '
                          f'href="{escape(findings)}">findings&nbsp;→</a>')
    if column != "key" or not isinstance(value, str) or not value:
        return None
    if table in ("latest_findings", "findings", "authors", "identifiers", "fields"):
        source = escape(datasette.urls.row(database, "sources", tilde_encode(value)))
        return Markup(f'<a href="{source}">{escape(value)}</a>')
    return None


def _extra_template_vars():
    from reflib.serve.catalog import COLUMNS

    return {"reflib_columns": COLUMNS}


def _register_plugin() -> None:
    """Our two Datasette hooks, registered once per process."""
    from types import ModuleType

    from datasette import hookimpl
    from datasette.plugins import pm

    if pm.get_plugin(PLUGIN_NAME) is None:
        plugin = ModuleType("reflib_serve_plugin")  # Datasette lists plugins by module
        plugin.render_cell = hookimpl(_render_cell)
        plugin.extra_template_vars = hookimpl(_extra_template_vars)
        pm.register(plugin, name=PLUGIN_NAME)


def datasette_app(db_path: Path, title: str | None = None):
    """A Datasette instance serving `db_path` immutable (read-only) with our metadata,
    templates (sources first, columns on their own page) and links."""
    try:
        from datasette.app import Datasette
    except ImportError:
        raise ReflibError(INSTALL_HINT) from None
    meta = metadata(title)
    # Datasette names the database after the file's stem; keep the metadata in step.
    meta["databases"] = {db_path.stem: meta["databases"]["library"]}
    _register_plugin()
    app = Datasette(immutables=[str(db_path)], metadata=meta, template_dir=str(TEMPLATES),
                    settings={"allow_download": True, "suggest_facets": False,
                              "truncate_cells_html": 90})  # rows short: many on a screen
    # /-/databases.json would show the index's absolute path (the user's folders) to
    # anyone who can reach the server: list the databases without it.
    listed = app._connected_databases
    app._connected_databases = lambda: [{k: v for k, v in d.items() if k != "path"}
                                        for d in listed()]
    return app


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
