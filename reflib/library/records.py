"""Kept Crossref records: refs/KEY.crossref.json beside refs/KEY.bib.

A kept record is what Crossref said about a source's DOI, committed so that provenance
survives a fresh clone and checks can run offline:

    {"doi": "10.2147/JPR.S325665",              # the DOI asked for
     "source": "https://api.crossref.org/works/10.2147/JPR.S325665",
     "fetched": "2026-06-01T09:30:00Z",
     "applied": {"publisher": {"value": "{Informa UK Limited}", "when": "2026-06-01T09:30:00Z"}},
     "message": {...}}                           # Crossref's `message`, unchanged

`applied` names the fields enrichment wrote into refs/KEY.bib and the raw value it wrote;
a field whose value still equals it has origin "crossref", every other field "curated".
Only records that really came from Crossref belong in refs/; test records live in tests/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from reflib.errors import Problem
from reflib.fsutil import atomic_write_text
from reflib.library.layout import Layout

SUFFIX = ".crossref.json"
R = TypeVar("R")

# Keys Crossref changes every day without the work changing; a refresh that differs only
# in these keeps the old file, so a diff shows real changes only.
VOLATILE_KEYS = ("indexed", "is-referenced-by-count", "score", "deposited")


@dataclass(frozen=True)
class CrossrefRecord:
    """One work as Crossref described it, and when and where that was asked."""

    doi: str  # the DOI asked for; message["DOI"] differs after a 301 redirect
    message: dict[str, Any]
    source: str  # the URL of the work at the server that answered
    fetched: str  # ISO 8601, UTC
    applied: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def work_doi(self) -> str:
        """The DOI Crossref files the work under (the new one after a redirect)."""
        return str(self.message.get("DOI") or self.doi)

    @property
    def moved(self) -> bool:
        return self.work_doi.lower() != self.doi.lower()

    def applied_values(self) -> dict[str, str]:
        return {name: entry.get("value", "") for name, entry in self.applied.items()}

    def to_json(self) -> str:
        """The file's text: one line per key of the record and of the message, so that a
        diff shows which of Crossref's fields changed (and it writes fast)."""
        head = {"doi": self.doi, "source": self.source, "fetched": self.fetched,
                "applied": self.applied}
        lines = [f"  {_compact(k)}: {_compact(v)}," for k, v in head.items()]
        body = [f"    {_compact(k)}: {_compact(v)}" for k, v in self.message.items()]
        message = "{\n" + ",\n".join(body) + "\n  }" if body else "{}"
        return "{\n" + "\n".join(lines) + f'\n  "message": {message}\n}}\n'

    def same_work_as(self, other: CrossrefRecord) -> bool:
        """True when the two messages differ at most in volatile keys."""
        return _stable(self.message) == _stable(other.message)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _stable(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in VOLATILE_KEYS}


class RecordError(ValueError):
    """A kept record that cannot be read; `problem` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def parse_record(text: str, rel: str) -> CrossrefRecord:
    """A kept record from its JSON text; RecordError names the file and line if unreadable."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(rel, exc.lineno, f"not valid JSON ({exc.msg}); restore it from git "
                          "or fetch it again with `refs enrich --refresh`")
        raise RecordError(problem) from None
    if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
        raise RecordError(Problem(rel, 1, "not a kept Crossref record (needs a `message` "
                                  "object); restore it or delete it"))
    applied = data.get("applied") or {}
    if not isinstance(applied, dict) or not all(isinstance(v, dict) for v in applied.values()):
        raise RecordError(Problem(rel, 1, "`applied` must map field names to "
                                  '{"value": ..., "when": ...}'))
    message = data["message"]
    return CrossrefRecord(doi=str(data.get("doi") or message.get("DOI") or ""),
                          message=message, source=str(data.get("source") or ""),
                          fetched=str(data.get("fetched") or ""), applied=applied)


class KeptFiles(Generic[R]):
    """One kind of kept registry record, refs/KEY{suffix}: where the files are, reading
    one or all of them, and writing one atomically. Shared by every registry's records."""

    def __init__(self, suffix: str, parse: Callable[[str, str], R]) -> None:
        self.suffix = suffix
        self.parse = parse  # (text, path relative to the library) -> record; RecordError

    def path(self, layout: Layout, key: str) -> Path:
        return layout.refs_dir / f"{key}{self.suffix}"

    def files(self, layout: Layout) -> list[Path]:
        """Every refs/*{suffix}, sorted."""
        if not layout.refs_dir.is_dir():
            return []
        return sorted(p for p in layout.refs_dir.glob(f"*{self.suffix}") if p.is_file())

    def key_of(self, path: Path) -> str:
        return path.name[: -len(self.suffix)]

    def load(self, layout: Layout, key: str) -> R | None:
        """The record kept for `key`, or None when there is none. RecordError if unreadable."""
        path = self.path(layout, key)
        if not path.is_file():
            return None
        return self.parse(path.read_text(encoding="utf-8"), layout.rel(path))

    def load_all(self, layout: Layout) -> tuple[dict[str, R], list[Problem]]:
        """Every kept record by citekey, and a problem for each file that cannot be read."""
        records: dict[str, R] = {}
        problems: list[Problem] = []
        for path in self.files(layout):
            try:
                records[self.key_of(path)] = self.parse(path.read_text(encoding="utf-8"),
                                                        layout.rel(path))
            except RecordError as exc:
                problems.append(exc.problem)
            except UnicodeDecodeError as exc:
                problems.append(Problem(layout.rel(path), 1, f"not UTF-8 ({exc.reason})"))
        return records, problems

    def keep(self, layout: Layout, key: str, record: R) -> bool:
        """Write the record atomically; False when the file already says the same."""
        path = self.path(layout, key)
        text = record.to_json()
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return False
        atomic_write_text(path, text)
        return True


CROSSREF_FILES = KeptFiles(SUFFIX, parse_record)
record_path = CROSSREF_FILES.path
record_files = CROSSREF_FILES.files
key_of = CROSSREF_FILES.key_of
load_kept_record = CROSSREF_FILES.load
load_kept_records = CROSSREF_FILES.load_all
keep_record = CROSSREF_FILES.keep
