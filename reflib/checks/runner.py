"""`refs check`: every citation checked, for people and for CI.

`check_library` reads refs/, makes the checks asked for and returns a `CheckResult`
(findings, what was made or skipped, the exit code); it prints nothing. The checks:

    doi-syntax    the DOI field holds a bare DOI in normal form
    doi-resolves  the DOI system knows the DOI (handle API; network)
    metadata      the source agrees with its Crossref record (network, or a kept record)
    updates       no retraction, concern or correction of the work (as metadata)
    currency      web sources have a URL and a recent enough access date
    completeness  the fields AMA style prints for the entry type are there
    duplicates    no work twice
    order         refs/order.txt names sources, and every source is cited
    against       the printed list agrees with the library (only with --against)

A check that could not be made is a `skipped` finding with a reason: `offline` (asked
for), `unavailable` (the network was tried and failed: exit 3), `no-record` (the DOI
is registered with another agency than Crossref) or `not-registered`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reflib.checks import abbreviations, agreement, duplicates
from reflib.checks import source as source_checks
from reflib.checks.lookups import (
    FOUND,
    NOT_FOUND,
    CrossrefLookup,
    RecordFetcher,
    gateway_fetcher,
    kept_lookup,
)
from reflib.errors import NotInLibrary
from reflib.library.findings import SEVERITIES, SKIPPED, CheckRun, Finding, save_run
from reflib.library.layout import Layout, read_order
from reflib.library.model import Reference, doi_key, is_valid_doi
from reflib.library.query import Notify, read_library
from reflib.progress import progress as progress_bar

SYNTAX = "syntax"
DOI_RESOLVES = "doi-resolves"
AGAINST = "against"
NETWORK_CHECKS = (DOI_RESOLVES, agreement.METADATA, agreement.UPDATES)

# Why a check was not made; only UNAVAILABLE means "could not check" (exit 3).
OFFLINE, UNAVAILABLE, NO_RECORD, NOT_REGISTERED = (
    "offline", "unavailable", "no-record", "not-registered")
NOT_ASKED = "not-asked"  # the registry was left out (--registry): not checked, no exit 3

Progress = Callable[[int, int], None]  # (steps just done, total steps)


@dataclass
class CheckOptions:
    """How to check; every field has the default `refs check` uses."""

    offline: bool = False
    doi_url: str = "https://doi.org"
    crossref_url: str | None = None
    mailto: str | None = None
    max_age_months: int = 12
    today: date | None = None
    against: Path | None = None
    against_text: str | None = None  # the printed list when read already (stdin: `-`)
    # The library's references in the article's style, for what a printed line should
    # read (the CLI passes reflib.cite's; citation styles are a later stage than checks).
    render_lines: Callable | None = None
    only: tuple[str, ...] = ()
    save: bool = True
    timeout: float = 10.0  # for one whole answer
    deadline: float | None = None  # for all the network asks of the run
    registries: tuple[str, ...] = ("crossref",)  # the CLI asks both by default
    pubmed_client: Callable | None = None  # makes a PubMedClient (reflib.checks.updates)
    _deadline: object = field(default=None, repr=False, compare=False)

    def network_deadline(self):
        """The run's one Deadline (reflib.registries.deadline), started at the first ask."""
        if self._deadline is None:
            from reflib.registries.deadline import Deadline

            self._deadline = Deadline(self.deadline)
        return self._deadline

    def wants(self, check: str) -> bool:
        if check == AGAINST and self.against is None:
            return False
        return not self.only or check in self.only


@dataclass
class CheckResult:
    """What a run found, and enough about it to print it and choose an exit code."""

    run: CheckRun
    keys: list[str]  # the sources checked, in citation order
    saved: bool = False  # kept in db/library.db for `refs report`
    with_doi: list[str] = field(default_factory=list)  # the DOI checks apply to these
    notes: list[str] = field(default_factory=list)  # said by the services, for stderr
    numbers: dict[str, int] = field(default_factory=dict)  # citekey -> citation number

    @property
    def findings(self) -> list[Finding]:
        return self.run.findings

    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in (*SEVERITIES, SKIPPED)}
        for finding in self.findings:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
        return counts

    def unverified(self) -> list[Finding]:
        """Checks the network was asked for and could not answer."""
        return [f for f in self.findings
                if f.severity == SKIPPED and f.data.get("reason") == UNAVAILABLE]

    def exit_code(self, fail_on: str = "error", allow_unverified: bool = False) -> int:
        """0 nothing at or above `fail_on`; 1 something; 3 some checks could not be made."""
        limit = SEVERITIES.index(fail_on)
        if any(f.severity in SEVERITIES and SEVERITIES.index(f.severity) <= limit
               for f in self.findings):
            return 1
        if self.unverified() and not allow_unverified:
            return 3
        return 0


