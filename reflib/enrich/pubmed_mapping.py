"""A PubMed record as BibTeX fields, in the shape the merge takes (MappedWork). Pure.

    >>> work = map_pubmed(record)          # a PubMedRecord (reflib.registries.pubmed.record)
    >>> work.fields["shortjournal"], work.fields["pmid"], work.fields["evidence"]
    ('{J Pain Res}', '{34526815}', '{guideline}')

Fields: author (CollectiveName as an organisation, suffixes kept, initials with periods),
title (PubMed's closing period dropped, inline markup as LaTeX), journal (NLM's title),
shortjournal (MedlineTA, the abbreviation AMA and Vancouver print), year, month, volume,
number, pages (full range), doi, issn, eissn, pmid, pmcid, onlinedate, language (when not
English), mesh and pubtype ("; "-separated, major MeSH topics marked *), and evidence
(reflib.enrich.evidence). Books and chapters: editor, booktitle, publisher, isbn.
"""

from __future__ import annotations

import re

from reflib.enrich.evidence import evidence_from_types
from reflib.enrich.mapping import MappedWork
from reflib.library.latex import MONTHS
from reflib.library.markup import escape_latex, markup_to_latex
from reflib.registries.crossref.work import Person
from reflib.registries.pubmed.record import PubMedAuthor, PubMedRecord

REGISTRY = "PubMed"
_MONTH_MACROS = {number: name for name, number in MONTHS.items()}
# PubMed's three-letter language codes, as biblatex language names.
LANGUAGES = {"ger": "german", "fre": "french", "spa": "spanish", "ita": "italian",
             "por": "portuguese", "dut": "dutch", "swe": "swedish", "dan": "danish",
             "nor": "norwegian", "fin": "finnish", "pol": "polish", "cze": "czech",
             "rus": "russian", "tur": "turkish", "gre": "greek", "hun": "hungarian",
             "jpn": "japanese", "chi": "chinese", "kor": "korean", "ara": "arabic",
             "heb": "hebrew", "lat": "latin"}
SERIOUS_TYPES = ("Retracted Publication", "Expression of Concern")


def person(author: PubMedAuthor) -> Person:
    """PubMed's `Rajesh N` as `Rajesh N.`; a CollectiveName as an organisation."""
    if author.collective:
        return Person(literal=author.collective)
    given = author.given or " ".join(author.initials)
    given = re.sub(r"\b([A-Z])\b(?!\.)", r"\1.", given)
    return Person(family=author.family, given=given, suffix=author.suffix,
                  orcid=author.orcid)


def _braced(text: str) -> str | None:
    return "{" + escape_latex(text) + "}" if text and text.strip() else None


def clean_title(markup: str) -> str:
    """PubMed ends every title with a period it adds itself; drop it (not `?`, `!`, `...`)."""
    text = markup.strip()
    if text.endswith(".") and not text.endswith("..") and not re.search(r"\b[A-Z]\.$", text):
        text = text[:-1].rstrip()
    return text


def _title(markup: str) -> str | None:
    text = clean_title(markup)
    return "{" + markup_to_latex(text) + "}" if text else None


def _pages(pages: str) -> str | None:
    return "{" + pages.replace("-", "--") + "}" if pages else None


def _list(values: tuple[str, ...]) -> str | None:
    return _braced("; ".join(values)) if values else None


def _date(record: PubMedRecord) -> tuple[int, ...]:
    if not record.year.isdigit():
        return ()
    parts = [int(record.year)]
    if record.month:
        parts.append(record.month)
        if record.day:
            parts.append(record.day)
    return tuple(parts)


def map_pubmed(record: PubMedRecord) -> MappedWork:
    """PubMed's record of one work -> entry type and raw BibTeX field values."""
    authors = tuple(person(a) for a in record.authors)
    editors = tuple(person(a) for a in record.editors)
    if record.kind == "book":
        entry_type = "incollection" if record.book_title else "book"
    else:
        entry_type = "article"
    evidence = evidence_from_types(record.publication_types)
    candidates: dict[str, str | None] = {
        "author": "{" + " and ".join(p.bibtex() for p in authors) + "}" if authors else None,
        "editor": "{" + " and ".join(p.bibtex() for p in editors) + "}" if editors else None,
        "title": _title(record.title_markup or record.title),
        "journal": _braced(record.journal),
        "shortjournal": _braced(record.medline_ta),
        "booktitle": _braced(record.book_title),
        "publisher": _braced(record.publisher),
        "year": "{" + record.year + "}" if record.year.isdigit() else None,
        "month": _MONTH_MACROS.get(record.month or 0),
        "volume": _braced(record.volume),
        "number": _braced(record.issue),
        "pages": _pages(record.pages),
        "doi": "{" + record.doi + "}" if record.doi else None,
        "issn": _braced(record.issn),
        "eissn": _braced(record.eissn),
        "isbn": _braced(record.isbn),
        "pmid": _braced(record.pmid),
        "pmcid": _braced(record.pmcid),
        "onlinedate": _braced(record.online_date),
        "language": _braced(LANGUAGES.get(record.language, "")),
        "pubtype": _list(record.publication_types),
        "mesh": _list(record.mesh),
        "evidence": _braced(evidence),
    }
    fields = {name: raw for name, raw in candidates.items() if raw}
    dates = {"issued": _date(record)}
    if record.online_date:
        dates["online"] = tuple(int(p) for p in record.online_date.split("-"))
    title = clean_title(record.title)
    alternatives = {
        "title": frozenset({title, record.title, record.vernacular_title} - {""}),
        "journal": frozenset({record.journal, record.medline_ta, record.iso_abbreviation}
                             - {""}),
        "shortjournal": frozenset({record.medline_ta, record.iso_abbreviation,
                                   record.iso_abbreviation.replace(".", "")} - {""}),
        "issn": frozenset({record.issn, record.eissn} - {""}),
        "eissn": frozenset({record.issn, record.eissn} - {""}),
    }
    return MappedWork(doi=record.doi, crossref_type=f"PubMed {record.kind}", registry=REGISTRY,
                      entry_type=entry_type, fields=fields,
                      people={k: v for k, v in (("author", authors), ("editor", editors)) if v},
                      dates={k: v for k, v in dates.items() if v},
                      alternatives=alternatives, notices=pubmed_notices(record))


def pubmed_notices(record: PubMedRecord) -> tuple[str, ...]:
    """What a person must know before citing: retractions, concerns, errata, updates."""
    notices = []
    for kind in SERIOUS_TYPES:
        if kind in record.publication_types:
            notices.append(f"WARNING: PubMed types PMID {record.pmid} as '{kind}'")
    for correction in record.comments_corrections:
        if correction.ref_type in ("RetractionIn", "ExpressionOfConcernIn", "ErratumIn",
                                   "UpdateIn"):
            target = f"PMID {correction.pmid}" if correction.pmid else correction.ref_source
            serious = "WARNING: " if correction.ref_type in ("RetractionIn",
                                                             "ExpressionOfConcernIn") else ""
            notices.append(f"{serious}PubMed lists {correction.ref_type}: {target}")
    return tuple(notices)
