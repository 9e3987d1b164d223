"""Reading one Crossref work `message`: its people, dates, page range, ISSNs and ISBNs,
licence, updates and relations. Pure; reflib.enrich.mapping builds BibTeX from these.

    >>> dates_of({"published-online": {"date-parts": [[2022, 11, 24]]},
    ...           "issued": {"date-parts": [[2022, 11, 24]]}})
    {'online': (2022, 11, 24), 'issued': (2022, 11, 24)}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reflib.library.markup import escape_latex, markup_to_text

# Licence versions worth citing, best first; text-and-data-mining terms are not the licence.
LICENSE_VERSIONS = ("vor", "unspecified", "am")

# Update types a reader must know about before citing the work.
SERIOUS_UPDATES = frozenset({"retraction", "withdrawal", "removal", "expression_of_concern",
                             "partial_retraction"})


@dataclass(frozen=True)
class Person:
    """An author or editor as Crossref lists them; `literal` for organisations."""

    family: str = ""
    given: str = ""
    suffix: str = ""
    literal: str = ""
    orcid: str = ""

    def bibtex(self) -> str:
        """`van Zundert, Jan`, `King, Jr., Martin`, `{World Health Organization}`."""
        if self.literal:
            return "{" + escape_latex(self.literal) + "}"
        family = escape_latex(self.family)
        if "," in self.family or re.search(r"\band\b", self.family, re.I):
            family = "{" + family + "}"
        elif " " in self.family.strip() and not self.given:
            family = "{" + family + "}"  # else BibTeX reads "Tieppo Francio" as given + family
        parts = [family]
        if self.suffix:
            parts.append(escape_latex(self.suffix))
        if self.given:
            parts.append(escape_latex(self.given))
        return ", ".join(parts)


def strings(message: dict, key: str) -> list[str]:
    value = message.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(v) for v in value if isinstance(v, (str, int)) and str(v).strip()]


def first(message: dict, key: str) -> str:
    values = strings(message, key)
    return values[0] if values else ""


def date_of(message: dict, key: str) -> tuple[int, ...]:
    """`{"date-parts": [[2022, 11, 24]]}` -> (2022, 11, 24); () when absent or empty."""
    value = message.get(key)
    try:
        parts = value["date-parts"][0]
    except (TypeError, KeyError, IndexError):
        return ()
    out: list[int] = []
    for part in parts or ():
        try:
            out.append(int(part))
        except (TypeError, ValueError):
            break
    return tuple(out)


def iso(date: tuple[int, ...]) -> str:
    return "-".join(f"{part:04d}" if i == 0 else f"{part:02d}" for i, part in enumerate(date))


def dates_of(message: dict) -> dict[str, tuple[int, ...]]:
    """The work's dates by kind; `issued` is the earliest of print and online."""
    kinds = {"print": "published-print", "online": "published-online", "issued": "issued",
             "posted": "posted", "approved": "approved"}
    return {kind: date for kind, key in kinds.items() if (date := date_of(message, key))}


def cited_date(message: dict) -> tuple[int, ...]:
    """The date a citation prints: the print issue's when there is one, else `issued`
    (a thesis has only the date it was approved)."""
    dates = dates_of(message)
    return (dates.get("print") or dates.get("issued") or dates.get("online")
            or dates.get("posted") or dates.get("approved") or ())


def orcid(value: Any) -> str:
    match = re.search(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", str(value or ""))
    return match.group() if match else ""


def people_of(message: dict, role: str) -> tuple[Person, ...]:
    people = []
    for item in message.get(role) or ():
        if not isinstance(item, dict):
            continue
        family = " ".join(p for p in (item.get("non-dropping-particle"),
                                      item.get("dropping-particle"), item.get("family"))
                          if isinstance(p, str) and p.strip())
        family, given = markup_to_text(family), markup_to_text(str(item.get("given") or ""))
        if family:
            people.append(Person(family=family, given=given,
                                 suffix=markup_to_text(str(item.get("suffix") or "")),
                                 orcid=orcid(item.get("ORCID"))))
        elif item.get("name"):
            people.append(Person(literal=markup_to_text(str(item["name"])),
                                 orcid=orcid(item.get("ORCID"))))
    return tuple(people)


def page_range(page: str) -> str:
    """`2807–2831`, `2807-2831` or `2807 - 2831` -> `2807--2831`; `e33693` stays."""
    return re.sub(r"\s*[-‐‑‒–—−]+\s*", "--", page.strip())


def numbers_of(message: dict, typed_key: str, plain_key: str) -> tuple[str, str]:
    """(primary, electronic): the print number first, else the electronic one alone."""
    typed = [t for t in message.get(typed_key) or () if isinstance(t, dict) and t.get("value")]
    prints = [str(t["value"]) for t in typed if t.get("type") == "print"]
    electronic = [str(t["value"]) for t in typed if t.get("type") == "electronic"]
    if prints:
        return prints[0], electronic[0] if electronic else ""
    if electronic:
        return electronic[0], ""
    plain = strings(message, plain_key)
    return (plain[0] if plain else ""), ""


def license_of(message: dict) -> str:
    licences = [item for item in message.get("license") or () if isinstance(item, dict)]
    for version in LICENSE_VERSIONS:
        for item in licences:
            if item.get("content-version") == version and item.get("URL"):
                return str(item["URL"])
    return ""


def updates_of(message: dict, key: str) -> list[tuple[str, str, str]]:
    """(type, DOI, date) of `updated-by` or `update-to`, without self-references."""
    own = str(message.get("DOI", "")).lower()
    updates = []
    for item in message.get(key) or ():
        if not isinstance(item, dict) or not item.get("DOI"):
            continue
        if str(item["DOI"]).lower() == own:
            continue  # "new_version" notices that point at the work itself
        updates.append((str(item.get("type") or "update"), str(item["DOI"]),
                        iso(date_of(item, "updated"))))
    return updates


def update_list(updates: list[tuple[str, str, str]]) -> str:
    return "; ".join(f"{kind}: {doi}" + (f" ({date})" if date else "")
                     for kind, doi, date in updates)


def relations_of(message: dict) -> str:
    relation = message.get("relation")
    if not isinstance(relation, dict):
        return ""
    parts = []
    for kind in sorted(relation):
        for item in relation[kind] if isinstance(relation[kind], list) else ():
            if isinstance(item, dict) and item.get("id"):
                id_type = str(item.get("id-type") or "id")
                parts.append(f"{kind}: {id_type}:{item['id']}")
    return "; ".join(parts)
