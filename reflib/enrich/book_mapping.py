"""An Open Library edition (reflib.registries.books) as BibTeX fields. Pure.

    >>> map_book("9780306406157", {"title": "Radiofrequency Ablation Techniques",
    ...           "authors": [{"name": "Alaa Abd-Elsayed"}], "publish_date": "2024"}).fields
    {'author': '{Abd-Elsayed, Alaa}', 'title': '{Radiofrequency Ablation Techniques}', ...}

Open Library gives names as one string ("Alaa Abd-Elsayed"): the last word is taken as
the family name, the rest as given names; a name with a comma is already "Family, Given".
"""

from __future__ import annotations

import re
from typing import Any

from reflib.enrich.mapping import MappedWork
from reflib.library.markup import escape_latex, markup_to_latex
from reflib.registries.crossref.work import Person

REGISTRY = "Open Library"


def _person(name: str) -> Person:
    name = " ".join(name.split())
    if "," in name:
        family, _, given = name.partition(",")
        return Person(family=family.strip(), given=given.strip())
    given, _, family = name.rpartition(" ")
    return Person(family=family, given=given) if family else Person(literal=name)


def _names(items: Any) -> str:
    return " and ".join(_person(str(i.get("name", ""))).bibtex() for i in items or ()
                        if isinstance(i, dict) and str(i.get("name", "")).strip())


def _braced(text: Any) -> str | None:
    text = str(text or "").strip()
    return "{" + escape_latex(text) + "}" if text else None


def _verbatim(url: str) -> str | None:
    url = url.strip().replace("{", "%7B").replace("}", "%7D")
    return "{" + url + "}" if url.startswith(("http://", "https://")) else None


def _first_name(items: Any) -> str:
    for item in items or ():
        if isinstance(item, dict) and str(item.get("name", "")).strip():
            return str(item["name"]).strip()
    return ""


def map_book(isbn: str, data: dict[str, Any]) -> MappedWork:
    """Open Library's edition data for one ISBN -> a @book's raw field values."""
    title = str(data.get("title") or "").strip()
    subtitle = str(data.get("subtitle") or "").strip()
    year = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", str(data.get("publish_date") or ""))
    authors = _names(data.get("authors"))
    pages = data.get("number_of_pages")
    candidates = {
        "author": "{" + authors + "}" if authors else None,
        "title": "{" + markup_to_latex(title) + "}" if title else None,
        "subtitle": "{" + markup_to_latex(subtitle) + "}" if subtitle else None,
        "publisher": _braced(_first_name(data.get("publishers"))),
        "address": _braced(_first_name(data.get("publish_places"))),
        "year": "{" + year.group(1) + "}" if year else None,
        "pagetotal": _braced(pages) if isinstance(pages, int) and pages > 0 else None,
        "isbn": "{" + isbn + "}",
        "url": _verbatim(str(data.get("url") or "")),
    }
    fields = {name: raw for name, raw in candidates.items() if raw}
    people = {"author": tuple(_person(str(i.get("name", ""))) for i in data.get("authors") or ()
                              if isinstance(i, dict) and i.get("name"))}
    return MappedWork(doi="", crossref_type="Open Library edition", entry_type="book",
                      fields=fields, people={k: v for k, v in people.items() if v},
                      dates={"issued": (int(year.group(1)),)} if year else {},
                      alternatives={"title": frozenset({title, f"{title}: {subtitle}"})},
                      registry=REGISTRY)
