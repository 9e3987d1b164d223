"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Files are created with the mode the user's umask gives (0644 under 022), as `open()`
would; a file that exists keeps its mode. A temporary file is removed on any failure,
Ctrl-C included."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process's umask (reading it means setting it: done under a lock, restored)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def new_file_mode(path: Path) -> int:
    """The mode a write to `path` should leave: the old file's, else 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def temp_beside(path: Path) -> tuple[int, str]:
    """A new temporary file in `path`'s folder (same file system: rename is atomic),
    with the mode `path` should have. Returns (fd, name)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, new_file_mode(path))
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd, tmp


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename."""
    _atomic_write_pieces(path, (data,))


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_chunks(path: Path, chunks: Iterable[str]) -> None:
    """`atomic_write_text` of text made piece by piece (a page of 100,000 references is
    never one string, nor one string and its bytes)."""
    _atomic_write_pieces(path, (chunk.encode("utf-8") for chunk in chunks))


def _atomic_write_pieces(path: Path, pieces: Iterable[bytes]) -> None:
    """The pieces, in order, into a temporary file beside `path`, flushed to disk, then
    renamed over `path`; on any failure the temporary goes and `path` is as it was."""
    with staged_write(path, pieces):
        pass


@contextmanager
def staged_write(path: Path, pieces: Iterable[bytes]) -> Iterator[None]:
    """Write `path` atomically, but replace it only once the `with` block has run: the
    pieces go to a temporary file beside it, flushed to disk, before the block; the rename
    comes after it. If the block fails, the temporary goes and `path` is as it was (two
    files that must change together: write the second while the first is finished)."""
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in pieces:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        yield
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_new_text(path: Path, text: str) -> None:
    """Write a file that must not exist yet; FileExistsError if it does (even in a race)."""
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)  # fails if `path` exists: never overwrite a source
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_output_file(path: Path, text: str | bytes | Iterable[str]) -> None:
    """Write a file a person named with `-o`, atomically. Its folder must exist: a typo
    should not make folders (as root, anywhere); a failure is one plain ReflibError."""
    from reflib.errors import ReflibError

    check_output_folder(path)
    try:
        if isinstance(text, bytes):  # a Word document (refs export --format docx)
            atomic_write_bytes(path, text)
        elif isinstance(text, str):
            atomic_write_text(path, text)
        else:
            atomic_write_chunks(path, text)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ReflibError(f"cannot write {path}: {reason}; choose another -o") from None


def check_output_folder(path: Path) -> None:
    """ReflibError unless the folder of `path` exists (checked before any work is done)."""
    from reflib.errors import ReflibError

    folder = Path(path).parent
    if not folder.is_dir():
        raise ReflibError(f"cannot write {path}: the folder {folder} does not exist; "
                          "create it first or choose another -o")
