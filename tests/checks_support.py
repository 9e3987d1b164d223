"""Helpers shared by the `refs check` tests: the library's sources, built Crossref records."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from conftest import ROOT
from fake_crossref import BUILT, FakeCrossref, load_message

from reflib.library.bibtex import parse_source_text, read_source_file
from reflib.library.model import Reference

CHECKS_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "checks"
WORKS = CHECKS_FIXTURES / "works"
# The article's printed reference list, copied from ../shared/reference-data/ unchanged.
PRINTED_LIST = CHECKS_FIXTURES / "article-reference-list.txt"
DOI_KEYS = {
    "10.2147/JPR.S325665": "lee2021learn",
    "10.2147/JPR.S323362": "janapala2021efficacy",
    "10.1007/s40122-022-00455-0": "manchikanti2023neck",
    "10.2147/JPR.S386879": "sayed2022lowback",
    "10.1136/rapm-2019-101243": "cohen2020lumbar",
    "10.1136/rapm-2021-103031": "hurley2022cervical",
}


def crossref_message(doi: str) -> dict:
    """The built Crossref `message` of a work: one of the six articles (the enrichment
    suite's fixtures/crossref-built/) or a 10.5555 test work (fixtures/checks/works/)."""
    if doi in DOI_KEYS:
        return load_message(BUILT / f"{DOI_KEYS[doi]}.json")
    return load_message(WORKS / (doi.replace("/", "_") + ".json"))


def all_messages() -> dict[str, dict]:
    """Every built work the checks tests use, by DOI."""
    messages = {doi: crossref_message(doi) for doi in DOI_KEYS}
    for path in sorted(WORKS.glob("*.json")):
        message = load_message(path)
        messages[message["DOI"]] = message
    return messages


def library_ref(key: str) -> Reference:
    ref, problems = read_source_file(ROOT / "refs" / f"{key}.bib", ROOT)
    assert ref is not None and not problems
    return ref


def ref_from(text: str, key: str = "x") -> Reference:
    ref, problems = parse_source_text(text, f"refs/{key}.bib", key)
    assert ref is not None, problems
    return ref


def with_fields(ref: Reference, **fields: str | None) -> Reference:
    """A copy of `ref` with fields set (raw BibTeX values) or removed (None)."""
    new = dict(ref.fields)
    for name, value in fields.items():
        if value is None:
            new.pop(name, None)
        else:
            new[name] = value
    return replace(ref, fields=new)


def keep_record(root: Path, key: str, doi: str, message: dict | None = None) -> Path:
    """Write refs/KEY.crossref.json as `refs enrich` keeps it (the gateway's format)."""
    body = {"doi": doi, "source": f"https://api.crossref.org/works/{doi}",
            "fetched": "2024-04-01T10:00:00Z", "applied": {},
            "message": message or crossref_message(doi)}
    path = root / "refs" / f"{key}.crossref.json"
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")
    return path


def article(key: str, doi: str, title: str, extra: str = "") -> str:
    """A small, complete @article for test libraries."""
    return (f"@article{{{key},\n  author = {{Tester, Ada and Example, Ben}},\n"
            f"  title = {{{title}}},\n  journal = {{Journal of Checks}},\n  year = {{2020}},\n"
            f"  volume = {{3}},\n  pages = {{10--20}},\n  doi = {{{doi}}},\n{extra}}}\n")


def crossref_server(**options) -> FakeCrossref:
    """The enrichment suite's fake Crossref, serving the six articles and the test works."""
    server = FakeCrossref(**options)
    server.add_works(list(all_messages().values()))
    return server


def batch_requests(server: FakeCrossref) -> list:
    return [r for r in server.requests if r.path == "/works" and "filter" in r.query]
