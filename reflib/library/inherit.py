"""crossref and xdata inheritance, by biblatex's rules, and parents after children.

    parent_keys(ref)                 # ['book1'] from crossref, ['pub', 'loc'] from xdata
    inherit(chapter, {"book1": book}) # the chapter with the book's editor, booktitle, ...
    parents_last([(key, parents), ...])  # BibTeX needs a crossref'd entry after its children

biblatex's defaults: a child gets every field it lacks from its parent, except the
fields below; a book's `title` becomes the `booktitle` of an @inbook/@incollection (and
`maintitle` from an @mv* parent), a periodical's `title` an article's `journaltitle`;
the author of a book is also the `bookauthor` of an @inbook. xdata fields come first.
"""

from __future__ import annotations

from collections.abc import Mapping

from reflib.library.model import Reference

NOT_INHERITED = frozenset({
    "ids", "crossref", "xref", "xdata", "entryset", "entrysubtype", "execute", "label",
    "options", "presort", "related", "relatedoptions", "relatedstring", "relatedtype",
    "shorthand", "shorthandintro", "sortkey", "shorttitle", "sorttitle", "indextitle",
    "indexsorttitle",
})
_IN_BOOK = {"inbook", "bookinbook", "suppbook"}
_IN_COLLECTION = {"incollection", "suppcollection", "inreference", "inproceedings"}
_BOOKS = {"book", "collection", "reference", "proceedings"}
_MV = {"mvbook", "mvcollection", "mvreference", "mvproceedings"}
_TITLES = ("title", "subtitle", "titleaddon")
MAX_DEPTH = 8


def parent_keys(ref: Reference) -> list[str]:
    """The keys `ref` inherits from: xdata's list, then crossref's one key."""
    keys: list[str] = []
    for name in ("xdata", "crossref"):
        if name in ref.fields:
            keys += [k.strip() for k in ref.text(name).split(",") if k.strip()]
    return keys


def _mapped(child_type: str, parent_type: str, name: str) -> list[str]:
    """The child's fields a parent's field `name` goes to."""
    if name in _TITLES:
        if parent_type in _MV and child_type in _BOOKS | _IN_BOOK | _IN_COLLECTION:
            return ["main" + name]
        if parent_type in _BOOKS and child_type in _IN_BOOK | _IN_COLLECTION:
            return ["book" + name]
        if parent_type == "periodical" and child_type in ("article", "suppperiodical"):
            return ["journal" + name]
    if name == "author" and parent_type in ("book", "mvbook") and child_type in _IN_BOOK:
        return ["author", "bookauthor"]
    return [name]


def inherit(child: Reference, refs: Mapping[str, Reference], depth: int = 0) -> Reference:
    """`child` with the fields it inherits (refs: lower-case key -> Reference)."""
    return inherit_traced(child, refs, depth)[0]


def inherit_traced(child: Reference, refs: Mapping[str, Reference], depth: int = 0
                   ) -> tuple[Reference, dict[str, str]]:
    """`child` with the fields it inherits, and for each inherited field the key of the
    source whose file holds the value (a grandparent's, when it came from there)."""
    if depth > MAX_DEPTH:
        return child, {}
    fields = dict(child.fields)
    origin: dict[str, str] = {}
    xdata = {k.strip().lower() for k in child.text("xdata").split(",")} if (
        "xdata" in child.fields) else set()
    for key in parent_keys(child):
        parent = refs.get(key.lower())
        if parent is None or parent.key == child.key:
            continue
        parent, parent_origin = inherit_traced(parent, refs, depth + 1)
        is_xdata = key.lower() in xdata
        for name, raw in parent.fields.items():
            if name in NOT_INHERITED:
                continue
            targets = [name] if is_xdata else _mapped(child.entry_type, parent.entry_type, name)
            for target in targets:
                if target not in fields:
                    fields[target] = raw
                    origin[target] = parent_origin.get(name, parent.key)
    return Reference(child.key, child.entry_type, fields, child.file, child.line,
                     child.field_lines), origin


def parents_last(items: list[tuple[str, list[str]]]) -> list[str]:
    """Keys in their given order, except that every parent comes after all its children.

    items: (key, keys it inherits from), already in the wanted order (by key)."""
    children: dict[str, list[str]] = {}
    for key, parents in items:
        for parent in parents:
            children.setdefault(parent.lower(), []).append(key.lower())
    height: dict[str, int] = {}

    def level(key: str, seen: tuple[str, ...] = ()) -> int:
        if key in height:
            return height[key]
        below = [c for c in children.get(key, []) if c not in seen and c != key]
        value = 0 if not below else 1 + max(level(c, (*seen, key)) for c in below[:1000])
        height[key] = min(value, MAX_DEPTH)
        return height[key]

    position = {key.lower(): n for n, (key, _) in enumerate(items)}
    ordered = sorted(items, key=lambda item: (level(item[0].lower()), position[item[0].lower()]))
    return [key for key, _ in ordered]