def load_sources(layout: Layout, notify: Notify | None = None
                 ) -> tuple[list[Reference], list[Finding]]:
    """Every readable source, from the index (refreshed first; a temporary one when db/
    does not exist), and a `syntax` error for each problem of reading a refs/*.bib."""
    view = read_library(layout, notify=notify, if_missing="scratch")
    found = [Finding(p.key or Path(p.file).stem, SYNTAX, "error", p.message, p.file, p.line)
             for p in view.syntax]
    return view.references, found


def _select(refs: list[Reference], keys: list[str], order: list[str]) -> list[Reference]:
    by_key = {r.key: r for r in refs}
    missing = [k for k in keys if k not in by_key]
    if missing:
        raise NotInLibrary(f"no source with key {', '.join(repr(k) for k in missing)}; "
                           "see `refs list --format keys`")
    chosen = [by_key[k] for k in dict.fromkeys(keys)] if keys else list(refs)
    position = {k: i for i, k in enumerate(order)}
    return sorted(chosen, key=lambda r: (position.get(r.key, len(position)), r.key.lower()))


def check_library(layout: Layout, keys: list[str] | tuple[str, ...] = (),
                  options: CheckOptions | None = None, progress: Progress | None = None,
                  fetcher: RecordFetcher | None = None, handle_client=None,
                  notify: Notify | None = None) -> CheckResult:
    """Check the sources named by `keys` (default: all) and save the run in the index.

    `fetcher` and `handle_client` replace the Crossref gateway and the handle API client
    (tests use fakes; the defaults talk to --crossref-url and --doi-url).
    """
    options = options or CheckOptions()
    today = options.today or date.today()
    refs, found = load_sources(layout, notify)
    order, order_problems = read_order(layout)
    selected = _select(refs, list(keys), order)
    selected_keys = {r.key for r in selected}
    found = [f for f in found if not keys or f.key in selected_keys]
    made: list[str] = [SYNTAX]

    def local(check: str, make: Callable[[], list[Finding]]) -> None:
        if options.wants(check):
            made.append(check)
            found.extend(make())

    per_source = [(check, make) for check, make in (
        (source_checks.DOI_SYNTAX, source_checks.doi_findings),
        (source_checks.COMPLETENESS, source_checks.completeness_findings),
        (abbreviations.ABBREVIATIONS, abbreviations.abbreviation_findings),
        (source_checks.CURRENCY, lambda r: source_checks.currency_findings(
            r, today, options.max_age_months))) if options.wants(check)]
    made.extend(check for check, _ in per_source)
    with progress_bar(len(selected) if per_source and len(selected) >= 5000 else 0,
                  "checking") as advance:
        for ref in selected:
            lean = _fresh(ref)
            for _, make in per_source:
                found.extend(make(lean))
            advance(1)
    local(duplicates.DUPLICATES, lambda: [
        f for f in duplicates.duplicate_findings(refs, duplicates.distinct_pairs(
            layout.refs_dir)) if selected_keys.intersection(f.data.get("group", [f.key]))])
    local(source_checks.ORDER, lambda: _order_findings(layout, refs, selected, order,
                                                       order_problems, bool(keys)))
    skipped: dict[str, str] = {}
    notes: list[str] = []
    network = [c for c in NETWORK_CHECKS if options.wants(c)]
    if network:
        fetcher = fetcher or gateway_fetcher(options.crossref_url, options.mailto,
                                             options.timeout, notice=notes.append,
                                             deadline=options.network_deadline())
        net_found, net_made, net_skipped = _network_checks(
            layout, selected, options, network, progress, fetcher, handle_client)
        if "pubmed" in options.registries and any(
                c in network for c in (agreement.METADATA, agreement.UPDATES)):
            from reflib.checks.updates import pubmed_part

            net_found, pubmed_notes = pubmed_part(
                layout, selected, net_found, network, options.offline, options.pubmed_client)
            notes += pubmed_notes
        found.extend(net_found)
        made.extend(net_made)
        skipped.update(net_skipped)
    if options.wants(AGAINST):
        from reflib.checks.against import compare_printed_list

        made.append(AGAINST)
        text = options.against_text
        if text is None:
            text = options.against.read_text(encoding="utf-8-sig")
        name = ("<stdin>" if str(options.against) == "-"
                else _display_path(layout, options.against))
        printed = compare_printed_list(text, name, refs, order, options.render_lines)
        found.extend(f for f in printed if not keys or f.key is None or f.key in selected_keys)
    run = CheckRun(sorted(found, key=lambda f: (f.rank(), f.key or "", f.check)),
                   offline=options.offline, checks_made=made, checks_skipped=skipped,
                   keys=[r.key for r in selected] if keys else None)
    saved = False
    if options.save and layout.db_path.is_file():
        save_run(layout.db_path, run)
        saved = True
    return CheckResult(run, [r.key for r in selected], saved,
                       [r.key for r in selected if r.doi and is_valid_doi(r.doi)], notes,
                       {key: n for n, key in enumerate(order, start=1)})


