"""Batch parsing gives exactly what parsing file by file gives, on real bibliographies."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from reflib.formats.importer import import_bibliography
from reflib.library import sourcefiles
from reflib.library.layout import Layout

FIXTURES = ROOT / "tests" / "fixtures" / "bibtex"
TUGBOAT = ROOT.parent / "shared" / "corpora" / "bibtex" / "large" / "tugboat.bib"


def imported(tmp_path: Path, text: str, name: str) -> list[str]:
    layout = Layout(tmp_path)
    (tmp_path / "refs").mkdir(exist_ok=True)
    import_bibliography(layout, text, name)
    return [str(p) for p in layout.source_files()]


def same_both_ways(paths: list[str]) -> None:
    one_by_one = [sourcefiles.parse_one(p) for p in paths]
    batched = [r for i in range(0, len(paths), 7) for r in sourcefiles.parse_batch(
        paths[i:i + 7])]
    assert batched == one_by_one


def test_the_twelve_and_xampl_parse_the_same_in_batches(tmp_path: Path) -> None:
    paths = [str(p) for p in sorted((ROOT / "refs").glob("*.bib"))]
    paths += imported(tmp_path, (FIXTURES / "xampl.bib").read_text(encoding="utf-8"), "xampl")
    assert len(paths) > 30
    same_both_ways(paths)


def test_a_broken_file_in_a_batch_is_read_file_by_file(tmp_path: Path) -> None:
    paths = [str(p) for p in sorted((ROOT / "refs").glob("*.bib"))]
    broken = tmp_path / "broken.bib"
    broken.write_text("@article{broken,\n  title = {Unclosed,\n", encoding="utf-8")
    wrong_key = tmp_path / "wrongname.bib"
    wrong_key.write_text("@misc{other,\n  title = {T},\n}\n", encoding="utf-8")
    bom = tmp_path / "bom.bib"
    bom.write_text("\ufeff% a comment line\n@misc{bom,\n  title = {T},\n}\n", encoding="utf-8")
    batch = paths[:3] + [str(broken)] + paths[3:6] + [str(wrong_key), str(bom)]
    same_both_ways(batch)
    results = sourcefiles.parse_batch(batch)
    assert results[3][5][0].file == "refs/broken.bib" and results[3][4] is None
    assert "differs from the file name" in results[7][5][0].message
    assert results[8][4].line == 2  # lines count from the file's own start


@pytest.mark.skipif(not TUGBOAT.is_file(), reason="needs ../shared (TUGboat's bibliography)")
def test_tugboat_parses_the_same_in_batches(tmp_path: Path) -> None:
    import re

    text = TUGBOAT.read_text(encoding="utf-8")
    text = re.sub(r"(@\w+\s*\{\s*)([^,\s]+)", lambda m: m[1] + m[2].replace(":", "-"), text)
    paths = imported(tmp_path, text, "tugboat.bib")
    assert len(paths) > 3000
    one_by_one = [sourcefiles.parse_one(p) for p in paths]
    assert [r for i in range(0, len(paths), sourcefiles.BATCH)
            for r in sourcefiles.parse_batch(paths[i:i + sourcefiles.BATCH])] == one_by_one
