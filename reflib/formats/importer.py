"""Bringing sources into refs/: `refs import` (a whole bibliography) and `refs add` (one).

@string macros are resolved on import: each refs/KEY.bib stands alone, so a value reads
the same in the file, in library.bib and in the index. Month macros (jan..dec) are kept,
since every BibTeX style defines them. @preamble and comments are not kept (reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reflib.errors import InvalidLibrary, Problem
from reflib.fsutil import create_new_text
from reflib.library.bibtex import format_entry, parse_source_text, parse_text, resolve_strings
from reflib.library.layout import Layout
from reflib.library.model import Reference, is_safe_key
from reflib.library.validate import entry_problems
from reflib.progress import progress


@dataclass
class ImportReport:
    written: list[str] = field(default_factory=list)  # refs/KEY.bib paths
    refused: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)


def existing_keys(layout: Layout) -> dict[str, str]:
    """Lower-cased key -> key of every source file present."""
    return {p.stem.lower(): p.stem for p in layout.source_files()}


def import_bibliography(layout: Layout, text: str, name: str, dry_run: bool = False
                        ) -> ImportReport:
    """Split a multi-entry BibTeX text into refs/KEY.bib files, one per readable entry.

    Entries that cannot be read, or whose key is unsafe or taken, are refused with their
    line; every other entry is written. Existing files are never overwritten.
    """
    parsed = parse_text(text, name)
    report = ImportReport(refused=list(parsed.problems), notices=list(parsed.notices))
    taken = existing_keys(layout)
    count = len(parsed.references)
    with progress(count if count >= 1000 else 0, "importing") as advance:
        for ref in parsed.references:
            advance(1)
            ref = resolve_strings(ref, parsed.strings)
            refusal = _refusal(ref, taken)
            if refusal:
                report.refused.append(Problem(name, ref.line, refusal, ref.key))
                continue
            path = layout.source_path(ref.key)
            if not dry_run:
                try:
                    create_new_text(path, format_entry(ref))
                except FileExistsError:
                    report.refused.append(Problem(name, ref.line, f"refs/{ref.key}.bib "
                                                  "appeared while importing; not overwritten",
                                                  ref.key))
                    continue
            taken[ref.key.lower()] = ref.key
            report.written.append(layout.rel(path))
    return report


def _refusal(ref: Reference, taken: dict[str, str]) -> str:
    if not is_safe_key(ref.key):
        return (f"citekey '{ref.key}' is not a safe file name (letters, digits and _ . + -, "
                "not starting with a dot); rename it")
    if ref.key.lower() in taken:
        return (f"citekey '{ref.key}' already exists as refs/{taken[ref.key.lower()]}.bib; "
                "rename the entry or remove the old source first")
    return ""


def add_source(layout: Layout, text: str, name: str) -> str:
    """Validate a one-entry BibTeX snippet and write it as refs/KEY.bib; returns the path."""
    parsed = parse_text(text, name)
    problems = list(parsed.problems)
    if not problems and len(parsed.references) != 1:
        problems.append(Problem(name, 1, f"holds {len(parsed.references)} entries; "
                                "`refs add` takes exactly one (use `refs import` for more)"))
    if problems:
        raise InvalidLibrary(problems, "snippet")
    ref = resolve_strings(parsed.references[0], parsed.strings)
    refusal = _refusal(ref, existing_keys(layout))
    if refusal:
        raise InvalidLibrary([Problem(name, ref.line, refusal, ref.key)], "snippet")
    problems = entry_problems(ref)
    if problems:
        raise InvalidLibrary(problems, "snippet")
    body = format_entry(ref)
    path = layout.source_path(ref.key)
    written, problems = parse_source_text(body, layout.rel(path), ref.key)
    if written is None or written.fields != ref.fields or problems:
        raise AssertionError(f"formatting {ref.key} does not read back the same; not written")
    try:
        create_new_text(path, body)
    except FileExistsError:
        raise InvalidLibrary([Problem(name, ref.line, f"refs/{ref.key}.bib already exists",
                                      ref.key)], "snippet") from None
    return layout.rel(path)
