"""One writer at a time: a lock on the library for every command that writes it.

Two builds at once would both rewrite the index (one of them ending in an
IntegrityError), two enrichments could write one source. A writer takes the library's
lock; a second one waits a little (`REFS_LOCK_WAIT` seconds, default 10), then says
who holds it. The lock is the operating system's (flock, or msvcrt on Windows), so a
killed writer can never leave it held; the holder's pid, host, command and start time
are written in the lock file for that message. The file lives in the system's
temporary folder, one per library, so the library's folders stay as they were.

    with writer_lock(layout, "refs build"):
        ...                                   # nested takes in one process just count

On taking it, temporary files a crashed writer left (`.NAME.*.tmp` beside library.bib,
in refs/ and in db/) are removed: nobody else can be writing them now. An import killed
before it finished is undone (library/staging.py); what was undone is kept for the
command to say (`take_notes`).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from reflib.errors import ReflibError
from reflib.library.layout import Layout

DEFAULT_WAIT = 10.0
WAIT_ENV = "REFS_LOCK_WAIT"
_POLL = 0.05

_held: dict[str, int] = {}  # lock file -> how many times this process holds it
_notes: list[str] = []  # what taking the lock undid, for the command to say
_held_lock = threading.Lock()


class LibraryLocked(ReflibError):
    """Another process is writing the library. `busy`: who, and how long this waited
    (the message without its advice, for a command that advises otherwise)."""

    def __init__(self, message: str, busy: str = "") -> None:
        super().__init__(message)
        self.busy = busy or message


def lock_path(layout: Layout) -> Path:
    digest = hashlib.sha1(os.fsencode(layout.root)).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "reflib-locks" / f"{digest}.lock"


def _try_lock(handle) -> bool:  # noqa: ANN001
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock(handle) -> None:  # noqa: ANN001
    try:
        import fcntl
    except ImportError:
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def holder(path: Path) -> str:
    """Who holds the lock, as the holder wrote it: `refs build (pid 4242 on host, since
    09:41:02 UTC)`; "another process" when it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")[1:] or "{}")
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict) or "pid" not in data:
        return "another process"
    return (f"`{data.get('command', 'refs')}` (pid {data['pid']} on {data.get('host', '?')}, "
            f"since {data.get('since', '?')})")


@contextmanager
def writer_lock(layout: Layout, command: str, wait: float | None = None) -> Iterator[None]:
    """Hold the library's writer lock; LibraryLocked after `wait` seconds of waiting."""
    path = lock_path(layout)
    key = str(path)
    with _held_lock:
        if _held.get(key):
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_lock:
                _held[key] -= 1
        return
    if wait is None:
        wait = float(os.environ.get(WAIT_ENV) or DEFAULT_WAIT)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held across the yield)
    try:
        end = time.monotonic() + wait
        while not _try_lock(handle):
            if time.monotonic() >= end:
                busy = (f"the library {layout.root} is being written by {holder(path)}; "
                        f"waited {wait:g} s")
                raise LibraryLocked(f"{busy}. Run this again when it has finished "
                                    "(REFS_LOCK_WAIT sets how long to wait)", busy)
            time.sleep(_POLL)
        since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        handle.seek(0)
        handle.truncate()
        # A leading space keeps byte 0 (the one msvcrt locks) out of the JSON.
        handle.write(" " + json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                       "command": command, "since": since}))
        handle.flush()
        with _held_lock:
            _held[key] = 1
        try:
            remove_stale_temporaries(layout)
            yield
        finally:
            with _held_lock:
                _held[key] = 0
            handle.seek(0)
            handle.truncate()
            handle.flush()
            _unlock(handle)
    finally:
        handle.close()


def take_notes() -> list[str]:
    """What taking the lock undid since the last call (an import killed half-way)."""
    notes = list(_notes)
    _notes.clear()
    return notes


def remove_stale_temporaries(layout: Layout) -> list[Path]:
    """Temporary files of atomic writes a killed writer left behind, and a killed
    import's half (see library/staging.py); call with the lock. refs/ is listed once for
    both, by name only (every leftover is a hidden name: only those are looked at), by
    every writer, not only after a holder was killed: the lock's file is in the temporary
    folder, which a reboot after a power cut may empty, and a half import must be undone
    by the very next writer."""
    from reflib.library.staging import PREFIX, undo_interrupted

    removed = []
    places = [(layout.root, ".library.bib."), (layout.db_path.parent, ".library.db."),
              (layout.refs_dir, ".")]
    kinds = (".bib.", ".json.", ".txt.", ".db.")
    for folder, prefix in places:
        try:
            hidden = [name for name in os.listdir(folder) if name.startswith(".")]
        except OSError:
            continue
        if folder == layout.refs_dir:
            staged = sorted(folder / name for name in hidden
                            if name.startswith(PREFIX) and _is(folder / name, stat.S_ISDIR))
            _notes.extend(undo_interrupted(layout.refs_dir, staged))
        for name in hidden:
            path = folder / name
            if name.startswith(prefix) and name.endswith(".tmp") \
                    and any(kind in name for kind in kinds) and _is(path, stat.S_ISREG):
                try:
                    os.unlink(path)
                    removed.append(path)
                except OSError:
                    pass
    return removed


def _is(path: Path, kind: Callable[[int], bool]) -> bool:
    """Whether `path` itself (not what a symlink points at) is of `kind`."""
    try:
        return kind(os.lstat(path).st_mode)
    except OSError:
        return False
