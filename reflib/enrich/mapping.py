"""A Crossref work as BibTeX fields. Pure and table-driven: `TYPES` maps Crossref's work
types to entry types, `FIELD_RULES` maps each BibTeX field to the function that reads it
from Crossref's `message`. The merge policy and the field-level diff are in reflib.merge.

    >>> work = map_work({"DOI": "10.1/x", "type": "journal-article", "title": ["On X"],
    ...                  "container-title": ["J X"], "page": "3–59",
    ...                  "issued": {"date-parts": [[2022, 1]]}})
    >>> work.entry_type, work.fields["pages"], work.fields["month"]
    ('article', '{3--59}', 'jan')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reflib.formats.journals import is_abbreviation_of
from reflib.library.latex import MONTHS
from reflib.library.markup import (
    escape_latex,
    jats_abstract_to_latex,
    markup_to_latex,
    markup_to_text,
)
from reflib.registries.crossref.work import (
    SERIOUS_UPDATES,
    Person,
    cited_date,
    date_of,
    dates_of,
    first,
    iso,
    license_of,
    numbers_of,
    page_range,
    people_of,
    relations_of,
    strings,
    update_list,
    updates_of,
)

_MONTH_MACROS = {number: name for name, number in MONTHS.items()}


@dataclass(frozen=True)
class WorkType:
    """How one Crossref work type becomes BibTeX."""

    entry_type: str
    container: str | None = None  # journal | booktitle | series: where container-title goes
    label: str = ""  # the `type` field of a @misc or thesis: Preprint, Dataset, ...


TYPES: dict[str, WorkType] = {
    "journal-article": WorkType("article", "journal"),
    "book": WorkType("book", "series"),
    "monograph": WorkType("book", "series"),
    "edited-book": WorkType("book", "series"),
    "reference-book": WorkType("book", "series"),
    "book-set": WorkType("book", "series"),
    "book-series": WorkType("book", "series"),
    "book-chapter": WorkType("incollection", "booktitle"),
    "book-section": WorkType("incollection", "booktitle"),
    "book-part": WorkType("incollection", "booktitle"),
    "book-track": WorkType("incollection", "booktitle"),
    "reference-entry": WorkType("incollection", "booktitle"),
    "proceedings-article": WorkType("inproceedings", "booktitle"),
    "proceedings": WorkType("proceedings", "series"),
    "proceedings-series": WorkType("proceedings", "series"),
    "posted-content": WorkType("misc", None, "Preprint"),
    "dataset": WorkType("misc", None, "Dataset"),
    "database": WorkType("misc", None, "Database"),
    "dissertation": WorkType("phdthesis", None, "PhD thesis"),
    "report": WorkType("techreport", "series"),
    "report-component": WorkType("techreport", "series"),
    "report-series": WorkType("techreport", "series"),
    "standard": WorkType("misc", "series", "Standard"),
    "standard-series": WorkType("misc", "series", "Standard"),
    "component": WorkType("misc", None, "Component"),
    "peer-review": WorkType("misc", None, "Peer review"),
    "grant": WorkType("misc", None, "Grant"),
    "journal": WorkType("misc", None, "Journal"),
    "journal-volume": WorkType("misc", "journal", "Journal volume"),
    "journal-issue": WorkType("misc", "journal", "Journal issue"),
    "other": WorkType("misc"),
}

# Entry types that mean the same kind of work: a mismatch within a group is no conflict.
ENTRY_TYPE_GROUPS = (
    frozenset({"article"}),
    frozenset({"book", "mvbook", "collection", "mvcollection", "reference", "proceedings"}),
    frozenset({"incollection", "inbook", "inreference", "bookinbook", "suppbook"}),
    frozenset({"inproceedings", "conference"}),
    frozenset({"misc", "online", "unpublished", "dataset", "software", "standard"}),
    frozenset({"phdthesis", "mastersthesis", "thesis"}),
    frozenset({"techreport", "report"}),
)

# ISO 639-1 codes Crossref uses, as biblatex language names.
LANGUAGES = {
    "en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian",
    "pt": "portuguese", "nl": "dutch", "sv": "swedish", "da": "danish", "no": "norwegian",
    "nb": "norwegian", "fi": "finnish", "pl": "polish", "cs": "czech", "ru": "russian",
    "uk": "ukrainian", "tr": "turkish", "el": "greek", "hu": "hungarian", "ja": "japanese",
    "zh": "chinese", "ko": "korean", "ar": "arabic", "he": "hebrew", "la": "latin",
}  # fmt: skip

@dataclass(frozen=True)
class MappedWork:
    """What a Crossref record says about a work, as BibTeX, plus what the merge needs."""

    doi: str
    crossref_type: str
    entry_type: str
    fields: dict[str, str]  # raw BibTeX values, in FIELD_ORDER
    people: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    dates: dict[str, tuple[int, ...]] = field(default_factory=dict)  # print, online, issued
    alternatives: dict[str, frozenset[str]] = field(default_factory=dict)  # also acceptable
    notices: tuple[str, ...] = ()
    registry: str = "Crossref"  # who said it; reflib.enrich.combine merges two registries
    origins: dict[str, str] = field(default_factory=dict)  # field -> registry, when mixed

    def origin(self, name: str) -> str:
        return self.origins.get(name, self.registry)


# -- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    message: dict
    work_type: WorkType
    people: dict[str, tuple[Person, ...]]
    date: tuple[int, ...]

    def containers(self) -> list[str]:
        return [markup_to_text(c) for c in strings(self.message, "container-title")]


def _braced(text: str) -> str | None:
    return "{" + escape_latex(text) + "}" if text.strip() else None


def _verbatim(text: str) -> str | None:
    """URLs and DOIs are printed verbatim by styles: only braces need care."""
    text = text.strip().replace("{", "%7B").replace("}", "%7D")
    return "{" + text + "}" if text else None


def _names(role: str) -> Callable[[_Context], str | None]:
    def read(ctx: _Context) -> str | None:
        people = ctx.people.get(role)
        return "{" + " and ".join(p.bibtex() for p in people) + "}" if people else None
    return read


def _orcids(role: str) -> Callable[[_Context], str | None]:
    """biblatex named annotations: `author+an:orcid = {1="0000-0002-..."; 3="..."}`."""
    def read(ctx: _Context) -> str | None:
        marks = [f'{i}="{p.orcid}"' for i, p in enumerate(ctx.people.get(role, ()), start=1)
                 if p.orcid]
        return "{" + "; ".join(marks) + "}" if marks else None
    return read


def _titled(key: str) -> Callable[[_Context], str | None]:
    """A title with words like `DNA` braced, unless the whole title shouts in capitals."""
    def read(ctx: _Context) -> str | None:
        title = first(ctx.message, key)
        text = markup_to_text(title)
        if not text:
            return None
        return "{" + markup_to_latex(title, protect=text != text.upper()) + "}"
    return read


def _container(where: str) -> Callable[[_Context], str | None]:
    def read(ctx: _Context) -> str | None:
        containers = ctx.containers()
        kind = ctx.work_type.container
        if not containers or kind is None:
            return None
        if where == "series" and kind == "booktitle" and len(containers) > 1:
            return _braced(containers[0])  # ["Lecture Notes in ...", "The Book"]
        if where == kind:
            return _braced(containers[-1] if kind == "booktitle" else containers[0])
        return None
    return read


def _short_journal(ctx: _Context) -> str | None:
    if ctx.work_type.container != "journal":
        return None
    short = markup_to_text(first(ctx.message, "short-container-title"))
    journal = (ctx.containers() or [""])[0]
    if not short or short == journal or not is_abbreviation_of(short, journal):
        return None  # "KEM", a subtitle: not what AMA/NLM print (they fall back to ISO 4)
    return _braced(short)


def _event(key: str) -> Callable[[_Context], str | None]:
    def read(ctx: _Context) -> str | None:
        event = ctx.message.get("event")
        if ctx.work_type.entry_type != "inproceedings" or not isinstance(event, dict):
            return None
        return _braced(markup_to_text(str(event.get(key) or "")))
    return read


def _institution(kind: str) -> Callable[[_Context], str | None]:
    """The first institution's name, for the entry types that use one."""
    wanted = {"howpublished": ("misc",), "school": ("phdthesis", "mastersthesis"),
              "institution": ("techreport",)}[kind]

    def read(ctx: _Context) -> str | None:
        if ctx.work_type.entry_type not in wanted:
            return None
        names = [str(i.get("name")) for i in ctx.message.get("institution") or ()
                 if isinstance(i, dict) and i.get("name")]
        if not names and kind == "institution":
            names = strings(ctx.message, "publisher")
        return _braced(markup_to_text(names[0])) if names else None
    return read


