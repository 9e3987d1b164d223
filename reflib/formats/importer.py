"""Bringing sources into refs/: `refs import` (whole bibliographies) and `refs add` (one).

An import is all or nothing: every entry is read, keyed and validated as `refs build`
validates; if anything would be refused, nothing is written and every problem is
reported with its file:line and the fix. Interrupted while writing (Ctrl-C), it removes
what it wrote and puts back what it changed (see `commit`).

@string macros are resolved on import: each refs/KEY.bib stands alone. Month macros
(jan..dec) are kept, since every BibTeX style defines them. @preamble and @comment blocks
are not kept (each is reported once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reflib.errors import InvalidLibrary, Problem
from reflib.formats.commit import commit
from reflib.formats.importrecord import (
    IMPORT_FILES,
    SUFFIX,
    ImportRecord,
    curated_fields,
    enriched_values,
    now,
)
from reflib.formats.reading import Reading
from reflib.formats.update import (
    Existing,
    FieldChange,
    match_existing,
    merge_fields,
)
from reflib.fsutil import create_new_text
from reflib.library.bibtex import (
    format_entry,
    format_value,
    parse_source_text,
    parse_text,
    resolve_strings,
)
from reflib.library.keys import id_aliases, ids_value, make_key
from reflib.library.layout import Layout
from reflib.library.model import Reference, doi_key, is_safe_key, is_valid_doi, normalize_doi
from reflib.library.records import RecordError
from reflib.library.validate import entry_problems
from reflib.progress import progress


@dataclass
class ImportOptions:
    dry_run: bool = False
    rekey: bool = False
    update: bool = False
    skip_existing: bool = False
    force: frozenset[str] = frozenset()
    format: str | None = None
    encoding: str | None = None


@dataclass
class ImportReport:
    written: list[str] = field(default_factory=list)  # refs/KEY.bib paths, new sources
    updated: dict[str, list[FieldChange]] = field(default_factory=dict)  # path -> changes
    skipped: list[str] = field(default_factory=list)  # messages
    renamed: list[Problem] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    read: int = 0  # entries read from the inputs
    kept: dict[str, list[str]] = field(default_factory=dict)  # path -> curated fields kept


def existing_keys(layout: Layout) -> dict[str, str]:
    """Lower-cased key -> key of every source file present."""
    return {p.stem.lower(): p.stem for p in layout.source_files()}


@dataclass(frozen=True)
class _New:
    """A source to write, kept small: a million of them must fit (no Reference held)."""

    key: str
    body: str  # the formatted refs/KEY.bib text
    parents: tuple[str, ...]
    file: str
    line: int
    ids: tuple[str, ...] = ()  # its other keys (biblatex's `ids`), by which a child may
    # name it
    record: str = ""  # refs/KEY.import.json: what this import wrote ("" in a dry run)


class _Taken:
    """Keys in use, in the library or this import, compared ignoring case (for make_key)."""

    ignores_case = True

    def __init__(self, existing: dict[str, str], new: dict[str, _New]) -> None:
        self.existing, self.new = existing, new

    def __contains__(self, key: object) -> bool:
        lower = str(key).lower()
        return lower in self.existing or lower in self.new

    def __iter__(self):
        yield from self.existing
        yield from self.new

    def __len__(self) -> int:
        return len(self.existing) + len(self.new)


@dataclass
class _Plan:
    new: dict[str, _New] = field(default_factory=dict)  # lower key -> what to write
    updates: dict[str, tuple[str, str, list[FieldChange]]] = field(default_factory=dict)
    dois: dict[str, str] = field(default_factory=dict)  # doi -> key (new entries)
    pmids: dict[str, str] = field(default_factory=dict)
    # lower key -> (old text or None, new text) of refs/KEY.import.json of updated sources
    records: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    stamp: str = ""  # when this import ran (one time for all its records)


def import_files(layout: Layout, inputs: list[tuple[str, bytes]],
                 options: ImportOptions | None = None) -> ImportReport:
    """Import every entry of `inputs` (name, bytes) into refs/, all or nothing.

    Raises InvalidLibrary (nothing written) when any entry would be refused."""
    options = options or ImportOptions()
    reading = Reading.of(inputs, options.format, options.encoding)
    existing = Existing.load(layout) if layout.refs_dir.is_dir() else Existing()
    report = ImportReport()
    plan = _Plan(stamp=now())
    total = reading.estimate()
    with progress(total if total >= 1000 else 0, "importing") as advance:
        for ref, fmt in reading.references():
            report.read += 1
            if report.read <= total:
                advance(1)
            _plan_entry(ref, fmt, existing, plan, options, report)
    report.refused = reading.problems + report.refused
    report.notices = reading.notices + report.notices
    _resolve_parents(plan, existing, report)
    report.refused += _missing_parents(plan, existing)
    errors = [p for p in report.refused if p.severity == "error"]
    if errors:
        raise InvalidLibrary(errors, "import")
    new_files = [(f"{new.key}.bib", new.body) for new in plan.new.values()]
    new_files += [(f"{new.key}{SUFFIX}", new.record) for new in plan.new.values() if new.record]
    plan.new.clear()
    changed = {layout.source_path(key): (old, new) for key, (old, new, _) in plan.updates.items()}
    for key, (old_record, record) in plan.records.items():
        path = IMPORT_FILES.path(layout, existing.keys.get(key, key))
        if old_record is None:
            new_files.append((path.name, record))
        else:
            changed[path] = (old_record, record)
    report.written = [f"refs/{name}" for name, _ in new_files if name.endswith(".bib")]
    report.updated = {layout.rel(layout.source_path(k)): c for k, (_, _, c) in plan.updates.items()}
    if not options.dry_run:
        said = commit(layout.refs_dir, new_files, changed)
        report.notices += [Problem("refs/", 0, line, None, "warning") for line in said]
    return report


def _plan_entry(ref: Reference, fmt: str, existing: Existing, plan: _Plan,
                options: ImportOptions, report: ImportReport) -> None:
    where = f"{ref.file}:{ref.line}"
    match = match_existing(ref, existing)
    if match is not None and (options.update or options.skip_existing):
        key, how = match
        if options.skip_existing:
            report.skipped.append(f"{where}: '{ref.key}' matches refs/{key}.bib by {how}; "
                                  "left as it is")
            return
        old_text = existing.text(key)
        current, _ = parse_source_text(old_text, f"refs/{key}.bib", key)
        if current is None:
            report.refused.append(Problem(ref.file, ref.line, f"refs/{key}.bib cannot be read; "
                                          "fix it (`refs build` says how) before --update",
                                          ref.key))
            return
        _plan_update(key, old_text, current, ref, existing, plan, options, report)
        return
    if match is not None and match[1] != "key":
        key, how = match
        report.refused.append(Problem(ref.file, ref.line, f"'{ref.key}' is already in the "
                                      f"library as refs/{key}.bib (same {how}); use --update "
                                      "to merge it or --skip-existing to leave it", ref.key))
        return
    key = _choose_key(ref, fmt, existing, plan, options, report)
    if key is None:
        return
    if key != ref.key:
        ref = _rekeyed(ref, key)
    problems = entry_problems(ref)
    problems += _duplicate_ids(ref, plan)
    errors = [p for p in problems if p.severity == "error"]
    report.notices += [p for p in problems if p.severity != "error"]
    if errors:
        report.refused += errors
        return
    body = format_entry(ref)
    back, back_problems = parse_source_text(body, f"refs/{key}.bib", key)
    if back is None or back.fields != _formatted(ref) or back_problems:
        report.refused.append(Problem(ref.file, ref.line, f"entry '{ref.key}' does not read "
                                      "back the same once written; check its braces", ref.key))
        return
    from reflib.library.inherit import parent_keys

    record = "" if options.dry_run else ImportRecord.of(
        ref, f"{ref.file}:{ref.line}", plan.stamp).to_json()
    plan.new[key.lower()] = _New(key, body, tuple(parent_keys(ref)), ref.file, ref.line,
                                 id_aliases(ref.fields), record)
    if ref.doi and is_valid_doi(ref.doi):
        plan.dois[doi_key(ref.doi)] = key
    pmid = ref.text("pmid")
    if pmid:
        plan.pmids[pmid] = key


def _plan_update(key: str, old_text: str, current: Reference, ref: Reference,
                 existing: Existing, plan: _Plan, options: ImportOptions,
                 report: ImportReport) -> None:
    """--update: merge `ref` into refs/KEY.bib, keeping its curated fields, and remember
    what this import brought in refs/KEY.import.json."""
    assert existing.layout is not None
    try:
        record = IMPORT_FILES.load(existing.layout, key)
    except (RecordError, UnicodeDecodeError) as exc:
        problem = exc.problem if isinstance(exc, RecordError) else Problem(
            f"refs/{key}{SUFFIX}", 1, "not UTF-8; restore it from git or delete it")
        report.refused.append(problem)
        return
    enriched = enriched_values(existing.layout, key) if record is None else {}
    curated = curated_fields(current, record, enriched)
    merged, changes, kept = merge_fields(current, ref, curated, options.force)
    if kept:
        report.kept[f"refs/{key}.bib"] = kept
    for name in kept:
        report.notices.append(Problem(ref.file, ref.line, f"refs/{key}.bib: '{name}' is "
                                      f"curated ({curated.why[name]}) and the export differs; "
                                      f"kept (--force {name} to replace it)", key, "warning"))
    if changes:
        problems = entry_problems(merged)
        report.refused += [p for p in problems if p.severity == "error"]
        plan.updates[key.lower()] = (old_text, format_entry(merged), changes)
    source = f"{ref.file}:{ref.line}"
    base = record or ImportRecord(current.entry_type, {}, source, plan.stamp)
    after = base.updated(ref, source, plan.stamp)
    if record is None or after is not record:
        old_record = None if record is None else (
            IMPORT_FILES.path(existing.layout, key).read_text(encoding="utf-8"))
        plan.records[key.lower()] = (old_record, after.to_json())


def _formatted(ref: Reference) -> dict[str, str]:
    return {name: format_value(raw) for name, raw in ref.fields.items()}


def _choose_key(ref: Reference, fmt: str, existing: Existing, plan: _Plan,
                options: ImportOptions, report: ImportReport) -> str | None:
    """The key the entry is written under, or None (refused) when it needs one and may not."""
    taken_by = existing.keys.get(ref.key.lower()) or (
        plan.new[ref.key.lower()].key if ref.key.lower() in plan.new else None)
    if ref.key and is_safe_key(ref.key) and taken_by is None:
        return ref.key
    if not ref.key and fmt != "bibtex":
        return _new_key(ref, existing, plan)  # formats without keys (MEDLINE, EndNote, RIS)
    if options.rekey:
        key = _new_key(ref, existing, plan)
        if ref.key:
            why = "is taken" if taken_by else "is not a safe file name"
            report.renamed.append(Problem(ref.file, ref.line, f"'{ref.key}' {why}: imported as "
                                          f"'{key}' (the old key stays in `ids`)", key,
                                          "warning"))
        return key
    if not ref.key:
        message = "entry has no citekey; pass --rekey to give it one (author+year+title word)"
    elif taken_by:
        message = (f"citekey '{ref.key}' already exists as refs/{taken_by}.bib; use --update "
                   "to merge, --skip-existing to leave it, or --rekey to import it under a "
                   "new key")
    else:
        message = (f"citekey '{ref.key}' is not a safe file name (letters, digits and "
                   "_ . + -, not starting with a dot); pass --rekey to rename it (the old "
                   "key stays in `ids`)")
    report.refused.append(Problem(ref.file, ref.line, message, ref.key or None))
    return None


def _new_key(ref: Reference, existing: Existing, plan: _Plan) -> str:
    return make_key(ref.fields, _Taken(existing.keys, plan.new))


def _rekeyed(ref: Reference, key: str) -> Reference:
    fields = dict(ref.fields)
    if ref.key:
        ids = list(id_aliases(fields))
        if ref.key not in ids:
            ids.append(ref.key)
        fields["ids"] = ids_value(ids)
    return Reference(key, ref.entry_type, fields, ref.file, ref.line, ref.field_lines)


def _duplicate_ids(ref: Reference, plan: _Plan) -> list[Problem]:
    problems = []
    if ref.doi and is_valid_doi(ref.doi) and doi_key(ref.doi) in plan.dois:
        other = plan.dois[doi_key(ref.doi)]
        problems.append(Problem(ref.file, ref.line_of("doi"), f"doi {normalize_doi(ref.doi)} "
                                f"is also the doi of '{other}' in this import; one source per "
                                "work (remove one)", ref.key))
    return problems


def _resolve_parents(plan: _Plan, existing: Existing, report: ImportReport) -> None:
    """crossref and xdata name each parent by the key it is written under: a renamed
    parent by its new key, and a parent named by one of its `ids` aliases by its key
    (biber resolves aliases; BibTeX, which reads library.bib, does not). Each alias so
    resolved is reported."""
    renamed = {p.message.split("'")[1]: p.key for p in report.renamed}
    aliases = {alias: key for alias, key in existing.aliases.items() if key}  # not shared
    aliases.update((alias.lower(), new.key) for new in plan.new.values() for alias in new.ids)
    if not renamed and not aliases:
        return

    def target(parent: str) -> str:
        if parent in renamed:
            return renamed[parent]
        if parent.lower() in plan.new or parent.lower() in existing.keys:
            return parent
        return aliases.get(parent.lower(), parent)

    for lower, new in list(plan.new.items()):
        parents = tuple(target(p) for p in new.parents)
        if parents == new.parents:
            continue
        ref, _ = parse_source_text(new.body, f"refs/{new.key}.bib", new.key)
        assert ref is not None  # it was read back once already
        fields = dict(ref.fields)
        for name in ("crossref", "xdata"):
            if name in fields:
                keys = [k.strip() for k in ref.text(name).split(",")]
                fields[name] = "{" + ", ".join(target(k) for k in keys) + "}"
                for key in keys:
                    if key not in renamed and target(key) != key:
                        report.notices.append(Problem(
                            new.file, new.line, f"entry '{new.key}': {name} '{key}' is an "
                            f"alias (ids) of '{target(key)}'; written as '{target(key)}', "
                            "since BibTeX does not read ids", new.key, "warning"))
        ref = Reference(new.key, ref.entry_type, fields)
        record = new.record and ImportRecord.of(ref, f"{new.file}:{new.line}",
                                                plan.stamp).to_json()
        plan.new[lower] = _New(new.key, format_entry(ref), parents, new.file, new.line,
                               new.ids, record)


def _missing_parents(plan: _Plan, existing: Existing) -> list[Problem]:
    problems = []
    for new in plan.new.values():
        for parent in new.parents:
            if parent.lower() not in plan.new and parent.lower() not in existing.keys:
                problems.append(Problem(new.file, new.line, f"entry '{new.key}' inherits "
                                        f"from '{parent}', which is neither in the library "
                                        "nor in this import; import the parent too", new.key))
    return problems


def import_bibliography(layout: Layout, text: str, name: str, dry_run: bool = False
                        ) -> ImportReport:
    """Import one BibTeX text (kept for callers that hold text, not bytes)."""
    return import_files(layout, [(name, text.encode("utf-8"))],
                        ImportOptions(dry_run=dry_run, format="bibtex"))


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
    problems = [p for p in entry_problems(ref) if p.severity == "error"]
    if problems:
        raise InvalidLibrary(problems, "snippet")
    body = format_entry(ref)
    path = layout.source_path(ref.key)
    written, problems = parse_source_text(body, layout.rel(path), ref.key)
    if written is None or written.fields != _formatted(ref) or problems:
        raise InvalidLibrary([Problem(name, ref.line, f"entry '{ref.key}' does not read back "
                                      "the same once written; check its braces", ref.key)],
                             "snippet")
    try:
        create_new_text(path, body)
    except FileExistsError:
        raise InvalidLibrary([Problem(name, ref.line, f"refs/{ref.key}.bib already exists",
                                      ref.key)], "snippet") from None
    return layout.rel(path)


def _refusal(ref: Reference, taken: dict[str, str]) -> str:
    if not is_safe_key(ref.key):
        return (f"citekey '{ref.key}' is not a safe file name (letters, digits and _ . + -, "
                "not starting with a dot); rename it")
    if ref.key.lower() in taken:
        return (f"citekey '{ref.key}' already exists as refs/{taken[ref.key.lower()]}.bib; "
                "rename the entry or remove the old source first")
    return ""


def iter_inputs(paths: Iterable[Path]) -> list[tuple[str, bytes]]:
    return [(str(path), path.read_bytes()) for path in paths]
