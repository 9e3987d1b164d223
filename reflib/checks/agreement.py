"""Does a source agree with its Crossref record, and has the work been updated? Pure.

Both functions take a source and the `message` object of Crossref's `/works/{doi}`
answer and return findings; nothing here touches the network.

Severities: a difference that means the citation points at the wrong thing or cannot
be found by it (first author, year, volume, first page, a wholly different title) is an
error; one a reader would notice but that still finds the work (a word of the title,
the author count, the issue, the journal's name, the last page) is a warning; a value
Crossref has and the source lacks is a notice (`refs enrich` fills it).
"""

from __future__ import annotations

import re

from reflib.library.findings import Finding
from reflib.library.model import Reference
from reflib.library.textmatch import (
    journal_agrees,
    same_title,
    squash,
    title_difference,
    title_similarity,
)

METADATA = "metadata"
UPDATES = "updates"

# Crossref's update types (and Retraction Watch's), by how much they matter to a citation.
UPDATE_SEVERITY = {
    "retraction": "error",
    "partial_retraction": "error",
    "withdrawal": "error",
    "removal": "error",
    "expression_of_concern": "warning",
    "correction": "notice",
    "erratum": "notice",
    "corrigendum": "notice",
    "addendum": "notice",
    "clarification": "notice",
    "new_version": "notice",
    "new_edition": "notice",
    "reinstatement": "notice",
}
_ADVICE = {
    "error": "do not cite it as evidence (cite the notice too if the retraction is the point)",
    "warning": "read the notice and decide whether the article can keep relying on it",
    "notice": "check whether it changes what the article cites",
}
_RETRACTED_TITLE = re.compile(r"^\s*(retracted|withdrawn)\b\s*[:.\-–]", re.I)
_NOTICE_TITLE = re.compile(r"^\s*(retraction|notice of retraction|retraction notice)\b", re.I)
_JOURNAL_FIELDS = ("journal", "journaltitle", "shortjournal", "journalabbrev", "journal-abbrev",
                   "iso4")


def crossref_years(record: dict) -> dict[str, int]:
    """The years Crossref gives, by kind: print, online, issued (the earliest of them)."""
    years: dict[str, int] = {}
    issue = record.get("journal-issue") or {}
    for kind, value in (("print", record.get("published-print")),
                        ("print", issue.get("published-print")),
                        ("online", record.get("published-online")),
                        ("online", issue.get("published-online")),
                        ("issued", record.get("issued")),
                        ("published", record.get("published"))):
        year = _year(value)
        if year and kind not in years:
            years[kind] = year
    return years


def _year(date: object) -> int | None:
    try:
        year = date["date-parts"][0][0]  # type: ignore[index]
        return int(year) if year else None
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _first(values: object) -> str:
    if isinstance(values, list):
        return str(values[0]) if values else ""
    return str(values or "")


def page_range(text: str) -> tuple[str, str]:
    """`424--467`, `424–467`, `424-67` -> ('424', '467'); `e33693` -> ('e33693', '')."""
    parts = [p.strip() for p in re.split(r"\s*(?:--|[-–—‐])\s*", text.strip()) if p.strip()]
    if not parts:
        return "", ""
    first, last = parts[0], parts[-1] if len(parts) > 1 else ""
    if last.isdigit() and first.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last  # 2807-31 means 2807-2831
    return first, last


def _family_names(person: dict) -> str:
    return str(person.get("family") or person.get("name") or "")


