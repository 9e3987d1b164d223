"""`refs add --doi/--pmid/--pmcid/--isbn`: new sources from identifiers alone. The library
twin of the command; it returns a report and never prints.

    report = add_identifiers(layout, ["10.2147/JPR.S325665", "PMC8436449", "36422818"],
                             crossref=..., pubmed=..., books=..., cite=True)
    report.added   # [Added(key, file, identifier, registries)]

Each identifier is asked of every registry that knows its kind in the fewest requests
(Crossref: one batch per 50 DOIs; PubMed: one ID conversion, one esearch, one efetch per
200; Open Library: one request per 50 ISBNs); a PMID's DOI, once PubMed gives it, is asked
of Crossref too. The registries' words are combined and merged into an empty entry exactly
as `refs enrich` does (reflib.enrich.combine, reflib.enrich.merge), so the entry type is
the registries' and every disagreement is named. The key follows the library's one rule
(reflib.library.keys.make_key). The registry records are kept beside the new source; the
source is created atomically and never over an existing file; `cite` appends the new
keys to refs/order.txt (atomically).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from reflib.errors import EXIT_INVALID, EXIT_OK, EXIT_UNVERIFIED, RegistryError
from reflib.fsutil import atomic_write_text, create_new_text
from reflib.library.bibtex import format_entry, parse_source_text
from reflib.library.layout import Layout
from reflib.library.model import Reference, is_valid_doi, normalize_doi
from reflib.progress import progress as bar

SCHEMES = ("doi", "pmid", "pmcid", "isbn")
WRITERS = 8  # threads writing the new sources' files
WRITE_BAR_FROM = 100  # fewer files are written within a second


@dataclass(frozen=True)
class Wanted:
    scheme: str
    value: str  # normal form: DOI as given minus prefixes, PMID digits, PMC123, ISBN-13
    given: str

    @property
    def label(self) -> str:
        return f"{self.scheme}:{self.value}" if self.scheme == "doi" else \
            f"{self.scheme.upper()} {self.value}"


@dataclass
class Added:
    key: str
    file: str
    identifier: str
    registries: list[str]
    notices: list[str] = field(default_factory=list)


@dataclass
class AddReport:
    added: list[Added] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one message per identifier
    unavailable: dict[str, str] = field(default_factory=dict)  # registry -> why
    requests: dict[str, int] = field(default_factory=dict)  # registry -> requests made
    cited: bool = False

    @property
    def exit_code(self) -> int:
        if self.refused:
            return EXIT_INVALID
        return EXIT_UNVERIFIED if self.unavailable else EXIT_OK


def classify(text: str) -> Wanted | str:
    """The kind of one identifier as typed (`doi:10.1/x`, `PMC123`, `PMID: 1`, an ISBN),
    or a message saying why it is none."""
    from reflib.registries.books import normalize_isbn

    given = text.strip()
    bare = re.sub(r"(?i)^(pmid|pmcid|isbn(-1[03])?)\s*:?\s*", "", given)
    if re.match(r"(?i)^(doi:|https?://(dx\.)?doi\.org/|10\.)", given):
        doi = normalize_doi(given)
        return Wanted("doi", doi, given) if is_valid_doi(doi) else \
            f"{given!r} is not a DOI (expected 10.NNNN/suffix)"
    if re.fullmatch(r"(?i)pmc\d{1,9}", bare):
        return Wanted("pmcid", bare.upper(), given)
    if re.fullmatch(r"\d{1,8}", bare) and not given.lower().startswith("isbn"):
        return Wanted("pmid", str(int(bare)), given)
    isbn = normalize_isbn(given)
    if isbn:
        return Wanted("isbn", isbn, given)
    return (f"{given!r} is neither a DOI (10.NNNN/...), a PMID (digits), a PMCID (PMC and "
            "digits) nor an ISBN with a valid check digit")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _library_identifiers(layout: Layout) -> tuple[set[str], dict[tuple[str, str], str]]:
    """Keys taken, and (scheme, value) -> key of the identifiers already in the library."""
    taken = {p.stem for p in layout.source_files()}
    known: dict[tuple[str, str], str] = {}
    for path in layout.source_files():
        try:
            ref, _ = parse_source_text(path.read_text(encoding="utf-8"), layout.rel(path),
                                       path.stem)
        except (OSError, UnicodeDecodeError):
            continue
        if ref is None:
            continue
        for scheme in SCHEMES:
            value = ref.text(scheme).strip()
            if value:
                known[(scheme, value.lower())] = ref.key
    return taken, known


def add_identifiers(layout: Layout, identifiers: Iterable[str], *,
                    crossref: Callable[[], Any] | None = None,
                    pubmed: Callable[[], Any] | None = None,
                    books: Callable[[], Any] | None = None,
                    registries: Iterable[str] = ("crossref", "pubmed"), cite: bool = False,
                    dry_run: bool = False, now: Callable[[], str] = _now,
                    progress: Callable[[int, int], None] | None = None) -> AddReport:
    """Add one source per identifier (see the module docstring). `progress(done, total)`
    hears of the DOIs Crossref has settled (a bar for a long --from list); the files are
    written under reflib.progress's own bar."""
    from reflib.registries.books import normalize_isbn

    asked = set(registries)
    report = AddReport(cited=cite)
    taken, known = _library_identifiers(layout)
    wanted: list[Wanted] = []
    seen: set[tuple[str, str]] = set()
    for text in identifiers:
        if not text.strip():
            continue
        kind = classify(text)
        if isinstance(kind, str):
            report.refused.append(kind)
            continue
        ident = (kind.scheme, kind.value.lower())
        other = "isbn" if kind.scheme == "isbn" else ""
        if ident in known or (other and any(
                normalize_isbn(v) == kind.value for (s, v) in known if s == "isbn")):
            key = known.get(ident) or next(k for (s, v), k in known.items()
                                           if s == "isbn" and normalize_isbn(v) == kind.value)
            report.refused.append(f"{kind.label} is already in the library as refs/{key}.bib")
            continue
        if ident not in seen:
            seen.add(ident)
            wanted.append(kind)
    by_scheme = {s: [w.value for w in wanted if w.scheme == s] for s in SCHEMES}
    now_text = now()

    pubmed_found: dict[tuple[str, str], Any] = {}
    pubmed_base = ""
    book_url: Callable[[str], str] | None = None
    if "pubmed" in asked and pubmed and (by_scheme["pmid"] or by_scheme["pmcid"]
                                         or by_scheme["doi"]):
        client = pubmed()
        try:
            by_pmid, by_doi, by_pmcid = client.lookup(by_scheme["pmid"], by_scheme["doi"],
                                                      by_scheme["pmcid"])
            pubmed_found = {**{("pmid", k): r for k, r in by_pmid.items()},
                            **{("doi", k.lower()): r for k, r in by_doi.items()},
                            **{("pmcid", k): r for k, r in by_pmcid.items()}}
        except RegistryError as exc:
            report.unavailable["PubMed"] = str(exc)
        finally:
            report.requests["PubMed"] = client.stats.requests
            pubmed_base = client.base_url
            client.close()
    dois = list(by_scheme["doi"])
    for (scheme, _), record in pubmed_found.items():
        if scheme != "doi" and record.doi:
            dois.append(record.doi)
    crossref_found: dict[str, Any] = {}
    if "crossref" in asked and crossref and dois:
        client = crossref()
        try:
            for doi, result in client.fetch_works(dois, progress=progress).items():
                if result.ok:
                    crossref_found[doi.lower()] = result.record
                elif getattr(result.error, "exit_code", 1) == EXIT_UNVERIFIED:
                    report.unavailable["Crossref"] = str(result.error)
        finally:
            report.requests["Crossref"] = client.stats.requests
            client.close()
    book_found: dict[str, dict] = {}
    if by_scheme["isbn"] and books:
        client = books()
        try:
            book_found = client.fetch_isbns(by_scheme["isbn"])
        except RegistryError as exc:
            report.unavailable["Open Library"] = str(exc)
        finally:
            report.requests["Open Library"] = client.requests
            book_url = client.record_url
            client.close()

    writes: list[tuple[Added, Callable[[], str]]] = []
    for want in wanted:
        key_id = (want.scheme, want.value.lower() if want.scheme == "doi" else want.value)
        pubmed_record = pubmed_found.get(key_id)
        doi = want.value if want.scheme == "doi" else (pubmed_record.doi if pubmed_record
                                                        else "")
        crossref_record = crossref_found.get(doi.lower()) if doi else None
        book = book_found.get(want.value) if want.scheme == "isbn" else None
        if crossref_record is None and pubmed_record is None and book is None:
            why = "; ".join(f"{r} could not be asked" for r in report.unavailable)
            if not why:
                report.refused.append(f"{want.label}: no registry knows it (asked: "
                                      f"{_asked(want, asked)}); check the identifier")
            continue
        planned = _add_one(layout, want, crossref_record, pubmed_record, book, taken,
                           now_text, book_url, pubmed_base)
        if isinstance(planned, str):
            report.refused.append(planned)
            continue
        taken.add(planned[0].key)
        writes.append(planned)
    if dry_run:
        report.added = [added for added, _ in writes]
        return report
    # Keys are chosen one after another above; the files are written side by side, each
    # source's own files by one thread, so the file system's waits overlap.
    results = []
    with ThreadPoolExecutor(max_workers=WRITERS) as pool, bar(
            len(writes) if len(writes) >= WRITE_BAR_FROM else 0, "writing sources") as advance:
        for refusal in pool.map(lambda job: job[1](), writes):
            results.append(refusal)
            advance(1)
    for (added, _), refusal in zip(writes, results, strict=True):
        if refusal:
            report.refused.append(refusal)
        else:
            report.added.append(added)
    if cite and report.added:
        _append_order(layout, [a.key for a in report.added])
    return report


