"""`refs enrich`: sources with a DOI gain what Crossref holds for them. The library twin of
the command; it returns a report and never prints.

    report = enrich_sources(layout, ["lee2021learn"], crossref=lambda: CrossrefClient())
    report.exit_code, [o.status for o in report.outcomes]

Each source's record is fetched (in batches) unless one is kept in refs/KEY.crossref.json;
the record is mapped (reflib.enrich.mapping), merged (reflib.enrich.merge), and the
fields it fills are written into refs/KEY.bib atomically, after the record itself is
kept. A second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from reflib.enrich.merge import FILL, MergePlan, merge
from reflib.errors import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNVERIFIED,
    CrossrefError,
    NotFound,
    NotInLibrary,
)
from reflib.fsutil import atomic_write_text
from reflib.library.bibtex import format_entry, parse_source_text
from reflib.library.layout import Layout, read_order
from reflib.library.model import Reference, is_safe_key, is_valid_doi
from reflib.library.records import CrossrefRecord, RecordError, keep_record, load_kept_record
from reflib.output import count as plural

ENRICHED, UNCHANGED, NO_DOI, NOT_KEPT = "enriched", "unchanged", "no-doi", "not-kept"
NOT_FOUND, UNAVAILABLE, INVALID = "not-found", "unavailable", "invalid"
FAILED = frozenset({NOT_FOUND, UNAVAILABLE, INVALID})
WRITERS = 8  # threads that merge and write sources once the records are in


@dataclass
class Outcome:
    """What enrichment did, or could not do, for one source."""

    key: str
    file: str
    status: str
    doi: str = ""
    detail: str = ""
    plan: MergePlan | None = None
    record_source: str = ""  # kept | crossref | pubmed | kept pubmed, joined by +
    wrote_source: bool = False
    wrote_record: bool = False
    wrote_pubmed: bool = False
    notices: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "key": self.key, "file": self.file, "doi": self.doi or None, "status": self.status,
            "detail": self.detail or None, "record": self.record_source or None,
            "changes": [{"field": c.field, "old": c.old, "new": c.new, "reason": c.reason}
                        for c in (plan.changes if plan else ())],
            "conflicts": [{"field": c.field, "ours": c.ours, "crossref": c.crossref,
                           "registry": c.registry}
                          for c in (plan.conflicts if plan else ())],
            "notices": list(plan.notices if plan else ()) + self.notices,
            "wrote": [p for p, wrote in ((self.file, self.wrote_source),
                                         (self.file[:-4] + ".crossref.json", self.wrote_record),
                                         (self.file[:-4] + ".pubmed.json", self.wrote_pubmed))
                      if wrote],
        }


@dataclass
class EnrichReport:
    outcomes: list[Outcome]
    dry_run: bool = False
    offline: bool = False
    requests: int = 0
    rate_limited: int = 0
    notices: list[str] = field(default_factory=list)
    registries: tuple[str, ...] = ("crossref",)
    pubmed_requests: int = 0
    pubmed_rate_limited: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)  # registry -> why not asked

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        failed = [o for o in self.outcomes if o.status in FAILED]
        if not failed:
            return EXIT_UNVERIFIED if self.unavailable else EXIT_OK
        return EXIT_UNVERIFIED if all(o.status == UNAVAILABLE for o in failed) else EXIT_INVALID

    def summary(self) -> str:
        fields = sum(len(o.plan.changes) for o in self.outcomes if o.plan)
        conflicts = sum(len(o.plan.conflicts) for o in self.outcomes if o.plan)
        verb = "would change" if self.dry_run else "changed"
        parts = [f"{self.count(ENRICHED)} enriched ({verb} {plural(fields, 'field')})",
                 f"{self.count(UNCHANGED)} unchanged", f"{self.count(NO_DOI)} without a DOI"]
        if self.offline:
            parts.append(f"{self.count(NOT_KEPT)} without a kept record")
        parts += [f"{self.count(NOT_FOUND)} not found", f"{self.count(UNAVAILABLE)} unavailable"]
        if self.count(INVALID):
            parts.append(f"{self.count(INVALID)} invalid")
        count = len(self.outcomes)
        text = f"{count} source{'s' if count != 1 else ''}: " + ", ".join(parts)
        if conflicts:
            text += f"; {conflicts} conflict{'s' if conflicts != 1 else ''} to review"
        if not self.offline:
            asked = []
            if "crossref" in self.registries:
                asked.append(f"{self.requests} request{'s' if self.requests != 1 else ''} "
                             "to Crossref")
            if "pubmed" in self.registries:
                asked.append(f"{self.pubmed_requests} to PubMed")
            text += f" ({', '.join(asked)})"
        for registry, why in self.unavailable.items():
            text += f"; {registry} could not be asked, its part is not done: {why}"
        return text

    def nothing_kept(self) -> bool:
        """Offline, and no source with a DOI has a kept record."""
        with_doi = [o for o in self.outcomes if o.status not in (NO_DOI, INVALID)]
        return self.offline and bool(with_doi) and all(o.status == NOT_KEPT for o in with_doi)

    def text_lines(self) -> list[str]:
        """Per source: a status line, then its diff lines, indented."""
        lines = []
        for o in self.outcomes:
            head = f"{o.key}: {o.status}"
            if o.plan is not None:
                n_changes, n_conflicts = len(o.plan.changes), len(o.plan.conflicts)
                head += f" ({n_changes} field{'s' if n_changes != 1 else ''}"
                head += f", {n_conflicts} conflict{'s' if n_conflicts != 1 else ''})"
                head += f" from {_from(o.record_source)}"
            if o.detail:
                head += f": {o.detail}"
            lines.append(head)
            if o.plan is not None:
                lines += ["  " + line for line in o.plan.diff_lines()]
                lines += ["  note: " + notice for notice in o.plan.notices]
            lines += ["  note: " + notice for notice in o.notices]
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "offline": self.offline, "exit_code": self.exit_code,
                "summary": self.summary(), "notices": self.notices,
                "sources": [o.to_json() for o in self.outcomes]}


def _from(record_source: str) -> str:
    """`kept+pubmed` -> `the kept Crossref record and PubMed`."""
    names = {"kept": "the kept Crossref record", "crossref": "Crossref", "pubmed": "PubMed",
             "kept pubmed": "the kept PubMed record"}
    return " and ".join(names.get(part, part) for part in record_source.split("+"))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def select_sources(layout: Layout, keys: Iterable[str] | None) -> list[tuple[str, Any]]:
    """(key, path) of the named sources, or of all in citation order, then by key."""
    keys = list(keys or ())
    if keys:
        missing = [k for k in keys if not is_safe_key(k) or not layout.source_path(k).is_file()]
        if missing:
            raise NotInLibrary(f"no source with key {', '.join(repr(k) for k in missing)} "
                               "(no refs/KEY.bib); see `refs list --format keys`")
        return [(k, layout.source_path(k)) for k in dict.fromkeys(keys)]
    order, _ = read_order(layout)
    rank = {key: i for i, key in enumerate(order)}
    paths = layout.source_files()
    paths.sort(key=lambda p: (rank.get(p.stem, len(rank)), p.stem.lower(), p.stem))
    return [(p.stem, p) for p in paths]


def read_source(layout: Layout, path) -> tuple[str, Reference | None, str]:
    """The file's text and its entry, or a message saying why it cannot be used."""
    rel = layout.rel(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return "", None, f"{rel} is not UTF-8 ({exc.reason}); save it as UTF-8"
    ref, problems = parse_source_text(text, rel, path.stem)
    if problems or ref is None:
        first = problems[0] if problems else f"{rel}: no entry"
        return text, None, f"{first} (see `refs build`)"
    return text, ref, ""


def render_source(text: str, ref: Reference, plan: MergePlan) -> tuple[str, bool]:
    """The file text with the plan applied, and whether the layout had to be rewritten.

    A file in the standard layout is written again in it, so only the changed lines differ.
    Another layout keeps every byte: new fields are appended before the closing brace;
    only an overwrite (force, refresh, entry type) rewrites it in the standard layout.
    """
    new = Reference(ref.key, plan.entry_type, plan.fields, ref.file)
    if format_entry(ref) == text or any(c.reason != FILL for c in plan.changes) or \
            plan.entry_type != ref.entry_type:
        return format_entry(new), format_entry(ref) != text
    close = _closing_brace(text)
    if close < 0:
        return format_entry(new), True
    head = text[:close].rstrip()
    if not head.endswith(",") and not head.endswith("{"):
        head += ","
    added = "".join(f"\n  {c.field} = {c.new}," for c in plan.changes)
    return head + added + "\n" + text[close:], False


def _closing_brace(text: str) -> int:
    start = text.find("@")
    opening = text.find("{", start) if start >= 0 else -1
    if opening < 0:
        return -1
    depth = 0
    for i in range(opening, len(text)):
        depth += text[i] == "{"
        depth -= text[i] == "}"
        if depth == 0:
            return i
    return -1


def write_source(layout: Layout, path, text: str, ref: Reference, plan: MergePlan) -> str:
    """Write the merged entry atomically after checking it reads back as planned.

    Returns a notice ('' if none); ValueError, and nothing written, if it would not."""
    new_text, relaid = render_source(text, ref, plan)
    check, problems = parse_source_text(new_text, ref.file, ref.key)
    if check is None or problems or check.fields != plan.fields or \
            check.entry_type != plan.entry_type:
        raise ValueError(f"{ref.file}: the enriched entry would not read back as planned; "
                         "nothing was written (please report this)")
    atomic_write_text(path, new_text)
    return f"{ref.file} was rewritten in the standard layout" if relaid else ""


def _applied(plan: MergePlan, earlier: dict[str, dict], when: str, work: Any,
             registry: str) -> dict[str, dict]:
    """Fields whose value came from `registry`: earlier ones still unedited, and new ones."""
    applied = {name: entry for name, entry in earlier.items()
               if plan.fields.get(name) == entry.get("value")}
    for change in plan.changes:
        if change.field in plan.fields and work.origin(change.field) == registry:
            applied[change.field] = {"value": change.new, "when": when}
    return dict(sorted(applied.items()))


def _error_status(error: CrossrefError) -> str:
    return NOT_FOUND if isinstance(error, NotFound) else UNAVAILABLE


def enrich_sources(layout: Layout, keys: Iterable[str] | None = None, *,
                   crossref: Callable[[], Any] | None = None,
                   pubmed: Callable[[], Any] | None = None,
                   registries: Iterable[str] = ("crossref",), dry_run: bool = False,
                   refresh: bool = False, offline: bool = False, force: Iterable[str] = (),
                   progress: Callable[[int, int], None] | None = None,
                   now: Callable[[], str] = _now) -> EnrichReport:
    """Enrich the named sources (default: all) from the registries or their kept records.

    `registries` names those to ask ("crossref", "pubmed"); `crossref` and `pubmed` make
    the gateway clients when something must be fetched; neither is called offline or
    when every record is kept. Both registries' words are combined field by field
    (reflib.enrich.combine) and merged once, so one diff shows what each gave.
    """
    from reflib.enrich.pubmed_lookup import gather_pubmed

    asked = tuple(dict.fromkeys(r.lower() for r in registries))
    use_crossref, use_pubmed = "crossref" in asked, "pubmed" in asked
    force = tuple(name.lower() for name in force)
    report = EnrichReport([], dry_run=dry_run, offline=offline, registries=asked)
    report.notices += _unknown_force(force, use_pubmed)
    work: list[tuple[Outcome, str, Reference, CrossrefRecord | None]] = []
    for key, path in select_sources(layout, keys):
        outcome = Outcome(key, layout.rel(path), UNCHANGED)
        report.outcomes.append(outcome)
        text, ref, why = read_source(layout, path)
        if ref is None:
            outcome.status, outcome.detail = INVALID, why
            continue
        outcome.doi = ref.doi
        other_ids = use_pubmed and bool(ref.text("pmid") or ref.text("pmcid"))
        if not ref.doi and not other_ids:
            outcome.status = NO_DOI
            outcome.detail = f"no doi field; `refs find-doi {key}` looks for one"
            continue
        if ref.doi and not is_valid_doi(ref.doi):
            outcome.status = INVALID
            outcome.detail = f"doi {ref.doi!r} is not a DOI; correct it in {outcome.file}"
            continue
        kept = None
        if use_crossref and ref.doi:
            try:
                kept = load_kept_record(layout, key)
            except (RecordError, UnicodeDecodeError) as exc:
                if not refresh or offline:
                    outcome.status = INVALID
                    outcome.detail = f"{exc} (or fetch it again: `refs enrich --refresh {key}`)"
                    continue
            if kept is not None and ref.doi.lower() not in (kept.doi.lower(),
                                                             kept.work_doi.lower()):
                if not offline:
                    outcome.notices.append(f"the kept record was for doi:{kept.doi}; replaced "
                                           f"by the record of doi:{ref.doi}")
                kept = None
        work.append((outcome, text, ref, kept))

    to_fetch = [ref.doi for outcome, _, ref, kept in work
                if use_crossref and ref.doi and not offline and (refresh or kept is None)]
    if to_fetch and crossref is None:
        raise ValueError("records must be fetched but no Crossref client was given")
    fetched: dict[str, Any] = {}
    found = None
    # The two registries are asked side by side: neither waits for the other's answers.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pubmed") as side:
        pubmed_job = side.submit(
            gather_pubmed, layout, [(o.key, ref) for o, _, ref, _ in work], client=pubmed,
            offline=offline, refresh=refresh, now=now) if use_pubmed else None
        if to_fetch:
            client = crossref()
            try:
                fetched = {doi.lower(): result for doi, result in
                           client.fetch_works(to_fetch, progress=progress).items()}
            finally:
                report.requests = client.stats.requests
                report.rate_limited = client.stats.rate_limited
                client.close()
        if pubmed_job is not None:
            found = pubmed_job.result()
            report.pubmed_requests, report.pubmed_rate_limited = found.requests, \
                found.rate_limited
            if found.error:
                report.unavailable["PubMed"] = found.error

    when = now()
    jobs = []
    for outcome, text, ref, kept in work:
        result = fetched.get(ref.doi.lower()) if ref.doi else None
        record = result.record if result is not None and result.ok else kept
        pubmed_found = found.records.get(outcome.key) if found else None
        if found and outcome.key in found.notes:
            outcome.notices.append(found.notes[outcome.key])
        if result is not None and not result.ok:
            if pubmed_found is None:
                outcome.status, outcome.detail = _error_status(result.error), str(result.error)
                continue
            outcome.notices.append(f"Crossref: {result.error}")
            if _error_status(result.error) == UNAVAILABLE:
                report.unavailable["Crossref"] = str(result.error)
            record = None
        if record is None and pubmed_found is None:
            if offline:
                outcome.status = NOT_KEPT
                outcome.detail = "no kept record (" + ", ".join(
                    layout.rel(p) for p in _kept_paths(layout, outcome.key, asked)) + ")"
            elif found and found.error and not (use_crossref and ref.doi):
                outcome.status, outcome.detail = UNAVAILABLE, found.error
            else:
                outcome.status = NOT_FOUND
                outcome.detail = "; ".join(outcome.notices) or "no registry has this work"
                outcome.notices = []
            continue
        sources = []
        if record is not None:
            sources.append("crossref" if result is not None and result.ok else "kept")
            if result is not None and result.ok and kept is not None and \
                    record.same_work_as(kept):
                record = kept  # only volatile keys moved: keep the file, and its fetch date
        if pubmed_found is not None:
            sources.append("pubmed" if pubmed_found.fresh else "kept pubmed")
        outcome.record_source = "+".join(sources)
        jobs.append((layout, outcome, text, ref, record, kept, pubmed_found, force, dry_run,
                     when))
    # Each source writes its own files; threads overlap the file system's waits.
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for future in [pool.submit(_enrich_one, *job) for job in jobs]:
            future.result()
    return report


def _kept_paths(layout: Layout, key: str, asked: tuple[str, ...]) -> list:
    from reflib.library.pubmed_records import kept_path

    paths = [layout.crossref_path(key)] if "crossref" in asked else []
    return paths + ([kept_path(layout, key)] if "pubmed" in asked else [])


def _unknown_force(force: tuple[str, ...], use_pubmed: bool) -> list[str]:
    from reflib.enrich.mapping import FIELD_RULES
    from reflib.enrich.merge import ENTRY_TYPE

    mapped = {name for name, _ in FIELD_RULES} | {ENTRY_TYPE}
    if use_pubmed:
        mapped |= PUBMED_FIELDS
    who = "neither Crossref nor PubMed gives" if use_pubmed else "Crossref gives no"
    return [f"--force {name}: {who} field '{name}'; nothing to force "
            f"(fields: {', '.join(sorted(mapped))})" for name in force if name not in mapped]


PUBMED_FIELDS = frozenset({"pmid", "pmcid", "shortjournal", "pubtype", "mesh", "evidence"})


def _enrich_one(layout: Layout, outcome: Outcome, text: str, ref: Reference,
                record: CrossrefRecord | None, kept: CrossrefRecord | None, pubmed_found: Any,
                force: tuple[str, ...], dry_run: bool, when: str) -> None:
    from reflib.enrich.combine import combine
    from reflib.enrich.evidence import evidence_disagrees
    from reflib.enrich.mapping import map_work
    from reflib.enrich.pubmed_mapping import map_pubmed
    from reflib.library.pubmed_records import keep_pubmed

    crossref_work = map_work(record.message) if record is not None else None
    pubmed_work = map_pubmed(pubmed_found.record) if pubmed_found is not None else None
    if pubmed_work is not None and ref.evidence and "evidence" in pubmed_work.fields and \
            not evidence_disagrees(ref.evidence, pubmed_found.record.publication_types):
        fields = {k: v for k, v in pubmed_work.fields.items() if k != "evidence"}
        pubmed_work = replace(pubmed_work, fields=fields)  # PubMed's types allow ours
    work, disagreements = combine(crossref_work, pubmed_work)
    old_pubmed = (pubmed_found.previous or (None if pubmed_found.fresh else pubmed_found.kept)
                  ) if pubmed_found is not None else None
    applied = {**(old_pubmed.applied_values() if old_pubmed else {}),
               **(kept.applied_values() if kept else {})}
    plan = merge(ref, work, force, applied=applied)
    plan = replace(plan, notices=plan.notices + tuple(disagreements))
    outcome.plan = plan
    outcome.status = ENRICHED if plan.changed else UNCHANGED
    if dry_run:
        return
    if record is not None:
        record = replace(record, applied=_applied(plan, kept.applied if kept else {}, when,
                                                  work, "Crossref"))
        outcome.wrote_record = keep_record(layout, ref.key, record)
    if pubmed_found is not None:
        kept_pubmed = replace(pubmed_found.kept, applied=_applied(
            plan, old_pubmed.applied if old_pubmed else {}, when, work, "PubMed"))
        outcome.wrote_pubmed = keep_pubmed(layout, ref.key, kept_pubmed)
    if plan.changed:
        path = layout.source_path(ref.key)
        try:
            notice = write_source(layout, path, text, ref, plan)
        except ValueError as exc:
            outcome.status, outcome.detail = INVALID, str(exc)
            return
        outcome.wrote_source = True
        if notice:
            outcome.notices.append(notice)