def metadata_findings(ref: Reference, record: dict) -> list[Finding]:
    """Where the source disagrees with the Crossref record (publisher is not compared)."""
    found: list[Finding] = []

    def add(severity: str, field: str, message: str, **data) -> None:
        found.append(Finding(ref.key, METADATA, severity, message, ref.file,
                             ref.line_of(field), {"field": field, **data}))

    _compare_authors(ref, record, add)
    _compare_title(ref, record, add)
    _compare_container(ref, record, add)
    _compare_year(ref, record, add)
    for field, names, label, severity in (("volume", ("volume",), "volume", "error"),
                                          ("number", ("number", "issue"), "issue", "warning")):
        ours_field = next((n for n in names if n in ref.fields), "")
        ours, theirs = ref.text(ours_field) if ours_field else "", str(record.get(label) or "")
        if theirs and not ours:
            add("notice", field, f"no {label}; Crossref gives {theirs} "
                f"(add {field} = {{{theirs}}})", crossref=theirs)
        elif ours and theirs and squash(ours) != squash(theirs):
            add(severity, ours_field, f"{label} is {ours} here, {theirs} at Crossref",
                ours=ours, crossref=theirs)
    _compare_pages(ref, record, add)
    return found


def _compare_authors(ref: Reference, record: dict, add) -> None:
    theirs = [p for p in record.get("author") or [] if isinstance(p, dict)]
    ours = [n for n in ref.authors if n.literal != "others"]
    if not ours or not theirs:
        return
    first = next((p for p in theirs if p.get("sequence") == "first"), theirs[0])
    their_family = _family_names(first)
    our_names = {squash(ours[0].family_full), squash(ours[0].family), squash(ours[0].literal)}
    if their_family and squash(their_family) not in our_names - {""}:
        swapped = squash(str(first.get("given") or "")) in our_names
        add("warning" if swapped else "error", "author",
            f"first author is {ours[0].family_full} here, {their_family} at Crossref"
            + (" (Crossref has given and family swapped)" if swapped else ""),
            ours=ours[0].family_full, crossref=their_family)
    truncated = len(ours) < len(ref.authors)  # `and others`
    if len(ours) > len(theirs) or (not truncated and len(ours) != len(theirs)):
        add("warning", "author", f"{len(ours)} authors here, {len(theirs)} at Crossref",
            ours=len(ours), crossref=len(theirs))


def _compare_title(ref: Reference, record: dict, add) -> None:
    title, subtitle = _first(record.get("title")), _first(record.get("subtitle"))
    ours = ref.title
    if not title or not ours:
        return
    candidates = [title] + ([f"{title}: {subtitle}"] if subtitle else [])
    our_forms = [ours] + ([f"{ours}: {ref.text('subtitle')}"] if "subtitle" in ref.fields else [])
    if any(same_title(a, b) for a in our_forms for b in candidates):
        return
    theirs = max(candidates, key=lambda c: title_similarity(ours, c))
    similarity = title_similarity(ours, theirs)
    if similarity < 0.5:
        add("error", "title", f"title is not the one Crossref has for this DOI (is the DOI "
            f"right?): Crossref says \"{theirs}\"", ours=ours, crossref=theirs)
    else:
        add("warning", "title", f"title differs from Crossref's in words (here → Crossref): "
            f"{title_difference(ours, theirs)}", ours=ours, crossref=theirs)


def _compare_container(ref: Reference, record: dict, add) -> None:
    theirs = [str(n) for key in ("container-title", "short-container-title")
              for n in record.get(key) or []]
    if not theirs:
        return
    if ref.entry_type == "article":
        ours = [ref.text(n) for n in _JOURNAL_FIELDS if n in ref.fields]
        field = next((n for n in _JOURNAL_FIELDS if n in ref.fields), "journal")
    elif "booktitle" in ref.fields:
        ours, field = [ref.text("booktitle")], "booktitle"
    else:
        return
    if ours and not journal_agrees(ours, theirs):
        add("warning", field, f"{field} is \"{ours[0]}\" here, \"{theirs[0]}\" at Crossref",
            ours=ours[0], crossref=theirs[0])


def _compare_year(ref: Reference, record: dict, add) -> None:
    years = crossref_years(record)
    if ref.year is None or not years or ref.year in years.values():
        return
    said = ", ".join(f"{kind} {year}" for kind, year in years.items())
    add("error", "year" if "year" in ref.fields else "date",
        f"year is {ref.year} here; Crossref has {said}", ours=ref.year, crossref=years)


