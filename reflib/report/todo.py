"""The report's first section, "What to fix": every error and warning, errors first and
each in citation order, with the reference number, the problem and the fix. Pure.

A finding's message says the problem, then (after the last "; ") what to do; a finding
about the printed list shows what the line should read, changes marked.
"""

from __future__ import annotations

from reflib.library.findings import Finding
from reflib.output import count
from reflib.report.citations import escape, inline_markup, marked_changes
from reflib.report.model import ReportData

FIXABLE = ("error", "warning")
_WORDS = {"error": "Error", "warning": "Warning"}


def split_message(message: str) -> tuple[str, str]:
    """(problem, fix): `accessed 2023; check it again` -> ('accessed 2023', 'check it
    again'); a message without a fix gives ('message', '')."""
    problem, sep, fix = message.rpartition("; ")
    if not sep or not fix or len(fix) > 200:
        return message, ""
    return problem, fix[:1].upper() + fix[1:]


def items(data: ReportData) -> list[tuple[int | None, int | None, Finding]]:
    """(citation number, entry position, finding) of every error and warning, in the
    order the section lists them."""
    found = [(e.number, i, f) for i, e in enumerate(data.entries, start=1)
             for f in e.findings if f.severity in FIXABLE]
    found += [(f.data.get("number") if isinstance(f.data.get("number"), int) else None,
               None, f) for f in data.library_findings if f.severity in FIXABLE]
    return sorted(found, key=lambda item: (item[2].rank(), item[0] is None,
                                           item[0] or 0, item[2].check))


def _item(number: int | None, position: int | None, finding: Finding) -> str:
    label = str(number) if number else "–"
    anchor = (f'<a class="fix-num" href="#ref-{position}" title="go to the reference">'
              f"{label}</a>" if position else f'<span class="fix-num">{label}</span>')
    problem, fix = split_message(finding.message)
    parts = [f'<span class="sev sev-{finding.severity}">{_WORDS[finding.severity]}</span> '
             f'<span class="problem">{inline_markup(problem)}</span>']
    should = finding.data.get("should_read")
    if should:
        parts.append(f'<span class="fix">Should read: <q>{marked_changes(should)}</q></span>')
    elif fix:
        parts.append(f'<span class="fix">Fix: {inline_markup(fix)}</span>')
    key = f' data-key="{escape(finding.key)}"' if finding.key else ""
    return (f'<li class="todo-item s-{finding.severity}"{key}>{anchor}'
            f'<div>{" ".join(parts)}</div></li>')


def headline(data: ReportData) -> str:
    """`1 error and 7 warnings in 6 references`, or why nothing is listed."""
    listed = items(data)
    if data.checks.origin == "none":
        return "No checks have run: run `refs check` to see what to fix."
    if not listed:
        if data.checks.skipped or any("unchecked" in e.problems for e in data.entries):
            return ("Nothing to fix among the checks made; some checks were not made "
                    "(see Checks below).")
        return "No problems found: every check was made."
    errors = sum(f.severity == "error" for _, _, f in listed)
    warnings = len(listed) - errors
    refs = len({f.key for _, _, f in listed if f.key})
    counted = " and ".join(p for p in (count(errors, "error") if errors else "",
                                       count(warnings, "warning") if warnings else "") if p)
    return f"{counted} in {count(refs, 'reference')}." if refs else f"{counted}."


def todo_section(data: ReportData) -> str:
    """The "What to fix" section."""
    listed = "".join(_item(*item) for item in items(data))
    body = f'<ol class="todo">{listed}</ol>' if listed else ""
    return ('<section class="panel todo-panel" aria-labelledby="todo-h">'
            '<h2 id="todo-h">What to fix</h2>'
            f'<p class="sub" id="todo-count">{inline_markup(headline(data))}</p>{body}'
            "</section>")
