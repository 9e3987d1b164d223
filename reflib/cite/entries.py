"""A list's entries rendered by citeproc-py: in order, kept ones from the render cache,
and the entries of a numeric style on every core (issue 13: 100,000 sources).

    render_entries(load("ama"), items, plain)  ->  [("1.", "Lee DW, ..."), ...]

A numeric style (AMA, Vancouver, the article's) renders each entry from its own item and
its number alone, so slices of the list are rendered in worker processes forked from
this one (reflib.formats.parallel): they inherit the processor's objects, nothing is
pickled on the way in, and the text they send back is the text this process would make
(tests/cite/test_entries.py compares them). Author-date styles (APA, Chicago) are
rendered here, in one process: their "2020a"/"2020b" and any dash for a repeated author
depend on the entries around each one.
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

    def __init__(self, keys: Sequence[str]) -> None:
        super().__init__(keys)
        self._at: dict[str, int] = {}
        for position, key in enumerate(keys):
            self._at.setdefault(key, position)

    def index(self, key, *bounds) -> int:  # type: ignore[override]
        if bounds or key not in self._at:
            return super().index(key, *bounds)
        return self._at[key]

    def __contains__(self, key) -> bool:
        return key in self._at


def bibliography_of(style, given: list[dict[str, Any]], formatter):
    """citeproc-py's bibliography of the processor items `given`, in their order (each
    key once), registered without its quadratic key search."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    source = CiteProcJSON(given)
    bibliography = CitationStylesBibliography(style.csl, source, formatter)
    citation = Citation([CitationItem(str(item["id"])) for item in given])
    citation.bibliography = bibliography
    seen: set[str] = set()
    items = []
    for cite in citation.cites:  # what CitationStylesBibliography.register keeps
        if cite.key in source and cite.key not in seen:
            seen.add(cite.key)
            items.append(cite)
    bibliography.items = items
    bibliography.keys = _Positions([cite.key for cite in items])
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
        return render_cites(cites, style.numeric)
    hashes = {str(item["id"]).lower(): rendercache.item_hash(item) for item in given}
    context = rendercache.context_of(style_id(style), getattr(formatter, "__name__",
                                                                repr(formatter)),
                                     style.numeric, list(hashes.values()))
    known = cache.lookup(context)
    keys = [(hashes[str(cite.key).lower()], position) for position, cite in enumerate(cites)]
    fresh = iter(render_cites([cite for key, cite in zip(keys, cites, strict=True)
                               if key not in known], style.numeric))
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


def render_cites(cites: list, numeric: bool) -> list[Entry]:
    """The registered `cites` rendered in order, a bar on a terminal for 200 or more; a
    numeric style's in forked workers when there are enough of them."""
    from reflib.formats.parallel import map_slices

    with progress(len(cites) if len(cites) >= 200 else 0, "formatting") as advance:
        if not numeric:
            return [entry for cite in cites for entry in _render_slice([cite], advance)]
        parts = map_slices(_render_slice, cites, advance, size=SLICE, threshold=PARALLEL_FROM)
    return [entry for part in parts for entry in part]


def _render_slice(cites: Sequence, advance=None) -> list[Entry]:
    """Entries of `cites` (a slice of one bibliography's items); in a worker, of the list
    it inherited."""
    if not cites:
        return []
    layout = cites[0].bibliography.style.root.bibliography.layout
    out = []
    for cite in cites:
        first, rest = layout.render_entry(cite)
        out.append((first, rest or ""))
    if advance:
        advance(len(cites))
    return out