def _label(ctx: _Context) -> str | None:
    if ctx.work_type.entry_type != "misc" or not ctx.work_type.label:
        return None
    subtype = str(ctx.message.get("subtype") or "").replace("_", " ")
    if ctx.message.get("type") == "posted-content" and subtype:
        return _braced(subtype[:1].upper() + subtype[1:])
    return _braced(ctx.work_type.label)


def _plain(key: str) -> Callable[[_Context], str | None]:
    return lambda ctx: _braced(markup_to_text(first(ctx.message, key)))


def _year(ctx: _Context) -> str | None:
    return "{" + str(ctx.date[0]) + "}" if ctx.date else None


def _month(ctx: _Context) -> str | None:
    return _MONTH_MACROS.get(ctx.date[1]) if len(ctx.date) > 1 else None


def _online(ctx: _Context) -> str | None:
    online = date_of(ctx.message, "published-online")
    return "{" + iso(online) + "}" if online else None


def _page_range(ctx: _Context) -> str | None:
    page = first(ctx.message, "page")
    if not page or page == first(ctx.message, "article-number"):
        return None
    return "{" + "--".join(escape_latex(p) for p in page_range(page).split("--")) + "}"


def _number(which: str) -> Callable[[_Context], str | None]:
    def read(ctx: _Context) -> str | None:
        typed, plain = ("isbn-type", "ISBN") if which.endswith("isbn") else ("issn-type", "ISSN")
        primary, electronic = numbers_of(ctx.message, typed, plain)
        return _braced(electronic if which.startswith("e") else primary)
    return read


