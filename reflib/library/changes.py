"""A set of file changes applied together: all of them, or (on any failure, Ctrl-C
included) none. Each file is written atomically; undoing restores the old contents.

Used by `refs rename` and `refs remove`, which touch several files of refs/ at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from reflib.fsutil import atomic_write_bytes, create_new_text


@dataclass
class Changeset:
    """Planned changes: new files, rewritten files, moved files and deleted files."""

    creates: list[tuple[Path, str]] = field(default_factory=list)
    writes: list[tuple[Path, str]] = field(default_factory=list)
    moves: list[tuple[Path, Path]] = field(default_factory=list)
    deletes: list[Path] = field(default_factory=list)

    def create(self, path: Path, text: str) -> None:
        self.creates.append((path, text))

    def write(self, path: Path, text: str) -> None:
        self.writes.append((path, text))

    def move(self, source: Path, target: Path) -> None:
        self.moves.append((source, target))

    def delete(self, path: Path) -> None:
        self.deletes.append(path)

    def apply(self) -> None:
        """Make every change; if one fails (or Ctrl-C comes), undo the ones made."""
        undo: list = []
        try:
            for path, text in self.creates:
                create_new_text(path, text)  # FileExistsError: never overwrite a source
                undo.append(lambda p=path: p.unlink(missing_ok=True))
            for source, target in self.moves:
                if target.exists():
                    raise FileExistsError(f"{target} exists")
                os.rename(source, target)
                undo.append(lambda s=source, t=target: os.rename(t, s))
            for path, text in self.writes:
                old = path.read_bytes()
                atomic_write_bytes(path, text.encode("utf-8"))
                undo.append(lambda p=path, o=old: atomic_write_bytes(p, o))
            for path in self.deletes:
                old = path.read_bytes()
                path.unlink()
                undo.append(lambda p=path, o=old: atomic_write_bytes(p, o))
        except BaseException:
            for step in reversed(undo):
                step()
            raise
