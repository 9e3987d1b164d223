"""Pure: a Reference (raw BibTeX fields) to a CSL-JSON item, as pandoc and Zotero read it.

    >>> to_csl(ref)["type"], to_csl(ref)["container-title-short"]
    ('article-journal', 'J Pain Res')

Conventions (those of pandoc's BibTeX reader and of Zotero, so the JSON means the same
to them as to us):

- Titles are stored in sentence case, the form CSL expects: styles that want title case
  apply `text-case="title"`, but no processor can go back from title case. BibTeX titles
  are title case, so `sentence_case` lowers the words a title-case convention capitalised
  and keeps what BibTeX braces protect (`{ASPN}`), wrapped in `<span class="nocase">`.
  Journal names are never changed.
- `and others` becomes a last name `{"literal": "others"}`; our renderer turns it into
  the style's "et al." (reflib.cite.stylesheet).
- A lowercase `von` part (`van Zundert`) is a non-dropping particle, so it stays with the
  family name ("van Zundert J") as Dutch names require.
"""

from __future__ import annotations

import re
from typing import Any

from reflib.formats.casing import bcp47, title_runs
from reflib.library.model import Name, Reference
from reflib.library.richtext import normalize, plain, to_csl_markup

# BibTeX / biblatex entry type -> CSL type. `misc` may be refined by _refine_type.
TYPE_MAP: dict[str, str] = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "manual": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "incollection": "chapter",
    "bookinbook": "chapter",
    "suppbook": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "online": "webpage",
    "www": "webpage",
    "electronic": "webpage",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "unpublished": "manuscript",
    "patent": "patent",
    "dataset": "dataset",
    "software": "software",
    "periodical": "periodical",
    "misc": "document",
}

# Fields copied as plain text: BibTeX name -> CSL variable. The first present wins.
TEXT_FIELDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("shortjournal", "journalabbrev", "journal_abbrev"), "container-title-short"),
    (("shorttitle",), "title-short"),
    (("volume",), "volume"),
    (("edition",), "edition"),
    (("publisher",), "publisher"),
    (("address", "location"), "publisher-place"),
    (("chapter",), "chapter-number"),
    (("doi",), "DOI"),
    (("url",), "URL"),
    (("isbn",), "ISBN"),
    (("pmid",), "PMID"),
    (("pmcid",), "PMCID"),
    (("abstract",), "abstract"),
    (("keywords",), "keyword"),
    (("note",), "note"),
    (("annote", "annotation"), "annote"),
    (("version",), "version"),
    (("pagetotal",), "number-of-pages"),
    (("volumes",), "number-of-volumes"),
    (("eventtitle",), "event-title"),
    (("venue",), "event-place"),
)

# Date fields: BibTeX name -> CSL date variable (`year`/`month`/`date` make `issued`).
DATE_FIELDS = {"urldate": "accessed", "onlinedate": "available-date",
               "eventdate": "event-date", "origdate": "original-date"}

NAME_FIELDS = {"author": "author", "editor": "editor", "translator": "translator"}

THESIS_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}