def _language(ctx: _Context) -> str | None:
    code = first(ctx.message, "language").lower()
    return _braced(LANGUAGES.get(code, code)) if code else None


def _abstract(ctx: _Context) -> str | None:
    abstract = ctx.message.get("abstract")
    if not isinstance(abstract, str) or not markup_to_text(abstract):
        return None
    latex = jats_abstract_to_latex(abstract)
    return "{" + latex + "}" if latex else None


def _edition(ctx: _Context) -> str | None:
    edition = first(ctx.message, "edition-number")
    return _braced(edition) if edition and ctx.work_type.entry_type == "book" else None


# The mapping, one row per BibTeX field; its order is the order fields are written in.
FIELD_RULES: tuple[tuple[str, Callable[[_Context], str | None]], ...] = (
    ("author", _names("author")),
    ("author+an:orcid", _orcids("author")),
    ("editor", _names("editor")),
    ("editor+an:orcid", _orcids("editor")),
    ("title", _titled("title")),
    ("subtitle", _titled("subtitle")),
    ("journal", _container("journal")),
    ("shortjournal", _short_journal),
    ("booktitle", _container("booktitle")),
    ("eventtitle", _event("name")),
    ("venue", _event("location")),
    ("series", _container("series")),
    ("edition", _edition),
    ("howpublished", _institution("howpublished")),
    ("type", _label),
    ("school", _institution("school")),
    ("institution", _institution("institution")),
    ("publisher", _plain("publisher")),
    ("address", _plain("publisher-location")),
    ("year", _year),
    ("month", _month),
    ("volume", _plain("volume")),
    ("number", _plain("issue")),
    ("eid", _plain("article-number")),
    ("pages", _page_range),
    ("doi", lambda ctx: _verbatim(str(ctx.message.get("DOI") or ""))),
    ("issn", _number("issn")),
    ("eissn", _number("eissn")),
    ("isbn", _number("isbn")),
    ("eisbn", _number("eisbn")),
    ("onlinedate", _online),
    ("url", lambda ctx: _verbatim(str((ctx.message.get("resource") or {})
                                      .get("primary", {}).get("URL") or ""))),
    ("language", _language),
    ("license", lambda ctx: _braced(license_of(ctx.message))),
    ("updatedby", lambda ctx: _braced(update_list(updates_of(ctx.message, "updated-by")))),
    ("updateto", lambda ctx: _braced(update_list(updates_of(ctx.message, "update-to")))),
    ("relation", lambda ctx: _braced(relations_of(ctx.message))),
    ("abstract", _abstract),
)

# Where new fields go among a source's fields: after the last one that comes before.
FIELD_ORDER: tuple[str, ...] = (
    "author", "author+an:orcid", "editor", "editor+an:orcid", "title", "subtitle",
    "journal", "journaltitle", "shortjournal", "booktitle", "eventtitle", "venue", "series",
    "edition", "howpublished", "type", "school", "institution", "organization", "publisher",
    "address", "location", "year", "month", "date", "volume", "number", "eid", "pages",
    "doi", "issn", "eissn", "isbn", "eisbn", "pmid", "pmcid", "onlinedate", "url",
    "urldate", "language", "license", "updatedby", "updateto", "relation", "abstract",
    "pubtype", "mesh", "evidence", "keywords", "note", "annote",
)


