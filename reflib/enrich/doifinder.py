"""`refs find-doi`: candidate DOIs for sources without one, accepted only when certain.
The library twin of the command; it returns a report and never prints.

    report = find_dois(layout, ["benzon2023radiofrequency"], crossref=CrossrefClient)
    report = find_dois(layout, ["abdelsayed2024rfa"], crossref=CrossrefClient,
                       accept="10.1016/...")   # a person's choice, checked, then written

An accepted DOI is written into refs/KEY.bib (atomically, nothing else changes) and the
matching Crossref record is kept beside it, so `refs enrich` needs no second request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reflib.enrich.candidates import Candidate, accept_problems, decide, query_of
from reflib.enrich.merge import FILL, Change, MergePlan, place_field
from reflib.enrich.writeback import read_source, select_sources, write_source
from reflib.errors import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNVERIFIED,
    CrossrefError,
    NotFound,
    UsageError,
)
from reflib.library.layout import Layout
from reflib.library.model import Reference, doi_key, is_valid_doi, normalize_doi
from reflib.library.records import CrossrefRecord, keep_record
from reflib.output import count as plural

ACCEPTED, REVIEW, NOTHING, HAS_DOI = "accepted", "review", "nothing-found", "has-doi"
SKIPPED, UNAVAILABLE, INVALID, REFUSED = "skipped", "unavailable", "invalid", "refused"


@dataclass
class Finding:
    key: str
    file: str
    status: str
    doi: str = ""
    reason: str = ""
    query: str = ""
    candidates: tuple[Candidate, ...] = ()
    notices: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "file": self.file, "status": self.status,
                "doi": self.doi or None, "reason": self.reason or None,
                "query": self.query or None, "notices": self.notices,
                "candidates": [c.to_json() for c in self.candidates]}


@dataclass
class FindReport:
    findings: list[Finding]
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        statuses = {f.status for f in self.findings}
        if statuses & {INVALID, REFUSED}:
            return EXIT_INVALID
        return EXIT_UNVERIFIED if UNAVAILABLE in statuses else EXIT_OK

    def text_lines(self) -> list[str]:
        lines = []
        for f in self.findings:
            head = f"{f.key}: {f.status}" + (f" doi:{f.doi}" if f.doi else "")
            lines.append(head + (f": {f.reason}" if f.reason else ""))
            for c in f.candidates:
                mark = "ok" if c.passes else "no: " + ", ".join(x.name for x in c.failed())
                lines.append(f"  {c.score:8.2f}  {c.doi}  {c.crossref_type}  {c.year or '----'}"
                             f"  {c.title[:70]}  [{mark}]")
            lines += ["  note: " + n for n in f.notices]
        return lines

    def summary(self) -> str:
        count = {s: sum(f.status == s for f in self.findings)
                 for s in (ACCEPTED, REVIEW, NOTHING, HAS_DOI, SKIPPED, UNAVAILABLE)}
        verb = "would accept" if self.dry_run else "accepted"
        return (f"{plural(len(self.findings), 'source')}: {count[ACCEPTED]} {verb}, "
                f"{count[REVIEW]} to review (choose with --accept), "
                f"{count[NOTHING]} with nothing found, "
                f"{count[HAS_DOI]} with a DOI already, {count[SKIPPED]} skipped, "
                f"{count[UNAVAILABLE]} unavailable")

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "exit_code": self.exit_code,
                "summary": self.summary(), "sources": [f.to_json() for f in self.findings]}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dois_in_use(layout: Layout) -> dict[str, str]:
    """doi_key -> citekey of every source with a DOI."""
    used = {}
    for key, path in select_sources(layout, None):
        _, ref, _ = read_source(layout, path)
        if ref is not None and ref.doi:
            used[doi_key(ref.doi)] = key
    return used


def _write_doi(layout: Layout, finding: Finding, text: str, ref: Reference,
               record: CrossrefRecord, origin_crossref: bool, when: str) -> None:
    doi = record.work_doi
    raw = "{" + doi + "}"
    fields = dict(ref.fields)
    place_field(fields, "doi", raw)
    plan = MergePlan(ref.key, ref.entry_type, fields, (Change("doi", None, raw, FILL),))
    applied = {"doi": {"value": raw, "when": when}} if origin_crossref else {}
    keep_record(layout, ref.key, CrossrefRecord(record.doi, record.message, record.source,
                                                record.fetched, applied))
    notice = write_source(layout, layout.source_path(ref.key), text, ref, plan)
    if notice:
        finding.notices.append(notice)


def find_dois(layout: Layout, keys: Iterable[str] | None = None, *,
              crossref: Callable[[], Any], accept: str | None = None, dry_run: bool = False,
              rows: int = 5, now: Callable[[], str] = _now) -> FindReport:
    """Search Crossref for each named source (default: all) that has no DOI."""
    keys = list(keys or ())
    if accept is not None and len(keys) != 1:
        raise UsageError("--accept DOI needs exactly one KEY: refs find-doi KEY --accept DOI")
    report = FindReport([], dry_run=dry_run)
    todo: list[tuple[Finding, str, Reference]] = []
    for key, path in select_sources(layout, keys):
        finding = Finding(key, layout.rel(path), SKIPPED)
        report.findings.append(finding)
        text, ref, why = read_source(layout, path)
        if ref is None:
            finding.status, finding.reason = INVALID, why
        elif ref.doi:
            finding.status, finding.doi = HAS_DOI, ref.doi
            finding.reason = "has a DOI; `refs enrich` uses it"
        elif not ref.title:
            finding.reason = "no title to search with"
        else:
            todo.append((finding, text, ref))
    if not todo:
        return report
    client = crossref()
    try:
        if accept is not None:
            finding, text, ref = todo[0]
            _accept(layout, client, finding, text, ref, accept, dry_run, now())
        else:
            for finding, text, ref in todo:
                _search(layout, client, finding, text, ref, rows, dry_run, now())
    finally:
        client.close()
    return report


def _search(layout: Layout, client: Any, finding: Finding, text: str, ref: Reference,
            rows: int, dry_run: bool, when: str) -> None:
    finding.query = query_of(ref)
    try:
        items = client.search_bibliographic(finding.query, rows=rows)
    except CrossrefError as exc:
        finding.status, finding.reason = UNAVAILABLE, str(exc)
        return
    decision = decide(ref, items)
    finding.candidates, finding.reason = decision.candidates, decision.reason
    if decision.accepted is None:
        finding.status = REVIEW if decision.candidates else NOTHING
        return
    chosen = decision.accepted
    in_use = _dois_in_use(layout).get(doi_key(chosen.doi))
    if in_use:
        finding.status = REVIEW
        finding.reason = f"{chosen.doi} matches, but it is already the DOI of '{in_use}'"
        return
    finding.status, finding.doi = ACCEPTED, chosen.doi
    if not dry_run:
        record = CrossrefRecord(chosen.doi, chosen.message, client.work_url(chosen.doi), when)
        _write_doi(layout, finding, text, ref, record, origin_crossref=True, when=when)


def _accept(layout: Layout, client: Any, finding: Finding, text: str, ref: Reference,
            doi: str, dry_run: bool, when: str) -> None:
    doi = normalize_doi(doi)
    if not is_valid_doi(doi):
        finding.status, finding.reason = REFUSED, f"{doi!r} is not a DOI (10.NNNN/suffix)"
        return
    in_use = _dois_in_use(layout).get(doi_key(doi))
    if in_use:
        finding.status, finding.reason = REFUSED, f"{doi} is already the DOI of '{in_use}'"
        return
    try:
        record = client.fetch_work(doi)
    except NotFound as exc:
        finding.status, finding.reason = REFUSED, f"{exc}; check the DOI"
        return
    except CrossrefError as exc:
        finding.status = UNAVAILABLE
        finding.reason = f"could not check {doi} with Crossref ({exc}); nothing was written"
        return
    hard, soft = accept_problems(ref, record.message)
    if hard:
        finding.status = REFUSED
        finding.reason = f"{doi} does not fit this source: " + "; ".join(c.detail for c in hard)
        return
    finding.notices += [f"{c.name} differs: {c.detail}" for c in soft]
    if record.moved:
        finding.notices.append(f"Crossref redirects {doi} to {record.work_doi}; wrote the new "
                               "DOI")
    finding.status, finding.doi = ACCEPTED, record.work_doi
    finding.reason = "accepted by hand"
    if not dry_run:
        _write_doi(layout, finding, text, ref, record, origin_crossref=False, when=when)
