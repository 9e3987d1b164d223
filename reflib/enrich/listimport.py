"""`refs import --from-list`: an article's printed reference list to one source a line.
The library twin of the command; it returns a report and never prints.

    report = import_list(layout, text, "refs.txt", crossref=lambda: CrossrefClient())
    [(line.number, line.status, line.doi) for line in report.lines]

Lines are parsed (reflib.formats.reference_string) and resolved (reflib.enrich.listmatch);
then one refs/KEY.bib is written a line (the registry records kept beside an accepted
one, as refs/KEY.crossref.json and refs/KEY.pubmed.json), and refs/order.txt in the
list's order. When a registry
cannot be reached nothing is written (exit 3): run again, or --offline to build every
source from its line.

Everything is prepared first (keys, entries, read back as `refs build` reads them); only
then are files written, each new file created without overwriting anything, and if one
write fails the files this run created are removed again, so a failed run leaves refs/
as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reflib.enrich.doifinder import _dois_in_use
from reflib.enrich.listmatch import (
    ACCEPTED,
    DUPLICATE,
    NOT_PARSED,
    ROWS,
    UNAVAILABLE,
    LineResult,
    ListReport,
    fields_for,
    resolve_lines,
)
from reflib.formats.reference_string import parse_reference_list
from reflib.fsutil import atomic_write_text, create_new_text
from reflib.library.bibtex import format_entry, parse_source_text
from reflib.library.keys import make_key
from reflib.library.layout import Layout, read_order
from reflib.library.model import Reference, doi_key
from reflib.library.records import CrossrefRecord, keep_record


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def import_list(layout, text: str, source: str, *, crossref: Callable[[], Any] | None,
                pubmed: Callable[[], Any] | None = None, dry_run: bool = False,
                progress: Callable[[int], None] | None = None,
                now: Callable[[], str] = _now, rows: int = ROWS) -> ListReport:
    """Parse, resolve and (unless dry_run, or a registry failed) write every line."""
    parsed_lines = parse_reference_list(text)
    results, looked_up = resolve_lines(parsed_lines, crossref=crossref, pubmed=pubmed,
                                       progress=progress, rows=rows)
    report = ListReport(results, source, dry_run=dry_run, looked_up=looked_up)
    if report.count(UNAVAILABLE):
        return report
    write_sources(layout, report, dry_run=dry_run, when=now())
    return report


def _prepare(layout: Layout, report: ListReport) -> list[tuple[LineResult, Reference]]:
    """Keys and entries for the lines that become new sources; duplicates are marked."""
    taken = {p.stem.lower() for p in layout.source_files()}
    in_library = _dois_in_use(layout) if any(r.doi for r in report.lines) else {}
    in_list: dict[str, LineResult] = {}
    new: list[tuple[LineResult, Reference]] = []
    for result in report.lines:
        if result.status in (NOT_PARSED, UNAVAILABLE):
            continue
        doi = doi_key(result.doi) if result.status == ACCEPTED else ""
        if doi and doi in in_library:
            result.key = in_library[doi]
            result.file = layout.rel(layout.source_path(result.key))
            result.notes.append(f"already in the library as {result.key}; not written again")
            continue
        if doi and doi in in_list:
            first = in_list[doi]
            result.status, result.key, result.file = DUPLICATE, first.key, first.file
            result.reason = (f"the same work as line {first.line} (reference {first.number}); "
                             "the list cites it twice")
            continue
        entry_type, fields = fields_for(result)
        key = make_key(fields, taken)
        taken.add(key.lower())
        ref = Reference(key, entry_type, fields)
        result.key, result.file = key, layout.rel(layout.source_path(key))
        if doi:
            in_list[doi] = result
        new.append((result, ref))
    return new


def _check_reads_back(layout: Layout, ref: Reference) -> str:
    body = format_entry(ref)
    written, problems = parse_source_text(body, layout.rel(layout.source_path(ref.key)), ref.key)
    if written is None or written.fields != ref.fields or problems:
        raise AssertionError(f"the entry for {ref.key} does not read back the same; "
                             "nothing was written")
    return body


def write_sources(layout: Layout, report: ListReport, *, dry_run: bool, when: str) -> None:
    """Write the new sources and refs/order.txt (or, with dry_run, only say what)."""
    new = _prepare(layout, report)
    bodies = [(result, ref, _check_reads_back(layout, ref)) for result, ref in new]
    order, _ = read_order(layout)
    listed = [r.key for r in report.lines if r.key and r.status != DUPLICATE]
    wanted = order + [key for key in dict.fromkeys(listed) if key not in order]
    report.written = [result.file for result, _, _ in bodies]
    if wanted != order:
        report.order_file = layout.rel(layout.order_file)
    if dry_run:
        return
    created: list[Path] = []
    try:
        for result, ref, body in bodies:
            path = layout.source_path(ref.key)
            create_new_text(path, body)
            created.append(path)
            if result.status == ACCEPTED and result.record is not None:
                record = CrossrefRecord(result.doi, result.record, result.record_source, when,
                                        {name: {"value": raw, "when": when}
                                         for name, raw in ref.fields.items()
                                         if name != "printed" and name != "urldate"})
                keep_record(layout, ref.key, record)
                created.append(layout.crossref_path(ref.key))
            if result.status == ACCEPTED and result.pubmed_record is not None:
                created.append(_keep_pubmed(layout, ref, result, when))
        if wanted != order:
            _write_order(layout, wanted, bool(order))
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise


def _keep_pubmed(layout: Layout, ref: Reference, result: LineResult, when: str) -> Path:
    """refs/KEY.pubmed.json beside a source PubMed named; its path."""
    from dataclasses import replace

    from reflib.enrich.pubmed_lookup import kept_from
    from reflib.library.pubmed_records import keep_pubmed, kept_path

    kept = kept_from(result.pubmed_record, result.pubmed_source, when)
    applied = {name: {"value": raw, "when": when} for name, raw in ref.fields.items()
               if name in ("pmid", "pmcid", "pubtype", "mesh", "evidence", "shortjournal")}
    keep_pubmed(layout, ref.key, replace(kept, applied=applied))
    return kept_path(layout, ref.key)


def _write_order(layout: Layout, keys: list[str], had_order: bool) -> None:
    path = layout.order_file
    head = ""
    if had_order and path.is_file():
        text = path.read_text(encoding="utf-8")
        head = "".join(line + "\n" for line in text.splitlines() if line.lstrip().startswith("#"))
    if not head:
        head = ("# The article's citation order: reference N is the Nth key below.\n"
                "# One citekey a line; blank lines and lines starting with # are ignored.\n")
    atomic_write_text(path, head + "".join(key + "\n" for key in keys))
