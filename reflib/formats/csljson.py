"""CSL-JSON (Zotero, pandoc, Manubot, Crossref's citeproc JSON) to BibTeX entries.

Accepted shapes: a list of items; `{"items": [...]}` (Zotero's API) or
`{"references": [...]}` (pandoc); one item on its own. The standard library's json is all
this needs. Every CSL variable is kept: mapped to its BibTeX/biblatex field, or to a field
of its own (`csl-note-extra`, `csl-source`, ...).
"""

from __future__ import annotations

import json
from typing import Any

from reflib.errors import Problem
from reflib.formats.fields import FieldSink, iso_date, month_macro, person
from reflib.library.bibtex import ParsedText

TYPES = {
    "article-journal": "article", "article-magazine": "article",
    "article-newspaper": "article", "article": "article", "review": "article",
    "review-book": "article", "book": "book", "chapter": "incollection",
    "paper-conference": "inproceedings", "thesis": "phdthesis", "report": "techreport",
    "webpage": "online", "post-weblog": "online", "post": "online", "manuscript": "unpublished",
    "entry-encyclopedia": "inreference", "entry-dictionary": "inreference", "entry": "inreference",
    "dataset": "dataset", "software": "software", "patent": "patent", "standard": "standard",
    "pamphlet": "booklet", "speech": "misc", "interview": "misc", "personal_communication": "misc",
    "legislation": "misc", "legal_case": "misc", "map": "misc", "figure": "misc",
    "graphic": "misc", "motion_picture": "misc", "song": "misc", "broadcast": "misc",
}
PLAIN = {
    "title": "title", "volume": "volume", "issue": "number", "number": "number",
    "abstract": "abstract", "publisher": "publisher", "publisher-place": "address",
    "language": "language", "edition": "edition", "DOI": "doi", "URL": "url",
    "ISSN": "issn", "ISBN": "isbn", "PMID": "pmid", "PMCID": "pmcid", "note": "note",
    "collection-title": "series", "container-title-short": "shortjournal",
    "journalAbbreviation": "shortjournal", "title-short": "shorttitle", "genre": "type",
    "medium": "howpublished", "event": "eventtitle", "event-title": "eventtitle",
    "event-place": "venue", "chapter-number": "chapter", "call-number": "callnumber",
    "number-of-pages": "pagetotal", "number-of-volumes": "volumes", "version": "version",
    "archive": "archive", "status": "pubstate", "original-title": "origtitle",
}
NAMES = {"author": "author", "editor": "editor", "translator": "translator",
         "container-author": "bookauthor", "collection-editor": "editora"}
_CONTAINER = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle",
              "inreference": "booktitle", "online": "organization"}


def read_csl_json(text: str, file: str) -> ParsedText:
    parsed = ParsedText()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        parsed.problems.append(Problem(file, exc.lineno, f"not valid JSON ({exc.msg} at column "
                                       f"{exc.colno}); CSL-JSON is a JSON list of items"))
        return parsed
    items = _items(data)
    if items is None:
        parsed.problems.append(Problem(file, 1, "JSON but not CSL-JSON: expected a list of "
                                       "items (objects with `type` and `title`), or an object "
                                       "with `items` or `references`"))
        return parsed
    lines = _item_lines(text, 2 if isinstance(data, list) else 3)
    for number, item in enumerate(items):
        line = lines[number] if number < len(lines) else 1
        if not isinstance(item, dict):
            parsed.problems.append(Problem(file, line, f"item {number + 1} is not an object; "
                                           "every CSL-JSON item is {...}"))
            continue
        parsed.references.append(_entry(item, file, line))
    return parsed


def _items(data: Any) -> list | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for name in ("items", "references"):
            if isinstance(data.get(name), list):
                return data[name]
        if "type" in data and ("title" in data or "id" in data):
            return [data]
    return None


def _item_lines(text: str, item_depth: int) -> list[int]:
    """The line of each top-level item's `{` (for messages), found without a second parse."""
    lines: list[int] = []
    depth = 0
    line = 1
    in_string = escaped = False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if char == "{" and depth == item_depth:
                lines.append(line)
        elif char in "]}":
            depth -= 1
    return lines


def _entry(item: dict, file: str, line: int):
    csl_type = str(item.get("type", ""))
    entry_type = TYPES.get(csl_type, "misc")
    sink = FieldSink("csl-")
    if csl_type not in TYPES:
        sink.own("type", csl_type, line)
    key = item.get("id")
    key = str(key) if isinstance(key, (str, int)) else ""
    for name, value in item.items():
        if name in ("id", "type"):
            continue
        if name in NAMES and isinstance(value, list):
            for who in value:
                sink.name(NAMES[name], _person(who), line)
        elif name in ("issued", "accessed", "original-date", "event-date", "submitted"):
            _date(sink, name, value, entry_type, line)
        elif name == "container-title":
            sink.text(_CONTAINER.get(entry_type, "booktitle"), _flat(value), "csl-" + name, line)
        elif name == "page":
            sink.text("pages", _flat(value).replace("\u2013", "-").replace("-", "--")
                      .replace("----", "--"), "csl-page", line)
        elif name == "keyword":
            for word in _flat(value).split(","):
                sink.item("keywords", word, line)
        elif name in PLAIN:
            sink.text(PLAIN[name], _flat(value), "csl-" + name, line)
        else:
            sink.own(name, _flat(value), line)
    return sink.reference(key, entry_type, file, line)


def _flat(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _person(who: Any) -> str:
    if not isinstance(who, dict):
        return person(literal=_flat(who))
    particle = " ".join(str(who.get(p, "")) for p in ("dropping-particle",
                                                     "non-dropping-particle")).strip()
    return person(family=str(who.get("family", "")), given=str(who.get("given", "")),
                  particle=particle, suffix=str(who.get("suffix", "")),
                  literal=str(who.get("literal", "") or ""))


def _date(sink: FieldSink, name: str, value: Any, entry_type: str, line: int) -> None:
    """`{"date-parts": [[2018, 3, 1]]}` -> year, month, date; other forms kept as they are."""
    parts = value.get("date-parts") if isinstance(value, dict) else None
    first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
    if not first or not str(first[0]).strip().lstrip("-").isdigit() or len(parts) > 1 or (
            isinstance(value, dict) and set(value) - {"date-parts"}):
        sink.own(name, _flat(value), line)
        return
    year, month, day = (list(first) + [None, None])[:3]
    date = iso_date(year, month, day)
    if name == "accessed":
        sink.text("urldate", date, "csl-accessed", line)
    elif name == "issued":
        sink.raw("year", "{" + str(year) + "}", "csl-issued", line)
        macro = month_macro(month)
        if macro:
            sink.raw("month", macro, "csl-issued", line)
        if day is not None:
            sink.text("date", date, "csl-issued", line)
    else:
        sink.text({"original-date": "origdate", "event-date": "eventdate"}.get(name, name),
                  date, "csl-" + name, line)
