"""The merge policy: what Crossref may change in a source, and the field-level diff. Pure.

- A field the source lacks is filled from Crossref.
- A field the source has is never overwritten, unless the person asks (`force`) or the
  field still holds exactly what an earlier enrichment wrote (`applied`): then it is
  Crossref's, not curated, and a refresh may update it.
- A field whose value differs from Crossref's (beyond case, punctuation, markup, the
  print-vs-online year, ISSN kinds, ...) is reported as a conflict to review.

    plan = merge(reference, map_work(message), force={"journal"})
    plan.changes    # Change(field, old, new, reason) for each field written
    plan.conflicts  # Conflict(field, ours, crossref) for each disagreement left alone
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reflib.enrich.mapping import ENTRY_TYPE_GROUPS, FIELD_ORDER, MappedWork
from reflib.library.latex import VERBATIM_FIELDS, field_text
from reflib.library.model import Name, Reference
from reflib.library.textmatch import fold, squash
from reflib.registries.crossref.work import Person

ENTRY_TYPE = "entrytype"  # the pseudo-field `--force entrytype` names

FILL, FORCE, REFRESH = "fill", "force", "refresh"

# Fields describing the parent book; an entry with `crossref = {parent}` inherits them.
_PARENT_FIELDS = frozenset({"booktitle", "editor", "editor+an:orcid", "publisher", "address",
                            "series", "isbn", "eisbn", "edition"})
_ID_PAIRS = {"issn": "eissn", "eissn": "issn", "isbn": "eisbn", "eisbn": "isbn"}


@dataclass(frozen=True)
class Change:
    """A field the merge writes: filled, forced over ours, or refreshed from Crossref."""

    field: str
    old: str | None  # raw value before, None when the source lacked the field
    new: str  # raw value written
    reason: str  # fill | force | refresh


@dataclass(frozen=True)
class Conflict:
    """A field where the source and Crossref disagree; ours is kept."""

    field: str
    ours: str  # plain text
    crossref: str  # plain text: the registry's value (named so when only Crossref was asked)
    registry: str = "Crossref"


@dataclass(frozen=True)
class MergePlan:
    key: str
    entry_type: str
    fields: dict[str, str]  # the source's fields after the merge, in file order
    changes: tuple[Change, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def diff_lines(self) -> list[str]:
        """The field-level diff: `+ field = {new}`, `~ field = {old} -> {new}`, `! ...`."""
        lines = []
        for change in self.changes:
            if change.old is None:
                lines.append(f"+ {change.field} = {change.new}")
            else:
                lines.append(f"~ {change.field} = {change.old} -> {change.new} ({change.reason})")
        for conflict in self.conflicts:
            lines.append(f"! {conflict.field}: ours {conflict.ours!r}, {conflict.registry} "
                         f"{conflict.crossref!r} (kept ours; --force {conflict.field} takes "
                         f"{conflict.registry}'s)")
        return lines


def merge(ref: Reference, work: MappedWork, force: Iterable[str] = (),
          applied: Mapping[str, str] | None = None) -> MergePlan:
    """What enriching `ref` with `work` changes; pure, and idempotent once applied."""
    force = frozenset(name.lower() for name in force)
    applied = dict(applied or {})
    fields = dict(ref.fields)
    changes: list[Change] = []
    conflicts: list[Conflict] = []
    notices = list(work.notices)
    entry_type = ref.entry_type
    if not _same_kind(ref.entry_type, work.entry_type):
        if is_stub(ref):  # an identifier alone: no curated type to protect
            changes.append(Change(ENTRY_TYPE, ref.entry_type, work.entry_type, FILL))
            entry_type = work.entry_type
        elif ENTRY_TYPE in force:
            changes.append(Change(ENTRY_TYPE, ref.entry_type, work.entry_type, FORCE))
            entry_type = work.entry_type
        else:
            conflicts.append(Conflict(ENTRY_TYPE, ref.entry_type,
                                      f"{work.entry_type} ({work.crossref_type})",
                                      work.origin(ENTRY_TYPE)))
    agreeing_people = {role for role in ("author", "editor")
                       if role in ref.fields and role in work.people
                       and _same_people(_names(ref, role), work.people[role])}
    for name, new in work.fields.items():
        if name.endswith("+an:orcid"):
            role = name.split("+", 1)[0]
            if role not in agreeing_people and role in ref.fields:
                continue  # the positions would not line up with our list
        if name not in fields:
            if _covered(name, ref, work):
                continue
            changes.append(Change(name, None, new, FILL))
            place_field(fields, name, new)
            if name in ("author", "editor"):
                agreeing_people.add(name)
            continue
        old = fields[name]
        if _agrees(name, old, new, ref, work):
            continue
        if name in force:
            changes.append(Change(name, old, new, FORCE))
        elif applied.get(name) == old:
            changes.append(Change(name, old, new, REFRESH))
        else:
            conflicts.append(Conflict(name, _text(name, old), _text(name, new),
                                      work.origin(name)))
            continue
        fields[name] = new
    if work.doi and ref.doi and work.doi.lower() != ref.doi.lower():
        notices.append(f"{work.origin('doi')} files this work under doi:{work.doi} (ours: "
                       f"{ref.doi}); "
                       "the DOI was redirected")
    return MergePlan(ref.key, entry_type, fields, tuple(changes), tuple(conflicts),
                     tuple(notices))


STUB_FIELDS = frozenset({"doi", "pmid", "pmcid", "isbn", "evidence", "keywords", "note",
                         "annote"})


def is_stub(ref: Reference) -> bool:
    """An entry that holds identifiers only (`@misc{x, doi = {...}}`), no bibliographic data."""
    return bool(ref.fields) and set(ref.fields) <= STUB_FIELDS


def field_agrees(name: str, ours: str, theirs: str, ref: Reference, work: MappedWork) -> bool:
    """True when raw value `ours` (of `ref`) says what `work`'s `theirs` says."""
    return _agrees(name, ours, theirs, ref, work)


