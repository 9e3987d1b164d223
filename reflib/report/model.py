"""What the report shows, as plain records: a Badge per check, a ReportEntry per
reference, where the check results came from, and the ReportData the page renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from reflib.library.findings import SEVERITIES, SKIPPED, Finding


@dataclass(frozen=True)
class Badge:
    """One check's verdict on one reference, as the page shows it."""

    badge: str  # doi | metadata | updates | currency
    state: str  # ok | error | warning | notice | skipped | not-run
    text: str
    why: str = ""  # the findings' messages, or why the check was not made


@dataclass(frozen=True)
class ReportEntry:
    """One reference as the report shows it."""

    number: int | None  # citation number; None for a source the article does not cite
    key: str
    entry_type: str
    evidence: str
    title: str
    citation_html: str  # formatted citation, already safe HTML
    year: int | None
    age: int | None  # whole years between the publication year and the report's date
    doi: str
    url: str
    accessed: str
    badges: tuple[Badge, ...]
    findings: tuple[Finding, ...]  # most severe first

    @cached_property  # the page asks four times a reference (100,000 at a time)
    def problems(self) -> tuple[str, ...]:
        """Tokens the page filters on: severities, badge ids with a problem, `unchecked`."""
        tokens = {f.severity for f in self.findings if f.severity in SEVERITIES}
        tokens |= {b.badge for b in self.badges if b.state in SEVERITIES}
        if any(b.state in (SKIPPED, "not-run") for b in self.badges):
            tokens.add("unchecked")
        if tokens & set(SEVERITIES):
            tokens.add("problem")
        elif "unchecked" not in tokens:  # "no problems found" only where every check was made
            tokens.add("clean")
        return tuple(sorted(tokens))


@dataclass(frozen=True)
class ChecksStatus:
    """Where the report's check results come from, and what was not checked."""

    origin: str  # saved (the last `refs check`) | now (run by the report) | none
    started: str = ""
    offline: bool = False
    made: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str, int], ...] = ()  # (check, why, how many sources)
    note: str = ""


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows; `page.render` needs nothing else."""

    title: str
    today: date
    generated: str
    entries: tuple[ReportEntry, ...]
    checks: ChecksStatus
    library_findings: tuple[Finding, ...] = ()  # about the library, or about unknown keys
    severity_counts: dict[str, int] = field(default_factory=dict)
