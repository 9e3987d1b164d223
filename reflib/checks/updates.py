"""What happened to each work since, from every registry asked: the `updates` check's
PubMed part and its merge with Crossref's, preprints with a published version, and the
`metadata` check's word on a curated evidence class PubMed's types contradict.

Crossref's side (`updated-by`, `update-to`, from the publisher or Retraction Watch) is
reflib.checks.agreement.update_findings. PubMed's side:

| PubMed says | severity |
|---|---|
| publication type Retracted Publication; CommentsCorrections RetractionIn | error |
| ExpressionOfConcernIn | warning |
| ErratumIn, UpdateIn (a later version) | notice |
| the cited PMID is itself a Retraction of Publication (RetractionOf) | error |
| the cited PMID is itself a Published Erratum or an Expression of Concern | warning |

One event both registries report (a retraction, a concern, a correction) is one finding
that names both; an event only one reports names that one. A registry that could not be
asked makes its part `skipped` (not checked), never silent: `unavailable` (exit 3) online,
`offline` without a kept record. Works PubMed does not index (no PMID, not found by DOI)
have no PubMed part, as a book has no Crossref record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from reflib.checks.agreement import METADATA, UPDATES, update_type
from reflib.library.findings import SKIPPED, Finding
from reflib.library.layout import Layout
from reflib.library.model import Reference

PUBMED_LINKS = {
    "RetractionIn": ("retraction", "error", "retracted"),
    "ExpressionOfConcernIn": ("expression_of_concern", "warning", "under an expression of "
                              "concern"),
    "ErratumIn": ("erratum", "notice", "corrected by an erratum"),
    "UpdateIn": ("update", "notice", "updated by a later version"),
}
# Update kinds that are one event whichever word a registry uses for it.
SAME_EVENT = {"correction": "correction", "erratum": "correction", "corrigendum": "correction",
              "retraction": "retraction", "partial_retraction": "retraction",
              "withdrawal": "retraction", "removal": "retraction",
              "expression_of_concern": "expression_of_concern", "update": "update",
              "new_version": "update"}
ADVICE = {"error": "do not cite it as evidence; cite the notice if the retraction is the point",
          "warning": "read the notice before citing it",
          "notice": "check that the cited version is the corrected or current one"}
_RANK = {"error": 0, "warning": 1, "notice": 2}


def pubmed_update_findings(ref: Reference, record: Any) -> list[Finding]:
    """The updates PubMed reports for the cited PMID (record: a PubMedRecord)."""
    line = ref.line_of("pmid") if "pmid" in ref.fields else ref.line_of("doi")
    found: list[Finding] = []
    types = set(record.publication_types)
    retraction_links = record.corrections("RetractionIn")
    if "Retracted Publication" in types and not retraction_links:
        found.append(_finding(ref, line, "retraction", "error",
                              f"PubMed types PMID {record.pmid} 'Retracted Publication'"))
    for link in record.comments_corrections:
        if link.ref_type not in PUBMED_LINKS:
            continue
        kind, severity, said = PUBMED_LINKS[link.ref_type]
        target = f"PMID {link.pmid}" if link.pmid else f"'{link.ref_source[:80]}'"
        extra = " and types it 'Retracted Publication'" if kind == "retraction" and \
            "Retracted Publication" in types else ""
        found.append(_finding(ref, line, kind, severity,
                              f"PubMed lists PMID {record.pmid} as {said}: {link.ref_type} "
                              f"{target}{extra}", pmid=link.pmid, notice_doi=link.doi))
    if "Retraction of Publication" in types or record.corrections("RetractionOf"):
        what = ", ".join(f"PMID {c.pmid}" for c in record.corrections("RetractionOf")
                         if c.pmid) or "another work"
        found.append(Finding(ref.key, UPDATES, "error", f"PMID {record.pmid} is a retraction "
                             f"notice (it retracts {what}) (PubMed), not evidence; cite the "
                             "work only if the retraction is the point", ref.file, line,
                             {"type": "retraction_notice", "registries": ["pubmed"]}))
    for kind in ("Published Erratum", "Expression of Concern"):
        if kind in types:
            found.append(Finding(ref.key, UPDATES, "warning", f"PMID {record.pmid} is itself "
                                 f"a {kind.lower()} (PubMed), not the work it is about; cite "
                                 "the work", ref.file, line,
                                 {"type": update_type(kind), "registries": ["pubmed"]}))
    return found


def _finding(ref: Reference, line: int, kind: str, severity: str, said: str, **data: str
             ) -> Finding:
    return Finding(ref.key, UPDATES, severity, f"{kind.replace('_', ' ')}: {said}; "
                   f"{ADVICE[severity]}", ref.file, line,
                   {"type": kind, "registries": ["pubmed"], "pubmed": said,
                    **{k: v for k, v in data.items() if v}})


def merge_updates(crossref: list[Finding], pubmed: list[Finding]) -> list[Finding]:
    """One finding per event: Crossref's and PubMed's word on the same retraction, concern
    or correction joined (naming both, at the graver severity); the rest as they are."""
    merged: list[Finding] = []
    pubmed_left = list(pubmed)
    for finding in crossref:
        if finding.check != UPDATES or finding.severity == SKIPPED:
            merged.append(finding)
            continue
        event = SAME_EVENT.get(str(finding.data.get("type")), "")
        twin = next((p for p in pubmed_left if event and
                     SAME_EVENT.get(str(p.data.get("type"))) == event), None)
        data = {**finding.data, "registries": ["crossref"]}
        message = f"Crossref: {finding.message}"
        severity = finding.severity
        if twin is not None:
            pubmed_left.remove(twin)
            data["registries"] = ["crossref", "pubmed"]
            data["pubmed"] = twin.data.get("pubmed", twin.message)
            message = f"{finding.message}; PubMed agrees ({data['pubmed']})"
            severity = min(severity, twin.severity, key=lambda s: _RANK.get(s, 3))
        merged.append(replace(finding, severity=severity, message=message, data=data))
    return merged + pubmed_left


def preprint_findings(ref: Reference, message: dict) -> list[Finding]:
    """A cited preprint (Crossref `posted-content`) whose published version is known."""
    relation = message.get("relation") if isinstance(message.get("relation"), dict) else {}
    published = [str(r.get("id")) for r in relation.get("is-preprint-of") or ()
                 if isinstance(r, dict) and r.get("id")]
    is_preprint = message.get("type") == "posted-content" or \
        message.get("subtype") == "preprint"
    if not is_preprint or not published:
        return []
    return [Finding(ref.key, UPDATES, "warning", f"a preprint with a published version: "
                    f"doi:{published[0]} (Crossref, is-preprint-of); cite the published "
                    "version, or say why the preprint", ref.file, ref.line_of("doi"),
                    {"type": "preprint", "published": published, "registries": ["crossref"]})]


def evidence_findings(ref: Reference, record: Any) -> list[Finding]:
    """A curated `evidence` that PubMed's publication types contradict (metadata check)."""
    from reflib.enrich.evidence import evidence_disagrees

    suggested = evidence_disagrees(ref.evidence, record.publication_types)
    if not suggested:
        return []
    types = "; ".join(record.publication_types)
    return [Finding(ref.key, METADATA, "warning", f"evidence is '{ref.evidence}', but PubMed "
                    f"types PMID {record.pmid} as {types}, which calls for '{suggested}'; "
                    "check the work and correct one of them", ref.file,
                    ref.line_of("evidence"), {"field": "evidence", "ours": ref.evidence,
                                              "pubmed": suggested, "pmid": record.pmid})]


