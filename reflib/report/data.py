"""`refs report`: the article's evidence on one self-contained HTML page.

Three steps, I/O only at the ends: `load_report` reads the index, the latest saved
`refs check` run (or runs the offline checks) and the formatted citations; `assemble`
turns those into `ReportData` (pure); `page.render` turns that into HTML (pure);
`document` writes it.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime

from reflib.library.findings import SEVERITIES, SKIPPED, CheckRun, Finding
from reflib.library.layout import Layout
from reflib.library.model import Reference
from reflib.report.citations import format_citations
from reflib.report.model import Badge, ChecksStatus, ReportData, ReportEntry

# The badges every reference gets, in display order: (badge id, label, check names). The
# first check decides "ok" or "not checked"; findings of any of them colour the badge. A
# check that is not listed here still shows in the reference's notes and counts.
BADGES = (
    ("doi", "DOI resolves", ("doi-resolves", "doi-syntax", "doi")),
    ("metadata", "Metadata agrees", ("metadata",)),
    ("updates", "Updates", ("updates",)),
    ("currency", "Access date", ("currency",)),
)
BAR_FROM = 20_000  # references: fewer are assembled or written within a second or two
_DOI_BADGES = ("doi", "metadata", "updates")  # need a DOI to be made at all

# What an updates finding says, in the words a reader expects; by the update's type when
# the check names it, else by severity (issue 4: retraction error, concern warning,
# correction notice).
UPDATE_WORDS = {
    "retraction": "Retracted", "partial_retraction": "Partly retracted",
    "withdrawal": "Withdrawn", "removal": "Removed", "retracted_title": "Retracted",
    "retraction_notice": "Retraction notice", "expression_of_concern": "Expression of concern",
    "correction": "Corrected", "erratum": "Corrected", "corrigendum": "Corrected",
    "addendum": "Addendum", "clarification": "Clarified", "new_version": "New version",
    "new_edition": "New edition", "reinstatement": "Reinstated",
    # from PubMed and the preprint check (reflib.checks.updates)
    "update": "Later version", "published_erratum": "Cites an erratum",
    "preprint": "Preprint: published version exists",
}
_UPDATE_BY_SEVERITY = {"error": "Retracted", "warning": "Expression of concern",
                       "notice": "Corrected"}
_OK_WORDS = {"doi": "DOI resolves", "metadata": "Metadata agrees", "updates": "No updates",
             "currency": "Access date current"}
_PROBLEM_WORDS = {"doi": "DOI problem", "metadata": "Metadata differs",
                  "currency": "Access date"}


def age_in_years(year: int | None, today: date) -> int | None:
    """`age_in_years(2021, date(2024, 4, 6))` -> 3; None without a year."""
    return None if year is None else max(0, today.year - year)


def _is_web(ref: Reference) -> bool:
    """Whether the currency check applies: web pages, not books with an access date."""
    try:
        from reflib.checks.source import is_web_source
    except ImportError:  # the checks are optional to the report
        return ref.entry_type in ("online", "www", "electronic", "webpage")
    return is_web_source(ref)


def _update_words(found: list[Finding]) -> str:
    worst = min(found, key=Finding.rank)
    kind = re.sub(r"[\s\-]+", "_", str(worst.data.get("type", "")).strip().lower())
    if kind in UPDATE_WORDS:
        return UPDATE_WORDS[kind]
    return _UPDATE_BY_SEVERITY.get(worst.severity, "Update")


def _covers(run: CheckRun, key: str) -> bool:
    """Whether `run` checked `key`. A run of `refs check KEYS` covers only those sources;
    a run that does not say which (no `keys`) is taken to cover all of them."""
    keys = getattr(run, "keys", None)
    return keys is None or key in keys


def badges_for(ref: Reference, findings: list[Finding], run: CheckRun | None,
               doi: str | None = None) -> tuple[Badge, ...]:
    """The four check badges of one reference; a badge that does not apply is left out.
    `doi` is `ref.doi` when the caller has it already."""
    badges = []
    has_doi = bool(ref.doi if doi is None else doi)
    for badge, label, checks in BADGES:
        found = [f for f in findings if f.check in checks] if findings else findings
        applies = has_doi if badge in _DOI_BADGES else _is_web(ref)
        if not found and not applies:
            continue
        graded = [f for f in found if f.severity in SEVERITIES]
        skipped = [f for f in found if f.severity == SKIPPED]
        if graded:
            worst = min(graded, key=Finding.rank)
            text = (_update_words(graded) if badge == "updates"
                    else _PROBLEM_WORDS.get(badge, label))
            badges.append(Badge(badge, worst.severity, text,
                                " ".join(f.message for f in sorted(graded, key=Finding.rank))))
        elif run is None:
            badges.append(Badge(badge, "not-run", f"{label}: not checked", "checks not run"))
        elif not _covers(run, ref.key):
            badges.append(Badge(badge, "not-run", f"{label}: not checked",
                                "not one of the sources the last `refs check` checked"))
        elif skipped or checks[0] in run.checks_skipped:
            why = skipped[0].message if skipped else run.checks_skipped[checks[0]]
            badges.append(Badge(badge, SKIPPED, f"{label}: not checked", why))
        elif checks[0] in run.checks_made:
            badges.append(Badge(badge, "ok", _OK_WORDS[badge]))
        else:
            badges.append(Badge(badge, "not-run", f"{label}: not checked",
                                "this check was not part of the run"))
    return tuple(badges)


def not_made(run: CheckRun) -> tuple[tuple[str, str, int], ...]:
    """Checks not made, once each with why and for how many sources: a run keeps the
    reason both run-wide (`checks_skipped`) and per source (`skipped` findings)."""
    reasons: dict[tuple[str, str], set[str]] = {}
    for finding in run.findings:
        if finding.severity == SKIPPED:
            why = finding.message.removeprefix("not checked: ").removeprefix("not compared: ")
            reasons.setdefault((finding.check, why), set()).add(finding.key or "")
    listed = {check for check, _ in reasons}
    for check, why in run.checks_skipped.items():
        if check not in listed:
            reasons[(check, why)] = set()
    return tuple(sorted((check, why, len(keys)) for (check, why), keys in reasons.items()))


def _accessed(ref: Reference) -> str:
    return ref.text("urldate")


_WEB_LINK = re.compile(r"https?://", re.I)


def _safe_url(url: str) -> str:
    """Only web links become links: a `javascript:` URL in a .bib file stays text."""
    return url if url and _WEB_LINK.match(url) else ""


def assemble(refs: list[Reference], order: list[str], citations: dict[str, str],
             run: CheckRun | None, origin: str, today: date, title: str = "Evidence report",
             generated: str = "", note: str = "", advance=None) -> ReportData:
    """Pure: the references, the citation order, formatted citations and a check run
    (or None) -> what the report shows. `citations` maps keys to safe HTML; `advance(n)`
    is told of the references done, a thousand at a time."""
    by_key = {ref.key: ref for ref in refs}
    number = {key: i for i, key in enumerate(order, start=1) if key in by_key}
    ordered = sorted(refs, key=lambda r: (r.key not in number, number.get(r.key, 0), r.key))
    findings_of: dict[str | None, list[Finding]] = {}
    for finding in run.findings if run else []:
        owner = finding.key if finding.key in by_key else None
        findings_of.setdefault(owner, []).append(finding)
    entries = []
    # The badges of a source whose findings are only "not checked" ones (an offline run
    # gives every source three) depend only on whether it has a DOI, is a web page, was
    # among the sources checked and those findings' checks and reasons: made once a case.
    shared: dict[tuple, tuple[Badge, ...]] = {}
    checked = None if run is None or getattr(run, "keys", None) is None else set(run.keys)
    # A year and an evidence type are read from the same few values again and again.
    years: dict[tuple[str | None, str | None], int | None] = {}
    evidences: dict[str | None, str] = {}
    for done, ref in enumerate(ordered, start=1):
        if advance and done % 1000 == 0:
            advance(1000)
        found = sorted(findings_of.get(ref.key, []), key=Finding.rank)
        doi = ref.doi
        dated = (ref.fields.get("year"), ref.fields.get("date"))
        year = years[dated] if dated in years else years.setdefault(dated, ref.year)
        raw_evidence = ref.fields.get("evidence")
        evidence = evidences.get(raw_evidence)
        if evidence is None:
            evidence = evidences[raw_evidence] = ref.evidence
        if all(f.severity == SKIPPED for f in found):
            case = (bool(doi), _is_web(ref), checked is None or ref.key in checked,
                    tuple((f.check, f.message) for f in found))
            badges = shared.get(case)
            if badges is None:
                badges = shared[case] = badges_for(ref, found, run, doi)
        else:
            badges = badges_for(ref, found, run, doi)
        entries.append(ReportEntry(
            number=number.get(ref.key), key=ref.key, entry_type=ref.entry_type,
            evidence=evidence, title=ref.title or ref.text("howpublished"),
            citation_html=citations.get(ref.key, ""), year=year,
            age=age_in_years(year, today), doi=doi,
            url=_safe_url(ref.text("url")), accessed=_accessed(ref),
            badges=badges,
            findings=tuple(f for f in found if f.severity != SKIPPED)))
    counts = Counter(f.severity for f in run.findings) if run else Counter()
    if run is None:
        checks = ChecksStatus("none", note=note)
    else:
        skipped = not_made(run)
        made = tuple(c for c in run.checks_made if c not in run.checks_skipped)
        checks = ChecksStatus(origin, run.started, run.offline, made, skipped, note)
    return ReportData(title=title, today=today, generated=generated, entries=tuple(entries),
                      checks=checks,
                      library_findings=tuple(sorted(findings_of.get(None, []),
                                                    key=Finding.rank)),
                      severity_counts={s: counts.get(s, 0) for s in (*SEVERITIES, SKIPPED)})


# -- the edge: reading the library --------------------------------------------------------


def load_references(layout: Layout, notify=None) -> tuple[list[Reference], list[str]]:
    """The sources as the index holds them (the one read path), and the citation order."""
    from reflib.library.query import read_library

    view = read_library(layout, notify=notify)
    return view.references, view.order


def check_results(layout: Layout, now: datetime,
                  run_checks: bool = True, notify=None) -> tuple[CheckRun | None, str, str]:
    """The latest saved run, else the offline checks run now; (run, origin, note)."""
    from reflib.errors import ReflibError
    from reflib.library.findings import latest_run

    run = latest_run(layout.db_path)
    if run is not None:
        return run, "saved", ""
    if not run_checks:
        return None, "none", "checks not run: run `refs check` to see badges"
    try:
        from reflib.checks.runner import CheckOptions, check_library
    except ImportError:  # a library without the checks module still gets its report
        return None, "none", "checks not run: run `refs check` to see badges"
    try:
        result = check_library(layout, options=CheckOptions(
            offline=True, save=False, today=now.date(),
            registries=("crossref", "pubmed")), notify=notify)  # kept records of both
    except (ReflibError, ImportError) as exc:  # the page is still worth having; it says why
        return None, "none", f"checks not run: the offline checks failed ({exc})"
    result.run.started = now.isoformat(timespec="seconds")
    return result.run, "now", "Run `refs check` for the checks that need the network."


DEFAULT_TITLE = "Evidence report"
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")


def library_title(layout: Layout) -> str:
    """The library's name: `title` in refs.toml, else the README's first heading, else
    "Evidence report"."""
    import tomllib

    config = layout.root / "refs.toml"
    try:
        title = tomllib.loads(config.read_text(encoding="utf-8")).get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        pass  # no refs.toml, or not one we can read: the README may name the library
    for name in ("README.md", "README.markdown", "README"):
        try:
            text = (layout.root / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        fenced = False
        for line in text.splitlines():
            if line.startswith(("```", "~~~")):
                fenced = not fenced
            heading = None if fenced else _HEADING.match(line)
            if heading:
                return heading[1].replace("`", "").strip() or DEFAULT_TITLE
    return DEFAULT_TITLE


def load_report(layout: Layout, now: datetime | None = None, title: str | None = None,
                run_checks: bool = True, notify=None) -> ReportData:
    """Read everything the report needs from the library at `layout`, as of `now`."""
    now = now or datetime.now(UTC)
    refs, order = load_references(layout, notify)
    run, origin, note = check_results(layout, now, run_checks)
    from reflib.cite.rendercache import cached_in

    with cached_in(layout.db_path):  # a second report formats only what changed
        citations = format_citations(refs)
    from reflib.progress import progress

    with progress(len(refs) if len(refs) >= BAR_FROM else 0, "assembling") as advance:
        data = assemble(refs, order, citations, run, origin, now.date(),
                        title or library_title(layout),
                        generated=now.isoformat(timespec="seconds"), note=note,
                        advance=advance)
        advance(len(refs) % 1000)
    return data
