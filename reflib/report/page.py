"""Pure: `ReportData` -> one self-contained HTML document (inline CSS, SVG and script).

Every piece of library text goes through `escape` or, for formatted citations, through
`sanitize_html`, which keeps a few inline tags and escapes everything else. The page
carries a Content-Security-Policy that allows only its own style and script (by hash)
and no fetches, so even a mistake here cannot make it load anything.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache

from reflib.library.findings import SEVERITIES, SKIPPED, Finding
from reflib.output import count
from reflib.registries.doipath import READABLE, encode_doi
from reflib.report.assets import CSS, EVIDENCE_COLOURS, JS, evidence_label, evidence_order
from reflib.report.chart import chart_svg, currency_sentence
from reflib.report.citations import escape, inline_markup
from reflib.report.model import Badge, ReportData, ReportEntry
from reflib.report.todo import todo_section

CHECK_LABELS = {
    "syntax": "BibTeX syntax",
    "doi-syntax": "DOI form",
    "doi-resolves": "DOI resolves",
    "doi": "DOI",
    "metadata": "metadata agrees with Crossref",
    "updates": "updates (retraction, concern, correction)",
    "currency": "access date currency",
    "completeness": "completeness",
    "duplicates": "duplicates",
    "order": "citation order",
    "against": "printed list",
}
SEVERITY_WORDS = {"error": "Error", "warning": "Warning", "notice": "Notice",
                  SKIPPED: "Not checked"}
_SYMBOLS = {"ok": "✓", "error": "✖", "warning": "⚠", "notice": "ℹ", SKIPPED: "–",
            "not-run": "–"}
PROBLEM_FILTERS = (
    ("problem", "Any problem"),
    ("error", "Errors"),
    ("warning", "Warnings"),
    ("notice", "Notices"),
    ("updates", "Retraction, concern or correction"),
    ("doi", "DOI problem"),
    ("metadata", "Metadata differs"),
    ("currency", "Access date"),
    ("unchecked", "Checks not made"),
    ("clean", "No problems found (every check made)"),
)


# -- pieces of the page -------------------------------------------------------------------


def _evidence_token(evidence: str) -> str:
    """What the filter matches on: the evidence type, or `none` for an unknown or no type
    (an empty value would mean "all types")."""
    return evidence if evidence in EVIDENCE_COLOURS and evidence else "none"


def _evidence_class(evidence: str) -> str:
    return "ev-" + _evidence_token(evidence)


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _ink(colour: str) -> str:
    """Black or white, whichever reads better on `colour` (WCAG contrast)."""
    light = _luminance(colour)
    return "#fff" if 1.05 / (light + 0.05) > (light + 0.05) / 0.05 else "#000"


def _evidence_css() -> str:
    rules = [f".ev-{name or 'none'} {{ --ev: {colour}; --ev-ink: {_ink(colour)}; }}"
             for name, colour in EVIDENCE_COLOURS.items()]
    rules.append(".swatch { background: var(--ev); }")
    return "\n".join(rules)


def _moment(stamp: str) -> str:
    """`2026-11-01T10:22:03+00:00` -> `1 Nov 2026, 10:22 UTC`."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    offset = moment.utcoffset()
    zone = " UTC" if offset is not None and not offset else ""
    return f"{moment.day} {moment:%b %Y, %H:%M}{zone}"


def _when(started: str, today: date) -> str:
    try:
        days = (today - datetime.fromisoformat(started).date()).days
    except ValueError:
        days = -1
    ago = ("today" if days == 0 else "yesterday" if days == 1
           else f"{days} days ago" if days > 1 else "")
    return (f'<time datetime="{escape(started)}">{escape(_moment(started))}</time>'
            + (f" ({ago})" if ago else ""))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _checks_panel(data: ReportData) -> str:
    checks = data.checks
    if checks.origin == "none":
        note = checks.note or "checks not run: run `refs check` to see badges"
        return (f'<section class="panel checks" aria-label="Checks">'
                f"<p><strong>Checks not run.</strong> {inline_markup(note.split(': ', 1)[-1])}</p>"
                "</section>")
    if checks.origin == "saved":
        source = "Checks last run by <code>refs check</code>" + (
            " (offline)" if checks.offline else "")
    else:
        source = "Offline checks run by <code>refs report</code> for this page (not saved)"
    lines = [f"<p><strong>{source}</strong>: {_when(checks.started, data.today)}</p>"]
    if checks.made:
        made = ", ".join(escape(CHECK_LABELS.get(c, c)) for c in checks.made)
        lines.append(f"<p>Made: {made}.</p>")
    if checks.skipped:
        items = "".join(
            f"<li>{escape(_capital(CHECK_LABELS.get(c, c)))}: {inline_markup(why)}"
            + (f" ({n} source{'s' if n != 1 else ''})" if n else "") + "</li>"
            for c, why, n in checks.skipped)
        lines.append(f"<p>Not made:</p><ul>{items}</ul>")
    if checks.note:
        lines.append(f"<p>{inline_markup(checks.note)}</p>")
    return '<section class="panel checks" aria-label="Checks">' + "".join(lines) + "</section>"


