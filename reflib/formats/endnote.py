"""EndNote XML (File > Export > XML, also Bookends and Papers) to BibTeX entries.

The standard library's ElementTree reads it (expat refuses external entities and, since
Python 3.11's expat, entity-expansion bombs). Every element of a record is kept: mapped
to a BibTeX/biblatex field, or to a field of its own named after its path
(`endnote-auth-address`, `endnote-custom1`).
"""

from __future__ import annotations

import re

from reflib.errors import Problem
from reflib.formats.fields import FieldSink, escape_name, month_macro
from reflib.library.bibtex import ParsedText
from reflib.library.latex import MONTHS

TYPES = {
    "journal article": "article", "electronic article": "article",
    "magazine article": "article", "newspaper article": "article", "book": "book",
    "edited book": "book", "electronic book": "book", "book section": "incollection",
    "electronic book section": "incollection", "conference proceedings": "inproceedings",
    "conference paper": "inproceedings", "thesis": "phdthesis", "report": "techreport",
    "web page": "online", "blog": "online", "unpublished work": "unpublished",
    "manuscript": "unpublished", "generic": "misc", "dataset": "dataset",
    "computer program": "software", "patent": "patent", "standard": "standard",
    "encyclopedia": "inreference", "dictionary": "inreference", "pamphlet": "booklet",
}
PLAIN = {
    "volume": "volume", "number": "number", "issue": "number", "abstract": "abstract",
    "notes": "note", "publisher": "publisher", "pub-location": "address",
    "language": "language", "edition": "edition", "label": "endnote-label",
    "short-title": "shorttitle", "tertiary-title": "series", "call-num": "callnumber",
    "access-date": "urldate", "full-title": "journal", "abbr-1": "shortjournal",
    "alt-title": "shortjournal", "section": "chapter", "num-vols": "volumes",
}
NAMES = {"authors": "author", "secondary-authors": "editor", "tertiary-authors": "editora",
         "translated-authors": "translator"}
_CONTAINER = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle",
              "book": "series", "inreference": "booktitle"}
_SPACES = re.compile(r"\s+")


def read_endnote_xml(text: str, file: str) -> ParsedText:
    import xml.etree.ElementTree as ElementTree

    parsed = ParsedText()
    try:
        root = ElementTree.fromstring(text.lstrip("\ufeff").encode("utf-8"))
    except ElementTree.ParseError as exc:
        line = exc.position[0] if exc.position else 1
        parsed.problems.append(Problem(file, line, f"not well-formed XML ({exc}); EndNote XML "
                                       "is <xml><records><record>..."))
        return parsed
    records = root.iter("record")
    lines = [m.start() for m in re.finditer(r"<record[\s/>]", text)]
    for number, record in enumerate(records):
        at = text.count("\n", 0, lines[number]) + 1 if number < len(lines) else 1
        parsed.references.append(_entry(record, file, at))
    return parsed


def _text(element) -> str:
    return _SPACES.sub(" ", "".join(element.itertext())).strip()


def _entry(record, file: str, line: int):
    kind = record.find("ref-type")
    kind_name = (kind.get("name") or "").strip() if kind is not None else ""
    entry_type = TYPES.get(kind_name.lower(), "misc")
    sink = FieldSink("endnote-")
    if kind_name.lower() not in TYPES:
        sink.own("ref-type", kind_name, line)
    for child in record:
        _element(sink, child, child.tag, entry_type, line)
    return sink.reference("", entry_type, file, line)


def _element(sink: FieldSink, element, path: str, entry_type: str, line: int) -> None:
    tag = element.tag
    children = [c for c in element if c.tag != "style"]
    if tag == "ref-type":
        return
    if tag in NAMES:
        for who in element:
            sink.name(NAMES[tag], escape_name(_text(who)), line)
        return
    if tag == "subsidiary-authors":
        for who in element:
            sink.own(tag, _text(who), line)
        return
    if children and tag not in ("year",):
        for child in children:
            _element(sink, child, f"{path}-{child.tag}" if tag not in
                     ("contributors", "titles", "periodical", "dates", "urls") else child.tag,
                     entry_type, line)
        return
    value = _text(element)
    if not value:
        return
    if tag == "title":
        sink.text("title", value, "endnote-title", line)
    elif tag == "secondary-title":
        sink.text(_CONTAINER.get(entry_type, "booktitle"), value, "endnote-secondary-title",
                  line)
    elif tag == "year":
        year = re.match(r"\d{4}", value)
        if year and year.group() == value:
            sink.raw("year", "{" + value + "}", "endnote-year", line)
        else:
            sink.own("year", value, line)
    elif path.endswith("pub-dates-date") or path == "date":
        _pub_date(sink, value, line)
    elif tag == "keyword":
        sink.item("keywords", value, line)
    elif tag == "pages":
        sink.text("pages", re.sub(r"(?<=\w)-(?=\w)", "--", value), "endnote-pages", line)
    elif tag == "electronic-resource-num" and value.startswith("10."):
        sink.text("doi", value, "endnote-electronic-resource-num", line)
    elif tag == "isbn":
        _isbn(sink, value, entry_type, line)
    elif tag == "url" and path.startswith("related-urls"):
        sink.text("url", value, "endnote-related-urls", line)
    elif tag in PLAIN and not PLAIN[tag].startswith("endnote-"):
        sink.text(PLAIN[tag], value, f"endnote-{tag}", line)
    else:
        sink.own(path, value, line)


def _pub_date(sink: FieldSink, value: str, line: int) -> None:
    """`Mar 3` or `March` -> month; anything more is kept in `endnote-pub-dates`."""
    month = MONTHS.get(value[:3].lower())
    if month and re.fullmatch(r"[A-Za-z]+\.?", value):
        sink.raw("month", month_macro(month) or "", "endnote-pub-dates", line)
        return
    if month:
        sink.raw("month", month_macro(month) or "", "endnote-pub-dates", line)
    sink.own("pub-dates", value, line)


def _isbn(sink: FieldSink, value: str, entry_type: str, line: int) -> None:
    """EndNote keeps ISSNs in `isbn` for articles: `1532-1827 (Electronic) 0007-0920 (Linking)`."""
    kinds = re.findall(r"(\S+) \((Electronic|Print|Linking)\)", value)
    if entry_type == "article" and kinds:
        for number, kind in kinds:
            name = {"Electronic": "eissn", "Print": "issn", "Linking": "issnl"}[kind]
            sink.text(name, number, "endnote-isbn", line)
    elif entry_type == "article" and re.fullmatch(r"\d{4}-\d{3}[\dXx]", value):
        sink.text("issn", value, "endnote-isbn", line)
    else:
        sink.text("isbn", value, "endnote-isbn", line)
