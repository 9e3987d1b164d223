"""Pure: References to data formats: CSL-JSON, BibTeX, biblatex and RIS text.

    >>> to_ris([ref]).splitlines()[0]
    'TY  - JOUR'

BibTeX and biblatex keep every raw value as written (braces that protect case stay);
only entry types and field names are translated where the two dialects differ.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import partial

from reflib.formats.csl import csl_type, issued_date, page_ends, parse_date, to_csl
from reflib.formats.journals import save_learned
from reflib.formats.parallel import map_slices
from reflib.gcpause import gc_paused
from reflib.library.bibtex import format_entry
from reflib.library.index import entry_from_json
from reflib.library.latex import MONTHS
from reflib.library.model import Name, Reference
from reflib.progress import progress

BAR_FROM = 10_000  # entries: fewer are exported within a second or two

# biblatex type -> BibTeX type (classic BibTeX styles know only these).
BIBTEX_TYPES = {
    "online": "misc", "www": "misc", "electronic": "misc", "mvbook": "book",
    "collection": "book", "mvcollection": "book", "mvproceedings": "proceedings",
    "bookinbook": "inbook", "suppbook": "inbook", "report": "techreport",
    "thesis": "phdthesis", "dataset": "misc", "software": "misc", "patent": "misc",
    "periodical": "misc",
}
# Field names: biblatex -> BibTeX, and the reverse for the biblatex export.
BIBTEX_FIELDS = {"journaltitle": "journal", "location": "address", "institution": "institution"}
BIBLATEX_FIELDS = {"journal": "journaltitle", "address": "location", "school": "institution"}
BIBLATEX_TYPES = {"phdthesis": "thesis", "mastersthesis": "thesis", "techreport": "report",
                  "www": "online", "electronic": "online", "conference": "inproceedings"}

RIS_TYPES = {
    "article-journal": "JOUR", "article-magazine": "MGZN", "article-newspaper": "NEWS",
    "book": "BOOK", "chapter": "CHAP", "paper-conference": "CPAPER", "webpage": "ELEC",
    "thesis": "THES", "report": "RPRT", "manuscript": "UNPB", "patent": "PAT",
    "dataset": "DATA", "software": "COMP", "personal_communication": "PCOMM",
    "pamphlet": "PAMP", "periodical": "JFULL", "document": "GEN",
}
# Plain-text fields: RIS tag <- first present BibTeX field.
RIS_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("J2", ("shortjournal", "journalabbrev")),
    ("VL", ("volume",)),
    ("IS", ("number", "issue")),
    ("ET", ("edition",)),
    ("PB", ("publisher", "institution", "school", "organization")),
    ("CY", ("address", "location")),
    ("DO", ("doi",)),
    ("UR", ("url",)),
    ("AN", ("pmid",)),
    ("C2", ("pmcid",)),
    ("AB", ("abstract",)),
    ("N1", ("note",)),
    ("LA", ("language", "langid")),
)


def _bar(items: Sequence) -> int:
    """Steps of the export's progress bar: none below BAR_FROM entries (under a second)."""
    return len(items) if len(items) >= BAR_FROM else 0


def _each(text: str, advance) -> str:
    advance(1)
    return text


def to_csl_json(refs: Iterable[Reference], subtitle: str = "capital") -> str:
    """A CSL-JSON array (what `pandoc --citeproc --bibliography refs.json` reads)."""
    with gc_paused():
        return _csl_json(refs, subtitle)


def _csl_json(refs: Iterable[Reference], subtitle: str) -> str:
    # One item a line: readable, diff-friendly, and json's C encoder (indent= is pure
    # Python and was most of the time for 100,000 entries). Long lists on every core.
    refs = list(refs)
    with progress(_bar(refs), "exporting") as advance:
        lines = [line for part in map_slices(partial(_csl_lines, subtitle=subtitle), refs,
                                             advance) for line in part]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


def csl_json_of_entries(entries: Sequence[str], subtitle: str = "capital") -> str:
    """`to_csl_json` of the index's entry JSON (index.entry_json), each made a Reference
    where it is mapped: on every core for a long list, none built in this process."""
    with gc_paused(), progress(_bar(entries), "exporting") as advance:
        lines = [line for part in map_slices(partial(_csl_lines_of_entries,
                                                     subtitle=subtitle), entries, advance)
                 for line in part]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


def _csl_lines_of_entries(entries: Sequence[str], subtitle: str) -> list[str]:
    return _csl_lines([entry_from_json(entry) for entry in entries], subtitle)


def _csl_lines(refs: Sequence[Reference], subtitle: str) -> list[str]:
    with gc_paused():
        lines = [json.dumps(to_csl(ref, subtitle), ensure_ascii=False) for ref in refs]
    save_learned()  # a forked worker runs no atexit: its journal abbreviations kept now
    return lines


def to_bibtex(refs: Iterable[Reference]) -> str:
    """Classic BibTeX: biblatex types and field names mapped back, `date` as year/month."""
    refs = list(refs)
    with gc_paused(), progress(_bar(refs), "exporting") as advance:
        return "\n".join(_each(format_entry(_as_bibtex(ref)), advance) for ref in refs)


def to_biblatex(refs: Iterable[Reference]) -> str:
    """biblatex: journaltitle, location, date = {YYYY-MM-DD}, @online, @thesis."""
    refs = list(refs)
    with gc_paused(), progress(_bar(refs), "exporting") as advance:
        return "\n".join(_each(format_entry(_as_biblatex(ref)), advance) for ref in refs)