def _pick(label: str, count: int, evidence: str = "", problem: str = "",
          swatch: str = "", unit: str = "") -> str:
    mark = f'<span class="swatch {swatch}" aria-hidden="true"></span>' if swatch else ""
    shown = f"{count} {unit}{'s' if count != 1 else ''}" if unit else str(count)
    return (f'<li><button type="button" class="pick" data-evidence="{escape(evidence)}" '
            f'data-problem="{escape(problem)}">{mark}<span>{escape(label)}</span>'
            f'<span class="n">{shown}</span></button></li>')


def _summary(data: ReportData) -> str:
    counts = Counter(e.evidence if e.evidence in EVIDENCE_COLOURS else "" for e in data.entries)
    evidence = "".join(
        _pick(evidence_label(name), counts[name], evidence=_evidence_token(name),
              swatch=_evidence_class(name))
        for name in evidence_order(data.entries))
    unchecked = sum("unchecked" in e.problems for e in data.entries)
    with_severity = Counter(t for e in data.entries for t in e.problems if t in SEVERITIES)
    severities = "".join(
        _pick(f"{SEVERITY_WORDS[s]}s: {_findings(data.severity_counts.get(s, 0))} in",
              with_severity[s], problem=s, unit="reference")
        for s in SEVERITIES)
    severities += _pick("Not fully checked", unchecked, problem="unchecked", unit="reference")
    if data.checks.origin == "none":
        severities = '<li class="empty">No checks have run.</li>'
    return (
        '<section class="summary" aria-label="Summary">'
        f'<div class="panel"><h2>{count(len(data.entries), "reference")} by evidence type</h2>'
        f'<ul class="counts">{evidence}</ul></div>'
        '<div class="panel"><h2>Findings by severity, and the references they concern</h2>'
        f'<ul class="counts">{severities}</ul></div>'
        "</section>")


def _findings(n: int) -> str:
    return f"{n} finding{'s' if n != 1 else ''}"


def _chart_panel(data: ReportData) -> str:
    legend = "".join(
        f'<li><span class="swatch {_evidence_class(ev)}" aria-hidden="true"></span>'
        f"{escape(evidence_label(ev))}</li>" for ev in evidence_order(data.entries))
    return ('<section class="panel chart" aria-labelledby="chart-h">'
            '<h2 id="chart-h">Publication years by evidence type</h2>'
            f'<p class="sub">{escape(currency_sentence(data.entries, data.today))}</p>'
            f'{chart_svg(data.entries)}<ul class="legend">{legend}</ul></section>')


def _note(finding: Finding, with_key: bool = True) -> str:
    word = SEVERITY_WORDS.get(finding.severity, finding.severity)
    check = CHECK_LABELS.get(finding.check, finding.check)
    where = f" ({escape(finding.file)}:{finding.line})" if finding.file and finding.line else ""
    key = f"<code>{escape(finding.key)}</code> " if finding.key and with_key else ""
    return (f'<li><span class="sev sev-{escape(finding.severity)}">{escape(word)}</span> '
            f"{key}{escape(check)}: {inline_markup(finding.message)}{where}</li>")


def _library_panel(data: ReportData) -> str:
    if not data.library_findings:
        return ""
    notes = "".join(_note(f) for f in data.library_findings)
    return ('<section class="panel" aria-labelledby="library-h">'
            '<h2 id="library-h">About the library as a whole</h2>'
            f'<ul class="notes">{notes}</ul></section>')


def _filters(data: ReportData) -> str:
    counts = Counter(e.evidence if e.evidence in EVIDENCE_COLOURS else "" for e in data.entries)
    evidence = "".join(
        f'<option value="{_evidence_token(ev)}">{escape(evidence_label(ev))} ({counts[ev]})'
        "</option>"
        for ev in evidence_order(data.entries))
    tokens = Counter(t for e in data.entries for t in e.problems)
    problems = "".join(f'<option value="{token}">{escape(label)} ({tokens[token]} '
                       f"reference{'s' if tokens[token] != 1 else ''})</option>"
                       for token, label in PROBLEM_FILTERS)
    return (
        '<div class="panel filters" role="search" aria-label="Filter references">'
        '<label>Evidence type<select id="filter-evidence">'
        f'<option value="">All types</option>{evidence}</select></label>'
        '<label>Problem<select id="filter-problem">'
        f'<option value="">All references</option>{problems}</select></label>'
        '<button type="button" id="filter-reset">Show all</button>'
        '<p class="count" id="filter-count" aria-live="polite"></p></div>'
        '<p class="empty" id="filter-none" hidden>No reference matches these filters.</p>')


