"""`refs sql` with limits: only reading statements, a time limit, a size limit, Ctrl-C.

SQLite's own read-only mode refuses writes to the index, but ATTACH and VACUUM INTO
create other files first, a recursive query can run forever and `randomblob(1e9)` can
fill the memory. Here an authorizer allows only reading (it runs when the statement is
prepared, before anything touches the disk), a progress handler stops the query at the
time limit or at Ctrl-C, a length limit bounds each value, and rows are fetched only up
to a limit.

    limits = SqlLimits(seconds=5, max_rows=100_000)
    columns, rows = run_limited(conn, "SELECT key FROM sources", limits)
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from dataclasses import dataclass

from reflib.errors import ReflibError

# What the authorizer lets through: reading tables, SELECT, functions, recursive CTEs,
# and the PRAGMAs that only describe the schema.
_READ, _SELECT, _FUNCTION, _RECURSIVE, _PRAGMA = (sqlite3.SQLITE_READ, sqlite3.SQLITE_SELECT,
                                                  sqlite3.SQLITE_FUNCTION, 33,
                                                  sqlite3.SQLITE_PRAGMA)
_DESCRIBING_PRAGMAS = frozenset({"table_info", "table_xinfo", "table_list", "index_list",
                                 "index_info", "index_xinfo", "foreign_key_list",
                                 "collation_list", "function_list", "module_list",
                                 "pragma_list"})
_REFUSED_FUNCTIONS = frozenset({"load_extension", "readfile", "writefile", "edit",
                                "fts3_tokenizer"})
_ACTION_NAMES = {9: "DELETE", 18: "a write (INSERT or CREATE)", 22: "a transaction",
                 23: "UPDATE", 24: "ATTACH (or VACUUM, which writes another file)",
                 25: "DETACH", 26: "ALTER TABLE", 28: "ANALYZE", 32: "a savepoint"}
PROGRESS_STEPS = 2000  # SQLite virtual-machine steps between looks at the clock


@dataclass(frozen=True)
class SqlLimits:
    seconds: float = 5.0  # time limit of the whole query
    max_rows: int = 100_000  # rows returned
    max_value_bytes: int = 16_000_000  # one text or blob


class _Guard:
    def __init__(self, limits: SqlLimits) -> None:
        self.limits = limits
        self.refused: str = ""
        self.interrupted = False
        self.end = 0.0

    def authorize(self, action: int, arg1, arg2, database, trigger) -> int:  # noqa: ANN001
        if action in (_READ, _SELECT, _RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == _FUNCTION and str(arg2).lower() not in _REFUSED_FUNCTIONS:
            return sqlite3.SQLITE_OK
        if action == _PRAGMA and str(arg1).lower() in _DESCRIBING_PRAGMAS:
            return sqlite3.SQLITE_OK
        if not self.refused:
            if action == _FUNCTION:
                self.refused = f"the function {arg2}()"
            elif action == _PRAGMA:
                self.refused = f"PRAGMA {arg1}"
            else:
                self.refused = _ACTION_NAMES.get(action, "a statement that is not a query")
        return sqlite3.SQLITE_DENY

    def progress(self) -> int:
        return 1 if self.interrupted or time.monotonic() > self.end else 0


def run_limited(conn: sqlite3.Connection, sql: str, limits: SqlLimits | None = None
                ) -> tuple[list[str], list[tuple]]:
    """Columns and rows of one reading statement, within `limits`; ReflibError otherwise.
    Ctrl-C (in the main thread) stops the query and raises KeyboardInterrupt."""
    limits = limits or SqlLimits()
    guard = _Guard(limits)
    conn.set_authorizer(guard.authorize)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.max_value_bytes)
    conn.set_progress_handler(guard.progress, PROGRESS_STEPS)
    previous = _on_ctrl_c(guard, conn)
    guard.end = time.monotonic() + limits.seconds
    try:
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        rows: list[tuple] = []
        while batch := cursor.fetchmany(1000):
            rows.extend(tuple(row) for row in batch)
            if len(rows) > limits.max_rows:
                raise ReflibError(f"the result has more than {limits.max_rows:,} rows; "
                                  "narrow the query (WHERE, LIMIT) or raise --max-rows")
        return columns, rows
    except sqlite3.DataError as exc:  # string or blob too big
        raise ReflibError(f"SQL error: {exc}: a value may hold at most "
                          f"{limits.max_value_bytes:,} bytes") from None
    except sqlite3.DatabaseError as exc:
        if guard.interrupted:
            raise KeyboardInterrupt from None
        if "interrupted" in str(exc):
            raise ReflibError(f"the query ran longer than its time limit of {limits.seconds:g} "
                              "s and was stopped; narrow it or raise --time-limit") from None
        if guard.refused or "not authorized" in str(exc) or "authorization denied" in str(exc):
            raise ReflibError(f"refs sql is read-only: {guard.refused or 'this statement'} is "
                              "refused before anything touches the disk; nothing was changed. "
                              "Edit refs/*.bib and run `refs build` instead") from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
        conn.set_authorizer(None)
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _on_ctrl_c(guard: _Guard, conn: sqlite3.Connection):
    """Make Ctrl-C stop the running query; returns the handler to restore (None when
    not in the main thread, where signals cannot be caught)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame) -> None:  # noqa: ANN001
        guard.interrupted = True
        conn.interrupt()

    return signal.signal(signal.SIGINT, stop)
