"""Which bibliography format a text is in, from its content (never from its file name).

    detect(text) -> "bibtex" | "ris" | "medline" | "csl-json" | "endnote-xml" | None
"""

from __future__ import annotations

import re
from collections.abc import Callable

from reflib.library.bibtex import ParsedText

FORMATS = ("bibtex", "ris", "medline", "csl-json", "endnote-xml")
EXPECTED = ("BibTeX (@article{key, ...}), RIS (TY  - JOUR ... ER  -), PubMed MEDLINE/nbib "
            "(PMID- ...), CSL-JSON ([{\"type\": ..., \"title\": ...}]) or EndNote XML "
            "(<xml><records><record>...)")

_RIS = re.compile(r"^TY  - ", re.MULTILINE)
_MEDLINE = re.compile(r"^PMID- ", re.MULTILINE)
_BIBTEX = re.compile(r"^[ \t]*@[A-Za-z]+[ \t]*[{(]", re.MULTILINE)


def detect(text: str) -> str | None:
    """The format of `text`, judged from its start; None when it is none of ours."""
    head = text.lstrip("\ufeff \t\r\n")[:200_000]
    if head[:1] in "[{" and head:
        return "csl-json"
    if head.startswith("<"):
        return "endnote-xml" if re.search(r"<record[\s/>]", head) else None
    found = []
    for name, pattern in (("ris", _RIS), ("medline", _MEDLINE), ("bibtex", _BIBTEX)):
        match = pattern.search(head)
        if match:
            found.append((match.start(), name))
    return min(found)[1] if found else None


def reader(name: str) -> Callable[[str, str], ParsedText]:
    """The reader function of format `name` (imported only when used)."""
    if name == "bibtex":
        from reflib.library.bibtex import parse_text
        return parse_text
    if name == "ris":
        from reflib.formats.ris import read_ris
        return read_ris
    if name == "medline":
        from reflib.formats.medline import read_medline
        return read_medline
    if name == "csl-json":
        from reflib.formats.csljson import read_csl_json
        return read_csl_json
    if name == "endnote-xml":
        from reflib.formats.endnote import read_endnote_xml
        return read_endnote_xml
    raise ValueError(f"unknown format {name!r}")