def pubmed_part(layout: Layout, selected: list[Reference], found: list[Finding],
                checks: list[str], offline: bool, client: Callable[[], Any] | None
                ) -> tuple[list[Finding], list[str]]:
    """`found` with PubMed's part of `updates` (and `metadata`'s evidence) added, and the
    notes to print. Fresh records online (kept ones if PubMed cannot be asked), kept
    ones offline."""
    from reflib.enrich.pubmed_lookup import gather_pubmed, read_kept
    from reflib.library.pubmed_records import kept_path, load_kept_pubmed
    from reflib.library.records import RecordError

    wanted = [r for r in selected if r.doi or r.text("pmid") or r.text("pmcid")]
    lookup = gather_pubmed(layout, [(r.key, r) for r in wanted], client=client,
                           offline=offline, refresh=not offline, now=lambda: "")
    notes = [f"PubMed could not be asked: {lookup.error}"] if lookup.error else []
    by_key: dict[str, list[Finding]] = {}
    for f in found:
        by_key.setdefault(f.key, []).append(f)
    wanted_keys = {r.key for r in wanted}  # once: per finding it made this quadratic
    out = [f for f in found if f.key not in wanted_keys]
    for ref in wanted:
        mine = by_key.get(ref.key, [])
        crossref_updates = [f for f in mine if f.check == UPDATES]
        rest = [f for f in mine if f.check != UPDATES]
        hit = lookup.records.get(ref.key)
        record, stale = (hit.record if hit else None), False
        if record is None and lookup.error:
            try:
                kept = load_kept_pubmed(layout, ref.key)
                if kept is not None:
                    record = read_kept(kept, layout.rel(kept_path(layout, ref.key)))
                    stale = True
            except (RecordError, UnicodeDecodeError):
                record = None
        pubmed_updates: list[Finding] = []
        if record is not None:
            if UPDATES in checks:
                pubmed_updates = pubmed_update_findings(ref, record)
            if METADATA in checks:
                rest += evidence_findings(ref, record)
        known_in_pubmed = bool(ref.text("pmid") or ref.text("pmcid"))
        if UPDATES in checks and (record is None or stale) and (known_in_pubmed or stale):
            why = ("offline (by request) and no kept PubMed record" if offline
                   else f"PubMed could not be asked ({lookup.error})" if lookup.error
                   else lookup.notes.get(ref.key, "PubMed has no record"))
            reason = "offline" if offline else "unavailable" if lookup.error else "no-record"
            if stale:
                why += "; compared with the kept PubMed record, so a later retraction would " \
                       "be missed"
            pubmed_updates.append(Finding(
                ref.key, UPDATES, SKIPPED, f"PubMed part not checked: {why}", ref.file,
                ref.line_of("pmid") if "pmid" in ref.fields else ref.line,
                {"reason": reason, "registry": "pubmed", "detail": lookup.error}))
        out += rest + merge_updates(crossref_updates, pubmed_updates)
    return out, notes
