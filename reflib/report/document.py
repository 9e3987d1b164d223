"""The twin of `refs report`: read the library (data), render the page, write it."""

from __future__ import annotations

from pathlib import Path

from reflib.library.layout import Layout
from reflib.report.data import ReportData, load_report
from reflib.report.page import render, render_parts


def build_report(layout: Layout, **options) -> str:
    """The report of the library at `layout` as one HTML document."""
    return render(load_report(layout, **options))


def write_report(layout: Layout, path: Path, **options) -> ReportData:
    """Write the report to `path` atomically; returns what it shows."""
    from reflib.fsutil import write_output_file

    data = load_report(layout, **options)
    write_output_file(path, render_parts(data))  # 100,000 references: written as made
    return data
