"""Pure: the report's chart of publication years by evidence type, as inline SVG, and the
sentence under it that says how current the evidence is."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date
from html import escape

from reflib.report.assets import EVIDENCE_COLOURS, evidence_label, evidence_order
from reflib.report.model import ReportEntry


def currency_sentence(entries: tuple[ReportEntry, ...], today: date) -> str:
    """`Published 2020–2024; median age 2 years as of 2024-04-06. 1 source has no year.`"""
    years = sorted(e.year for e in entries if e.year)
    if not years:
        return "No source gives a publication year."
    ages = [today.year - y for y in years]
    median = statistics.median(ages)
    span = f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0])
    text = (f"Published {span}; median age {median:g} year{'s' if median != 1 else ''} "
            f"as of {today.isoformat()}.")
    undated = len(entries) - len(years)
    if undated:
        text += f" {undated} source{'s have' if undated != 1 else ' has'} no year."
    return text


def chart_svg(entries: tuple[ReportEntry, ...]) -> str:
    """A stacked bar chart of publication years by evidence type, as inline SVG."""
    years = sorted({e.year for e in entries if e.year})
    if not years:
        return ""
    first = max(years[0], years[-1] - 29)  # at most 30 bars; older years share one
    buckets: list[str] = ([f"<{first}"] if years[0] < first else [])
    buckets += [str(y) for y in range(first, years[-1] + 1)]
    if any(not e.year for e in entries):
        buckets.append("n.d.")

    def bucket(e: ReportEntry) -> str:
        return "n.d." if not e.year else f"<{first}" if e.year < first else str(e.year)

    types = evidence_order(entries)
    stacks = {b: Counter() for b in buckets}
    for e in entries:
        stacks[bucket(e)][e.evidence if e.evidence in EVIDENCE_COLOURS else ""] += 1
    top = max(sum(c.values()) for c in stacks.values())
    step = 1 if top <= 6 else -(-top // 5)
    ceiling = -(-top // step) * step
    bar, gap, left, upper, height, lower = 30, 14, 28, 10, 130, 24
    width = left + len(buckets) * (bar + gap) + gap
    unit = height / ceiling
    parts = []
    for tick in range(0, ceiling + 1, step):
        y = upper + height - tick * unit
        parts.append(f'<line class="grid" x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    described = []
    for i, name in enumerate(buckets):
        x = left + gap + i * (bar + gap)
        base = upper + height
        pieces = []
        for ev in types:
            n = stacks[name][ev]
            if not n:
                continue
            base -= n * unit
            label = f"{name}: {n} {evidence_label(ev).lower()}"
            parts.append(f'<rect x="{x}" y="{base:.1f}" width="{bar}" height="{n * unit:.1f}" '
                         f'fill="{EVIDENCE_COLOURS[ev]}"><title>{escape(label)}</title></rect>')
            pieces.append(f"{n} {evidence_label(ev).lower()}")
        if pieces:
            described.append(f"{name}: {', '.join(pieces)}")
        parts.append(f'<text x="{x + bar / 2}" y="{upper + height + 16}" '
                     f'text-anchor="middle">{escape(name)}</text>')
    total = upper + height + lower
    # Drawn at its natural size, shrunk on a narrow screen, never blown up.
    return (f'<svg viewBox="0 0 {width} {total}" width="{width * 1.25:g}" role="img" '
            'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">'
            '<title id="chart-title">Publication years by evidence type</title>'
            f'<desc id="chart-desc">{escape("; ".join(described))}</desc>'
            + "".join(parts) + "</svg>")
