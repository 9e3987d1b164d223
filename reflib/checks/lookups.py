"""Crossref records as the checks need them: fresh from the gateway, or kept in refs/.

A `CrossrefLookup` is one of three answers for a DOI: found (with the record and where
it came from), not found (Crossref has no such work: another agency's DOI, or none), or
unavailable (nothing is known). The checks never see the gateway's exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from reflib.library.layout import Layout
from reflib.library.model import doi_key

FOUND, NOT_FOUND, UNAVAILABLE, MISSING = "found", "not-found", "unavailable", "missing"


@dataclass(frozen=True)
class CrossrefLookup:
    """What is known of one DOI's Crossref record."""

    status: str  # found | not-found | unavailable | missing (no kept record, offline)
    record: dict | None = None  # Crossref's `message`
    origin: str = "crossref"  # crossref (asked now) | kept (refs/KEY.crossref.json)
    fetched: str = ""  # when a kept record was fetched
    detail: str = ""  # why not found or unavailable
    stale: bool = False  # a kept record used because Crossref could not be asked

    @classmethod
    def found(cls, record: dict, origin: str = "crossref", fetched: str = "") -> CrossrefLookup:
        return cls(FOUND, record, origin, fetched)

    @classmethod
    def not_found(cls, detail: str = "") -> CrossrefLookup:
        return cls(NOT_FOUND, detail=detail)

    @classmethod
    def unavailable(cls, detail: str) -> CrossrefLookup:
        return cls(UNAVAILABLE, detail=detail)

    def but_stale(self, detail: str) -> CrossrefLookup:
        return replace(self, stale=True, detail=detail)


# (DOIs, progress(steps done)) -> lookups keyed by doi_key(DOI)
RecordFetcher = Callable[[list[str], Callable[[int], None] | None], dict[str, CrossrefLookup]]


def kept_lookup(layout: Layout, key: str) -> CrossrefLookup:
    """The record kept in refs/KEY.crossref.json; `missing` when there is none."""
    from reflib.library.records import RecordError, load_kept_record

    try:
        kept = load_kept_record(layout, key)
    except (RecordError, UnicodeDecodeError) as exc:
        return CrossrefLookup(MISSING, detail=f"kept record unreadable: {exc}")
    if kept is None:
        return CrossrefLookup(MISSING, detail="no kept record")
    return CrossrefLookup.found(kept.message, "kept", kept.fetched)


def gateway_fetcher(crossref_url: str | None = None, mailto: str | None = None,
                    timeout: float = 10.0, retry=None, deadline=None,
                    notice: Callable[[str], None] | None = None) -> RecordFetcher:
    """The Crossref gateway (reflib/crossref.py: batched, rate-limited) as a RecordFetcher.

    Checks retry less than enrichment does (3 attempts by default): a person waiting for
    `refs check` is better served by "could not check" soon than by a long wait.
    """
    def fetch(dois: list[str], progress: Callable[[int], None] | None
              ) -> dict[str, CrossrefLookup]:
        from reflib.errors import NotFound, ReflibError
        from reflib.registries.crossref.gateway import CrossrefClient
        from reflib.registries.deadline import NO_DEADLINE
        from reflib.registries.throttle import RetryPolicy

        reported = 0

        def report(done: int, total: int) -> None:
            nonlocal reported
            if progress and done > reported:
                progress(done - reported)
                reported = done

        lookups: dict[str, CrossrefLookup] = {}
        try:
            with CrossrefClient(crossref_url, mailto, timeout=timeout,
                                deadline=deadline or NO_DEADLINE,
                                retry=retry or RetryPolicy(attempts=3, budget=20),
                                notice=notice) as client:
                results = client.fetch_works(dois, report)
        except ReflibError as exc:
            results = {}
            detail = str(exc)
        else:
            detail = "the gateway gave no answer"
        for doi, result in results.items():
            if result.record is not None:
                lookup = CrossrefLookup.found(result.record.message, "crossref",
                                              result.record.fetched)
            elif isinstance(result.error, NotFound):
                lookup = CrossrefLookup.not_found(str(result.error))
            else:
                lookup = CrossrefLookup.unavailable(str(result.error))
            lookups[doi_key(doi)] = lookup
        for doi in dois:
            lookups.setdefault(doi_key(doi), CrossrefLookup.unavailable(detail))
        report(len(dois), len(dois))
        return lookups

    return fetch