def _fresh(ref: Reference) -> Reference:
    """The same source without the texts and names a Reference keeps once converted: the
    per-source checks convert most fields, and 100,000 sources kept that way held a third
    of `check`'s memory (issue 13: 1 GiB at 100k) while the duplicates check, the one
    whole-library pass after them, needs few of them (and is no slower without)."""
    return Reference(ref.key, ref.entry_type, ref.fields, ref.file, ref.line, ref.field_lines)


def _display_path(layout: Layout, path: Path) -> str:
    try:
        return path.resolve().relative_to(layout.root).as_posix()
    except ValueError:
        return str(path)


def _order_findings(layout: Layout, refs, selected, order, order_problems, some_keys: bool
                    ) -> list[Finding]:
    rel = layout.rel(layout.order_file)
    lines = {}
    if layout.order_file.is_file():
        for number, line in enumerate(layout.order_file.read_text("utf-8").splitlines(), 1):
            lines.setdefault(line.strip(), number)
    found = source_checks.order_findings(refs, order, order_problems, rel, lines,
                                         layout.order_file.is_file())
    if some_keys:  # only what concerns the sources asked about
        chosen = {r.key for r in selected}
        found = [f for f in found if f.key in chosen]
    return found


def _skip(ref: Reference, check: str, reason: str, message: str, **data) -> Finding:
    return Finding(ref.key, check, SKIPPED, message, ref.file, ref.line_of("doi"),
                   {"reason": reason, **data})


def _network_checks(layout: Layout, selected: list[Reference], options: CheckOptions,
                    wanted: list[str], progress: Progress | None,
                    fetcher: RecordFetcher, handle_client
                    ) -> tuple[list[Finding], list[str], dict[str, str]]:
    """doi-resolves, metadata and updates for the sources with a valid DOI."""
    with_doi = [r for r in selected if r.doi and is_valid_doi(r.doi)]
    dois = list(dict.fromkeys(r.doi for r in with_doi))
    found: list[Finding] = []
    skipped: dict[str, str] = {}
    resolve = DOI_RESOLVES in wanted
    compare = [c for c in wanted if c != DOI_RESOLVES]
    resolutions: dict = {}
    fetched: dict[str, CrossrefLookup] = {}
    ask_crossref = "crossref" in options.registries
    if options.offline:
        if resolve:
            skipped[DOI_RESOLVES] = "offline (by request)"
            found += [_skip(r, DOI_RESOLVES, OFFLINE, "not checked: offline (by request)")
                      for r in with_doi]
    elif dois:
        resolutions, fetched = _ask_network(dois, options, progress, fetcher, handle_client,
                                            resolve, bool(compare) and ask_crossref)
    for ref in with_doi:
        resolution = resolutions.get(ref.doi)
        if resolve and resolution is not None:
            found.extend(_resolution_findings(ref, resolution, options))
        if compare and not ask_crossref:
            found += [_skip(ref, c, NOT_ASKED, "Crossref part not checked: Crossref was not "
                            "asked (--registry)") for c in compare]
        elif compare:
            if options.offline:
                lookup = kept_lookup(layout, ref.key)
            else:
                lookup = fetched.get(doi_key(ref.doi)) or CrossrefLookup.unavailable("no answer")
                if lookup.status not in (FOUND, NOT_FOUND):
                    kept = kept_lookup(layout, ref.key)
                    if kept.record is not None:
                        lookup = kept.but_stale(lookup.detail)
            found.extend(_record_findings(ref, lookup, resolution, compare, options.offline))
    return found, list(wanted), skipped