def _same_kind(ours: str, theirs: str) -> bool:
    return ours == theirs or any(ours in g and theirs in g for g in ENTRY_TYPE_GROUPS)


def _text(name: str, raw: str) -> str:
    return field_text(raw, verbatim=name in VERBATIM_FIELDS)


def place_field(fields: dict[str, str], name: str, raw: str) -> None:
    """Insert after the last field that comes before `name` in FIELD_ORDER."""
    rank = {n: i for i, n in enumerate(FIELD_ORDER)}
    mine = rank.get(name, len(FIELD_ORDER))
    items = list(fields.items())
    at = 0
    for i, (existing, _) in enumerate(items):
        if rank.get(existing, -1) < mine and existing in rank:
            at = i + 1
    items.insert(at, (name, raw))
    fields.clear()
    fields.update(items)


def _compact(value: str) -> str:
    return re.sub(r"[^0-9X]", "", value.upper())


def _covered(name: str, ref: Reference, work: MappedWork) -> bool:
    """True when the source already says what a new field would say."""
    if name in _ID_PAIRS:  # the ISSN is there, filed under the other kind
        new = _compact(field_text(work.fields[name]))
        return any(_compact(ref.text(n)) == new for n in (name, _ID_PAIRS[name])
                   if n in ref.fields)
    if name == "subtitle":
        return squash(field_text(work.fields[name])) in squash(ref.title)
    if name in ("year", "month") and "date" in ref.fields:
        return True
    if name == "journal" and "journaltitle" in ref.fields:
        return True
    if name in _PARENT_FIELDS and ("crossref" in ref.fields or "xdata" in ref.fields):
        return True
    return False


def _names(ref: Reference, role: str) -> list[Name]:
    return ref.authors if role == "author" else ref.editors


def _same_people(ours: list[Name], theirs: tuple[Person, ...]) -> bool:
    """Same family names in the same order; our list may stop early with `and others`."""
    truncated = bool(ours) and ours[-1].literal.lower() == "others"
    if truncated:
        ours = ours[:-1]
        theirs = theirs[:len(ours)]
    if len(ours) != len(theirs):
        return False
    for mine, other in zip(ours, theirs, strict=True):
        if squash(mine.family_full or mine.literal) != squash(other.family or other.literal):
            return False
        if mine.given and other.given and squash(mine.given)[:1] != squash(other.given)[:1]:
            return False
    return True


def _pages_key(text: str) -> str:
    """`2807–31` and `2807-2831` compare equal."""
    parts = re.split(r"\s*[-‐‑‒–—−]+\s*", text.strip())
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit() and \
            len(parts[1]) < len(parts[0]):
        parts[1] = parts[0][:len(parts[0]) - len(parts[1])] + parts[1]
    return "-".join(p.lower() for p in parts)


def _url_key(text: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", text.strip()).rstrip("/").lower()


def _agrees(name: str, old: str, new: str, ref: Reference, work: MappedWork) -> bool:
    ours, theirs = _text(name, old), _text(name, new)
    if name in ("author", "editor"):
        return _same_people(_names(ref, name), work.people.get(name, ()))
    if name == "year":
        years = {str(d[0]) for d in work.dates.values() if d}
        return ours.strip() in years | {theirs}
    if name == "month":
        return _month_agrees(ref, work, ours)
    if name == "pages":
        return _pages_key(ours) == _pages_key(theirs)
    if name == "doi":
        others = {d.lower() for d in work.alternatives.get("doi", ())}
        return ours.lower() in {theirs.lower()} | others
    if name in _ID_PAIRS:
        return _compact(ours) in {_compact(v) for v in work.alternatives.get(name, ())} | {
            _compact(theirs)}
    if name in ("url", "license"):
        return _url_key(ours) == _url_key(theirs)
    if name == "title":
        return any(squash(ours) == squash(t) for t in work.alternatives.get("title", ())) or \
            squash(ours) == squash(theirs)
    if name.endswith("+an:orcid"):
        return _orcid_marks(ours) == _orcid_marks(theirs)
    accepted = {fold(theirs)} | {fold(v) for v in work.alternatives.get(name, ())}
    return fold(ours) in accepted or squash(ours) == squash(theirs)


def _month_agrees(ref: Reference, work: MappedWork, ours: str) -> bool:
    month = ref.month
    if month is None:
        return fold(ours) == ""
    year = ref.year
    dates = [d for d in work.dates.values() if len(d) > 1]
    same_year = [d for d in dates if d[0] == year] or dates
    return any(d[1] == month for d in same_year)


def _orcid_marks(text: str) -> dict[str, str]:
    return dict(re.findall(r"(\d+)\s*=\s*\"?([0-9X-]+)", text))
