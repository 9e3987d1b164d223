"""PubMed's records for sources being enriched or added: kept ones from
refs/KEY.pubmed.json, the others fetched in the fewest requests (one ID conversion for
sources known only by PMCID, one esearch for those known only by DOI, one efetch for
all). The library twin's helper; it returns data and never prints.

    found = gather_pubmed(layout, [(key, ref), ...], client=lambda: PubMedClient())
    found.records[key].record.publication_types
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from reflib.errors import RegistryError
from reflib.library.layout import Layout
from reflib.library.model import Reference
from reflib.library.pubmed_records import KeptPubMed, kept_path, load_kept_pubmed
from reflib.library.records import RecordError
from reflib.registries.pubmed.record import PubMedRecord, parse_record


@dataclass
class Found:
    """PubMed's record of one source, and whether it was fetched now."""

    kept: KeptPubMed
    record: PubMedRecord
    fresh: bool
    previous: KeptPubMed | None = None  # the kept record a fresh one replaces


@dataclass
class PubMedLookup:
    records: dict[str, Found] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # key -> why there is no record
    error: str = ""  # PubMed could not be asked (the whole lookup)
    requests: int = 0
    rate_limited: int = 0


def kept_from(record: PubMedRecord, source: str, fetched: str) -> KeptPubMed:
    return KeptPubMed(pmid=record.pmid, xml=record.xml, source=source, fetched=fetched,
                      doi=record.doi, pmcid=record.pmcid, title=record.title,
                      publication_types=record.publication_types)


def read_kept(kept: KeptPubMed, rel: str) -> PubMedRecord:
    """The PubMedRecord of a kept record (RecordError when its XML is unreadable)."""
    from reflib.errors import BadResponse, Problem

    try:
        return parse_record(kept.xml)
    except BadResponse as exc:
        raise RecordError(Problem(rel, 1, f"the PubMed XML of PMID {kept.pmid} is unreadable "
                                  f"({exc}); fetch it again: `refs enrich --refresh`")
                          ) from None


def _wants(ref: Reference) -> tuple[str, str, str]:
    return ref.text("pmid").strip(), ref.text("pmcid").strip().upper(), ref.doi.strip()


def _matches(kept: KeptPubMed, ref: Reference) -> bool:
    pmid, pmcid, doi = _wants(ref)
    if pmid:
        return kept.pmid == pmid
    if pmcid:
        return kept.pmcid.upper() == pmcid
    return bool(doi) and kept.doi.lower() == doi.lower()


def gather_pubmed(layout: Layout, sources: list[tuple[str, Reference]], *,
                  client: Callable[[], Any] | None, offline: bool = False,
                  refresh: bool = False, now: Callable[[], str]) -> PubMedLookup:
    """Kept or fetched PubMed records of the sources that have a PMID, PMCID or DOI."""
    lookup = PubMedLookup()
    needed: list[tuple[str, Reference]] = []
    previous: dict[str, KeptPubMed] = {}
    for key, ref in sources:
        pmid, pmcid, doi = _wants(ref)
        if not (pmid or pmcid or doi):
            continue
        try:
            kept = load_kept_pubmed(layout, key)
            if kept is not None and _matches(kept, ref):
                previous[key] = kept
            if kept is not None and _matches(kept, ref) and not (refresh and not offline):
                lookup.records[key] = Found(
                    kept, read_kept(kept, layout.rel(kept_path(layout, key))), fresh=False)
                continue
        except (RecordError, UnicodeDecodeError) as exc:
            lookup.notes[key] = f"{exc}"
            if offline or not refresh:
                continue
        if offline:
            lookup.notes.setdefault(key, f"no {layout.rel(kept_path(layout, key))}")
            continue
        needed.append((key, ref))
    if not needed:
        return lookup
    if client is None:
        raise ValueError("PubMed records must be fetched but no PubMed client was given")
    pubmed = client()
    try:
        by_pmid, by_doi, by_pmcid = pubmed.lookup(
            [p for _, r in needed if (p := _wants(r)[0])],
            [d for _, r in needed if not _wants(r)[0] and not _wants(r)[1]
             and (d := _wants(r)[2])],
            [c for _, r in needed if not _wants(r)[0] and (c := _wants(r)[1])])
    except RegistryError as exc:
        lookup.error = str(exc)
        for key, _ in needed:
            lookup.notes[key] = f"PubMed could not be asked: {exc}"
        return lookup
    finally:
        lookup.requests = pubmed.stats.requests
        lookup.rate_limited = pubmed.stats.rate_limited
        pubmed.close()
    fetched = now()
    for key, ref in needed:
        pmid, pmcid, doi = _wants(ref)
        record = (by_pmid.get(pmid) if pmid else by_pmcid.get(pmcid) if pmcid
                  else by_doi.get(doi))
        if record is None:
            asked = f"PMID {pmid}" if pmid else f"PMCID {pmcid}" if pmcid else f"doi:{doi}"
            lookup.notes[key] = f"PubMed has no record of {asked}"
            continue
        source = f"{pubmed.base_url}/efetch.fcgi?db=pubmed&id={quote(record.pmid)}"
        old = previous.get(key)
        if old is not None and old.xml == record.xml:  # unchanged: keep the file as it is
            lookup.records[key] = Found(old, record, fresh=False)
        else:
            lookup.records[key] = Found(kept_from(record, source, fetched), record,
                                        fresh=True, previous=old)
    return lookup


def with_applied(kept: KeptPubMed, applied: dict[str, dict[str, str]]) -> KeptPubMed:
    return replace(kept, applied=applied)
