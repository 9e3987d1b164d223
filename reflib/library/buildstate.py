"""What a build knows of each source file (FileState) and reports (BuildReport); shared by
the full comparison (build.py) and the incremental rebuild (incremental.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reflib.errors import Problem
from reflib.library import index
from reflib.library.model import Reference
from reflib.library.validate import CrossItem
from reflib.output import count


@dataclass
class FileState:
    """One refs/*.bib as the build sees it: stat, hash, and the parsed entry if valid."""

    rel: str
    size: int
    mtime_ns: int
    sha1: str = ""
    entry: str = ""  # JSON of the Reference (index.entry_json)
    bibtex: str = ""
    key: str = ""
    item: CrossItem | None = None
    reused: bool = False
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    syntax: list[Problem] = field(default_factory=list)  # reading the file (a subset of
    # `problems`, which also holds the entry's own errors); `refs check` reports these
    rows: dict | None = None  # index rows, made where the file was parsed
    _ref: Reference | None = None

    def reuse(self, cached: tuple) -> None:
        self.sha1, self.entry, self.bibtex, self.item, self.warnings, self.syntax, errors = (
            cached[2:])
        self.problems = self.syntax + errors
        self.key = self.item.key if self.item else ""
        self.reused = True

    @property
    def errors(self) -> list[Problem]:
        """The entry's own errors (not those of reading it), as the cache keeps them."""
        return [p for p in self.problems if p not in self.syntax]

    @property
    def ref(self) -> Reference:
        if self._ref is None:
            self._ref = index.entry_from_json(self.entry)
        return self._ref


@dataclass
class BuildReport:
    """What a build found and did."""

    sources: int = 0
    parsed: int = 0
    reused: int = 0
    removed: int = 0
    library_written: bool = False
    index_written: bool = False
    full: bool = False
    stale: list[str] = field(default_factory=list)  # --check: what is out of date
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # index_only: all, not raised
    syntax: list[Problem] = field(default_factory=list)  # index_only: of reading files
    changed: list[str] = field(default_factory=list)  # index_only: why the index was stale

    def summary(self) -> str:
        done = []
        if self.library_written:
            done.append("wrote library.bib")
        if self.index_written:
            done.append("updated db/library.db" if not self.full else "built db/library.db")
        did = "; ".join(done) or "nothing to do"
        return (f"{count(self.sources, 'source')} ({self.parsed} parsed, {self.reused} unchanged, "
                f"{self.removed} removed): {did}")


def take(state: FileState, result: tuple, sink) -> None:
    """A parse result into its file's state (and the new index, when there is one)."""
    _, sha1, entry, bibtex, item, problems, read, rows = result
    state.rows = rows
    state.syntax = problems[:read]
    state.warnings = [p for p in problems if p.severity == "warning"]
    state.sha1, state.entry, state.bibtex, state.item = sha1, entry, bibtex, item
    state.key = item.key if item else ""
    state.problems = [p for p in problems if p.severity != "warning"]
    if sink is not None and rows is not None:
        sink(state)
