"""Writing an import all or nothing: new files created, changed files replaced, and on any
failure or interruption (Ctrl-C included) every one of them put back as it was.

New files are first written into a staging folder inside refs/ (library/staging.py),
with the old text of every file to be replaced, and all of it is flushed to disk with one
sync (not one fsync a file: 3,644 fsyncs took 4 s); then the new files are hard-linked
into place, which never overwrites a file, and the changed ones replaced atomically.
Ctrl-C or an error undoes it here. A kill that no handler sees (SIGKILL, power loss)
leaves the staging folder without its DONE mark: the next writer undoes that import
(library/lock.py calls `staging.undo_interrupted`), so refs/ never keeps half an import.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from reflib.errors import ReflibError
from reflib.fsutil import atomic_write_text
from reflib.library import staging as layout_of_staging
from reflib.progress import progress

STAGING_PREFIX = layout_of_staging.PREFIX


class ImportConflict(ReflibError):
    """refs/ changed under the import (another writer); nothing of the import was kept."""


def commit(refs_dir: Path, new_files: list[tuple[str, str]],
           changed: dict[Path, tuple[str, str]]) -> list[str]:
    """Create `new_files` ((name, text) in refs_dir) and replace `changed` (path -> (old,
    new) text). Returns what was said of an earlier import that was killed (undone first).

    A file to create that appeared meanwhile, or a file to change that is no longer the
    one read, stops the import; then, as on any exception or KeyboardInterrupt, the files
    created are removed and the ones replaced get their old text back."""
    created: list[Path] = []
    replaced: list[tuple[Path, str]] = []
    said = layout_of_staging.undo_interrupted(refs_dir) if refs_dir.is_dir() else []
    staging = _staging_name(refs_dir)  # named before it exists: a Ctrl-C the moment it
    try:                                # is made still finds it to remove
        staging.mkdir(mode=0o700)  # private to its owner, as mkdtemp makes one
        with progress(2 * len(new_files) + len(changed), "writing sources") as advance:
            staged = _stage(staging, new_files, changed, advance)
            os.sync()  # every staged byte on disk before refs/ changes at all
            for tmp, path in staged:
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    raise ImportConflict(f"{path.name} appeared in refs/ while importing; "
                                         "nothing was imported, run the import again") from None
                created.append(path)
                advance(1)
            for path, (old, new) in changed.items():
                if path.read_text(encoding="utf-8") != old:
                    raise ImportConflict(f"{path.name} changed while importing; nothing was "
                                         "imported, run the import again")
                atomic_write_text(path, new)
                replaced.append((path, old))
                advance(1)
            _sync_folder(refs_dir)  # the new names themselves, in one fsync of refs/
            (staging / layout_of_staging.DONE).touch()
    except BaseException:
        _undo(created, replaced)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return said


def _stage(staging: Path, new_files: list[tuple[str, str]],
           changed: dict[Path, tuple[str, str]], advance) -> list[tuple[Path, Path]]:
    """Write the new files, and the old and new text of the changed ones, into the staging
    folder."""
    staged = []
    refs_dir = staging.parent
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for name, text in new_files:
        tmp = staging / name
        data = memoryview(text.encode("utf-8"))
        fd = os.open(tmp, flags, 0o666)
        try:
            while data:
                data = data[os.write(fd, data):]
        finally:
            os.close(fd)
        staged.append((tmp, refs_dir / name))
        advance(1)
    if changed:  # both texts: an undo puts the old one back only over the new one
        old_dir, new_dir = staging / layout_of_staging.OLD, staging / layout_of_staging.NEW
        old_dir.mkdir()
        new_dir.mkdir()
        for path, (old, new) in changed.items():
            (old_dir / path.name).write_bytes(old.encode("utf-8"))
            (new_dir / path.name).write_bytes(new.encode("utf-8"))
    return staged


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so that the links made in it survive a power cut (POSIX only)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _staging_name(refs_dir: Path) -> Path:
    refs_dir.mkdir(parents=True, exist_ok=True)
    while True:
        path = refs_dir / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
        if not path.exists():
            return path


def _undo(created: list[Path], replaced: list[tuple[Path, str]]) -> None:
    for path in reversed(created):
        path.unlink(missing_ok=True)
    for path, old in reversed(replaced):
        atomic_write_text(path, old)
