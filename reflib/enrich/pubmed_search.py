"""PubMed's search for a printed line that names no DOI or PMID, for `refs import
--from-list`. Pure apart from the client it is given (reflib.registries.pubmed).

    term = search_term(parsed)   # 'radiofrequency[ti] AND ... AND lee dw[au] AND 2021[dp]'
    items, records = search_pubmed(parsed, pubmed)   # Crossref-shaped works, by PMID

The term is field-tagged, as PubMed's own advanced search writes it: the title's
significant words [ti], the first author [au] and the year [dp] in one group, OR the
title words alone (a misspelt name or a wrong year in the print must not lose the work).
The few best hits (`sort=relevance`) are fetched and shaped like Crossref works, so that
the same guards (reflib.enrich.candidates) decide; a record without a DOI stands under
`pmid:N`. PubMed gives no score: each hit is scored by the words of the line it holds
(title, people, journal, year), as the local Crossref does.
"""

from __future__ import annotations

import re
from typing import Any

from reflib.formats.reference_string import ParsedReference
from reflib.library.textmatch import STOPWORDS, fold, words
from reflib.registries.pubmed.record import PubMedRecord

HITS = 3  # records fetched a line
TITLE_WORDS = 10  # at most this many title words in the term (longest first)
PMID_PREFIX = "pmid:"


def search_term(parsed: ParsedReference) -> str:
    """The field-tagged esearch term of a line ('' when its title has no word to search)."""
    chosen = _title_words(parsed.title)
    if not chosen:
        return ""
    title = " AND ".join(f"{w}[ti]" for w in chosen)
    extra = []
    if parsed.names:
        family, letters = parsed.names[0]
        family = " ".join(re.findall(r"[\w'-]+", fold(family)))
        if family:
            extra.append(f"{family} {letters[:1].lower()}[au]" if letters else f"{family}[au]")
    if parsed.year:
        extra.append(f"{parsed.year}[dp]")
    if not extra:
        return title
    return f"({title} AND {' AND '.join(extra)}) OR ({title})"


def _title_words(title: str) -> list[str]:
    """Significant words, longest first then in order, without repeats."""
    seen: dict[str, int] = {}
    for position, word in enumerate(words(title)):
        if len(word) >= 3 and word not in STOPWORDS and word.isalnum():
            seen.setdefault(word, position)
    return sorted(seen, key=lambda w: (-len(w), seen[w]))[:TITLE_WORDS]


def as_work(record: PubMedRecord, line: str) -> dict[str, Any]:
    """A PubMed record in the shape of a Crossref work, for the guards."""
    kind = "journal-article"
    if record.kind == "book":
        kind = "book-chapter" if record.book_title and record.title else "book"
    dates: dict[str, Any] = {}
    if record.year.isdigit():
        parts = [int(record.year)] + ([record.month] if record.month else [])
        dates["issued"] = {"date-parts": [parts]}
    online = re.match(r"(\d{4})-(\d{2})-(\d{2})", record.online_date or "")
    if online:
        dates["published-online"] = {"date-parts": [[int(x) for x in online.groups()]]}
    people = [{"family": a.family, "given": a.given or a.initials} if a.family
              else {"name": a.collective} for a in record.authors]
    work: dict[str, Any] = {
        "DOI": record.doi or f"{PMID_PREFIX}{record.pmid}", "type": kind,
        "title": [record.title or record.book_title], "author": people,
        "container-title": [t for t in (record.journal or record.book_title,) if t],
        "short-container-title": [t for t in (record.medline_ta, record.iso_abbreviation) if t],
        "ISSN": [i for i in (record.issn, record.eissn) if i],
        "volume": record.volume, "issue": record.issue, "page": record.pages,
        "pmid": record.pmid, **dates}
    work["score"] = float(_overlap(line, record))
    return work


def _overlap(line: str, record: PubMedRecord) -> int:
    """How many of the line's words the record holds (title, people, journal, year)."""
    held = set(words(" ".join([record.title, record.book_title, record.journal,
                               record.medline_ta, record.year,
                               *(a.family or a.collective for a in record.authors)])))
    return sum(1 for word in set(words(line)) if word in held)


def search_pubmed(parsed: ParsedReference, pubmed: Any, hits: int = HITS
                  ) -> tuple[list[dict[str, Any]], dict[str, PubMedRecord]]:
    """The best few PubMed hits of a line as Crossref-shaped works (best first), and
    their records by PMID. Raises RegistryError when PubMed cannot answer."""
    term = search_term(parsed)
    if not term:
        return [], {}
    pmids = pubmed.search(term, retmax=hits, sort="relevance")[:hits]
    records = pubmed.fetch(pmids) if pmids else {}
    items = [as_work(records[p], parsed.text) for p in pmids if p in records]
    return sorted(items, key=lambda item: -item["score"]), records


def pmid_of(item: dict[str, Any]) -> str:
    return str(item.get("pmid") or "")
