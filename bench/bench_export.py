"""Benchmark of `refs export` (issue 5). Run: .venv/bin/python bench/bench_export.py

Prints two figures:
1. `refs export` of the twelve sources in AMA, whole process (target < 0.5 s);
2. 1,000 entries in AMA through reflib.cite.bibliography.render, against citeproc-py
   alone on the same CSL-JSON items with the same (upstream) AMA file (target: overhead
   < 10%).
The data exports of 100,000 sources, whole process, are rows of bench/bench_scale.py
(`--sizes 100000 --no-tugboat --only export`).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reflib.cite import stylesheet as cslstyle  # noqa: E402
from reflib.cite.bibliography import render  # noqa: E402
from reflib.formats.csl import to_csl  # noqa: E402
from reflib.library.bibtex import read_source_file  # noqa: E402
from reflib.library.layout import Layout, read_order  # noqa: E402
from reflib.library.model import Reference  # noqa: E402


def twelve() -> list[Reference]:
    layout = Layout(ROOT)
    order, _ = read_order(layout)
    return [read_source_file(layout.source_path(key), ROOT)[0] for key in order]


def many(count: int) -> list[Reference]:
    """`count` distinct references: the twelve again and again, keys and titles varied."""
    base = twelve()
    out = []
    for i in range(count):
        ref = base[i % len(base)]
        fields = dict(ref.fields)
        fields["title"] = fields["title"][:-1] + f" {i}}}" if "title" in fields else "{T}"
        out.append(replace(ref, key=f"{ref.key}-{i}", fields=fields))
    return out


def whole_process(runs: int = 7) -> float:
    refs_cli = Path(sys.executable).with_name("refs")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "refs", Path(tmp) / "refs",
                        ignore=shutil.ignore_patterns("*.crossref.json"))
        subprocess.run([str(refs_cli), "--root", tmp, "build", "-q"], check=True)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            result = subprocess.run([str(refs_cli), "--root", tmp, "export"],
                                    capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - start)
        assert result.stdout.startswith("1. Lee DW")
    return statistics.median(times)


def citeproc_alone(items: list[dict]) -> int:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
    from citeproc.formatter import plain
    from citeproc.source.json import CiteProcJSON

    style = CitationStylesStyle(str(cslstyle.STYLE_DIR / "american-medical-association.csl"),
                                validate=False)
    source = CiteProcJSON(items)
    bibliography = CitationStylesBibliography(style, source, plain)
    bibliography.register(Citation([CitationItem(item["id"]) for item in items]))
    return len(bibliography.bibliography())


def best_of(function, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    seconds = whole_process()
    print(f"1. refs export, 12 sources, AMA, whole process (median of 7): {seconds:.3f} s "
          f"(target < 0.5 s)")

    refs = many(1000)
    items = [cslstyle.processor_item(to_csl(ref, "lower")) for ref in refs]

    def ours():
        cslstyle._load.cache_clear()  # count loading the style, as citeproc-py alone does
        render(refs, "ama")

    ours_time = best_of(ours)
    alone_time = best_of(lambda: citeproc_alone(items))
    overhead = ours_time / alone_time - 1
    print(f"2. 1,000 entries in AMA: reflib {ours_time:.3f} s, citeproc-py alone "
          f"{alone_time:.3f} s, overhead {overhead:+.1%} (target < 10%)")


if __name__ == "__main__":
    main()