def _renamed(ref: Reference, entry_type: str, fields: dict[str, str]) -> Reference:
    return Reference(ref.key, entry_type, fields, ref.file, ref.line)


def _as_bibtex(ref: Reference) -> Reference:
    fields: dict[str, str] = {}
    for name, raw in ref.fields.items():
        if name == "date":
            date = parse_date(ref.text("date")) or {}
            parts = (date.get("date-parts") or [[]])[0]
            if parts and "year" not in ref.fields:
                fields["year"] = f"{{{parts[0]}}}"
                if len(parts) > 1 and "month" not in ref.fields:
                    fields["month"] = list(MONTHS)[parts[1] - 1]
            continue
        fields.setdefault(BIBTEX_FIELDS.get(name, name), raw)
    entry_type = BIBTEX_TYPES.get(ref.entry_type, ref.entry_type)
    if ref.entry_type in ("online", "www", "electronic") and "url" in ref.fields:
        fields.setdefault("howpublished", "{\\url{" + ref.text("url") + "}}")
    if ref.entry_type == "thesis" and "master" in ref.text("type").lower():
        entry_type = "mastersthesis"
    return _renamed(ref, entry_type, fields)


def _as_biblatex(ref: Reference) -> Reference:
    fields: dict[str, str] = {}
    issued = issued_date(ref)
    parts = (issued or {}).get("date-parts", [[]])[0]
    for name, raw in ref.fields.items():
        if name in ("year", "month", "day") and "date" not in ref.fields and parts:
            if name == "year":
                fields["date"] = "{" + "-".join(f"{p:02d}" if i else str(p)
                                                for i, p in enumerate(parts)) + "}"
            continue
        fields.setdefault(BIBLATEX_FIELDS.get(name, name), raw)
    entry_type = BIBLATEX_TYPES.get(ref.entry_type, ref.entry_type)
    if ref.entry_type in ("phdthesis", "mastersthesis") and "type" not in fields:
        fields["type"] = "{" + ref.entry_type + "}"
    return _renamed(ref, entry_type, fields)


def to_ris(refs: Iterable[Reference]) -> str:
    """RIS records (Zotero, EndNote, Mendeley), one per reference, each ending `ER  -`."""
    refs = list(refs)
    with gc_paused(), progress(_bar(refs), "exporting") as advance:
        return "".join(map_slices(_ris_records, refs, advance))


def ris_of_entries(entries: Sequence[str]) -> str:
    """`to_ris` of the index's entry JSON (see csl_json_of_entries)."""
    with gc_paused(), progress(_bar(entries), "exporting") as advance:
        return "".join(map_slices(_ris_records_of_entries, entries, advance))


def _ris_records_of_entries(entries: Sequence[str]) -> str:
    return _ris_records([entry_from_json(entry) for entry in entries])


def _ris_records(refs: Sequence[Reference]) -> str:
    with gc_paused():
        return "".join(_ris_record(ref) for ref in refs)


def _ris_record(ref: Reference) -> str:
    kind = csl_type(ref)
    lines = [("TY", RIS_TYPES.get(kind, "GEN"))]
    lines += [("AU", _ris_name(n)) for n in ref.authors if n.literal != "others"]
    lines += [("ED" if kind != "chapter" else "A2", _ris_name(n))
              for n in ref.editors if n.literal != "others"]
    title = ref.title or ref.text("howpublished")
    if title:
        lines.append(("TI", title))
    container = ref.container or (ref.text("organization") if kind == "webpage" else "")
    if container:
        lines.append(("T2", container))
    if "series" in ref.fields:
        lines.append(("T3", ref.text("series")))
    issued = issued_date(ref)
    parts = (issued or {}).get("date-parts", [[]])[0]
    if parts:
        lines.append(("PY", str(parts[0])))
        lines.append(("DA", _ris_date(parts)))
    accessed = parse_date(ref.text("urldate")) if "urldate" in ref.fields else None
    if accessed and "date-parts" in accessed:
        lines.append(("Y2", _ris_date(accessed["date-parts"][0])))
    if "pages" in ref.fields:
        first, last = page_ends(ref)
        lines.append(("SP", first))
        if last:
            lines.append(("EP", last))
    for tag, names in RIS_FIELDS:
        for name in names:
            if name in ref.fields:
                lines.append((tag, ref.doi if name == "doi" else ref.text(name)))
                break
    for name in ("isbn", "issn", "eissn"):
        if name in ref.fields:
            lines.append(("SN", ref.text(name)))
    lines += [("KW", word.strip()) for word in ref.text("keywords").split(",") if word.strip()]
    lines.append(("ID", ref.key))
    body = "".join(f"{tag}  - {' '.join(value.split())}\n" for tag, value in lines)
    return body + "ER  - \n\n"


def _ris_name(name: Name) -> str:
    if name.literal:
        return name.literal
    text = name.family_full
    if name.given:
        text += f", {name.given}"
    if name.suffix:
        text += f", {name.suffix}"
    return text


def _ris_date(parts: list[int]) -> str:
    """RIS dates are YYYY/MM/DD/ with empty parts left blank: `2021/09//`."""
    padded = [f"{p:02d}" for p in parts[1:3]] + ["", ""]
    return f"{parts[0]:04d}/{padded[0]}/{padded[1]}/"