def _compare_pages(ref: Reference, record: dict, add) -> None:
    theirs = str(record.get("page") or record.get("article-number") or "")
    ours = ref.text("pages") or ref.text("eid")  # an article number stands for pages
    if theirs and not ours:
        add("notice", "pages", f"no pages; Crossref gives {theirs}", crossref=theirs)
        return
    if not (theirs and ours):
        return
    (a1, a2), (b1, b2) = page_range(ours), page_range(theirs)
    if squash(a1) != squash(b1):
        add("error", "pages", f"pages are {ours} here, {theirs} at Crossref",
            ours=ours, crossref=theirs)
    elif a2 and b2 and squash(a2) != squash(b2):
        add("warning", "pages", f"last page is {a2} here, {b2} at Crossref",
            ours=ours, crossref=theirs)


def update_type(raw: object) -> str:
    """`Expression of Concern`, `expression-of-concern` -> `expression_of_concern`."""
    return re.sub(r"[\s\-]+", "_", str(raw or "").strip().lower())


def update_findings(ref: Reference, record: dict) -> list[Finding]:
    """Retractions, expressions of concern and corrections of the cited work."""
    line = ref.line_of("doi")
    merged: dict[tuple[str, str], dict] = {}
    for update in record.get("updated-by") or []:
        if not isinstance(update, dict):
            continue
        kind = update_type(update.get("type"))
        doi = str(update.get("DOI") or "")
        entry = merged.setdefault((kind, doi.lower()), {
            "type": kind, "doi": doi, "label": update.get("label") or kind.replace("_", " "),
            "date": _date(update.get("updated")), "sources": []})
        source = str(update.get("source") or "publisher")
        if source not in entry["sources"]:
            entry["sources"].append(source)
    found = []
    for entry in merged.values():
        severity = UPDATE_SEVERITY.get(entry["type"], "notice")
        notice = f"notice {entry['doi']}" if entry["doi"] else "a notice without a DOI"
        when = f" of {entry['date']}" if entry["date"] else ""
        by = " and ".join(_SOURCE_NAMES.get(s, s) for s in entry["sources"])
        found.append(Finding(
            ref.key, UPDATES, severity,
            f"{entry['label'].lower()}: {notice}{when} (reported by {by}); "
            f"{_ADVICE[severity]}", ref.file, line, entry))
    if not any(f.severity == "error" for f in found):
        found.extend(_self_notice(ref, record, line))
    return sorted(found, key=Finding.rank)


_SOURCE_NAMES = {"publisher": "the publisher", "retraction-watch": "Retraction Watch"}


def _self_notice(ref: Reference, record: dict, line: int) -> list[Finding]:
    """The cited record is itself a retraction notice, or carries a retracted title."""
    found = []
    targets = [u for u in record.get("update-to") or [] if isinstance(u, dict)]
    kinds = {update_type(u.get("type")) for u in targets}
    own_type = update_type(record.get("type"))
    title = _first(record.get("title"))
    retracting = ({"retraction", "withdrawal", "removal", "partial_retraction"} & kinds
                  or "retraction" in own_type or _NOTICE_TITLE.match(title))
    if retracting:
        what = ", ".join(str(u.get("DOI")) for u in targets if u.get("DOI")) or "another work"
        found.append(Finding(ref.key, UPDATES, "error",
                             f"this DOI is a retraction notice (it retracts {what}), not "
                             "evidence; cite the work only if the retraction is the point",
                             ref.file, line, {"type": "retraction_notice", "retracts": what}))
    elif _RETRACTED_TITLE.match(title):
        found.append(Finding(ref.key, UPDATES, "error",
                             f"Crossref's title is marked retracted (\"{title[:60]}\"); do not "
                             "cite it as evidence", ref.file, line, {"type": "retracted_title"}))
    return found


def _date(value: object) -> str:
    try:
        parts = value["date-parts"][0]  # type: ignore[index]
        return "-".join(f"{int(p):02d}" if i else str(int(p)) for i, p in enumerate(parts))
    except (KeyError, IndexError, TypeError, ValueError):
        return ""
