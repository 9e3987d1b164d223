"""PubMed's MEDLINE format (`.nbib`, `.txt` from "Save: PubMed format") to BibTeX entries.

Our own reader rather than the `nbib` package: the format is `TAG - value` with indented
continuation lines, and we need the line of each record and every tag kept (the package
maps a subset). Tags with no BibTeX field go to fields of their own (`medline-ad`, ...).
"""

from __future__ import annotations

import re

from reflib.errors import Problem
from reflib.formats.fields import FieldSink, escape_name, iso_date, month_macro
from reflib.library.bibtex import ParsedText
from reflib.library.latex import MONTHS

_TAG = re.compile(r"^([A-Z][A-Z0-9]{0,3}) {0,3}- ?(.*)$")
PLAIN = {
    "TI": "title", "BTI": "title", "AB": "abstract", "JT": "journal", "TA": "shortjournal",
    "VI": "volume", "IP": "number", "LA": "language", "PMC": "pmcid", "PMID": "pmid",
    "PB": "publisher", "PL": "address", "CTI": "series", "EN": "edition", "ISBN": "isbn",
}

# MEDLINE's language codes (ISO 639-2) as the two-letter codes the other formats use.
ISO_639_1 = {"eng": "en", "fre": "fr", "ger": "de", "spa": "es", "ita": "it", "por": "pt",
             "dut": "nl", "rus": "ru", "jpn": "ja", "chi": "zh", "pol": "pl", "swe": "sv",
             "dan": "da", "nor": "no", "fin": "fi", "tur": "tr", "kor": "ko", "heb": "he",
             "gre": "el", "cze": "cs", "hun": "hu", "ara": "ar", "per": "fa"}


def read_medline(text: str, file: str) -> ParsedText:
    """Records separated by blank lines, each starting with `PMID- `."""
    parsed = ParsedText()
    record: list[list] = []  # [tag, value, line]
    for number, line in enumerate(text.splitlines() + [""], start=1):
        if not line.strip():
            if record:
                parsed.references.append(_entry(record, file))
            record = []
            continue
        if line[:1] == " " and record:
            record[-1][1] += " " + line.strip()
            continue
        match = _TAG.match(line)
        if match is None:
            parsed.problems.append(Problem(file, number, f"not a MEDLINE line: {line[:40]!r}; "
                                           "expected `TAG - value`"))
            continue
        record.append([match.group(1), match.group(2).strip(), number])
    return parsed


def _entry(record: list[list], file: str):
    line = record[0][2]
    tags = {tag for tag, _, _ in record}
    entry_type = "incollection" if "BTI" in tags and "TI" in tags else (
        "book" if "BTI" in tags else "article")
    sink = FieldSink("medline-")
    has_fau = "FAU" in tags
    for tag, value, at in record:
        if not value:
            continue
        if tag == "FAU" or (tag == "AU" and not has_fau):
            sink.name("author", escape_name(value), at)
        elif tag == "FED" or (tag == "ED" and "FED" not in tags):
            sink.name("editor", escape_name(value), at)
        elif tag in ("AU", "ED"):
            sink.own(tag, value, at)  # the short form of a name already read in full
        elif tag == "TI" and entry_type == "incollection":
            sink.text("title", _title(value), "medline-ti", at)
        elif tag == "BTI" and entry_type == "incollection":
            sink.text("booktitle", _title(value), "medline-bti", at)
        elif tag in ("TI", "BTI"):
            sink.text("title", _title(value), f"medline-{tag}", at)
        elif tag == "DP":
            _published(sink, value, at)
        elif tag == "PG":
            sink.text("pages", re.sub(r"(?<=\w)-(?=\w)", "--", value), "medline-pg", at)
        elif tag in ("LID", "AID") and value.endswith("[doi]"):
            sink.text("doi", value[:-5].strip(), f"medline-{tag}", at)
        elif tag == "IS":
            _issn(sink, value, at)
        elif tag == "LA" and value.lower() in ISO_639_1:
            sink.text("language", ISO_639_1[value.lower()], "medline-la", at)
            sink.own("LA", value, at)  # MEDLINE's own code, kept as it was
        elif tag == "OT":
            sink.item("keywords", value, at)
        elif tag == "MH":
            sink.item("mesh", value, at)
        elif tag in PLAIN:
            sink.text(PLAIN[tag], value, f"medline-{tag}", at)
        else:
            sink.own(tag, value, at)
    return sink.reference("", entry_type, file, line)


def _title(value: str) -> str:
    """MEDLINE ends every title with a period it adds ("[Title in French]." too)."""
    return value[:-1] if value.endswith(".") and not value.endswith("..") else value


def _published(sink: FieldSink, value: str, line: int) -> None:
    """`2018 Mar 1` -> year, month, date; `2017 Spring` or `2016 Nov-Dec` keep the text."""
    match = re.fullmatch(r"(\d{4})(?: ([A-Za-z]{3})(?: (\d{1,2}))?)?", value.strip())
    if match is None:
        year = re.match(r"\d{4}", value)
        if year:
            sink.raw("year", "{" + year.group() + "}", "medline-dp", line)
        sink.own("DP", value, line)
        return
    year, month, day = match.groups()
    sink.raw("year", "{" + year + "}", "medline-dp", line)
    number = MONTHS.get(month.lower()) if month else None
    if month and number is None:
        sink.own("DP", value, line)
        return
    if number:
        sink.raw("month", month_macro(number) or "", "medline-dp", line)
    if day:
        sink.text("date", iso_date(year, number, day), "medline-dp", line)


def _issn(sink: FieldSink, value: str, line: int) -> None:
    """`2050-084X (Electronic)` -> eissn; `(Print)` -> issn; `(Linking)` -> issnl."""
    match = re.fullmatch(r"(\S+) \((Electronic|Print|Linking)\)", value)
    if match is None:
        sink.text("issn", value, "medline-is", line)
        return
    name = {"Electronic": "eissn", "Print": "issn", "Linking": "issnl"}[match.group(2)]
    sink.text(name, match.group(1), "medline-is", line)
