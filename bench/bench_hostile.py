"""Figures for issue 15 (hostile input and networks): text operations on pathological
input, and how long a run waits for servers that drip or hang.

Usage: .venv/bin/python bench/bench_hostile.py
Prints figures; asserts nothing. Each is the whole `refs` command in its own process
(start-up included) against a library made in a temporary folder, or the gateway
against the fake servers of tests/ on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
REFS = [sys.executable, "-c", "import cli; cli.main()"]
WORDS = ("alpha", "beta", "gamma", "delta", "joint", "radio", "frequency", "lumbar")


def refs(root: Path, *args: str) -> float:
    started = time.monotonic()
    subprocess.run([*REFS, "--root", str(root), *args], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def library(folder: Path, note_mb: float) -> Path:
    refs_dir = folder / "refs"
    refs_dir.mkdir(parents=True)
    words = int(note_mb * 1_000_000 / 6)
    note = " ".join(WORDS[i % len(WORDS)] for i in range(words)) + " facet pain"
    (refs_dir / "big.bib").write_text(f"@misc{{big,\n  title = {{Big}},\n  year = {{2020}},"
                                      f"\n  note = {{{note}}},\n}}\n", encoding="utf-8")
    (refs_dir / "small.bib").write_text("@misc{small,\n  title = {Facet pain},\n  year = "
                                        "{2021},\n}\n", encoding="utf-8")
    refs(folder, "build", "-q")
    return folder


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        print("refs search facet pain (issue: 81 s at 1 MB, over 15 min at 10 MB)")
        for size in (1, 10):
            root = library(base / f"note{size}", size)
            print(f"  note of {size:>2} MB: {refs(root, 'search', 'facet', 'pain'):.2f} s")
        root = base / "note1"
        print("refs cite (issue: 20,000 backticks over 120 s; [ + 50,000 @ 29 s)")
        for name, line in (("20,000 backticks", "`" * 20_000),
                           ("[ + 50,000 @", "[" + "@" * 50_000)):
            paper = base / "paper.md"
            paper.write_text(f"see [@small] {line}\n", encoding="utf-8")
            print(f"  {name:<17} {refs(root, 'cite', str(paper)):.2f} s")
        print("refs sql (issue: a recursive CTE ran forever)")
        forever = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                   "SELECT count(*) FROM r")
        took = refs(root, "sql", forever, "--time-limit", "2")
        print(f"  never-ending query, --time-limit 2: {took:.2f} s")
    print("refs check against servers that drip a byte every 0.5 s or never answer")
    print("  (issue: still waiting after 300 s; a hang given up after 64 s)")
    from checks_support import DOI_KEYS, crossref_server
    from fake_handles import FakeHandleServer

    with tempfile.TemporaryDirectory() as tmp:
        import shutil

        shutil.copytree(ROOT / "refs", Path(tmp) / "refs",
                        ignore=shutil.ignore_patterns("*.crossref.json", "*.pubmed.json"))
        for fault in ("drip", "hang"):
            with FakeHandleServer(set(DOI_KEYS), drip=0.5) as handles, \
                    crossref_server() as crossref:
                crossref.drip = 0.5
                crossref.inject(fault, times=1000)
                for doi in DOI_KEYS:
                    handles.faults[doi.lower()] = fault
                args = ["check", "--doi-url", handles.url, "--crossref-url", crossref.url,
                        "--mailto", "bench@example.org"]
                print(f"  {fault}, defaults (--timeout 10): "
                      f"{refs(Path(tmp), *args):.1f} s")
                print(f"  {fault}, --deadline 5: "
                      f"{refs(Path(tmp), *args, '--deadline', '5'):.1f} s")


if __name__ == "__main__":
    main()
