"""The checks that need nothing but refs/: DOI form, completeness for AMA, currency of web
sources, duplicates and citation order. Pure: sources in, findings out.

Severities: what a reader of the printed list would miss or be misled by is an error
(a required field absent, a web page with no URL or access date, a DOI that is not a
DOI, one work entered twice, a cited key with no source); what needs a second look is a
warning (an old access date, a DOI not in normal form, an uncited source); what is
worth knowing is a notice (a field AMA prints when it exists, a possible dual
publication).
"""

from __future__ import annotations

import re
import urllib.parse
from datetime import date

from reflib.errors import Problem
from reflib.library.findings import Finding
from reflib.library.model import Reference, is_valid_doi, normalize_doi

DOI_SYNTAX = "doi-syntax"
COMPLETENESS = "completeness"
CURRENCY = "currency"
ORDER = "order"

WEB_TYPES = frozenset({"online", "www", "electronic", "webpage"})
_CHAPTER_TYPES = frozenset({"incollection", "inbook"})
_URL_DOI = re.compile(r"^https?://(dx\.)?doi\.org/", re.I)

# AMA 11th ed., by entry type: each group is "one of these", with the name a person reads.
AMA_REQUIRED: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "article": (("authors or an organisation", ("author", "organization")),
                ("title", ("title",)), ("journal", ("journal", "journaltitle")),
                ("year", ("year", "date")), ("volume", ("volume",)),
                ("pages", ("pages", "eid"))),
    "incollection": (("editors", ("editor",)), ("title", ("title",)),
                     ("book title", ("booktitle",)), ("publisher", ("publisher",)),
                     ("year", ("year", "date"))),
    "inbook": (("editors", ("editor",)), ("title", ("title", "chapter")),
               ("book title", ("booktitle", "title")), ("publisher", ("publisher",)),
               ("year", ("year", "date"))),
    "book": (("authors or editors", ("author", "editor")), ("title", ("title",)),
             ("publisher", ("publisher",)), ("year", ("year", "date"))),
    "online": (("title", ("title",)),),
}
# Printed when known; their absence is worth a notice, not a failure.
AMA_RECOMMENDED: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "article": (("DOI", ("doi",)),),
    "incollection": (("chapter authors", ("author",)), ("pages", ("pages",)),
                     ("edition", ("edition",))),
    "inbook": (("chapter authors", ("author",)), ("pages", ("pages",)),
               ("edition", ("edition",))),
}


def doi_findings(ref: Reference) -> list[Finding]:
    """The DOI field holds a bare DOI in normal form; a doi.org URL belongs in `doi`."""
    if "doi" not in ref.fields:
        url = ref.text("url")
        if _URL_DOI.match(url):
            doi = urllib.parse.unquote(normalize_doi(url))
            return [Finding(ref.key, DOI_SYNTAX, "notice", f"url is a DOI link; add "
                            f"doi = {{{doi}}}", ref.file, ref.line_of("url"), {"doi": doi})]
        return []
    written = ref.text("doi")
    line = ref.line_of("doi")
    doi = normalize_doi(written)
    if _URL_DOI.match(written.strip()) and "%" in doi:
        doi = urllib.parse.unquote(doi)
    if not is_valid_doi(doi):
        return [Finding(ref.key, DOI_SYNTAX, "error", f"doi '{written}' is not a DOI (expected "
                        "10.NNNN/suffix without spaces); correct it or remove the field",
                        ref.file, line, {"written": written})]
    if doi != written:
        return [Finding(ref.key, DOI_SYNTAX, "warning", f"doi '{written}' is not in normal "
                        f"form; write doi = {{{doi}}}", ref.file, line,
                        {"written": written, "doi": doi})]
    return []


def _missing(ref: Reference, groups) -> list[str]:
    return [label for label, names in groups if not any(ref.text(n) for n in names)]


def is_personal_communication(ref: Reference) -> bool:
    said = " ".join(ref.text(n) for n in ("howpublished", "note", "type")).lower()
    return "personal communication" in said


