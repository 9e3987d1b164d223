"""The Reference record, person names, DOIs and citekeys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from reflib.library.latex import (
    MONTHS,
    VERBATIM_FIELDS,
    field_text,
    latex_to_text,
    split_concatenation,
    strip_delimiters,
)
from reflib.library.vocabulary import EVIDENCE_TYPES  # noqa: F401 (re-exported)

# Keys become file names under refs/: no separators, no leading dot, nothing a shell or
# file system treats specially. No colon either (`Knuth:1984` is a drive or a stream on
# Windows), and no name Windows reserves for a device, with any extension (`con.x.bib`).
_SAFE_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+\-]{0,199}")
_WINDOWS_DEVICES = frozenset(["con", "prn", "aux", "nul", "conin$", "conout$",
                              *(f"{d}{n}" for d in ("com", "lpt") for n in "123456789¹²³")])
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/|(?:dx\.)?doi\.org/)", re.I)


def is_safe_key(key: str) -> bool:
    """True when `key` can be a file name inside refs/: `lee2021` yes, `../x` no."""
    return (bool(_SAFE_KEY.fullmatch(key)) and ".." not in key and not key.endswith(".")
            and key.split(".")[0].lower() not in _WINDOWS_DEVICES)


def normalize_doi(text: str) -> str:
    """The bare DOI in `text`: `https://doi.org/10.1/X.` -> `10.1/X`. Case is kept."""
    doi = text.strip()
    if doi.startswith("10."):  # no prefix to take off (every prefix starts with a letter)
        return doi.rstrip(".,;")
    return _without_prefixes(doi)


def _without_prefixes(doi: str) -> str:
    """`normalize_doi` of a stripped text, prefixes and all (its general path)."""
    while True:
        stripped = _DOI_PREFIX.sub("", doi).strip()
        if stripped == doi:
            break
        doi = stripped
    return doi.rstrip(".,;")


def is_valid_doi(doi: str) -> bool:
    """A DOI in normal form: `10.` + registrant code + `/` + suffix without spaces."""
    return bool(_DOI.fullmatch(doi))


def doi_key(doi: str) -> str:
    """DOIs compare case-insensitively."""
    return normalize_doi(doi).lower()


class _once:  # a decorator, named as one
    """functools.cached_property without its lock (Python 3.11 takes a lock on every
    first read, which costs more than a short computation): the value is computed on the
    first read and kept in the instance's __dict__ under the same name, so later reads
    never reach this descriptor. Frozen dataclasses take it, as they take cached_property."""

    def __init__(self, func) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


@dataclass(frozen=True)
class Name:
    """A person or an organisation (`literal`) in an author or editor list."""

    family: str = ""
    given: str = ""
    von: str = ""
    suffix: str = ""
    literal: str = ""

    @property
    def family_full(self) -> str:
        return _family_full(self.von, self.family, self.literal)

    def display(self) -> str:
        """`Family, Given` as `refs list` shows it: `van Zundert, Jan`."""
        return _display(self.family_full, self.given, self.suffix, self.literal)

    @_once
    def _row(self) -> tuple[str, str, str, str, str]:
        """The cells of its row in the index's authors table (family_full, given, suffix,
        literal, display), made once per Name (Names of one spelling are one Name)."""
        given, suffix, literal = self.given, self.suffix, self.literal
        full = _family_full(self.von, self.family, literal)
        return full, given, suffix, literal, _display(full, given, suffix, literal)


def _family_full(von: str, family: str, literal: str) -> str:
    if von:
        return f"{von} {family}" if family else von
    return family or literal


def _display(family_full: str, given: str, suffix: str, literal: str) -> str:
    if literal:
        return literal
    head = family_full + (f", {suffix}" if suffix else "")
    return f"{head}, {given}" if given else head


def parse_names(raw: str) -> list[Name]:
    """A BibTeX name list (`A, B and {Org}`) to Names; `and others` becomes a literal."""
    value = strip_delimiters(raw)
    # Without braces "and" can only be a separator: split fast, as BibTeX would.
    if "{" not in value:
        persons = _AND.split(value.strip())
    else:
        from bibtexparser.middlewares.names import split_multiple_persons_names

        persons = split_multiple_persons_names(value)
    return [_person(person) for person in map(str.strip, persons) if person]


@lru_cache(maxsize=1 << 16)
def _person(person: str) -> Name:
    """One person (stripped, not empty) to a Name. Pure, and names repeat across a
    library: each distinct spelling is read once (Names are frozen, so one is shared)."""
    simple = _simple_name(person)
    if simple is not None:
        return simple
    return _general_name(person)


def _general_name(person: str) -> Name:
    """One person read by BibTeX's rules (the general path `_simple_name` short-cuts)."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    if person.lower() == "others":
        return Name(literal="others")
    if person.startswith("{") and person.endswith("}") and _balanced_outer(person):
        return Name(literal=latex_to_text(person[1:-1]))
    try:
        parts = parse_single_name_into_parts(person, strict=False)
    except Exception:
        return Name(literal=latex_to_text(person))
    return Name(
        family=latex_to_text(" ".join(parts.last)),
        given=latex_to_text(" ".join(parts.first)),
        von=latex_to_text(" ".join(parts.von)),
        suffix=latex_to_text(" ".join(parts.jr)),
    )


