"""A list's entries rendered by citeproc-py, in order (issue 13: 100,000 sources).

    render_entries(load("apa"), items, plain)  ->  [(None, "Lee, D. W., ..."), ...]

A numeric style (AMA, Vancouver, the article's) renders each entry from its own source
and its number alone: `render_numbered` maps and renders slices of the list in worker
processes forked from this one (reflib.formats.parallel), which inherit the sources
(nothing is pickled on the way in) and send back the finished text, the text this
process would make (tests/cite/test_entries.py compares them). Author-date styles (APA,
Chicago) are rendered here by `render_entries`, in one process: their "2020a"/"2020b"
and any dash for a repeated author depend on the entries around each one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reflib.progress import progress

Entry = tuple[str | None, str]
SLICE = 500  # entries a worker renders as one job (about a second of citeproc's work)
PARALLEL_FROM = 400  # fewer entries: forking costs more than it saves


class _Positions(list):
    """citeproc-py's list of the bibliography's keys, with a dict behind `index` and `in`:
    it looks each entry's number up with list.index, and a key up with `in` when it is
    registered, which made 100,000 entries quadratic (minutes before the first one)."""

    def __init__(self, keys: Sequence[str], positions: Sequence[int] | None = None) -> None:
        super().__init__(keys)
        self._at: dict[str, int] = {}
        for key, position in zip(keys, positions or range(len(keys)), strict=True):
            self._at.setdefault(key, position)

    def index(self, key, *bounds) -> int:  # type: ignore[override]
        if bounds or key not in self._at:
            return super().index(key, *bounds)
        return self._at[key]

    def __contains__(self, key) -> bool:
        return key in self._at


def bibliography_of(style, given: list[dict[str, Any]], formatter,
                    positions: Sequence[int] | None = None):
    """citeproc-py's bibliography of the processor items `given`, in their order (each
    key once), registered without its quadratic key search; entry i numbered
    positions[i] + 1 (default i + 1: a slice of a list keeps its numbers)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    source = CiteProcJSON(given)
    bibliography = CitationStylesBibliography(style.csl, source, formatter)
    citation = Citation([CitationItem(str(item["id"])) for item in given])
    citation.bibliography = bibliography
    seen: set[str] = set()
    items, numbers = [], []
    for n, cite in enumerate(citation.cites):  # what CitationStylesBibliography.register keeps
        if cite.key in source and cite.key not in seen:
            seen.add(cite.key)
            items.append(cite)
            numbers.append(positions[n] if positions is not None else len(numbers))
    bibliography.items = items
    bibliography.keys = _Positions([cite.key for cite in items], numbers)
    return bibliography


def render_entries(style, items: list[dict[str, Any]], formatter) -> list[Entry]:
    """Each CSL-JSON item rendered: (first field or None, the rest), in the given order;
    from the active render cache (reflib.cite.rendercache) where it is kept."""
    from reflib.cite import rendercache
    from reflib.cite.stylesheet import processor_item, style_id

    given = [processor_item(item) for item in items]
    bibliography = bibliography_of(style, given, formatter)
    cites = bibliography.items
    cache = rendercache.active()
    if cache is None:
        return render_cites(cites)
    hashes = {str(item["id"]).lower(): rendercache.item_hash(item) for item in given}
    context = rendercache.context_of(style_id(style), getattr(formatter, "__name__",
                                                                repr(formatter)),
                                     style.numeric, list(hashes.values()))
    known = cache.lookup(context)
    keys = [(hashes[str(cite.key).lower()], position) for position, cite in enumerate(cites)]
    fresh = iter(render_cites([cite for key, cite in zip(keys, cites, strict=True)
                               if key not in known]))
    entries, rows, made = [], [], 0
    for key in keys:
        if key in known:
            first, rest = known[key]
        else:
            first, rest = next(fresh)
            made += 1
        entries.append((first, rest))
        rows.append((*key, first, rest))
    cache.rendered += made
    if made or len(known) != len(rows):
        cache.store(context, rows)
    return entries


def render_cites(cites: list) -> list[Entry]:
    """The registered `cites` rendered in order here, a bar on a terminal for 200 or more."""
    with progress(len(cites) if len(cites) >= 200 else 0, "formatting") as advance:
        out = []
        for cite in cites:
            first, rest = cite.bibliography.style.root.bibliography.layout.render_entry(cite)
            out.append((first, rest or ""))
            advance(1)
    return out


def render_numbered(numbered: list[tuple[int, Any]], function) -> list[Entry]:
    """`function(slice)` of each slice of (position, source) pairs, in order, on every core
    for a long list (it must be a module-level function or a partial of one: it is
    pickled); a bar on a terminal for 200 or more."""
    from reflib.formats.parallel import map_slices

    with progress(len(numbered) if len(numbered) >= 200 else 0, "formatting") as advance:
        parts = map_slices(function, numbered, advance, size=SLICE, threshold=PARALLEL_FROM)
    return [entry for part in parts for entry in part]