def map_work(message: dict[str, Any]) -> MappedWork:
    """Crossref's `message` for one work -> BibTeX entry type and raw field values."""
    crossref_type = str(message.get("type") or "other")
    work_type = TYPES.get(crossref_type, TYPES["other"])
    degree = " ".join(strings(message, "degree")).lower()
    if crossref_type == "dissertation" and "master" in degree:
        work_type = WorkType("mastersthesis")
    people, name_notices = _clean_people(
        {role: people_of(message, role) for role in ("author", "editor")}, work_type)
    ctx = _Context(message, work_type, people, cited_date(message))
    fields = {name: raw for name, rule in FIELD_RULES if (raw := rule(ctx))}
    return MappedWork(
        doi=str(message.get("DOI") or ""),
        crossref_type=crossref_type,
        entry_type=work_type.entry_type,
        fields=fields,
        people={role: names for role, names in people.items() if names},
        dates=dates_of(message),
        alternatives=_alternatives(message, ctx),
        notices=tuple(name_notices) + _notices(message),
    )


_JUNK_NAME = re.compile(r"^[\W_]*$")


def _clean_people(people: dict[str, tuple[Person, ...]], work_type: WorkType,
                  ) -> tuple[dict[str, tuple[Person, ...]], list[str]]:
    """Names a citation can print. A journal article's `editor` in Crossref is the
    journal's academic editor (PLOS ONE), never an editor of the work: not kept. A name
    that is only punctuation ("-") is a registry error: said, not kept."""
    notices: list[str] = []
    if work_type.entry_type == "article" and people.get("editor"):
        count = len(people["editor"])
        notices.append(f"Crossref lists {count} editor{'s' if count > 1 else ''} of this "
                       "journal article (the journal's academic editor); not kept as editor")
        people = {**people, "editor": ()}
    kept: dict[str, tuple[Person, ...]] = {}
    for role, persons in people.items():
        good = []
        for position, person in enumerate(persons, start=1):
            name = person.literal or person.family
            if _JUNK_NAME.match(name):
                shown = " ".join(p for p in (person.family, person.given) if p) or "(empty)"
                notices.append(f"Crossref's {role} {position} is not a name ({shown!r}); "
                               f"not kept: add the {role} by hand if one is missing")
                continue
            good.append(person)
        kept[role] = tuple(good)
    return kept, notices


def _alternatives(message: dict, ctx: _Context) -> dict[str, frozenset[str]]:
    """Values that agree with Crossref although they are not the one we would write."""
    title = markup_to_text(first(message, "title"))
    subtitle = markup_to_text(first(message, "subtitle"))
    numbers = {kind: frozenset(
        str(t.get("value")) for t in message.get(f"{kind}-type") or () if isinstance(t, dict)
    ) | frozenset(strings(message, kind.upper())) for kind in ("issn", "isbn")}
    code = first(message, "language").lower()
    containers = ctx.containers() + [markup_to_text(s) for s in
                                     strings(message, "short-container-title")]
    return {
        "title": frozenset({title, f"{title}: {subtitle}", f"{title}. {subtitle}"}
                           if subtitle else {title}),
        "journal": frozenset(containers),
        "booktitle": frozenset(containers),
        "issn": numbers["issn"], "eissn": numbers["issn"],
        "isbn": numbers["isbn"], "eisbn": numbers["isbn"],
        "language": frozenset({code, LANGUAGES.get(code, code)}) if code else frozenset(),
        "doi": frozenset(strings(message, "alternative-id")),
    }


def _notices(message: dict) -> tuple[str, ...]:
    notices = []
    for kind, doi, date in updates_of(message, "updated-by"):
        serious = "WARNING: " if kind.lower() in SERIOUS_UPDATES else ""
        when = f" on {date}" if date else ""
        notices.append(f"{serious}Crossref lists {_a(kind)} of this work{when}: doi:{doi}")
    for kind, doi, _ in updates_of(message, "update-to"):
        notices.append(f"this work is itself {_a(kind)} of doi:{doi}")
    return tuple(notices)


def _a(kind: str) -> str:
    """`erratum` -> `an erratum`, `expression_of_concern` -> `an expression of concern`."""
    words = kind.replace("_", " ")
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words
