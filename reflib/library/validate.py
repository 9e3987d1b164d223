"""Validation of sources: one entry at a time, then across the library."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from reflib.errors import Problem
from reflib.library.latex import MONTHS, is_bare_macro
from reflib.library.model import (
    EVIDENCE_TYPES,
    Reference,
    is_safe_key,
    is_valid_doi,
)

# Each inner tuple is "one of these"; an entry should have one field of every group.
# BibTeX's and biblatex's required fields, with `date` standing in for `year`.
_YEAR = ("year", "date")
REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "article": (("author",), ("title",), ("journal", "journaltitle"), _YEAR),
    "book": (("author", "editor"), ("title",), _YEAR),
    "mvbook": (("author", "editor"), ("title",), _YEAR),
    "inbook": (("author", "editor"), ("title", "chapter"), _YEAR),
    "incollection": (("title",), ("booktitle",), _YEAR),
    "inproceedings": (("title",), ("booktitle",), _YEAR),
    "collection": (("editor",), ("title",), _YEAR),
    "proceedings": (("title",), _YEAR),
    "phdthesis": (("author",), ("title",), ("school", "institution"), _YEAR),
    "mastersthesis": (("author",), ("title",), ("school", "institution"), _YEAR),
    "thesis": (("author",), ("title",), ("type",), ("institution", "school"), _YEAR),
    "techreport": (("title",), ("institution",), _YEAR),
    "report": (("title",), ("type",), ("institution",), _YEAR),
    "online": (("title",), ("url", "doi", "eprint")),
    "manual": (("title",),),
    "booklet": (("title",),),
    "unpublished": (("author",), ("title",)),
    "misc": (("title", "howpublished", "note"),),
}


def entry_problems(ref: Reference, inherited: Reference | None = None) -> list[Problem]:
    """Problems of one entry on its own (plus fields it inherits through `crossref`)."""
    problems: list[Problem] = []

    def add(line: int, message: str, severity: str = "error") -> None:
        problems.append(Problem(ref.file, line, message, ref.key, severity))

    if not is_safe_key(ref.key):
        add(ref.line, f"citekey '{ref.key}' is not a safe file name; use letters, digits "
            "and _ . + - (no colon, not starting with a dot, not a device name Windows "
            "reserves such as CON, AUX or LPT1)")
    fields = ref.fields
    available = fields.keys() | inherited.fields.keys() if inherited else fields.keys()
    for group in REQUIRED_FIELDS.get(ref.entry_type, ()):
        if available.isdisjoint(group):
            wanted = " or ".join(group)
            # A warning, as in BibTeX itself: real bibliographies have such entries, and
            # `refs check` judges completeness for the target style.
            add(ref.line, f"@{ref.entry_type} '{ref.key}' lacks required field {wanted}; add it",
                "warning")
    if "doi" in ref.fields:
        written = ref.text("doi")
        doi = ref.doi  # normalize_doi(written), kept by the Reference
        if not is_valid_doi(doi):
            add(ref.line_of("doi"), f"doi '{written}' is not a DOI (expected 10.NNNN/suffix "
                "without spaces); correct it or remove the field")
        elif doi != written:
            add(ref.line_of("doi"), f"doi '{written}' is not in normal form; write '{doi}'")
        if "/." in written and any(part in (".", "..") for part in written.split("/")[1:]):
            # Read as a URL path it would climb out of /works/ or /api/handles/.
            add(ref.line_of("doi"), f"doi '{written}' has a '.' or '..' path segment, which "
                "no registered DOI has; correct the doi or remove the field")
    if "evidence" in ref.fields and ref.evidence not in EVIDENCE_TYPES:
        add(ref.line_of("evidence"), f"evidence '{ref.evidence}' is not one of "
            f"{', '.join(EVIDENCE_TYPES)}")
    for name, raw in fields.items():
        macros = [m for m in is_bare_macro(raw) if m.lower() not in MONTHS]
        if macros:
            add(ref.line_of(name), f"field '{name}' uses undefined macro '{macros[0]}'; "
                "put the value in braces")
    return problems


@dataclass(frozen=True)
class CrossItem:
    """What cross-source validation needs of a source, cheap to keep in the build cache."""

    key: str
    file: str
    line: int
    doi: str = ""
    doi_line: int = 0
    parent: str = ""

    @classmethod
    def of(cls, ref: Reference) -> CrossItem:
        doi = ref.doi
        # A valid DOI is in normal form already, so its key is its lower case (doi_key).
        doi = doi.lower() if doi and is_valid_doi(doi) else ""
        fields = ref.fields
        parent = ""
        if "crossref" in fields or "xdata" in fields:
            from reflib.library.inherit import parent_keys

            # The keys it inherits from, comma-separated (xdata lists several).
            parent = ",".join(parent_keys(ref))
        return cls(ref.key, ref.file, ref.line, doi, ref.field_lines.get("doi", ref.line),
                   parent)


def cross_problems(items: list[CrossItem]) -> list[Problem]:
    """Problems across sources: duplicate keys (case-insensitive), DOIs, missing parents."""
    problems: list[Problem] = []
    by_key: dict[str, list[CrossItem]] = defaultdict(list)
    by_doi: dict[str, list[CrossItem]] = defaultdict(list)
    for item in items:
        by_key[item.key.lower()].append(item)
        if item.doi:
            by_doi[item.doi].append(item)
    for same in by_key.values():
        for item in same[1:]:
            problems.append(Problem(item.file, item.line, f"citekey '{item.key}' duplicates "
                                    f"'{same[0].key}' ({same[0].file}); keys ignore case, "
                                    "rename one", item.key))
    for same in by_doi.values():
        for item in same[1:]:
            problems.append(Problem(item.file, item.doi_line, f"doi {item.doi} is also the doi "
                                    f"of '{same[0].key}' ({same[0].file}); one source per "
                                    "work", item.key))
    for item in items:
        for parent in filter(None, item.parent.split(",")):
            if parent.lower() not in by_key:
                problems.append(Problem(item.file, item.line, f"crossref '{parent}' names no "
                                        "source in the library; add the parent source "
                                        "(refs import), or name it by its key: BibTeX "
                                        "does not read a source's old keys in ids",
                                        item.key))
    return problems