def _ask_network(dois, options, progress, fetcher, handle_client, resolve, compare):
    """The handle API and the Crossref gateway, side by side; a progress step per answer."""
    total = len(dois) * (int(resolve) + int(compare))
    lock = threading.Lock()

    def step(count: int) -> None:
        with lock:
            if progress:
                progress(count, total)

    if progress:
        progress(0, total)
    with ThreadPoolExecutor(max_workers=2) as pool:
        handles = records = None
        if resolve:
            if handle_client is None:
                from reflib.registries.handles import HandleClient

                handle_client = HandleClient(options.doi_url, timeout=options.timeout,
                                             deadline=options.network_deadline(),
                                             mailto=options.mailto)
            handles = pool.submit(handle_client.resolve_many, dois, step)
        if compare:
            records = pool.submit(fetcher, dois, step)
        resolutions = handles.result() if handles else {}
        fetched = records.result() if records else {}
    return resolutions, fetched


def _resolution_findings(ref: Reference, resolution, options: CheckOptions) -> list[Finding]:
    from reflib.registries.handles import NOT_REGISTERED as HANDLE_UNKNOWN_DOI
    from reflib.registries.handles import UNKNOWN

    if resolution.outcome == HANDLE_UNKNOWN_DOI:
        return [Finding(ref.key, DOI_RESOLVES, "error", f"doi {ref.doi} is not registered: "
                        f"the DOI system does not know it ({options.doi_url}); check it on the "
                        "publisher's page", ref.file, ref.line_of("doi"), {"doi": ref.doi})]
    if resolution.outcome == UNKNOWN:
        return [_skip(ref, DOI_RESOLVES, UNAVAILABLE, f"could not check that doi {ref.doi} "
                      f"resolves: {resolution.detail}", detail=resolution.detail)]
    return []


def _record_findings(ref: Reference, lookup: CrossrefLookup, resolution,
                     checks: list[str], offline: bool) -> list[Finding]:
    from reflib.registries.handles import NOT_REGISTERED as HANDLE_UNKNOWN_DOI

    if lookup.record is None:
        if lookup.status == NOT_FOUND:
            if resolution is not None and resolution.outcome == HANDLE_UNKNOWN_DOI:
                reason, why = NOT_REGISTERED, "the DOI is not registered"
            else:
                reason, why = NO_RECORD, ("Crossref has no record of this DOI (registered "
                                          "with another agency, e.g. DataCite or mEDRA)")
        elif offline:
            reason, why = OFFLINE, ("offline (by request) and no kept Crossref record; run "
                                    "`refs enrich` online to keep one")
        else:
            reason, why = UNAVAILABLE, f"Crossref could not be asked: {lookup.detail}"
        return [_skip(ref, check, reason, f"not compared: {why}", detail=lookup.detail)
                for check in checks]
    record = lookup.record
    found: list[Finding] = []
    if agreement.METADATA in checks:
        found.extend(agreement.metadata_findings(ref, record))
        alias = str(record.get("DOI") or "")
        if alias and doi_key(alias) != doi_key(ref.doi):
            found.append(Finding(ref.key, agreement.METADATA, "warning", f"Crossref answers "
                                 f"for doi {ref.doi} with {alias} (the DOI was replaced); "
                                 f"write doi = {{{alias}}}", ref.file, ref.line_of("doi"),
                                 {"field": "doi", "crossref": alias}))
    if agreement.UPDATES in checks:
        from reflib.checks.updates import preprint_findings

        found.extend(agreement.update_findings(ref, record))
        found.extend(preprint_findings(ref, record))
    if lookup.origin != "crossref":
        found = [_with_origin(f, lookup) for f in found]
    if lookup.stale and agreement.UPDATES in checks:
        found.append(_skip(ref, agreement.UPDATES, UNAVAILABLE, f"could not ask Crossref for "
                           f"news ({lookup.detail}); compared with the record kept on "
                           f"{lookup.fetched or 'an unknown date'}, so a later retraction "
                           "would be missed", detail=lookup.detail))
    return found


def _with_origin(finding: Finding, lookup: CrossrefLookup) -> Finding:
    data = {**finding.data, "record": lookup.origin, "fetched": lookup.fetched}
    return Finding(finding.key, finding.check, finding.severity, finding.message, finding.file,
                   finding.line, data)
