"""The problems an index-only refresh keeps, brought up to date for a few changed sources.

The full comparison re-derives every problem from all sources; the incremental refresh
(library/incremental.py) starts from the list the last one kept in `meta` and replaces
only what the changed files can change:

- every problem located in a changed or removed file (its own, and those across sources
  that name it), by the changed files' own problems as they were just read;
- the problems across sources (validate.cross_problems) of every key and DOI group a
  changed file was or is in, computed again over each group's members. The groups are
  closed over (a member's other group comes too), so each is computed whole, before and
  after the change; a group too large to be worth it sends the refresh the full way.

The result is the list the full comparison would give (tests/library/test_incremental.py
compares them, syntax errors and shared DOIs included).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from typing import Any

from reflib.errors import Problem
from reflib.library.validate import CrossItem, cross_problems

MOST_MEMBERS = 500  # more sources in the groups involved: the full comparison instead


class Kept:
    """The kept problems as a multiset, and which of them are of reading a file."""

    def __init__(self, problems: list[Problem], syntax: list[Problem]) -> None:
        self.problems = problems
        self._all = Counter(problems)
        self._syntax = Counter(syntax)

    @classmethod
    def load(cls, text: str) -> Kept:
        """From `meta.problems` (freshness.remember's JSON)."""
        kept = json.loads(text)
        return cls([Problem(**p["problem"]) for p in kept],
                   [Problem(**p["problem"]) for p in kept if p["syntax"]])

    def has_errors(self) -> bool:
        return any(p.severity != "warning" for p in self._all)

    def about(self, file: str) -> bool:
        """Whether a kept problem is located in `file`."""
        return any(p.file == file for p in self._all)

    def replace(self, stale: set[str], parsed: list, before: list[Problem],
                after: list[Problem]) -> bool:
        """Drop what was located in the `stale` files and the problems across sources
        `before`; add the `parsed` files' own problems (FileState) and `after`. False
        when a problem `before` was not kept (the kept list is not what this assumes)."""
        for counter in (self._all, self._syntax):
            for problem in [p for p in counter if p.file in stale]:
                del counter[problem]
        before = [p for p in before if p.file not in stale]
        missing = Counter(before) - self._all
        if missing:
            return False
        self._all -= Counter(before)
        for state in parsed:
            self._all.update(state.problems)
            if state.item is not None:
                self._all.update(state.warnings)
            self._syntax.update(state.syntax)
        self._all.update(after)
        return True

    def sorted(self) -> list[Problem]:
        return sorted(self._all.elements())

    def syntax_sorted(self) -> list[Problem]:
        return sorted(self._syntax.elements())

    def warnings(self) -> list[Problem]:
        return [p for p in self.sorted() if p.severity == "warning"]


def across(conn: sqlite3.Connection, old_rows: list[tuple[Any, ...]], parsed: list,
           stale: set[str]) -> tuple[list[Problem], list[Problem]] | None:
    """(before, after): the problems across sources of every key and DOI group that a
    changed file was in (`old_rows`: its `files` row as incremental's _CACHED reads it,
    then its path) or is in now (`parsed`: valid FileStates). None when the groups are
    too large, or when a key is held by two files (which one is indexed is the full
    comparison's to say)."""
    old = [CrossItem(row[0], row[-1], row[5], row[4] or "", row[6] or 0, row[2] or "")
           for row in old_rows if row[0]]
    new = [s.item for s in parsed]
    others = _closure(conn, {i.key.lower() for i in old + new},
                      {i.doi for i in old + new if i.doi}, stale)
    if others is None:
        return None
    before = sorted(others + old, key=lambda i: i.file)
    after = sorted(others + new, key=lambda i: i.file)
    for items in (before, after):
        if len({i.key.lower() for i in items}) != len(items):
            return None
    return cross_problems(before), cross_problems(after)


def _closure(conn: sqlite3.Connection, keys: set[str], dois: set[str], stale: set[str]
             ) -> list[CrossItem] | None:
    """The unchanged sources in the groups of `keys` (lower case) and `dois`, and in the
    groups of those sources, until no new group comes in."""
    found: dict[str, CrossItem] = {}
    asked: set[tuple[str, str]] = set()
    todo = [("lkey", k) for k in keys] + [("doi", d) for d in dois]
    while todo:
        column, value = todo.pop()
        if (column, value) in asked:
            continue
        asked.add((column, value))
        for path, key, line, doi, doi_line, parent in conn.execute(
                f"SELECT path, key, line, doi, doi_line, parent FROM files WHERE {column} = ?",
                (value,)):
            if path in stale or path in found or not key:
                continue
            found[path] = CrossItem(key, path, line, doi or "", doi_line or 0, parent or "")
            todo.append(("lkey", key.lower()))
            if doi:
                todo.append(("doi", doi))
        if len(found) > MOST_MEMBERS:
            return None
    return list(found.values())
