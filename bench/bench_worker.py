"""The CPU of the build's per-file work (a worker's share of `refs build`), step by step.

Usage: .venv/bin/python bench/bench_worker.py [--entries 100000] [--no-tugboat] [--repeat 1]

Generates the library bench/bench_scale.py builds (bench_build.entry, random.Random(42))
and reads TUGboat's bibliography (../shared/corpora/bibtex/large/tugboat.bib; skipped with
a message when absent). In this one process, with the garbage collector off (as the
build's workers run), it times bibtexparser's bare parse of the same text (the reference)
and then each step a worker does for every entry, in the order sourcefiles._result does
them: the scan (bibtex.parse_text over batches of 250 entries joined, as the build
parses), CrossItem.of, entry_problems, entry_json, format_entry and source_rows.
Prints seconds and the ratio to the bare parse. Asserts nothing: it prints figures.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
TUGBOAT = ROOT.parent / "shared" / "corpora" / "bibtex" / "large" / "tugboat.bib"
BATCH = 250  # as reflib/library/sourcefiles.py parses

from bench_build import bare_parse, entry  # noqa: E402  (generated entries)


def steps(batches: list[str]) -> list[tuple[str, float]]:
    """CPU seconds of each worker step over every entry of `batches`."""
    from reflib.library import index
    from reflib.library.bibtex import format_entry, parse_text
    from reflib.library.validate import CrossItem, entry_problems

    start = time.process_time()
    refs = []
    for text in batches:
        refs.extend(parse_text(text, "batch").references)
    timed = [("scan (bibtex.parse_text)", time.process_time() - start)]
    items = []
    start = time.process_time()
    for ref in refs:
        items.append(CrossItem.of(ref))
    timed.append(("CrossItem.of", time.process_time() - start))
    start = time.process_time()
    for ref, item in zip(refs, items, strict=True):
        if not item.parent:
            entry_problems(ref)
    timed.append(("entry_problems", time.process_time() - start))
    for name, step in (("entry_json", index.entry_json), ("format_entry", format_entry),
                       ("source_rows", index.source_rows)):
        start = time.process_time()
        for ref in refs:
            step(ref)
        timed.append((name, time.process_time() - start))
    return timed


def measure(label: str, batches: list[str], repeat: int) -> None:
    text = "".join(batches)
    gc.collect()
    gc.disable()
    try:
        bare = min(bare_parse(text, time.process_time) for _ in range(repeat))
        runs = [steps(batches) for _ in range(repeat)]
    finally:
        gc.enable()
    print(f"\n{label}")
    print(f"  {'bibtexparser bare parse (reference)':36} {bare:7.2f} s  1.00x")
    total = 0.0
    for i, (name, _) in enumerate(runs[0]):
        seconds = min(run[i][1] for run in runs)
        total += seconds
        print(f"  {name:36} {seconds:7.2f} s  {seconds / bare:.2f}x")
    print(f"  {'worker steps, total':36} {total:7.2f} s  {total / bare:.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--no-tugboat", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    args = parser.parse_args()

    rng = random.Random(42)
    texts = [entry(i, rng) for i in range(args.entries)]
    batches = ["".join(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)]
    del texts
    measure(f"generated: {args.entries:,} entries (CPU seconds, gc off)", batches, args.repeat)
    if args.no_tugboat:
        return
    if not TUGBOAT.exists():
        print(f"\nTUGboat: skipped ({TUGBOAT} is absent)")
        return
    measure("TUGboat: tugboat.bib as one text (CPU seconds, gc off)",
            [TUGBOAT.read_text(encoding="utf-8")], args.repeat)


if __name__ == "__main__":
    main()
