"""Year suffixes for author-date styles: two works by the same authors in the same year
are "2024a" and "2024b" (APA 7 §9.47, Chicago 15.19). Pure.

citeproc-py does no disambiguation, so the letters are given here, in the order of the
works' titles (as APA's reference list orders them), and put after the year the entry
prints first.
"""

from __future__ import annotations

import re
from string import ascii_lowercase
from typing import Any


def _people(item: dict[str, Any]) -> tuple:
    for role in ("author", "editor"):
        names = item.get(role)
        if names:
            return tuple((n.get("family", ""), n.get("given", ""), n.get("literal", ""))
                         for n in names)
    return ()


def _year(item: dict[str, Any]) -> str:
    try:
        return str(item["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError):
        return ""


def year_suffixes(items: list[dict[str, Any]]) -> dict[str, str]:
    """item id -> its letter, for items sharing first names and year with another."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for item in items:
        people, year = _people(item), _year(item)
        if people and year:
            groups.setdefault((people, year), []).append(item)
    letters: dict[str, str] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        ordered = sorted(group, key=lambda i: re.sub(r"<[^>]+>", "", str(i.get("title", "")))
                         .lower())
        for index, item in enumerate(ordered):
            letters[str(item["id"])] = _letters(index)
    return letters


def _letters(index: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa (as CSL's year-suffix counts on)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = ascii_lowercase[rest] + out
    return out


def add_suffix(entry: str, year: str, letter: str) -> str:
    """The first `2024` of a rendered entry as `2024a`."""
    return re.sub(rf"(?<!\d){re.escape(year)}(?![\d\w])", year + letter, entry, count=1)
