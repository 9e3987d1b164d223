"""The twin of `refs report`: read the library (data), render the page, write it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from reflib.library.layout import Layout
from reflib.progress import Advance, progress
from reflib.report.data import BAR_FROM, ReportData, load_report
from reflib.report.page import render, render_parts


def build_report(layout: Layout, **options) -> str:
    """The report of the library at `layout` as one HTML document."""
    return render(load_report(layout, **options))


def write_report(layout: Layout, path: Path, **options) -> ReportData:
    """Write the report to `path` atomically; returns what it shows."""
    from reflib.fsutil import write_output_file

    data = load_report(layout, **options)
    total = len(data.entries)
    with progress(total if total >= BAR_FROM else 0, "writing the report") as advance:
        write_output_file(path, _told(render_parts(data), advance))  # written as made
    return data


def _told(parts: Iterator[str], advance: Advance) -> Iterator[str]:
    """The page's pieces, each piece of references told to `advance` as it is written."""
    for part in parts:
        yield part
        if part.startswith("<li class=\"ref"):
            advance(part.count('<li class="ref '))
