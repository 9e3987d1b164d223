"""Kept PubMed records: refs/KEY.pubmed.json beside refs/KEY.bib.

Why JSON around the XML rather than a bare refs/KEY.pubmed.xml: the record needs the same
company as a kept Crossref record (where and when it was fetched, and `applied`, the
fields enrichment wrote, for provenance), and the build indexes a few facts of it without
an XML parser in the library stage. PubMed's own XML is kept whole and unchanged in
`xml`, so every check can parse it again offline (reflib.registries.pubmed.record):

    {"pmid": "34526815",
     "source": "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi?db=pubmed&id=34526815",
     "fetched": "2026-06-01T09:30:00Z",
     "applied": {"pmid": {"value": "{34526815}", "when": "2026-06-01T09:30:00Z"}},
     "doi": "10.2147/JPR.S325665", "pmcid": "PMC8436449", "title": "...",
     "publication_types": ["Journal Article", "Review", "Practice Guideline"],
     "xml": "<PubmedArticle>...</PubmedArticle>"}

A field whose value still equals its `applied` value has origin "pubmed". Only records
that really came from PubMed belong in refs/; test records live in tests/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from reflib.errors import Problem
from reflib.library.records import KeptFiles, RecordError

SUFFIX = ".pubmed.json"
_HEAD = ("pmid", "source", "fetched", "applied", "doi", "pmcid", "title",
         "publication_types")


@dataclass(frozen=True)
class KeptPubMed:
    """One PubMed record as kept: PubMed's XML and what we know of its fetch."""

    pmid: str
    xml: str
    source: str = ""
    fetched: str = ""
    doi: str = ""
    pmcid: str = ""
    title: str = ""
    publication_types: tuple[str, ...] = ()
    applied: dict[str, dict[str, str]] = field(default_factory=dict)

    def applied_values(self) -> dict[str, str]:
        return {name: entry.get("value", "") for name, entry in self.applied.items()}

    def to_json(self) -> str:
        """One line per key, so a diff shows what changed (the XML is one line)."""
        data: dict[str, Any] = {"pmid": self.pmid, "source": self.source,
                                "fetched": self.fetched, "applied": self.applied,
                                "doi": self.doi, "pmcid": self.pmcid, "title": self.title,
                                "publication_types": list(self.publication_types),
                                "xml": self.xml}
        lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                 for k, v in data.items()]
        return "{\n" + ",\n".join(lines) + "\n}\n"

    def same_record_as(self, other: KeptPubMed) -> bool:
        return self.xml == other.xml


def parse_kept(text: str, rel: str) -> KeptPubMed:
    """A kept record from its JSON text; RecordError names the file and line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(Problem(rel, exc.lineno, f"not valid JSON ({exc.msg}); restore it "
                                  "from git or fetch it again with `refs enrich --refresh`")
                          ) from None
    if not isinstance(data, dict) or not isinstance(data.get("xml"), str) or \
            not str(data.get("pmid") or "").isdigit():
        raise RecordError(Problem(rel, 1, "not a kept PubMed record (needs `pmid` digits and "
                                  "`xml` text); restore it or delete it"))
    applied = data.get("applied") or {}
    if not isinstance(applied, dict) or not all(isinstance(v, dict) for v in applied.values()):
        raise RecordError(Problem(rel, 1, "`applied` must map field names to "
                                  '{"value": ..., "when": ...}'))
    types = data.get("publication_types") or []
    return KeptPubMed(pmid=str(data["pmid"]), xml=data["xml"],
                      source=str(data.get("source") or ""),
                      fetched=str(data.get("fetched") or ""), doi=str(data.get("doi") or ""),
                      pmcid=str(data.get("pmcid") or ""), title=str(data.get("title") or ""),
                      publication_types=tuple(str(t) for t in types if isinstance(t, str)),
                      applied=applied)


PUBMED_FILES = KeptFiles(SUFFIX, parse_kept)
kept_path = PUBMED_FILES.path
kept_files = PUBMED_FILES.files
key_of = PUBMED_FILES.key_of
load_kept_pubmed = PUBMED_FILES.load
load_all_kept_pubmed = PUBMED_FILES.load_all
keep_pubmed = PUBMED_FILES.keep


def index_rows(key: str, rel: str, record: KeptPubMed) -> dict[str, list[dict]]:
    """The index rows of one kept PubMed record. Pure."""
    return {
        "pubmed_records": [{
            "key": key, "pmid": record.pmid, "doi": record.doi, "pmcid": record.pmcid,
            "title": record.title, "publication_types": "; ".join(record.publication_types),
            "fetched": record.fetched, "source": record.source, "file": rel,
            "xml": record.xml}],
        "pubmed_applied": [{"key": key, "field": name, "value": entry.get("value", ""),
                            "recorded": entry.get("when")}
                           for name, entry in sorted(record.applied.items())],
    }
