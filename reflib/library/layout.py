"""Where a library keeps its files, and the article's citation order."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reflib.errors import Problem, ReflibError

GITIGNORE = "# db/ is rebuilt from refs/ by `refs build`; it is not committed.\ndb/\n"


class NotALibrary(ReflibError):
    """The folder holds no library (no refs/): commands say so rather than make one."""


@dataclass(frozen=True)
class Layout:
    """The files of one library: sources in refs/, generated library.bib and db/."""

    root: Path

    @classmethod
    def find(cls, root: str | os.PathLike | None = None) -> Layout:
        """The library at `root`, else $REFS_ROOT, else the current directory."""
        chosen = root or os.environ.get("REFS_ROOT") or "."
        return cls(Path(chosen).resolve())

    def require(self) -> None:
        """NotALibrary unless the folder holds a library (a refs/ folder)."""
        if not self.refs_dir.is_dir():
            raise NotALibrary(f"{self.root} is not a reflib library (it has no refs/ folder); "
                              "run `refs init` there, or pass --root (or set REFS_ROOT) to "
                              "the library's folder")

    @property
    def refs_dir(self) -> Path:
        return self.root / "refs"

    @property
    def library_bib(self) -> Path:
        return self.root / "library.bib"

    @property
    def db_path(self) -> Path:
        return self.root / "db" / "library.db"

    @property
    def order_file(self) -> Path:
        return self.refs_dir / "order.txt"

    def source_path(self, key: str) -> Path:
        return self.refs_dir / f"{key}.bib"

    def crossref_path(self, key: str) -> Path:
        """The kept Crossref record of a source, beside its BibTeX."""
        return self.refs_dir / f"{key}.crossref.json"

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def source_entries(self) -> list[os.DirEntry]:
        """refs/*.bib as directory entries, by name (one scandir: cheap for 100,000)."""
        if not self.refs_dir.is_dir():
            return []
        with os.scandir(self.refs_dir) as entries:
            found = [e for e in entries if e.name.endswith(".bib") and e.is_file()]
        return sorted(found, key=lambda e: e.name)

    def source_files(self) -> list[Path]:
        return [Path(e.path) for e in self.source_entries()]


# A line `- removed KEY` keeps a removed reference's number taken (`refs remove
# --keep-order`): the references after it are not renumbered.
GAP_MARK = "-"


def parse_order(text: str, file: str) -> tuple[list[str], list[Problem]]:
    """Citekeys in citation order from order.txt text; a key listed twice is a problem.
    A gap line (`- removed KEY`) is an empty string: its number stays taken."""
    keys: list[str] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        key = line.strip()
        if not key or key.startswith("#"):
            continue
        if key.startswith(GAP_MARK):
            keys.append("")
            continue
        if key in seen:
            problems.append(Problem(file, number, f"'{key}' is already reference "
                                    f"{seen[key]}; list each source once"))
            continue
        keys.append(key)
        seen[key] = len(keys)
    return keys, problems


def read_order(layout: Layout) -> tuple[list[str], list[Problem]]:
    if not layout.order_file.is_file():
        return [], []
    return parse_order(layout.order_file.read_text(encoding="utf-8"), layout.rel(layout.order_file))


def init_library(directory: str | os.PathLike) -> list[str]:
    """Make an empty library in `directory`: refs/, refs/order.txt, .gitignore (db/).

    Returns the paths made; what exists already is left as it is."""
    from reflib.fsutil import atomic_write_text

    layout = Layout(Path(directory).resolve())
    made = []
    if not layout.refs_dir.is_dir():
        layout.refs_dir.mkdir(parents=True)
        made.append("refs/")
    if not layout.order_file.exists():
        atomic_write_text(layout.order_file, "# The article's citation order: one citekey a "
                          "line (reference 1 first).\n")
        made.append(layout.rel(layout.order_file))
    ignore = layout.root / ".gitignore"
    if not ignore.exists():
        atomic_write_text(ignore, GITIGNORE)
        made.append(".gitignore")
    elif "db/" not in ignore.read_text(encoding="utf-8").split():
        atomic_write_text(ignore, ignore.read_text(encoding="utf-8").rstrip("\n") + "\n" +
                          GITIGNORE)
        made.append(".gitignore")
    return made
