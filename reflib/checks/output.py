"""`refs check` results as text for people, JSON, JUnit XML, and GitHub annotations. Pure.

    render(result, "github")  ->  "::error file=refs/x.bib,line=9,title=…::message\\n"
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from xml.etree import ElementTree as ET

from reflib.library.findings import SEVERITIES, SKIPPED, Finding, as_dict
from reflib.output import count

FORMATS = ("text", "json", "junit", "github")
_COLOURS = {"error": "red", "warning": "yellow", "notice": "cyan", SKIPPED: "bright_black"}
_SKIP_REASONS = {
    "offline": "offline, by request",
    "unavailable": "the network failed",
    "no-record": "no Crossref record (a DOI of another agency)",
    "not-registered": "the DOI is not registered",
}
_DOI_CHECKS = ("doi-resolves", "metadata", "updates")


def render(result, fmt: str, colour: bool = False, fail_on: str = "error") -> str:
    """The result in one of FORMATS."""
    if fmt == "json":
        return _json_list(result.findings)
    if fmt == "junit":
        return to_junit(result, fail_on)
    if fmt == "github":
        return to_github(result)
    return to_text(result, colour)


def _json_list(findings: list[Finding]) -> str:
    return "".join(json_chunks(findings))


def json_chunks(findings: list[Finding], size: int = 2000) -> Iterator[str]:
    """`json.dumps([...], indent=2) + "\\n"`, the same text, made and yielded a few
    findings at a time: the indented encoder is pure Python and held every piece of
    400,000 findings at once (half a GiB at 100,000 sources)."""
    if not findings:
        yield "[]\n"
        return
    for start in range(0, len(findings), size):
        items = (json.dumps(_public(f), ensure_ascii=False, indent=2).replace("\n", "\n  ")
                 for f in findings[start:start + size])
        yield ("[\n  " if start == 0 else ",\n  ") + ",\n  ".join(items)
    yield "\n]\n"


def _public(finding: Finding) -> dict:
    data = as_dict(finding)
    return {k: data[k] for k in ("key", "check", "severity", "message", "file", "line", "data")}


def summary(result) -> str:
    """`12 sources checked: 1 error, 3 warnings, 2 notices; 18 checks skipped`."""
    counts = result.counts()
    sources = len(result.keys)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in SEVERITIES]
    text = f"{sources} source{'s' if sources != 1 else ''} checked: {', '.join(parts)}"
    if counts[SKIPPED]:
        reasons = Counter(f.data.get("reason", "?") for f in result.findings
                          if f.severity == SKIPPED)
        why = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
        text += f"; {count(counts[SKIPPED], 'check')} not made ({why})"
    return text


def _group_order(result) -> Callable[[tuple[str | None, list[Finding]]], tuple]:
    """References in citation order (a to-do list follows the article), then sources not
    cited, then what concerns the library as a whole."""
    numbers = getattr(result, "numbers", {}) or {}
    position = {key: i for i, key in enumerate(result.keys)}

    def order(item):
        key, _ = item
        return (key is None, numbers.get(key, float("inf")), position.get(key, len(position)),
                key or "")
    return order


def _printed_lines(found: list[Finding]) -> list[str]:
    """For findings about a printed list: each line as printed and as it should read."""
    lines, seen = [], set()
    for f in found:
        printed, should = f.data.get("printed_line"), f.data.get("should_read")
        if (printed is None and should is None) or (printed, should) in seen:
            continue
        seen.add((printed, should))
        if printed:
            lines.append(f"  {'':<8} {'printed:':<13} {printed}")
        if should:
            lines.append(f"  {'':<8} {'should read:':<13} {should}")
    return lines


def to_text(result, colour: bool = False) -> str:
    """Grouped by reference in citation order, most severe first within each; a printed
    list's line is shown as printed and as it should read; what was not checked below."""
    def paint(text: str, severity: str) -> str:
        if not colour:
            return text
        import click

        return click.style(text, fg=_COLOURS.get(severity), bold=severity == "error")

    def bold(text: str) -> str:
        if not colour:
            return text
        import click

        return click.style(text, bold=True)

    groups: dict[str | None, list[Finding]] = defaultdict(list)
    skipped: list[Finding] = []
    for finding in result.findings:
        (skipped if finding.severity == SKIPPED else groups[finding.key]).append(finding)
    lines = []
    for key, found in sorted(groups.items(), key=_group_order(result)):
        number = result.numbers.get(key) if key else None
        where = f"reference {number}" if number else ("not cited" if key else "")
        lines.append(bold(key or "library") + (f"  ({where})" if where else ""))
        for f in sorted(found, key=lambda f: (f.rank(), f.check, f.line or 0)):
            place = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
            label = paint(f"{f.severity:<8}", f.severity)
            lines.append(f"  {label} {f.check:<13} {place}  {f.message}")
        lines.extend(_printed_lines(found))
        lines.append("")
    by_reason: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in skipped:
        by_reason[(f.data.get("reason", "?"), f.check)].append(f)
    if by_reason:
        lines.append(bold("not checked"))
        for (reason, check), found in sorted(by_reason.items()):
            keys = sorted({f.key or "library" for f in found})
            details = sorted({f.data.get("detail") for f in found if f.data.get("detail")})
            why = _SKIP_REASONS.get(reason, reason) + (f": {details[0]}" if details else "")
            lines.append(f"  {paint(f'{check:<13}', SKIPPED)} {len(keys)} source"
                         f"{'s' if len(keys) != 1 else ''}, {why}")
            lines.append(f"  {'':<13} {', '.join(keys)}")
        lines.append("")
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def to_junit(result, fail_on: str = "error") -> str:
    """JUnit XML: a suite per source, a test case per check; findings at or above
    `fail_on` are failures, those below go to the case's system-out."""
    limit = SEVERITIES.index(fail_on)
    by_case: dict[tuple[str | None, str], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_case[(finding.key, finding.check)].append(finding)
    with_doi = set(result.with_doi)
    root = ET.Element("testsuites", name="refs check")
    totals = Counter()
    suites = [(key, [c for c in result.run.checks_made
                     if c not in _DOI_CHECKS or key in with_doi]) for key in result.keys]
    extra = sorted({k for k, _ in by_case} - set(result.keys), key=lambda k: k or "")
    suites += [(key, sorted({c for k, c in by_case if k == key})) for key in extra]
    for key, checks in suites:
        suite = ET.SubElement(root, "testsuite", name=key or "library")
        counts = Counter()
        for check in checks:
            case = ET.SubElement(suite, "testcase", name=check,
                                 classname=f"refs.{key or 'library'}")
            found = by_case.get((key, check), [])
            if found and found[0].file:
                case.set("file", found[0].file)
            failing = [f for f in found if f.severity in SEVERITIES
                       and SEVERITIES.index(f.severity) <= limit]
            below = [f for f in found if f.severity in SEVERITIES and f not in failing]
            skipped = [f for f in found if f.severity == SKIPPED]
            counts["tests"] += 1
            if failing:
                counts["failures"] += 1
                failure = ET.SubElement(case, "failure", type=failing[0].severity,
                                        message=failing[0].message)
                failure.text = "\n".join(_line(f) for f in failing)
            elif skipped:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=skipped[0].message)
            if below:
                ET.SubElement(case, "system-out").text = "\n".join(_line(f) for f in below)
        for name in ("tests", "failures", "skipped"):
            suite.set(name, str(counts[name]))
        suite.set("errors", "0")
        totals.update(counts)
    for name in ("tests", "failures", "skipped"):
        root.set(name, str(totals[name]))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _line(f: Finding) -> str:
    place = f"{f.file}:{f.line}: " if f.file and f.line else (f"{f.file}: " if f.file else "")
    return f"{place}{f.severity}: {f.message}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(result) -> str:
    """GitHub Actions workflow commands: one annotation per finding, at its file and line."""
    lines = []
    for f in result.findings:
        if f.severity not in SEVERITIES:
            continue
        props = []
        if f.file:
            props.append(f"file={_escape_property(f.file)}")
            if f.line:
                props.append(f"line={f.line}")
        title = f"refs check {f.check}" + (f" ({f.key})" if f.key else "")
        props.append(f"title={_escape_property(title)}")
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_data(f.message)}")
    unverified = result.unverified()
    if unverified:
        keys = sorted({f.key or "library" for f in unverified})
        text = (f"{count(len(unverified), 'check')} could not be made (network): "
                f"{', '.join(keys)}")
        lines.append(f"::warning title=refs check::{_escape_data(text)}")
    return "\n".join(lines) + ("\n" if lines else "")
