"""Is a Crossref work `message` in the shape Crossref documents? Pure, no I/O.

Only a well-formed answer may judge a source: a work whose `title` is a number or whose
`author` is a string came from a broken proxy or a changed API, and comparing it would
report false errors. The gateway turns a misshapen work into BadResponse ("could not
check", exit 3). Fields this module does not know are not looked at.

    >>> shape_problems({"DOI": "10.1/x", "title": ["A"], "issued": {"date-parts": [[2020]]}})
    []
    >>> shape_problems({"DOI": "10.1/x", "title": 5, "author": "Doe, J"})
    ['title is a number, not a list of texts', 'author is a text, not a list of people']
"""

from __future__ import annotations

from typing import Any

_TEXTS = ("DOI", "type", "publisher", "volume", "issue", "page", "article-number",
          "language", "URL", "prefix", "member", "source", "abstract", "update-policy",
          "publisher-location", "edition-number")
_TEXT_LISTS = ("title", "subtitle", "short-title", "original-title", "container-title",
               "short-container-title", "ISSN", "ISBN", "subject", "alternative-id",
               "archive")
_PEOPLE = ("author", "editor", "translator", "chair", "contributor")
_PERSON_TEXTS = ("family", "given", "name", "suffix", "ORCID", "sequence",
                 "non-dropping-particle", "dropping-particle")
_DATES = ("issued", "published", "published-print", "published-online", "posted",
          "accepted", "approved", "created", "deposited", "indexed", "content-created")
_OBJECT_LISTS = ("license", "link", "reference", "funder", "assertion",
                 "clinical-trial-number", "issn-type", "isbn-type", "update-to", "updated-by")
_OBJECT_TEXTS = {"license": ("URL", "content-version"), "issn-type": ("value", "type"),
                 "isbn-type": ("value", "type"), "update-to": ("DOI", "type"),
                 "updated-by": ("DOI", "type")}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _date_problem(value: Any) -> str:
    parts = value.get("date-parts") if isinstance(value, dict) else None
    if not isinstance(parts, list) or not all(isinstance(p, list) for p in parts):
        return f"is {_kind(value)}, not a date ({{'date-parts': [[year, month, day]]}})"
    for part in (x for p in parts for x in p):
        if part is not None and (not isinstance(part, int) or isinstance(part, bool)):
            return f"has a date part that is {_kind(part)}, not a number"
    return ""


def shape_problems(message: Any) -> list[str]:
    """What in `message` is not in the documented shape; [] when all of it is."""
    if not isinstance(message, dict):
        return [f"the work is {_kind(message)}, not an object"]
    problems: list[str] = []
    if not isinstance(message.get("DOI"), str) or not message["DOI"]:
        problems.append("DOI is missing or not a text")
    for name in _TEXTS:
        if name in message and name != "DOI" and not isinstance(message[name], str):
            problems.append(f"{name} is {_kind(message[name])}, not a text")
    for name in _TEXT_LISTS:
        value = message.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{name} is {_kind(value)}, not a list of texts")
    for name in _PEOPLE:
        value = message.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.append(f"{name} is {_kind(value)}, not a list of people")
            continue
        for person in value:
            wrong = [k for k in _PERSON_TEXTS if k in person and not isinstance(person[k], str)]
            if wrong:
                problems.append(f"{name} has a {wrong[0]} that is {_kind(person[wrong[0]])}, "
                                "not a text")
                break
    for name in _DATES:
        if name in message and (problem := _date_problem(message[name])):
            problems.append(f"{name} {problem}")
    for name in _OBJECT_LISTS:
        value = message.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.append(f"{name} is {_kind(value)}, not a list of objects")
            continue
        for item in value:
            wrong = [k for k in _OBJECT_TEXTS.get(name, ()) if k in item
                     and not isinstance(item[k], str)]
            if wrong:
                problems.append(f"{name} has a {wrong[0]} that is {_kind(item[wrong[0]])}, "
                                "not a text")
                break
    relation = message.get("relation", {})
    if not isinstance(relation, dict) or not all(
            isinstance(v, list) and all(isinstance(i, dict) for i in v)
            for v in relation.values()):
        problems.append(f"relation is {_kind(relation)}, not an object of lists")
    return problems
