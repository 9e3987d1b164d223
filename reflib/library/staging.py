"""An import's staging folder in refs/, and undoing what a killed import left there.

While `refs import` writes (formats/commit.py), its staging folder refs/.import-XXXX holds:

    NAME          each new file, written and synced before any is linked into refs/
    old/NAME      the text of each file the import replaces, saved before it is replaced
    new/NAME      the text the import replaces it with
    DONE          made once every file is in place

Ctrl-C and errors are undone by the import itself. A kill it cannot catch (SIGKILL, power
loss) leaves the folder without DONE; the next writer of the library (any command that
takes the writer lock, library/lock.py) undoes it: each refs/NAME that is the very file
staged (the same inode: a hard link) is removed, each saved old text is put back where
the file holds the import's new text (a file changed by hand since the kill is kept as
it is, and the note says so), then the folder goes. A folder with DONE is an import that
finished: only the folder goes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from reflib.fsutil import atomic_write_bytes

PREFIX = ".import-"
OLD = "old"
NEW = "new"
DONE = "DONE"


def leftovers(refs_dir: Path) -> list[Path]:
    """Staging folders in refs/ (none while no import runs)."""
    try:
        return sorted(p for p in refs_dir.glob(PREFIX + "*") if p.is_dir())
    except OSError:
        return []


def undo_interrupted(refs_dir: Path, folders: list[Path] | None = None) -> list[str]:
    """Undo every import that was killed before it finished; what was done, one line each.
    `folders`: its staging folders when the caller has listed refs/ already. Call only
    while holding the writer lock (no import can be running)."""
    said = []
    for folder in leftovers(refs_dir) if folders is None else folders:
        if (folder / DONE).exists():
            shutil.rmtree(folder, ignore_errors=True)
            continue
        removed = 0
        for staged in folder.iterdir():
            if not staged.is_file() or staged.name == DONE:
                continue
            target = refs_dir / staged.name
            try:
                if os.path.samefile(staged, target):
                    target.unlink()
                    removed += 1
            except OSError:
                pass  # not linked yet
        restored, kept = _restore(refs_dir, folder)
        shutil.rmtree(folder, ignore_errors=True)
        whole = "" if kept else ": refs/ is as it was before that import"
        said.append(f"refs/{folder.name} was left by an import that was killed before it "
                    f"finished; undid it ({removed} new file{'s' if removed != 1 else ''} "
                    f"removed, {restored} restored){whole}")
        said.extend(f"refs/{name} was changed after that import was killed: kept as it is, "
                    "not put back as it was before the import" for name in kept)
    return said


def _restore(refs_dir: Path, folder: Path) -> tuple[int, list[str]]:
    """Put back the old text of each file the import replaced: where the file holds the
    import's text (or is gone). (How many, and the files changed since, which are kept.)"""
    old_dir, new_dir = folder / OLD, folder / NEW
    restored, kept = 0, []
    if not old_dir.is_dir():
        return restored, kept
    for saved in sorted(old_dir.iterdir()):
        target = refs_dir / saved.name
        old = saved.read_bytes()
        current = _lines(target.read_bytes()) if target.is_file() else None
        if current == _lines(old):
            continue  # not replaced yet
        written = new_dir / saved.name
        if (current is not None and written.is_file()
                and current != _lines(written.read_bytes())):
            kept.append(saved.name)  # neither text: changed by hand since the kill
            continue
        atomic_write_bytes(target, old)
        restored += 1
    return restored, kept


def _lines(data: bytes) -> bytes:
    """The text with its line ends as the import read them (`\r\n` and `\r` as `\n`):
    the texts staged are those it read, a file with CRLF is the same text."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