def completeness_findings(ref: Reference) -> list[Finding]:
    """The fields AMA style needs for the entry type (URL and access date: see currency)."""
    found = []
    missing = _missing(ref, AMA_REQUIRED.get(ref.entry_type, ()))
    if missing:
        found.append(Finding(ref.key, COMPLETENESS, "error", f"@{ref.entry_type} lacks "
                             f"{', '.join(missing)}, which AMA style prints; add "
                             f"{'them' if len(missing) > 1 else 'it'}", ref.file, ref.line,
                             {"missing": missing}))
    recommended = _missing(ref, AMA_RECOMMENDED.get(ref.entry_type, ()))
    if recommended:
        listed = (", ".join(recommended[:-1]) + " or " + recommended[-1]
                  if len(recommended) > 1 else recommended[0])
        edition = " (the edition unless it is the first)" if "edition" in recommended else ""
        found.append(Finding(ref.key, COMPLETENESS, "notice", f"no {listed}; AMA prints "
                             f"{'them' if len(recommended) > 1 else 'it'} when known{edition}",
                             ref.file, ref.line, {"missing": recommended}))
    if is_personal_communication(ref):
        found.append(Finding(ref.key, COMPLETENESS, "notice", "a personal communication: AMA "
                             "cites it in the text (name, date, \"personal communication\"), "
                             "not in the reference list", ref.file, ref.line, {}))
    return found


def is_web_source(ref: Reference) -> bool:
    return ref.entry_type in WEB_TYPES


def parse_access_date(text: str) -> date | None:
    """`2023-12-05`, `2023-12` or `2023` (as its last day seen: the 1st) -> a date."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError:
        return None


def months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def currency_findings(ref: Reference, today: date, max_age_months: int) -> list[Finding]:
    """Web sources have a URL and an access date, and the access date is recent enough."""
    found = []
    web = is_web_source(ref)
    if web and not ref.text("url"):
        found.append(Finding(ref.key, CURRENCY, "error", "a web source without url; add the "
                             "address it was read at", ref.file, ref.line, {"missing": "url"}))
    accessed = ref.text("urldate")
    if web and not accessed:
        found.append(Finding(ref.key, CURRENCY, "error", "a web source without an access date; "
                             "visit it and add urldate = {YYYY-MM-DD}", ref.file, ref.line,
                             {"missing": "urldate"}))
    if not accessed:
        return found
    line = ref.line_of("urldate")
    when = parse_access_date(accessed)
    if when is None:
        found.append(Finding(ref.key, CURRENCY, "error", f"urldate '{accessed}' is not a date; "
                             "write YYYY-MM-DD", ref.file, line, {"urldate": accessed}))
    elif when > today:
        found.append(Finding(ref.key, CURRENCY, "warning", f"urldate {accessed} is in the "
                             "future; correct it", ref.file, line, {"urldate": accessed}))
    else:
        age = months_between(when, today)
        if age > max_age_months:
            where = ref.text("url") or "the source"
            found.append(Finding(ref.key, CURRENCY, "warning", f"accessed {accessed}, {age} "
                                 f"months ago (more than {max_age_months}); check {where} "
                                 "again and update urldate", ref.file, line,
                                 {"urldate": accessed, "age_months": age}))
    return found


def order_findings(refs: list[Reference], order: list[str], order_problems: list[Problem],
                   order_file: str, order_lines: dict[str, int], has_order: bool
                   ) -> list[Finding]:
    """Every key in the citation order names a source, and every source is cited."""
    found = [Finding(p.key, ORDER, "error", p.message, p.file, p.line) for p in order_problems]
    if not has_order:
        return found + [Finding(None, ORDER, "warning", f"no {order_file}: the article's "
                                "citation order is unknown; list one citekey a line",
                                order_file, None)]
    keys = {r.key for r in refs}
    for number, key in enumerate(order, start=1):
        if key and key not in keys:  # "": a gap left by `refs remove --keep-order`
            found.append(Finding(None, ORDER, "error", f"reference {number} '{key}' names no "
                                 "source in refs/; add the source or remove the line",
                                 order_file, order_lines.get(key), {"number": number}))
    cited = set(order)
    for ref in refs:
        if ref.key not in cited:
            found.append(Finding(ref.key, ORDER, "warning", f"{ref.key} is not cited: add it "
                                 f"to {order_file} or remove the source", ref.file, ref.line))
    return found
