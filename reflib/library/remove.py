"""`refs remove KEY...`: sources taken out of the library, and the numbers that move.

Removing a cited source renumbers the references after it, which changes the article:
the report names each one (old number -> new). `keep_order` leaves a gap instead (a
`- removed KEY` line in refs/order.txt keeps the number taken). A source that is another
entry's `crossref` parent is not removed unless that entry goes too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reflib.errors import InvalidLibrary, Problem
from reflib.library.changes import Changeset
from reflib.library.layout import GAP_MARK, Layout, parse_order
from reflib.library.lookup import resolve_keys
from reflib.library.rename import children_of, record_files


@dataclass
class RemoveReport:
    removed: list[str]  # keys
    files: list[str] = field(default_factory=list)  # refs/ files deleted
    renumbered: list[tuple[str, int, int]] = field(default_factory=list)  # key, old, new
    gaps: list[int] = field(default_factory=list)  # numbers left empty (keep_order)


def removed_order(text: str, removed: set[str], keep_order: bool) -> tuple[str, list[int]]:
    """refs/order.txt without the removed keys (or with a gap line for each); the numbers
    the removed keys had."""
    out: list[str] = []
    numbers: list[int] = []
    number = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            number += 1
            if stripped.lower() in removed:
                numbers.append(number)
                if keep_order:
                    end = "\n" if line.endswith("\n") else ""
                    out.append(f"{GAP_MARK} removed {stripped}{end}")
                continue
        out.append(line)
    return "".join(out), numbers


def renumbering(before: list[str], after: list[str]) -> list[tuple[str, int, int]]:
    """(key, old number, new number) of every key whose number changed."""
    new_numbers = {key: n for n, key in enumerate(after, start=1) if key}
    return [(key, n, new_numbers[key]) for n, key in enumerate(before, start=1)
            if key and key in new_numbers and new_numbers[key] != n]


def remove_sources(layout: Layout, keys: list[str], keep_order: bool = False) -> RemoveReport:
    """Delete the sources, their kept records and their lines of refs/order.txt."""
    keys = resolve_keys(layout, keys)
    lowered = {k.lower() for k in keys}
    orphans = [Problem(layout.rel(path), child.line, f"'{child.key}' takes fields from "
                       f"'{child.text('crossref') or child.text('xdata')}' (crossref); "
                       f"remove '{child.key}' too or change its crossref first", child.key)
               for path, _, child in children_of(layout, lowered)]
    if orphans:
        raise InvalidLibrary(orphans, "removal")
    report = RemoveReport(keys)
    changes = Changeset()
    for key in keys:
        for path in [layout.source_path(key), *record_files(layout, key)]:
            changes.delete(path)
            report.files.append(layout.rel(path))
    if layout.order_file.is_file():
        rel = layout.rel(layout.order_file)
        text = layout.order_file.read_text(encoding="utf-8")
        new_text, numbers = removed_order(text, lowered, keep_order)
        if new_text != text:
            changes.write(layout.order_file, new_text)
        before, _ = parse_order(text, rel)
        after, _ = parse_order(new_text, rel)
        report.renumbered = renumbering(before, after)
        report.gaps = numbers if keep_order else []
    changes.apply()
    return report