def _asked(want: Wanted, asked: set[str]) -> str:
    if want.scheme == "isbn":
        return "Open Library"
    names = [n for n, r in (("Crossref", "crossref"), ("PubMed", "pubmed")) if r in asked]
    if want.scheme != "doi":
        names = [n for n in names if n == "PubMed"]
    return ", ".join(names) or "none"


def _add_one(layout: Layout, want: Wanted, crossref_record: Any, pubmed_record: Any,
             book: dict | None, taken: set[str], now: str,
             book_url: Callable[[str], str] | None, pubmed_base: str
             ) -> tuple[Added, Callable[[], str]] | str:
    """The new source planned (key, entry), and the function that writes its files and
    returns '' (or why it could not); a message when the entry would not be valid."""
    from reflib.enrich.book_mapping import map_book
    from reflib.enrich.combine import combine
    from reflib.enrich.mapping import map_work
    from reflib.enrich.merge import merge
    from reflib.enrich.pubmed_lookup import kept_from
    from reflib.enrich.pubmed_mapping import map_pubmed
    from reflib.library.keys import make_key
    from reflib.library.pubmed_records import keep_pubmed
    from reflib.library.records import keep_record
    from reflib.library.validate import entry_problems

    if book is not None:
        work, disagreements = map_book(want.value, book), []
    else:
        work, disagreements = combine(
            map_work(crossref_record.message) if crossref_record is not None else None,
            map_pubmed(pubmed_record) if pubmed_record is not None else None)
    stub = Reference("new", "misc", {want.scheme: "{" + want.value + "}"})
    plan = merge(stub, work)
    key = make_key(plan.fields, taken)
    ref = Reference(key, plan.entry_type, plan.fields, f"refs/{key}.bib")
    problems = [p for p in entry_problems(ref) if p.severity != "warning"]
    if problems:
        return f"{want.label}: the entry made from it is not valid ({problems[0].message})"
    body = format_entry(ref)
    registries = [name for name, record in (("Crossref", crossref_record),
                                            ("PubMed", pubmed_record),
                                            ("Open Library", book)) if record is not None]
    added = Added(key, f"refs/{key}.bib", want.label, registries,
                  list(plan.notices) + disagreements)

    def applied(registry: str) -> dict[str, dict[str, str]]:
        return {c.field: {"value": c.new, "when": now} for c in plan.changes
                if c.field in plan.fields and work.origin(c.field) == registry}

    def write() -> str:
        try:
            create_new_text(layout.source_path(key), body)
        except FileExistsError:
            return f"{want.label}: refs/{key}.bib appeared meanwhile; not overwritten"
        if crossref_record is not None:
            keep_record(layout, key, replace(crossref_record, applied=applied("Crossref")))
        if pubmed_record is not None:
            source = f"{pubmed_base}/efetch.fcgi?db=pubmed&id={pubmed_record.pmid}"
            keep_pubmed(layout, key, replace(kept_from(pubmed_record, source, now),
                                             applied=applied("PubMed")))
        if book is not None and book_url is not None:
            kept = {"isbn": want.value, "source": book_url(want.value), "fetched": now,
                    "applied": applied("Open Library"), "record": book}
            atomic_write_text(layout.refs_dir / f"{key}.openlibrary.json",
                              json.dumps(kept, ensure_ascii=False, indent=1) + "\n")
        return ""

    return added, write


def _append_order(layout: Layout, keys: list[str]) -> None:
    path = layout.order_file
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    atomic_write_text(path, text + "".join(f"{k}\n" for k in keys))


def read_identifier_file(text: str) -> list[str]:
    """One identifier a line; blank lines and `#` comments skipped."""
    return [line.split("#", 1)[0].strip() for line in text.splitlines()
            if line.split("#", 1)[0].strip()]
