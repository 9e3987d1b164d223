"""Atomic writes: the file is the new text whole, or the old one whole, never half."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflib.fsutil import atomic_write_bytes, atomic_write_chunks


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_bytes(b"old")
    atomic_write_bytes(path, b"new text")
    atomic_write_chunks(tmp_path / "page.html", (f"<p>{n}</p>" for n in range(3)))
    assert path.read_bytes() == b"new text"
    assert (tmp_path / "page.html").read_text() == "<p>0</p><p>1</p><p>2</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.bib", "page.html"]


def test_a_write_that_fails_half_way_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("the old report", encoding="utf-8")

    def pieces():
        yield "the first half of a new report"
        raise KeyboardInterrupt  # Ctrl-C while the page is being written

    with pytest.raises(KeyboardInterrupt):
        atomic_write_chunks(path, pieces())
    assert path.read_text(encoding="utf-8") == "the old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
