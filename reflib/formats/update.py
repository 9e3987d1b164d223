"""Re-importing: which existing source an entry is (key, then DOI, then PMID), and the
field-level merge of a newer export into it. The merge is pure.

Policy of `refs import --update`:
- a field the source lacks is added; a field whose value differs is replaced;
- a field the export lacks is kept (an export never deletes);
- a curated field (changed, added or removed in the library since the last import, or
  always the library's own: see formats/importrecord.py) is never replaced without
  `--force FIELD`; it is reported instead, with why it counts as curated.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field

from reflib.library.bibtex import format_value, parse_source_text
from reflib.library.keys import id_aliases
from reflib.library.layout import Layout
from reflib.library.model import Reference, doi_key, is_valid_doi
from reflib.progress import progress


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None  # raw value before; None when the source lacked the field
    new: str

    def __str__(self) -> str:
        if self.old is None:
            return f"+ {self.field} = {self.new}"
        return f"~ {self.field}: {self.old} -> {self.new}"


@dataclass
class Existing:
    """What matching needs of the sources already in refs/ (small: a million fit)."""

    keys: dict[str, str] = field(default_factory=dict)  # lower key -> key
    dois: dict[str, str] = field(default_factory=dict)  # doi_key -> key
    pmids: dict[str, str] = field(default_factory=dict)  # pmid -> key
    aliases: dict[str, str] = field(default_factory=dict)  # lower `ids` alias -> key
    identified: set[str] = field(default_factory=set)  # keys of sources with a DOI or PMID
    layout: Layout | None = None

    @classmethod
    def load(cls, layout: Layout) -> Existing:
        found = cls(layout=layout)
        files = layout.source_files()
        with progress(len(files), "reading refs/") as advance:
            for path in files:
                found.keys[path.stem.lower()] = path.stem
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue  # `refs build` reports it; the key alone still counts
                ref, _ = parse_source_text(text, layout.rel(path), path.stem)
                if ref is not None:
                    if ref.doi and is_valid_doi(ref.doi):
                        found.dois.setdefault(doi_key(ref.doi), path.stem)
                    pmid = ref.text("pmid")
                    if pmid:
                        found.pmids.setdefault(pmid, path.stem)
                    if found.dois.get(doi_key(ref.doi)) == path.stem or pmid:
                        found.identified.add(path.stem)
                    for alias in id_aliases(ref.fields):
                        if found.aliases.setdefault(alias.lower(), path.stem) != path.stem:
                            found.aliases[alias.lower()] = ""  # two sources: no match by it
                advance(1)
        return found

    def text(self, key: str) -> str:
        assert self.layout is not None
        return self.layout.source_path(key).read_text(encoding="utf-8")


def match_existing(ref: Reference, existing: Existing) -> tuple[str, str] | None:
    """(existing key, "key" | "ids" | "doi" | "pmid") of the source `ref` is, or None.
    "ids": the entry's key is one a source keeps as its old key (an import with --rekey);
    an old key may since name another work, so identifiers come first, and an old key
    held by two sources, or by a source with identifiers while the entry's are others,
    matches nothing."""
    if ref.key and ref.key.lower() in existing.keys:
        return existing.keys[ref.key.lower()], "key"
    doi = doi_key(ref.doi) if ref.doi and is_valid_doi(ref.doi) else ""
    if doi and doi in existing.dois:
        return existing.dois[doi], "doi"
    pmid = ref.text("pmid")
    if pmid and pmid in existing.pmids:
        return existing.pmids[pmid], "pmid"
    alias = existing.aliases.get(ref.key.lower()) if ref.key else None
    if alias and not ((doi or pmid) and alias in existing.identified):
        return alias, "ids"
    return None


def merge_fields(current: Reference, incoming: Reference, curated: Container[str],
                 force: frozenset[str] = frozenset()
                 ) -> tuple[Reference, list[FieldChange], list[str]]:
    """The source after merging `incoming`, the changes made, and curated fields kept
    (`curated`: the field names, and `entrytype`, that only `force` may replace)."""
    fields = dict(current.fields)
    changes: list[FieldChange] = []
    kept: list[str] = []
    entry_type = current.entry_type
    if incoming.entry_type != current.entry_type:
        if "entrytype" in force or "entrytype" not in curated:
            changes.append(FieldChange("entrytype", current.entry_type, incoming.entry_type))
            entry_type = incoming.entry_type
        else:
            kept.append("entrytype")
    for name, raw in incoming.fields.items():
        new = format_value(raw)
        old = fields.get(name)
        if old is not None and format_value(old) == new:
            continue
        if name in curated and name not in force:
            kept.append(name)
            continue
        fields[name] = new
        changes.append(FieldChange(name, old, new))
    merged = Reference(current.key, entry_type, fields, current.file, current.line,
                       current.field_lines)
    return merged, changes, kept
