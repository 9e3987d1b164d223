"""`refs rename OLD NEW`: one source's citekey changed everywhere it is written.

The file refs/OLD.bib becomes refs/NEW.bib with the new key, the old key is kept in the
entry's `ids` field (biblatex's aliases, so documents citing the old key still resolve),
refs/order.txt, the kept registry records (refs/OLD.crossref.json, ...) and the
`crossref` fields of other entries follow. All of it or nothing is changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reflib.errors import InvalidLibrary, Problem, ReflibError
from reflib.library.bibtex import format_entry, parse_source_text
from reflib.library.changes import Changeset
from reflib.library.keys import id_aliases, ids_value
from reflib.library.layout import Layout
from reflib.library.lookup import known_keys, resolve_key
from reflib.library.model import Reference, is_safe_key

# Kept registry records beside a source: refs/KEY.crossref.json, refs/KEY.pubmed.xml, ...
_RECORD = re.compile(r"\.[A-Za-z0-9-]+\.(?:json|xml)")
_PARENT_FIELDS = ("crossref", "xdata")


@dataclass
class RenameReport:
    old: str
    new: str
    source: str  # refs/NEW.bib
    records: list[str] = field(default_factory=list)  # kept records moved (new paths)
    children: list[str] = field(default_factory=list)  # files whose crossref now names NEW
    order_line: int | None = None  # the line of refs/order.txt changed


def record_files(layout: Layout, key: str) -> list[Path]:
    """The kept registry records of one source (not those of a key that extends it)."""
    if not layout.refs_dir.is_dir():
        return []
    prefix = key + "."
    return sorted(p for p in layout.refs_dir.iterdir()
                  if p.name.startswith(prefix) and _RECORD.fullmatch(p.name[len(key):]))


def read_entry(layout: Layout, key: str) -> tuple[str, Reference]:
    """The text and entry of refs/KEY.bib; InvalidLibrary if it does not read."""
    path = layout.source_path(key)
    text = path.read_text(encoding="utf-8")
    ref, problems = parse_source_text(text, layout.rel(path), key)
    errors = [p for p in problems if p.severity != "warning"]
    if ref is None or errors:
        raise InvalidLibrary(errors or [Problem(layout.rel(path), 1, "no entry")], "source")
    return text, ref


def children_of(layout: Layout, keys: set[str]) -> list[tuple[Path, str, Reference]]:
    """Sources whose `crossref` (or `xdata`) names one of `keys` (lower case)."""
    found = []
    for path in layout.source_files():
        if path.stem.lower() in keys:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        lowered = text.lower()
        if not any(f in lowered for f in _PARENT_FIELDS):  # cheap: most sources have none
            continue
        ref, _ = parse_source_text(text, layout.rel(path), path.stem)
        if ref is not None and any(ref.text(f).lower() in keys for f in _PARENT_FIELDS
                                   if f in ref.fields):
            found.append((path, text, ref))
    return found


def _replace_value(text: str, name: str, raw: str, value: str) -> str:
    pattern = re.compile(rf"(\b{re.escape(name)}\s*=\s*){re.escape(raw)}", re.IGNORECASE)
    return pattern.sub(lambda m: m.group(1) + value, text, count=1)


def _checked(text: str, rel: str, ref: Reference, fields: dict[str, str]) -> str:
    """`text` if it reads back as `ref` with `fields`; else the entry written afresh."""
    back, problems = parse_source_text(text, rel, ref.key)
    if back is not None and back.key == ref.key and back.fields == fields and not [
            p for p in problems if p.severity != "warning"]:
        return text
    return format_entry(Reference(ref.key, ref.entry_type, fields, ref.file, ref.line))


def renamed_text(text: str, ref: Reference, new: str, rel: str) -> str:
    """The entry with key `new` and the old key added to `ids`; the rest as written."""
    old = ref.key
    aliases = [a for a in id_aliases(ref.fields) if a.lower() != new.lower()]
    if old.lower() not in {a.lower() for a in aliases}:
        aliases.append(old)
    fields = dict(ref.fields)
    fields["ids"] = ids_value(aliases)
    head = re.compile(rf"(@\s*[A-Za-z]+\s*[{{(]\s*){re.escape(old)}(\s*,)")
    match = head.search(text)
    out = text
    if match:
        out = text[:match.start()] + match.group(1) + new + match.group(2) + text[match.end():]
    if "ids" in ref.fields:
        out = _replace_value(out, "ids", ref.fields["ids"], fields["ids"])
    elif match:
        at = match.end() + len(new) - len(old)
        out = out[:at] + f"\n  ids = {fields['ids']}," + out[at:]
    target = Reference(new, ref.entry_type, ref.fields, rel, ref.line)
    return _checked(out, rel, target, fields)


def rename_source(layout: Layout, old: str, new: str) -> RenameReport:
    """Rename a source's citekey everywhere; nothing changes if any step fails."""
    old = resolve_key(layout, old)
    if not is_safe_key(new):
        raise ReflibError(f"'{new}' is not a safe citekey (letters, digits and _ . + -, not "
                          "starting with a dot); choose another")
    if new == old:
        raise ReflibError(f"'{old}' is already the key; nothing to do")
    taken = known_keys(layout)
    if new.lower() in taken and new.lower() != old.lower():
        raise ReflibError(f"'{new}' is taken by refs/{taken[new.lower()]}.bib (keys ignore "
                          "case); choose another or remove that source first")
    text, ref = read_entry(layout, old)
    new_path = layout.source_path(new)
    report = RenameReport(old, new, layout.rel(new_path))
    changes = Changeset()
    changes.create(new_path, renamed_text(text, ref, new, layout.rel(new_path)))
    for path in record_files(layout, old):
        target = path.with_name(new + path.name[len(old):])
        if target.exists():
            raise ReflibError(f"{layout.rel(target)} exists already (a stray record?); "
                              "move it away, then rename")
        changes.move(path, target)
        report.records.append(layout.rel(target))
    for path, child_text, child in children_of(layout, {old.lower()}):
        fields = dict(child.fields)
        out = child_text
        for name in _PARENT_FIELDS:
            if name in fields and child.text(name).lower() == old.lower():
                fields[name] = "{" + new + "}"
                out = _replace_value(out, name, child.fields[name], fields[name])
        changes.write(path, _checked(out, layout.rel(path), child, fields))
        report.children.append(layout.rel(path))
    if layout.order_file.is_file():
        lines = layout.order_file.read_text(encoding="utf-8").splitlines(keepends=True)
        for number, line in enumerate(lines, start=1):
            if line.strip().lower() == old.lower():
                lines[number - 1] = line.replace(line.strip(), new, 1)
                report.order_line = number
                changes.write(layout.order_file, "".join(lines))
                break
    changes.delete(layout.source_path(old))
    changes.apply()
    return report
