"""Every command at scale (issue 13; the read path of issue 9), in one run.

Usage: .venv/bin/python bench/bench_scale.py [--sizes 1000,10000,100000] [--no-tugboat]
                                             [--render-limit 10000] [--only export|render]

For generated libraries of each size and for TUGboat's bibliography
(../shared/corpora/bibtex/large/tugboat.bib, 3,644 sources), prints one row per command:
wall time of the whole `refs` process and its peak memory (RSS of that process), next to
bibtexparser's bare parse of the same entries, measured in the same run as the reference.
Formatted exports and the report (citeproc-py) run only up to --render-limit sources:
at 100,000 their first runs take minutes (`--render-limit 100000` runs them).
Then the duplicates check's precision and recall on TUGboat with planted duplicates.
`--only export` runs only the reference, the full build and the data exports (CSL-JSON,
RIS) of each library, e.g. `--sizes 100000 --no-tugboat --only export`; `--only render`
the reference, the full build, `check --offline` (whose saved run the report reads) and
the AMA export and report, first and second run, whatever --render-limit says, e.g.
`--sizes 100000 --no-tugboat --only render`; `--only build` only the build rows (full,
nothing changed, --check, one edit, the read path's refresh, one addition, one removal,
ten edits).
Asserts nothing: it prints figures (targets in the issue).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
REFS = str(Path(sys.executable).with_name("refs"))
TUGBOAT = ROOT.parent / "shared" / "corpora" / "bibtex" / "large" / "tugboat.bib"

from bench_build import bare_parse, entry  # noqa: E402  (generated entries)


def run(root: Path, *args: str, ok=(0,)) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of `refs --root ROOT ARGS`, the whole process."""
    # GNU time reports the peak of `refs` itself; a child forked from this process
    # would start with this process's memory counted in its peak.
    timer = ["/usr/bin/time", "-f", "peak-kb %M"] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    proc = subprocess.run([*timer, REFS, "--root", str(root), *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"})
    elapsed = time.perf_counter() - start
    err = proc.stderr.decode()
    if proc.returncode not in ok:
        raise SystemExit(f"refs {' '.join(args)} exited {proc.returncode}: {err[-2000:]}")
    peaks = re.findall(r"peak-kb (\d+)", err)
    return elapsed, int(peaks[-1]) / 1024 if peaks else float("nan")


def tugboat_text() -> str:
    """TUGboat's bibliography with `:` in keys made `-` (a `:` is not safe in file names)."""
    text = TUGBOAT.read_text(encoding="utf-8")
    text = re.sub(r"(@\w+\s*\{\s*)([^,\s]+)", lambda m: m[1] + m[2].replace(":", "-"), text)
    return re.sub(r'(crossref\s*=\s*")([^"]+)', lambda m: m[1] + m[2].replace(":", "-"), text)


def row(name: str, seconds: float, peak: float, note: str = "") -> None:
    print(f"  {name:44} {seconds:8.2f} s {peak:7.0f} MB  {note}", flush=True)


def edit_one(root: Path) -> None:
    path = sorted((root / "refs").glob("*.bib"))[len(list((root / "refs").glob("*.bib"))) // 2]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title = {", "title = {Edited ", 1), encoding="utf-8")


def measure(label: str, root: Path, text: str, sources: int, render_limit: int,
            import_file: Path | None = None, only: str | None = None) -> None:
    print(f"\n{label}: {sources:,} sources", flush=True)
    bare = bare_parse(text)
    row("bibtexparser bare parse (reference)", bare, 0, "one string, in this process")
    if import_file is not None:
        row("refs import", *run(root, "import", str(import_file)))
    seconds, peak = run(root, "build", "-q")
    row("refs build (full)", seconds, peak, f"{seconds / bare:.2f}x bare parse (target 1.5x)")
    if only == "export":
        data_exports(root)
        return
    if only == "render":
        check_offline(root, sources)
        formatted(root, root / "out")
        return
    row("refs build (nothing changed)", *run(root, "build", "-q"), "(target 0.5 s)")
    row("refs build --check", *run(root, "build", "--check", "-q"), "(target 0.5 s)")
    edit_one(root)
    row("refs build after editing one", *run(root, "build", "-q"), "(target 0.5 s)")
    row("refs list (fresh index)", *run(root, "list", "--format", "keys"))
    row("refs list (fresh index, table)", *run(root, "list"))
    row("refs list --format json (fresh index)", *run(root, "list", "--format", "json"))
    edit_one(root)
    row("refs list after editing one (read path)", *run(root, "list", "--format", "keys"),
        "refreshes the index (target: fresh + 0.5 s)")
    row("refs build after that read path", *run(root, "build", "-q"),
        "splices what it left (target 0.5 s)")
    if only == "build":
        build_rows(root)
        return
    check_offline(root, sources)
    out = data_exports(root)
    if sources > render_limit:
        print(f"  (AMA export and report: not run above {render_limit:,} sources; "
              "--render-limit or --only render runs them)")
        return
    formatted(root, out)


def check_offline(root: Path, sources: int) -> None:
    seconds, peak = run(root, "check", "--offline", "--format", "json", ok=(0, 1))
    # (exit 1: the generated and real libraries have findings; that is not a failure here)
    target = "(target 5 s)" if sources < 10_000 else "(target 60 s at 100k)"
    row("refs check --offline", seconds, peak, target + ", saves the run the report reads")


def formatted(root: Path, out: Path) -> None:
    """AMA export and the report, first run (nothing rendered kept) and second run."""
    for attempt in ("first", "second"):
        row(f"refs export (AMA), {attempt} run", *run(root, "export", "-o", str(out)),
            "(target 10 s on a second run)")
    for attempt in ("first", "second"):
        row(f"refs report, {attempt} run", *run(root, "report", "-o", str(out) + ".html"),
            "(target 10 s on a second run)")


def build_rows(root: Path) -> None:
    """More incremental rebuilds: an addition, a removal, ten edits at once."""
    refs = root / "refs"
    first = min(refs.glob("*.bib"))
    (refs / "zz-added.bib").write_text(first.read_text(encoding="utf-8").replace(
        "{" + first.stem + ",", "{zz-added,", 1).replace("doi = {10.", "doi = {10.9999/zz", 1),
        encoding="utf-8")
    row("refs build after adding one", *run(root, "build", "-q"), "(target 0.5 s)")
    (refs / "zz-added.bib").unlink()
    row("refs build after removing one", *run(root, "build", "-q"), "(target 0.5 s)")
    for path in sorted(refs.glob("*.bib"))[::max(1, len(list(refs.glob("*.bib"))) // 10)][:10]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("title = {", "title = {Ten ", 1), encoding="utf-8")
    row("refs build after editing ten", *run(root, "build", "-q"))
    row("refs build --full (again, index in place)", *run(root, "build", "-q", "--full"))


def data_exports(root: Path) -> Path:
    out = root / "out"
    row("refs export --format csl-json", *run(root, "export", "--format", "csl-json", "-o",
                                              str(out)), "(target 10 s)")
    row("refs export --format ris", *run(root, "export", "--format", "ris", "-o", str(out)),
        "(target 10 s)")
    return out


def generated(tmp: Path, count: int, render_limit: int, only: str | None = None) -> None:
    root = tmp / f"gen{count}"
    (root / "refs").mkdir(parents=True)
    rng = random.Random(42)
    texts = [entry(i, rng) for i in range(count)]
    for i, text in enumerate(texts):
        (root / "refs" / f"gen{i:06d}.bib").write_text(text, encoding="utf-8")
    measure("generated", root, "\n".join(texts), count, render_limit, only=only)
    shutil.rmtree(root)


def duplicates_precision(tmp: Path, planted: int = 60) -> None:
    """Plant copies of TUGboat entries (new key; a misspelt word, a lost subtitle, or no
    pages) and count which groups the check reports."""
    from reflib.checks.duplicates import duplicate_findings
    from reflib.library.bibtex import parse_text

    refs = parse_text(tugboat_text(), "tugboat.bib").references
    start = time.perf_counter()
    before = duplicate_findings(refs)
    elapsed = time.perf_counter() - start
    print(f"\nduplicates on TUGboat as it is: {len(before)} groups in {elapsed:.2f} s")
    rng = random.Random(7)
    titled = [r for r in refs if len(r.title.split()) >= 4]
    copies, originals = [], {}
    for n, ref in enumerate(rng.sample(titled, planted)):
        fields = dict(ref.fields)
        how = n % 3
        if how == 0:  # a misspelt word
            words = fields["title"].split(" ")
            i = max(range(len(words)), key=lambda j: len(words[j]))
            words[i] = words[i][:-2] + words[i][-1] + words[i][-2]
            fields["title"] = " ".join(words)
        elif how == 1:  # the subtitle lost, or the title cut to its first words
            fields["title"] = "{" + " ".join(ref.title.split(":")[0].split()[:6]) + "}"
        else:  # no pages, no volume
            fields.pop("pages", None)
            fields.pop("volume", None)
        copy = type(ref)(f"{ref.key}-copy", ref.entry_type, fields, ref.file, ref.line,
                         ref.field_lines)
        copies.append(copy)
        originals[copy.key] = ref.key
    found = duplicate_findings(refs + copies)
    hits = [f for f in found if any(k in originals for k in f.data["group"])]
    recalled = {k for f in hits for k in f.data["group"] if k in originals
                and originals[k] in f.data["group"]}
    exact = [f for f in found if len(f.data["group"]) == 2
             and any(originals.get(k) in f.data["group"] for k in f.data["group"])]
    print(f"planted {planted} copies: {len(found)} groups reported, {len(hits)} of them "
          f"contain a planted copy, {len(exact)} are exactly a copy and its original "
          f"(precision {len(exact)}/{len(found)}); recall {len(recalled)}/{planted}")
    for f in found:
        if not any(k in originals for k in f.data["group"]):
            print(f"  not planted: {f.data['group']} ({f.data['evidence']})")
    missed = sorted(set(originals) - recalled)
    for key in missed[:10]:
        print(f"  missed: {key}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--render-limit", type=int, default=10_000)
    parser.add_argument("--no-tugboat", action="store_true")
    parser.add_argument("--only", choices=("export", "render", "build"), default=None,
                        help="export: only the reference, the full build and the data "
                        "exports; render: only those, check --offline, AMA and the report; "
                        "build: only the build rows (and a few more rebuilds)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; wall seconds and peak "
          "RSS of each whole `refs` process")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_tugboat and TUGBOAT.is_file():
            root = tmp / "tugboat"
            (root / "refs").mkdir(parents=True)
            source = tmp / "tugboat.bib"
            source.write_text(tugboat_text(), encoding="utf-8")
            text = source.read_text(encoding="utf-8")
            measure("tugboat.bib", root, text, text.count("\n@") + text.startswith("@"),
                    args.render_limit, import_file=source, only=args.only)
            if args.only is None:
                duplicates_precision(tmp)
        for size in (int(s) for s in args.sizes.split(",") if s):
            generated(tmp, size, args.render_limit, args.only)


if __name__ == "__main__":
    main()
