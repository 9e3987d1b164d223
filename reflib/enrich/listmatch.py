"""Resolving the lines of a printed reference list against the registries, for
`refs import --from-list` (reflib.enrich.listimport writes what this decides).

    results, looked_up = resolve_lines(parse_reference_list(text), crossref=factory)
    [(r.number, r.status, r.doi) for r in results]

Each line is parsed (reflib.formats.reference_string). A printed DOI is looked up and
verified: the record's title and first author must agree with the line, or the line is
flagged and searched for like one without a DOI. Otherwise Crossref's
`query.bibliographic` is asked for the line, restricted to the work types the line can
be, and a candidate is accepted only under the guards of `refs find-doi`
(reflib.enrich.candidates). Web pages and personal communications are not looked up.
Accepted lines become sources from the registry record (reflib.enrich.mapping); every
other line a source built from what it prints, marked as such (`fields_for`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from reflib.enrich.candidates import TYPE_FITS, Candidate, Decision, decide
from reflib.enrich.listpubmed import search_pubmed_too, verify_pmid
from reflib.enrich.liststatus import (
    ACCEPTED,
    AMBIGUOUS,
    BUILT,
    DUPLICATE,
    NOT_PARSED,
    UNAVAILABLE,
)
from reflib.enrich.printed import (
    fields_from_line,
    fields_from_records,
    nearest_fields,
    reference_of,
    verify_printed,
)
from reflib.errors import EXIT_INVALID, EXIT_OK, EXIT_UNVERIFIED, NotFound, RegistryError
from reflib.formats.reference_string import ParsedReference, strip_number
from reflib.library.markup import markup_to_text
from reflib.library.model import doi_key
from reflib.library.textmatch import fold
from reflib.registries.crossref.work import first, people_of

__all__ = ["ACCEPTED", "AMBIGUOUS", "BUILT", "DUPLICATE", "NOT_PARSED", "UNAVAILABLE",
           "LineResult", "ListReport", "fields_for", "resolve_line", "resolve_lines"]
ROWS = 5
# Work types a line can be, asked of the search so that a preprint or a book never
# stands as the runner-up of an article (the guards would refuse them anyway).
SEARCH_TYPES: dict[str, list[str]] = {
    "article": sorted(TYPE_FITS["article"]),
    "chapter": sorted(TYPE_FITS["incollection"]),
    "book": sorted(TYPE_FITS["book"] | TYPE_FITS["phdthesis"] | TYPE_FITS["dataset"]
                   | TYPE_FITS["report"]),
    "proceedings": sorted(TYPE_FITS["inproceedings"]),
    "preprint": ["posted-content"],
}
# A line whose kind the text does not tell (`Title. Some Name. 2019.`: a journal, a
# publisher, a repository) is read as each of these; it is accepted only when the
# readings that find a work agree on one.
READINGS: dict[str, list[str | None]] = {
    "unknown": ["article", "book", "phdthesis", "inproceedings", "misc"],
    # `Author. Title. Publisher; 2020.` is a book, a thesis, a data set or a report
    "book": ["book", "phdthesis", "dataset", "report"],
}
PUBMED_KINDS = frozenset({"article", "unknown", "chapter", "book"})  # what PubMed may hold
NOT_LOOKED_UP = {"web": "a web page: nothing to look up",
                 "personal": "a personal communication: nothing to look up"}


@dataclass
class LineResult:
    """What became of one printed line."""

    number: int
    line: int
    text: str
    status: str = NOT_PARSED
    key: str = ""
    file: str = ""
    doi: str = ""
    registry: str = ""
    how: str = ""  # printed DOI verified | found by search
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    candidates: tuple[Candidate, ...] = ()
    parsed: ParsedReference | None = None
    record: dict[str, Any] | None = None
    record_source: str = ""
    pmid: str = ""
    pubmed_record: Any = None  # a PubMedRecord that named the work (search or printed PMID)
    pubmed_source: str = ""

    def to_json(self) -> dict[str, Any]:
        parsed = self.parsed
        return {"number": self.number, "line": self.line, "text": self.text,
                "status": self.status, "key": self.key or None, "file": self.file or None,
                "doi": self.doi or None, "pmid": self.pmid or None,
                "registry": self.registry or None,
                "how": self.how or None, "reason": self.reason or None, "notes": self.notes,
                "kind": parsed.kind if parsed else None,
                "candidates": [c.to_json() for c in self.candidates]}


@dataclass
class ListReport:
    lines: list[LineResult]
    source: str
    dry_run: bool = False
    looked_up: bool = True
    written: list[str] = field(default_factory=list)
    order_file: str = ""
    problems: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(line.status == status for line in self.lines)

    @property
    def exit_code(self) -> int:
        if self.count(UNAVAILABLE):
            return EXIT_UNVERIFIED
        if self.count(NOT_PARSED) or self.problems:
            return EXIT_INVALID
        return EXIT_OK

    def summary(self) -> str:
        verb = "would write" if self.dry_run else "wrote"
        written = 0 if self.count(UNAVAILABLE) else len(self.written)
        text = (f"{len(self.lines)} lines: {self.count(ACCEPTED)} accepted, {self.count(BUILT)} "
                f"built from the line, {self.count(AMBIGUOUS)} ambiguous, "
                f"{self.count(NOT_PARSED)} not parsed")
        if self.count(DUPLICATE):
            text += f", {self.count(DUPLICATE)} duplicates"
        if self.count(UNAVAILABLE):
            return (f"{text}, {self.count(UNAVAILABLE)} could not be looked up; nothing was "
                    "written: try again, or use --offline to build the sources from the lines")
        text += f"; {verb} {written} sources"
        if self.order_file:
            text += f" and {self.order_file}"
        if not self.looked_up:
            text += " (offline: nothing was looked up)"
        return text

    def text_lines(self) -> list[str]:
        out = []
        for line in self.lines:
            head = f"{line.number:>3}  {line.status:<10} {line.key or '-'}"
            if line.doi or line.pmid:
                ids = " ".join(x for x in (line.doi and f"doi:{line.doi}",
                                           line.pmid and f"PMID {line.pmid}") if x)
                head += f"  {ids} ({line.registry}; {line.how})"
            out.append(head + (f": {line.reason}" if line.reason else ""))
            out += [f"       note: {note}" for note in line.notes]
            for c in line.candidates[:ROWS]:
                mark = "ok" if c.passes else "no: " + ", ".join(x.name for x in c.failed())
                out.append(f"       {c.score:8.2f}  {c.doi}  {c.crossref_type}  "
                           f"{c.year or '----'}  {c.title[:60]}  [{mark}]")
            if line.status == AMBIGUOUS and line.key:
                out.append(f"       choose with: refs find-doi {line.key} --accept DOI")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "dry_run": self.dry_run, "looked_up": self.looked_up,
                "exit_code": self.exit_code, "summary": self.summary(),
                "written": self.written, "lines": [line.to_json() for line in self.lines]}


def search_text(parsed: ParsedReference) -> str:
    """What `query.bibliographic` gets: the printed line without its number, identifiers,
    URLs and access date (a wrong DOI would only mislead the search)."""
    text = strip_number(parsed.text)
    for drop in (parsed.doi, parsed.pmid, parsed.pmcid, *parsed.urls):
        if drop:
            text = text.replace(drop, " ")
    text = re.sub(r"\b(?:doi|PMID|PMCID|Available (?:at|from)|Accessed|Retrieved)\b:?", " ",
                  text, flags=re.I)
    return " ".join(text.split())[:400]


def resolve_line(parsed: ParsedReference, client: Any, rows: int = ROWS,
                 pubmed: Any = None) -> LineResult:
    """Look one parsed line up (Crossref; PubMed for a printed PMID) and decide; raises
    RegistryError when a registry could not answer."""
    result = LineResult(parsed.number, parsed.line, parsed.text, parsed=parsed)
    if not parsed.parsed:
        result.reason = "no title, DOI or PMID could be read from the line; correct it"
        return result
    if parsed.doi and _verify_doi(parsed, client, result):
        return result
    if parsed.pmid and not any(n.startswith("flagged: printed doi") for n in result.notes):
        if pubmed is None:
            result.notes.append(f"PMID {parsed.pmid} printed; not verified (PubMed not asked)")
        elif verify_pmid(parsed, client, pubmed, result):
            return result
    if parsed.kind in NOT_LOOKED_UP:
        result.status, result.reason = BUILT, NOT_LOOKED_UP[parsed.kind]
        return result
    if not parsed.title:
        result.status, result.reason = BUILT, "no title to search with"
        return result
    _search(parsed, client, result, rows)
    if result.status != ACCEPTED and pubmed is not None and parsed.kind in PUBMED_KINDS:
        search_pubmed_too(parsed, client, pubmed, result)
    return result


def _verify_doi(parsed: ParsedReference, client: Any, result: LineResult) -> bool:
    """True when the printed DOI's record is the line's work (then it is accepted)."""
    try:
        record = client.fetch_work(parsed.doi)
    except NotFound:
        result.notes.append(f"flagged: the printed DOI {parsed.doi} is not registered with "
                            "Crossref; searched for the work instead")
        return False
    verdict = verify_printed(parsed, record.message)
    if not verdict.agrees:
        result.notes += [f"flagged: printed doi:{parsed.doi}: {n}" for n in verdict.notes]
        return False
    result.status, result.doi, result.registry = ACCEPTED, record.work_doi, "Crossref"
    result.how = "printed DOI verified"
    result.record, result.record_source = record.message, record.source
    result.notes += verdict.notes
    if record.moved:
        result.notes.append(f"Crossref redirects {parsed.doi} to {record.work_doi}")
    return True


def _search(parsed: ParsedReference, client: Any, result: LineResult, rows: int) -> None:
    types = SEARCH_TYPES.get(parsed.kind)
    items = client.search_bibliographic(search_text(parsed), rows=rows,
                                        filters={"type": types} if types else None)
    readings = [parsed, *[replace(parsed, title=t) for t in parsed.title_options
                          if t != parsed.title], *_held_verbatim(parsed, items)]
    decisions = [decide(reference_of(reading, None, entry_type), items, printed=True)
                 for entry_type in READINGS.get(parsed.kind, [None]) for reading in readings]
    accepted = {d.accepted.doi.lower(): d for d in decisions if d.accepted is not None}
    # read several ways, a line is certain only when no reading lets another work pass
    # (`Author (2018). Title. Publisher.`: a book read as a book, its preprint as misc)
    passing = {c.doi.lower() for d in decisions for c in d.candidates
               if c.passes and not c.notice}
    rivals = sorted(passing - set(accepted)) if len(decisions) > 1 else []
    best = decisions[0]
    if len(accepted) == 1 and rivals:
        by_publisher = _one_publisher_printed(parsed, decisions, passing)
        if by_publisher is not None:
            accepted = {by_publisher[0].doi.lower(): by_publisher[1]}
            rivals = []
    if len(accepted) == 1 and rivals:
        result.candidates = next(iter(accepted.values())).candidates
        result.status = AMBIGUOUS
        result.reason = (f"read as another kind of work, the line fits {', '.join(rivals[:3])} "
                         f"as well as {next(iter(accepted))}")
        return
    if len(accepted) == 1:
        decision = next(iter(accepted.values()))
        chosen = decision.accepted
        result.status, result.doi, result.registry = ACCEPTED, chosen.doi, "Crossref"
        result.how, result.reason = "found by search", decision.reason
        result.record, result.record_source = chosen.message, client.work_url(chosen.doi)
        result.candidates = decision.candidates
        return
    result.candidates = best.candidates
    if len(accepted) > 1:
        result.status = AMBIGUOUS
        result.reason = "the title reads two ways and each finds a different work"
    elif any(_title_fits(c) for c in best.candidates):
        result.status, result.reason = AMBIGUOUS, best.reason
    elif best.candidates:
        top = best.candidates[0]
        result.status = BUILT
        result.reason = (f"no candidate has the line's title (the top hit {top.doi} is "
                         f"\"{top.title[:60]}\")")
    else:
        result.status, result.reason = BUILT, "Crossref found nothing"


def _one_publisher_printed(parsed: ParsedReference, decisions: list[Decision],
                           passing: set[str]) -> tuple[Candidate, Decision] | None:
    """Of the works a line read several ways fits, the one whose publisher the line prints
    (a book's `Cambridge University Press`, which its preprint lacks); None unless one."""
    line = fold(parsed.text)
    found: dict[str, tuple[Candidate, Decision]] = {}
    for decision in decisions:
        for c in decision.candidates:
            publisher = fold(str(c.message.get("publisher") or ""))
            if c.passes and c.doi.lower() in passing and len(publisher) > 3 \
                    and publisher in line:
                found.setdefault(c.doi.lower(), (c, Decision(
                    c, f"{c.doi} matches every guard and is the only work that fits whose "
                    f"publisher the line prints ({c.message.get('publisher')})",
                    decision.candidates)))
    return next(iter(found.values())) if len(found) == 1 else None


def _held_verbatim(parsed: ParsedReference, items: list[dict[str, Any]]
                   ) -> list[ParsedReference]:
    """Readings of a line the parser split wrongly: a hit whose whole title (four words or
    more) stands in the line is read with that title, and with the hit's first family
    name when that stands in the line before the title."""
    line = fold(parsed.text)
    readings = []
    for item in items:
        title = markup_to_text(first(item, "title"))
        folded = fold(title)
        at = line.find(folded) if len(folded.split()) >= 4 else -1
        if at < 0 or folded == fold(parsed.title):
            continue
        people = people_of(item, "author") or people_of(item, "editor")
        family = (people[0].family or people[0].literal) if people else ""
        names = parsed.names
        if family and 0 <= line.find(fold(family)) < at and not (
                names and fold(names[0][0]) == fold(family)):
            names = [(family, ""), *names[1:]]
        readings.append(replace(parsed, title=title, names=names))
    return readings


def _title_fits(candidate: Candidate) -> bool:
    return any(check.name == "title" and check.ok for check in candidate.checks)


def resolve_lines(parsed_lines: list[ParsedReference], *, crossref: Callable[[], Any] | None,
                  pubmed: Callable[[], Any] | None = None,
                  progress: Callable[[int], None] | None = None,
                  rows: int = ROWS) -> tuple[list[LineResult], bool]:
    """Every line resolved; (results, looked_up). Without a Crossref factory (offline)
    every parsed line is built from its text."""
    results: list[LineResult] = []
    if crossref is None:
        for parsed in parsed_lines:
            result = LineResult(parsed.number, parsed.line, parsed.text, parsed=parsed)
            if parsed.parsed:
                result.status, result.reason = BUILT, "offline: nothing was looked up"
            else:
                result.reason = "no title, DOI or PMID could be read from the line; correct it"
            results.append(result)
        return results, False
    client = crossref()
    pubmed_client = pubmed() if pubmed is not None else None
    try:
        for parsed in parsed_lines:
            try:
                results.append(resolve_line(parsed, client, rows, pubmed_client))
            except RegistryError as exc:
                results.append(LineResult(parsed.number, parsed.line, parsed.text,
                                          UNAVAILABLE, reason=str(exc), parsed=parsed))
            if progress:
                progress(1)
    finally:
        client.close()
        if pubmed_client is not None:
            pubmed_client.close()
    return results, True


def built_reason(result: LineResult) -> str:
    """Why a line's source is built from its text, for the source's `annote`."""
    if result.status == AMBIGUOUS:
        return "no candidate was certain; see `refs find-doi`"
    return result.reason or "not looked up"


def nearest(result: LineResult) -> Candidate | None:
    """The candidate with the line's title that was not accepted (another edition, the
    other journal of a work published twice), kept so that `refs check --against` can
    compare the print with it; None when no candidate has the title."""
    return next((c for c in result.candidates if not c.notice and _title_fits(c)), None)


def fields_for(result: LineResult) -> tuple[str, dict[str, str]]:
    """The source a line becomes: from the accepted record, else from the line."""
    assert result.parsed is not None
    if result.status == ACCEPTED and (result.record or result.pubmed_record) is not None:
        return fields_from_records(result.record, result.pubmed_record, result.parsed)
    keep_doi = result.parsed.doi if not result.notes or not any(
        n.startswith("flagged") for n in result.notes) else ""
    entry_type, fields = fields_from_line(result.parsed, built_reason(result), doi=keep_doi)
    near = nearest(result)
    if near is not None:
        fields.update(nearest_fields(near))
    return entry_type, fields


def same_doi(a: str, b: str) -> bool:
    return bool(a and b) and doi_key(a) == doi_key(b)