_YEAR = re.compile(r"\d{4}")
_PLAIN_NAME = re.compile(r"[^{}\\,]+, [^{}\\,]+")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def _simple_name(person: str) -> Name | None:
    """`Family, Given` with no braces, commands or lower-case (von) words: the common case,
    read without the general BibTeX name parser (a fast path, same result)."""
    if not _PLAIN_NAME.fullmatch(person):
        return None
    family, given = person.split(", ")
    words = family.split()
    for word in words:
        if not word[0].isupper():
            return None
    return Name(" ".join(words), " ".join(given.split()))


def _balanced_outer(text: str) -> bool:
    """True when the first brace closes at the very end: `{A B}` yes, `{A} {B}` no."""
    depth = 0
    for i, char in enumerate(text):
        depth += char == "{"
        depth -= char == "}"
        if depth == 0 and i < len(text) - 1:
            return False
    return True


@dataclass(frozen=True)
class Reference:
    """One source: a BibTeX entry with raw field values, and where it was read from."""

    key: str
    entry_type: str
    fields: dict[str, str]
    file: str = ""
    line: int = 1
    field_lines: dict[str, int] = field(default_factory=dict, compare=False)

    def raw(self, name: str) -> str | None:
        return self.fields.get(name)

    def text(self, name: str) -> str:
        """The plain text of a field, or '' when absent."""
        raw = self.fields.get(name)
        if raw is None:
            return ""
        # Converted once per value: the build, checks and exports ask for the same
        # fields many times (kept by raw value, so a changed field is converted again).
        texts = self.__dict__.get("_texts")
        if texts is None:
            texts = self.__dict__["_texts"] = {}
        known = texts.get(name)
        if known is not None and known[0] is raw:
            return known[1]
        text = field_text(raw, name in VERBATIM_FIELDS)
        texts[name] = (raw, text)
        return text

    def line_of(self, name: str) -> int:
        return self.field_lines.get(name, self.line)

    @_once
    def authors(self) -> list[Name]:
        raw = self.fields.get("author")
        return parse_names(raw) if raw else []

    @_once
    def editors(self) -> list[Name]:
        raw = self.fields.get("editor")
        return parse_names(raw) if raw else []

    @property
    def title(self) -> str:
        return self.text("title")

    @property
    def doi(self) -> str:
        raw = self.fields.get("doi")
        if raw is None:
            return ""
        known = self.__dict__.get("_doi")  # kept by raw value, as `text` keeps texts
        if known is not None and known[0] is raw:
            return known[1]
        doi = normalize_doi(self.text("doi"))
        self.__dict__["_doi"] = (raw, doi)
        return doi

    @property
    def year(self) -> int | None:
        match = _YEAR.search(self.text("year") or self.text("date"))
        return int(match.group()) if match else None

    @property
    def month(self) -> int | None:
        raw = self.fields.get("month")
        if raw is None:
            return None
        first = split_concatenation(raw.strip())[0].lower()
        if first in MONTHS:
            return MONTHS[first]
        text = field_text(raw)
        if text.isdigit() and 1 <= int(text) <= 12:
            return int(text)
        return MONTHS.get(text[:3].lower())

    @property
    def container(self) -> str:
        """Journal or book title, whichever the entry type uses."""
        for name in ("journal", "journaltitle", "booktitle"):
            if name in self.fields:
                return self.text(name)
        return ""

    @property
    def evidence(self) -> str:
        return self.text("evidence")
