"""Kept import records: refs/KEY.import.json, what the last `refs import` wrote into
refs/KEY.bib, so that `refs import --update` can tell the library's own changes from the
export's.

    {"source": "zotero-export.bib:12",          # the entry it came from
     "imported": "2026-11-30T11:40:00Z",          # when these values were last written
     "type": "article",
     "fields": {"title": "{A trial}", ...}}       # the raw values, as written

A field of refs/KEY.bib is curated (a person's, `refs enrich`'s or `refs edit`'s work,
which a newer export must not overwrite without `--force FIELD`) when its value differs
from the record, when it was added since, or when it was removed since. Without a record
(a source made by `refs add`, by hand, or imported before records were kept), the fields
that enrichment wrote (their values still equal to a kept registry record's `applied`)
are curated. Some fields are always the library's own (ALWAYS_CURATED).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reflib.errors import Problem
from reflib.library.bibtex import format_value
from reflib.library.layout import Layout
from reflib.library.model import Reference
from reflib.library.records import KeptFiles, RecordError

SUFFIX = ".import.json"

# What no reference manager's export knows better than the library: our evidence grading,
# notes, keywords, other keys, and the links between sources.
ALWAYS_CURATED = frozenset({"evidence", "note", "annote", "annotation", "comment", "keywords",
                            "ids", "crossref", "xdata"})


@dataclass(frozen=True)
class ImportRecord:
    """What one import wrote for one source."""

    entry_type: str
    fields: dict[str, str]  # raw values as written (format_value)
    source: str = ""  # file:line of the entry in the imported file
    imported: str = ""  # ISO 8601, UTC

    @classmethod
    def of(cls, ref: Reference, source: str, when: str) -> ImportRecord:
        return cls(ref.entry_type, {n: format_value(raw) for n, raw in ref.fields.items()},
                   source, when)

    def to_json(self) -> str:
        """One line per field, so that a diff shows which values an import changed."""
        head = {"source": self.source, "imported": self.imported, "type": self.entry_type}
        lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in
                 head.items()]
        body = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                          for k, v in self.fields.items())
        fields = "{\n" + body + "\n  }" if body else "{}"
        return "{\n" + "\n".join(lines) + f'\n  "fields": {fields}\n}}\n'

    def updated(self, incoming: Reference, source: str, when: str) -> ImportRecord:
        """The record after an --update brought `incoming`: its values are what the
        import last brought, for every field it carried (written or kept as curated)."""
        fields = dict(self.fields)
        fields.update((n, format_value(raw)) for n, raw in incoming.fields.items())
        if fields == self.fields and incoming.entry_type == self.entry_type:
            return self
        return ImportRecord(incoming.entry_type, fields, source, when)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_record(text: str, rel: str) -> ImportRecord:
    """A kept import record from its text; RecordError names the file if unreadable."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(Problem(rel, exc.lineno, f"not valid JSON ({exc.msg}); restore it "
                                  "from git, or delete it (then --update treats only "
                                  "enriched and library fields as curated)")) from None
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise RecordError(Problem(rel, 1, "not a kept import record (needs a `fields` object "
                                  "of strings); restore it or delete it"))
    return ImportRecord(str(data.get("type") or ""), fields, str(data.get("source") or ""),
                        str(data.get("imported") or ""))


IMPORT_FILES = KeptFiles(SUFFIX, parse_record)


@dataclass
class Curated:
    """The fields of one source that an --update keeps, each with why."""

    why: dict[str, str] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.why


def curated_fields(current: Reference, record: ImportRecord | None,
                   enriched: dict[str, str]) -> Curated:
    """Which fields of `current` are the library's own (see the module's docstring).

    `enriched`: field -> raw value that `refs enrich` wrote (kept records' `applied`)."""
    curated = Curated()
    for name in current.fields:
        if name in ALWAYS_CURATED:
            curated.why[name] = "the library's own"
    own = {n: format_value(raw) for n, raw in current.fields.items()}
    if record is None:
        for name, value in own.items():
            if name not in curated and name in enriched and format_value(enriched[name]) == value:
                curated.why[name] = "written by `refs enrich`"
        curated.why["entrytype"] = "no import record to compare with"
        return curated
    since = f" since the import of {record.imported}" if record.imported else " since import"
    for name, value in own.items():
        if name in curated:
            continue
        if name not in record.fields:
            curated.why[name] = "added" + since
        elif record.fields[name] != value:
            curated.why[name] = "changed" + since
    for name in record.fields:
        if name not in own and name not in ALWAYS_CURATED:
            curated.why[name] = "removed" + since
    if record.entry_type and record.entry_type != current.entry_type:
        curated.why["entrytype"] = "changed" + since
    return curated


def enriched_values(layout: Layout, key: str) -> dict[str, str]:
    """field -> the raw value enrichment wrote, from the kept registry records of `key`."""
    from reflib.library.pubmed_records import PUBMED_FILES
    from reflib.library.records import CROSSREF_FILES

    values: dict[str, str] = {}
    for files in (PUBMED_FILES, CROSSREF_FILES):
        try:
            record = files.load(layout, key)
        except (RecordError, UnicodeDecodeError):
            continue  # `refs build` reports it
        if record is not None:
            values.update(record.applied_values())
    return values
