"""RIS (Zotero, EndNote, Mendeley, PubMed, Scopus exports) to BibTeX entries.

Our own reader rather than rispy: RIS is `XX  - value` lines, and we need what rispy does
not give: the line of every record and tag for messages, and every tag kept (a tag with no
BibTeX field goes to a field of its own, `ris-xx`, rather than into a catch-all list).
"""

from __future__ import annotations

import re

from reflib.errors import Problem
from reflib.formats.fields import FieldSink, escape_name, iso_date, month_macro
from reflib.library.bibtex import ParsedText

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")

TYPES = {
    "JOUR": "article", "JFULL": "article", "MGZN": "article", "NEWS": "article",
    "EJOUR": "article", "ABST": "article", "INPR": "article",
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "WHOLE": "book",
    "CHAP": "incollection", "ECHAP": "incollection",
    "CONF": "inproceedings", "CPAPER": "inproceedings",
    "THES": "phdthesis", "RPRT": "techreport", "ELEC": "online", "WEB": "online",
    "BLOG": "online", "UNPB": "unpublished", "MANSCPT": "unpublished", "GEN": "misc",
    "DATA": "misc", "COMP": "misc", "PAT": "patent", "STAND": "standard", "PAMP": "booklet",
}
# Tag -> field for the tags whose meaning does not depend on the type.
PLAIN = {
    "TI": "title", "T1": "title", "VL": "volume", "IS": "number", "AB": "abstract",
    "N2": "abstract", "N1": "note", "PB": "publisher", "CY": "address", "PP": "address",
    "LA": "language", "ET": "edition", "DO": "doi", "UR": "url", "T3": "series",
    "JA": "shortjournal", "J2": "shortjournal", "J1": "shortjournal", "JF": "journal",
    "JO": "journal", "ST": "shorttitle", "CN": "callnumber",
}
AUTHORS = {"AU": "author", "A1": "author", "A2": "editor", "ED": "editor",
           "A3": "editora", "A4": "translator"}
_CONTAINER = {"article": "journal", "incollection": "booktitle",
              "inproceedings": "booktitle", "book": "series"}


def read_ris(text: str, file: str) -> ParsedText:
    """Every `TY` … `ER` record as an entry; lines outside records are problems."""
    parsed = ParsedText()
    record: list[tuple[str, str, int]] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = _TAG.match(line.rstrip())
        if match is None:
            if record and line.strip():
                tag, value, at = record[-1]
                record[-1] = (tag, f"{value} {line.strip()}", at)  # a wrapped value
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if record:
                parsed.problems.append(Problem(file, start, "record has no ER line before the "
                                               "next TY; end every record with `ER  -`"))
            record, start = [(tag, value, number)], number
        elif tag == "ER":
            if record:
                parsed.references.append(_entry(record, file, start))
            record = []
        elif record:
            record.append((tag, value, number))
        else:
            parsed.problems.append(Problem(file, number, f"tag {tag} outside a record; every "
                                           "record starts with `TY  -`"))
    if record:
        parsed.problems.append(Problem(file, start, "the last record has no `ER  -` line; "
                                       "the file may be cut short"))
    return parsed


def _entry(record: list[tuple[str, str, int]], file: str, line: int):
    ris_type = record[0][1].upper()
    entry_type = TYPES.get(ris_type, "misc")
    sink = FieldSink("ris-")
    if ris_type not in TYPES:
        sink.own("TY", ris_type, line)
    key = ""
    start_page = end_page = ""
    for tag, value, at in record[1:]:
        if not value:
            continue
        if tag in AUTHORS:
            sink.name(AUTHORS[tag], escape_name(value), at)
        elif tag == "ID":
            key = key or value
        elif tag in ("PY", "Y1", "DA"):
            _date(sink, tag, value, at)
        elif tag == "Y2":
            _accessed(sink, value, at)
        elif tag == "SP":
            start_page = value
        elif tag == "EP":
            end_page = value
        elif tag == "KW":
            sink.item("keywords", value, at)
        elif tag == "SN":
            name = "isbn" if entry_type in ("book", "incollection") else "issn"
            sink.text(name, value, "ris-sn", at)
        elif tag == "T2":
            sink.text(_CONTAINER.get(entry_type, "booktitle"), value, "ris-t2", at)
        elif tag in PLAIN:
            sink.text(PLAIN[tag], value, f"ris-{tag}", at)
        else:
            sink.own(tag, value, at)
    if start_page:
        pages = f"{start_page}--{end_page}" if end_page and end_page != start_page else start_page
        sink.text("pages", pages, "ris-sp", line)
    elif end_page:
        sink.own("EP", end_page, line)
    return sink.reference(key, entry_type, file, line)


def _date(sink: FieldSink, tag: str, value: str, line: int) -> None:
    """`2018/03/01/` or `2018///Spring`: year, month macro; the rest kept in `ris-xx`."""
    parts = value.split("/")
    year = parts[0].strip()
    if re.fullmatch(r"\d{4}", year):
        sink.raw("year", "{" + year + "}", f"ris-{tag}", line)
        month = month_macro(parts[1]) if len(parts) > 1 and parts[1].strip() else None
        if month:
            sink.raw("month", month, f"ris-{tag}", line)
        day = parts[2].strip() if len(parts) > 2 else ""
        other = "/".join(parts[3:]).strip() if len(parts) > 3 else ""
        if month and day.isdigit() and not other:
            sink.text("date", iso_date(year, parts[1], day), f"ris-{tag}", line)
        elif day or other:
            sink.own(tag, value, line)
    else:
        sink.own(tag, value, line)


def _accessed(sink: FieldSink, value: str, line: int) -> None:
    """`2019/03/12/T20:12:22Z` -> urldate 2019-03-12; a time or other text kept in ris-y2."""
    parts = value.split("/")
    if len(parts) >= 3 and all(p.strip().isdigit() for p in parts[:3]):
        sink.text("urldate", iso_date(*parts[:3]), "ris-y2", line)
        if "/".join(parts[3:]).strip():
            sink.own("Y2", value, line)
    else:
        sink.text("urldate", value, "ris-y2", line)