_DATE = re.compile(r"^\s*(-?\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_PERSONAL = re.compile(r"personal\s+communication", re.I)
_PAGE_DASH = re.compile(r"\s*[-\u2013\u2014]+\s*")
NOCASE_OPEN, NOCASE_CLOSE = '<span class="nocase">', "</span>"
OTHERS = {"literal": "others"}


def to_csl(ref: Reference, subtitle: str = "capital") -> dict[str, Any]:
    """The CSL-JSON item of `ref`. `subtitle` is how the first word after a colon in a
    title is cased: "capital" (APA, Zotero's convention) or "lower" (AMA, NLM)."""
    fields = ref.fields
    item: dict[str, Any] = {"id": ref.key, "type": csl_type(ref)}
    for bibtex_name, variable in NAME_FIELDS.items():
        raw = fields.get(bibtex_name)
        if raw:
            names = ref.authors if bibtex_name == "author" else (
                ref.editors if bibtex_name == "editor" else None)
            item[variable] = csl_names(names if names is not None else _parse(raw))
    language = bcp47(ref.text("langid") or ref.text("language"))
    if language:
        item["language"] = language
    if "title" in fields:
        title = sentence_case(fields["title"], subtitle, language=language)
        if "subtitle" in fields:
            title += ": " + sentence_case(fields["subtitle"], subtitle, first=subtitle,
                                          language=language)
        item["title"] = title
    container = _container(ref, subtitle, language)
    if container:
        item["container-title"] = container
    for names, variable in TEXT_FIELDS:
        for name in names:
            if name in fields:
                item[variable] = ref.text(name)
                break
    _journal_short(ref, item)
    _numbers(ref, item)
    _publisher(ref, item)
    if "doi" in item or "DOI" in item:
        item["DOI"] = ref.doi
    issn = [ref.text(n) for n in ("issn", "eissn") if n in fields]
    if issn:
        item["ISSN"] = ", ".join(issn)
    if ref.entry_type in THESIS_GENRES and "type" not in fields:
        item["genre"] = THESIS_GENRES[ref.entry_type]
    elif "type" in fields:
        item["genre"] = ref.text("type")
    elif item["type"] == "personal_communication":
        item["genre"] = ref.text("howpublished")
    issued = issued_date(ref)
    if issued:
        item["issued"] = issued
    for bibtex_name, variable in DATE_FIELDS.items():
        if bibtex_name in fields:
            date = parse_date(ref.text(bibtex_name))
            if date:
                item[variable] = date
    return item


def csl_type(ref: Reference) -> str:
    """CSL type from the entry type; `@misc` with howpublished = {Personal communication}
    is a personal_communication, and `@article` with entrysubtype magazine/newspaper too."""
    kind = TYPE_MAP.get(ref.entry_type, "document")
    subtype = ref.text("entrysubtype").lower()
    if kind == "article-journal" and subtype in ("magazine", "newspaper"):
        return f"article-{subtype}"
    if kind == "document" and _PERSONAL.search(ref.text("howpublished") + ref.text("type")):
        return "personal_communication"
    return kind


def csl_names(names: list[Name]) -> list[dict[str, str]]:
    """Names to CSL name objects; an organisation is a literal; `others` stays a marker."""
    out = []
    for name in names:
        if is_junk_name(name):
            continue  # "-" from a registry: flagged by refs check, never printed
        if name.literal:
            out.append(OTHERS if name.literal == "others" else {"literal": name.literal})
            continue
        person = {"family": name.family}
        if name.given:
            person["given"] = expand_initials(name.given, name.family)
        if name.von:
            person["non-dropping-particle"] = name.von
        if name.suffix:
            person["suffix"] = name.suffix
        out.append(person)
    return out


_JUNK = re.compile(r"^[\W_]*$")
_COMPACT_INITIALS = re.compile(r"^[A-Z]{2,3}$")


def is_junk_name(name: Name) -> bool:
    """A name that is only punctuation or nothing ("-"): a registry's placeholder."""
    return bool(_JUNK.match(name.literal or name.family))


def expand_initials(given: str, family: str = "") -> str:
    """Compact initials as initials: `AJ` -> `A. J.` (Crossref and PubMed write them so;
    read as one name they print "Wakefield A"). An all-capitals family name means the
    whole name is in capitals (`ZHANG, WEI`), so its given name is left alone."""
    if _COMPACT_INITIALS.match(given) and not family.isupper():
        return " ".join(letter + "." for letter in given)
    return given


def _parse(raw: str) -> list[Name]:
    from reflib.library.model import parse_names

    return parse_names(raw)


def _container(ref: Reference, subtitle: str, language: str = "") -> str:
    """Journal names as written; book titles (booktitle) in sentence case like titles."""
    for name in ("journal", "journaltitle"):
        if name in ref.fields:
            return ref.text(name)
    if "booktitle" in ref.fields:
        return sentence_case(ref.fields["booktitle"], subtitle, language=language)
    if ref.entry_type in ("online", "www", "electronic") and "organization" in ref.fields:
        return ref.text("organization")  # the website's name: "UpToDate"
    return ""


def _journal_short(ref: Reference, item: dict[str, Any]) -> None:
    """The journal's abbreviation: `shortjournal` when it abbreviates the journal (PubMed's
    MedlineTA does), else ISO 4 (reflib.formats.journals); never a registry's short
    title that is no abbreviation ("KEM")."""
    journal = ref.text("journal") or ref.text("journaltitle")
    if not journal or ref.entry_type != "article":
        return
    from reflib.formats.journals import container_short

    short = container_short(item.get("container-title-short", ""), journal)
    if short:
        item["container-title-short"] = short


def _numbers(ref: Reference, item: dict[str, Any]) -> None:
    fields = ref.fields
    if "pages" in fields:
        item["page"] = page_range(ref)
    if "eid" in fields:
        # An article number is CSL's `number` for articles: AMA and Vancouver print it
        # where the pages go ("2021;1(1):27"), APA as "Article 27".
        key = "number" if ref.entry_type == "article" else "page"
        item.setdefault(key, ref.text("eid"))
    issue = ref.text("issue") or (ref.text("number") if ref.entry_type == "article" else "")
    if issue:
        item["issue"] = issue
    if "series" in fields:
        item["collection-title"] = ref.text("series")
        if "number" in fields and ref.entry_type != "article":
            item["collection-number"] = ref.text("number")
    elif "number" in fields and ref.entry_type in ("techreport", "report", "patent"):
        item["number"] = ref.text("number")


# `{1732--1756}`: most page ranges. Read as LaTeX they cost a tenth of an export (the `--`
# takes the full reader), for a result known in advance: the two ends joined by a hyphen.
_SIMPLE_RANGE = re.compile(r"\{\s*([0-9A-Za-z]+)\s*(-{1,3})\s*([0-9A-Za-z]+)\s*\}")


def page_range(ref: Reference) -> str:
    """The pages with any dash between the ends as a hyphen: `{12--9}` -> `12-9`."""
    simple = _SIMPLE_RANGE.fullmatch(ref.fields["pages"].strip())
    if simple:
        return f"{simple[1]}-{simple[3]}"
    return _PAGE_DASH.sub("-", ref.text("pages"))


def page_ends(ref: Reference) -> tuple[str, str]:
    """First and last page as RIS gives them (SP, EP): the text split at its first hyphen
    or en dash (an em dash is no range); `("12", "")` for one page."""
    simple = _SIMPLE_RANGE.fullmatch(ref.fields["pages"].strip())
    if simple and len(simple[2]) < 3:
        return simple[1], simple[3]
    first, _, last = ref.text("pages").replace("\u2013", "-").partition("-")
    return first.strip(), last.strip("- ")


def _publisher(ref: Reference, item: dict[str, Any]) -> None:
    """publisher, else institution/school/organization (unless that named the website)."""
    if "publisher" in item:
        return
    for name in ("institution", "school", "organization"):
        if name in ref.fields and item.get("container-title") != ref.text(name):
            item["publisher"] = ref.text(name)
            return


def issued_date(ref: Reference) -> dict[str, Any] | None:
    """`date` (biblatex) or `year` + `month` as a CSL date."""
    if "date" in ref.fields:
        return parse_date(ref.text("date"))
    if ref.year is None:
        return {"literal": ref.text("year")} if ref.text("year") else None
    parts = [ref.year]
    if ref.month:
        parts.append(ref.month)
        day = ref.text("day")
        if day.isdigit():
            parts.append(int(day))
    return {"date-parts": [parts]}


def parse_date(text: str) -> dict[str, Any] | None:
    """ISO 8601 date or range (`2024-01-02`, `2020/2021`) to CSL; else a literal date."""
    text = text.strip()
    if not text:
        return None
    ranges = []
    for part in text.split("/", 1):
        match = _DATE.match(part)
        if not match or match.end() != len(part.rstrip()):
            return {"literal": text}
        ranges.append([int(p) for p in match.groups() if p is not None])
    return {"date-parts": ranges}


# -- sentence case ---------------------------------------------------------------------


def sentence_case(raw: str, subtitle: str = "capital", first: str = "capital",
                  markup: bool = True, language: str = "") -> str:
    """A raw BibTeX title as CSL rich text in sentence case (see reflib.formats.casing);
    with `markup` false, plain text.

        >>> sentence_case("Neurotomy ({LEARN}): Best Practice Guidelines", "lower", markup=False)
        'Neurotomy (LEARN): best practice guidelines'
    """
    runs = normalize(title_runs(raw, subtitle, first, language))
    return to_csl_markup(runs) if markup else plain(runs)
