"""Finding sources by citekey as people type them: ignoring case, with "did you mean".

Keys are unique ignoring case (`refs build` enforces it), so `LEE2021LEARN` names
`lee2021learn`. A key that names nothing gets the closest keys as suggestions.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from reflib.errors import NotInLibrary
from reflib.library.layout import Layout


def known_keys(layout: Layout) -> dict[str, str]:
    """Lower-cased key -> key of every refs/KEY.bib (one directory scan)."""
    return {entry.name[:-4].lower(): entry.name[:-4] for entry in layout.source_entries()}


def suggestions(key: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The keys closest to `key` (difflib's ratio, case ignored), best first."""
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(key.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[k] for k in close]


def unknown_message(missing: list[str], known: Iterable[str]) -> str:
    """`no source with key 'x'; did you mean 'y'?` for one or more unknown keys."""
    known = list(known)
    parts = []
    for key in missing:
        close = suggestions(key, known)
        hint = f" (did you mean {' or '.join(repr(k) for k in close)}?)" if close else ""
        parts.append(f"'{key}'{hint}")
    noun = "key" if len(missing) == 1 else "keys"
    return (f"no source with {noun} {', '.join(parts)}; see `refs list --format keys`")


def resolve_keys(layout: Layout, keys: Iterable[str]) -> list[str]:
    """The citekeys as the files spell them; NotInLibrary naming every unknown one."""
    keys = list(keys)
    if not keys:
        return []
    known = known_keys(layout)
    missing = [k for k in keys if k.lower() not in known]
    if missing:
        raise NotInLibrary(unknown_message(missing, known.values()))
    resolved: list[str] = []
    for key in keys:
        if known[key.lower()] not in resolved:
            resolved.append(known[key.lower()])
    return resolved


def resolve_key(layout: Layout, key: str) -> str:
    return resolve_keys(layout, [key])[0]
