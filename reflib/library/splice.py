"""library.bib changed in place of rewritten: the unchanged byte ranges copied by the
kernel, only the changed entries written, then fsync and rename (atomic like every write).

The index keeps, per entry, its lower-case key, key and size in bytes ("\\n" + entry) in
`library_spans`, in file order (plain key order; a library.bib with crossref parents
moved after their children is not spliced). An entry's offset is the header's size plus
the sizes of the entries before it: one summing query, however many entries there are.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reflib.fsutil import temp_beside
from reflib.library.bibtex import LIBRARY_HEADER, sort_key

HEADER_SIZE = len(LIBRARY_HEADER.encode("utf-8"))
_MANY = 32  # more edits than this: one pass over all spans instead of a query each


def spans(states: Iterable[Any]) -> list[tuple[str, str, int]]:
    """(lower key, key, bytes) of each source's entry in library.bib (its BibTeX and the
    blank line before it), for the `library_spans` table."""
    return [(s.key.lower(), s.key, len(s.bibtex.encode("utf-8")) + 1) for s in states]


def plan(conn: sqlite3.Connection, removed: set[str], added: dict[str, bytes]
         ) -> list[tuple[int, int, bytes]]:
    """(old start, old end, new bytes) edits, in file order, that turn the library.bib
    the spans describe into the one with the `removed` keys' entries dropped and the
    `added` entries ("\\n" + entry, encoded) put in key order. A key in both is replaced."""
    keys = sorted(removed | set(added), key=sort_key)
    sizes = dict(_sizes(conn, removed))
    if set(sizes) != removed:
        raise ValueError("a removed entry has no span")
    starts = _starts(conn, keys)
    return [(starts[k], starts[k] + sizes.get(k, 0), added.get(k, b"")) for k in keys]


def _sizes(conn: sqlite3.Connection, keys: set[str]):
    for key in keys:
        row = conn.execute("SELECT size FROM library_spans WHERE lkey = ? AND key = ?",
                           (key.lower(), key)).fetchone()
        if row is not None:
            yield key, row[0]


def _starts(conn: sqlite3.Connection, keys: list[str]) -> dict[str, int]:
    """Where each key's entry starts (or would start) in the old library.bib."""
    if len(keys) <= _MANY:
        return {k: HEADER_SIZE + int(conn.execute(
            "SELECT total(size) FROM library_spans WHERE (lkey, key) < (?, ?)",
            (k.lower(), k)).fetchone()[0]) for k in keys}
    starts, offset = {}, HEADER_SIZE
    wanted = iter(keys)
    want = next(wanted)
    for lkey, key, size in conn.execute("SELECT lkey, key, size FROM library_spans "
                                        "ORDER BY lkey, key"):
        while want is not None and (want.lower(), want) <= (lkey, key):
            starts[want] = offset
            want = next(wanted, None)
        offset += size
    while want is not None:
        starts[want] = offset
        want = next(wanted, None)
    return starts


def apply(path: Path, edits: list[tuple[int, int, bytes]]) -> None:
    """Write `path` anew from its old bytes and `edits`, atomically (temporary file beside
    it, fsync, rename): a failure leaves the old file as it was."""
    fd, tmp = temp_beside(path)
    try:
        with open(path, "rb") as old:
            src = old.fileno()
            end = os.fstat(src).st_size
            pos = 0
            for start, stop, data in edits:
                if not pos <= start <= stop <= end:
                    raise ValueError(f"edit {start}-{stop} outside {pos}-{end}")
                _copy(src, fd, pos, start - pos)
                _write(fd, data)
                pos = stop
            _copy(src, fd, pos, end - pos)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


_NOT_HERE = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EPERM}


def _copy(src: int, dst: int, offset: int, count: int) -> None:
    """`count` bytes of `src` from `offset` appended to `dst`, kernel-side where the
    system can (copy_file_range, else sendfile), else through a buffer."""
    while count > 0:
        try:
            if hasattr(os, "copy_file_range"):
                done = os.copy_file_range(src, dst, count, offset)
            else:
                done = os.sendfile(dst, src, offset, count)
        except OSError as exc:
            if exc.errno not in _NOT_HERE:
                raise
            done = _copy_buffered(src, dst, offset, count)
        if done <= 0:
            raise OSError(errno.EIO, "library.bib ended before its recorded entries")
        offset += done
        count -= done


def _copy_buffered(src: int, dst: int, offset: int, count: int) -> int:
    data = os.pread(src, min(count, 1 << 22), offset)
    _write(dst, data)
    return len(data)