def doi_url(doi: str) -> str:
    """The resolver link of a DOI, with characters that mean something in a URL escaped."""
    return "https://doi.org/" + encode_doi(doi, safe=READABLE)


@lru_cache(maxsize=1024)
def _badges_html(badges: tuple[Badge, ...]) -> tuple[str, str]:
    """The badges of checks made, and the note naming the checks not made: most sources
    share their badges, so each set is written once."""
    made = "".join(
        f'<li class="badge s-{escape(b.state)}" data-badge="{escape(b.badge)}"'
        + (f' title="{escape(b.why)}"' if b.why else "")
        + f'><span aria-hidden="true">{_SYMBOLS.get(b.state, "")}</span> {escape(b.text)}</li>'
        for b in badges if b.state not in (SKIPPED, "not-run"))  # checks made only
    unmade = [b for b in badges if b.state in (SKIPPED, "not-run")]
    if not unmade:
        return made, ""
    names = ", ".join(escape(b.text.split(":")[0]) for b in unmade)
    return made, (f'<li class="unmade" title="{escape(unmade[0].why)}">Not checked: {names}'
                  "</li>")


def _entry(entry: ReportEntry, position: int) -> str:
    number = str(entry.number) if entry.number else "–"
    cited = "" if entry.number else ' title="not cited in the article"'
    if entry.year is None:
        age = "no year"
    else:
        old = ("this year" if entry.age == 0
               else f"{entry.age} year{'s' if entry.age != 1 else ''} old")
        age = f"{entry.year} · {old}"
    citation = entry.citation_html or escape(entry.title)
    links = []
    if entry.doi:
        links.append(f'DOI <a href="{escape(doi_url(entry.doi))}" rel="noreferrer">'
                     f"{escape(entry.doi)}</a>")
    else:
        links.append("No DOI")
    if entry.url:
        links.append(f'<a href="{escape(entry.url)}" rel="noreferrer">{escape(entry.url)}</a>')
    if entry.accessed:
        links.append(f"accessed {escape(entry.accessed)}")
    badges, unmade = _badges_html(entry.badges)
    notes = "".join(_note(f, with_key=False) for f in entry.findings) + unmade
    classes = f"ref {_evidence_class(entry.evidence)}"
    if any(f.severity == "error" for f in entry.findings):
        classes += " has-error"
    return (
        f'<li class="{classes}" id="ref-{position}" data-key="{escape(entry.key)}" '
        f'data-evidence="{_evidence_token(entry.evidence)}" '
        f'data-problems="{escape(" ".join(entry.problems))}">'
        f'<div class="ref-head"><span class="num"{cited}>{number}</span>'
        f'<span class="ev">{escape(evidence_label(entry.evidence))}</span>'
        f'<span class="age">{escape(age)}</span>'
        f'<code class="key">{escape(entry.key)}</code></div>'
        f'<p class="cite">{citation}</p>'
        f'<p class="links">{" · ".join(links)}</p>'
        + (f'<ul class="badges" aria-label="Check results">{badges}</ul>' if badges else "")
        + (f'<ul class="notes">{notes}</ul>' if notes else "")
        + "</li>")


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def render(data: ReportData) -> str:
    """The whole page. Pure: the same data gives the same bytes."""
    return "".join(render_parts(data))


def render_parts(data: ReportData) -> Iterator[str]:
    """The page piece by piece (a reference a piece): `render` joined, or written as made."""
    css = CSS + _evidence_css()
    policy = (f"default-src 'none'; style-src {_hash(css)}; script-src {_hash(JS)}; "
              "img-src data:; base-uri 'none'; form-action 'none'")
    cited = sum(1 for e in data.entries if e.number)
    sub = f"{count(len(data.entries), 'reference')}, {cited} cited in the article"
    if data.generated:
        sub += f" · made {_moment(data.generated)}"
    yield (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="generator" content="reflib">'
        f"<title>{escape(data.title)}</title><style>{css}</style></head>\n"
        f'<body><main><header><h1>{escape(data.title)}</h1><p class="sub">{escape(sub)}</p>'
        "</header>\n"
        f"{todo_section(data)}\n"
        f"{_checks_panel(data)}\n{_summary(data)}\n{_chart_panel(data)}\n"
        f"{_library_panel(data)}\n"
        f'<h2 id="references">References in citation order</h2>\n{_filters(data)}\n'
        '<ol class="refs">')
    for start in range(0, len(data.entries), 500):  # a piece of 500 references
        yield "".join(_entry(entry, i) for i, entry in enumerate(
            data.entries[start:start + 500], start=start + 1))
    yield (
        "</ol>\n"
        "<footer>Made by reflib <code>refs report</code>. This page loads nothing from the "
        "network; links open only when followed.</footer>"
        f"</main><script>{JS}</script></body></html>\n")
