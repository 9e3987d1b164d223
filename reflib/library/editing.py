"""`refs edit KEY`: edit one source in $EDITOR, safely.

The editor gets a copy. When it closes, the copy is validated as `refs build` validates
(syntax, one entry whose key is the file name, field rules, the `crossref` parent, keys
and DOIs unique across the library). A valid copy replaces refs/KEY.bib atomically; an
invalid one is reopened with the problems as `%` comments at its end. Closing it
unchanged gives up: nothing is written and the copy is kept for you. The last checks and
the save are made under the library's writer lock, so no other writer changes refs/ between.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reflib.errors import Problem, ReflibError
from reflib.library.bibtex import parse_source_text
from reflib.library.layout import Layout
from reflib.library.lookup import resolve_key
from reflib.library.validate import CrossItem, cross_problems, entry_problems

NOTE = "% refs edit: "


@dataclass
class EditOutcome:
    key: str
    status: str  # "saved", "unchanged" or "abandoned"
    source: str  # refs/KEY.bib
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # abandoned: what was wrong
    kept_copy: str | None = None  # abandoned: where the edited copy is


def strip_notes(text: str) -> str:
    """The text without the problem notes this module added."""
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith(NOTE)]
    return "".join(lines).rstrip("\n") + "\n" if lines else ""


def with_notes(text: str, problems: list[Problem]) -> str:
    """The text with each problem as a `%` comment after the entry (lines stay put)."""
    notes = [f"{NOTE}{len(problems)} problem{'s' if len(problems) != 1 else ''}; fix them, "
             "save and close. Close without saving to give up (nothing is written)."]
    notes += [f"{NOTE}line {p.line}: {p.message}" if p.line else f"{NOTE}{p.message}"
              for p in problems]
    return text.rstrip("\n") + "\n\n" + "\n".join(notes) + "\n"


def _other_items(layout: Layout, key: str) -> list[CrossItem]:
    """What cross-source validation needs of every other source, from the build's cache
    where files are unchanged (cheap on a large library)."""
    from reflib.library import build

    states = build.scan(layout, build._open_cache(layout.db_path))
    return [s.item for s in states if s.item is not None and s.key.lower() != key.lower()]


def validate_text(layout: Layout, key: str, text: str) -> list[Problem]:
    """Problems `refs build` would find with `text` as refs/KEY.bib (warnings included)."""
    rel = layout.rel(layout.source_path(key))
    ref, problems = parse_source_text(text, rel, key)
    if ref is None or any(p.severity != "warning" for p in problems):
        return problems
    item = CrossItem.of(ref)
    parent = None
    if item.parent:
        try:
            parent_key = resolve_key(layout, item.parent)
            parent, _ = parse_source_text(
                layout.source_path(parent_key).read_text(encoding="utf-8"), "", parent_key)
        except (ReflibError, OSError):
            parent = None  # cross_problems names the missing parent
    problems += entry_problems(ref, parent)
    cross = cross_problems([*_other_items(layout, key), item])
    problems += [p for p in cross if p.key == ref.key]
    return problems


def edit_source(layout: Layout, key: str, open_editor: Callable[[Path], None]) -> EditOutcome:
    """Let `open_editor` change a copy of refs/KEY.bib until it is valid, then save it."""
    from reflib.fsutil import atomic_write_text
    from reflib.library.lock import LibraryLocked, writer_lock

    key = resolve_key(layout, key)
    path = layout.source_path(key)
    rel = layout.rel(path)
    original = path.read_text(encoding="utf-8")
    workdir = Path(tempfile.mkdtemp(prefix="refs-edit-"))
    copy = workdir / path.name  # the same name: editors pick BibTeX highlighting from it
    copy.write_text(original, encoding="utf-8")
    shown = original
    while True:
        try:
            open_editor(copy)
        except Exception as exc:  # the editor would not start or failed: say where work is
            raise ReflibError(f"the editor failed ({exc}); {rel} is not changed; the copy "
                              f"is kept in {copy}") from None
        edited = copy.read_text(encoding="utf-8")
        body = strip_notes(edited)
        if body == strip_notes(original):
            shutil.rmtree(workdir, ignore_errors=True)
            return EditOutcome(key, "unchanged", rel)
        # Checked and saved under the writer lock: no `refs enrich` or import can write
        # the file, nor give another source its key or DOI, between the checks and the
        # write (the editor itself runs without it).
        try:
            with writer_lock(layout, "refs edit"):
                problems = validate_text(layout, key, body)
                errors = [p for p in problems if p.severity != "warning"]
                if not errors:
                    if path.read_text(encoding="utf-8") != original:
                        return EditOutcome(key, "abandoned", rel, problems=[Problem(
                            rel, 0, f"{rel} changed while you were editing; not "
                            "overwritten", key)], kept_copy=str(copy))
                    atomic_write_text(path, body)
        except LibraryLocked as exc:
            raise LibraryLocked(
                f"{rel} is not changed: {exc.busy}. Your edit is kept in {copy}: when that "
                f"has finished, copy it over {rel}, or run `refs edit {key}` and paste it "
                "in") from None
        if not errors:
            shutil.rmtree(workdir, ignore_errors=True)
            return EditOutcome(key, "saved", rel, warnings=problems)
        if edited == shown:  # closed without a change: give up
            return EditOutcome(key, "abandoned", rel, problems=errors,
                               kept_copy=str(copy))
        shown = with_notes(body, errors)
        copy.write_text(shown, encoding="utf-8")
