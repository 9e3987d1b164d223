"""Import benchmark: prints the round trip over ../shared/corpora/bibtex/, TUGboat import +
build against bibtexparser's bare parse (same run), and peak memory importing many tiny
entries. Run: .venv/bin/python bench/bench_import.py [--entries N] [--cases FILE]

Round trip, per file of the corpora (BibTeX, and the CSL-JSON, RIS and MEDLINE of
manubot/): `refs import --rekey` into a new library, then `refs build`, then compare:
- lost without message: entries bibtexparser (an independent reader) finds that were
  neither written nor named in a message;
- tracebacks: any exception that is not one of reflib's errors;
- values changed: a field of library.bib that differs from the file's value (macros
  resolved, layout normalised; renamed keys and their parents followed);
- LaTeX command names left in text: plain text (Reference.text, library/latex.py) that
  still holds a `\\command`; the cases go to --cases for the LaTeX converter's owner.
It also checks that every key of BibTeX's own output (.bbl) in the corpora is imported.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = ROOT.parent / "shared" / "corpora" / "bibtex"
SUFFIXES = (".bib", ".json", ".ris", ".nbib")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_LITERAL = re.compile(r"\\char\s*`|\\bs\b|\\textbackslash|\\verb")


def round_trip(cases_file: Path | None) -> None:
    import bibtexparser

    from reflib.errors import InvalidLibrary, ReflibError
    from reflib.formats.encoding import decode
    from reflib.formats.importer import ImportOptions, import_files
    from reflib.library.bibtex import format_value, parse_text, resolve_strings
    from reflib.library.build import build
    from reflib.library.latex import VERBATIM_FIELDS
    from reflib.library.layout import Layout, init_library
    from reflib.progress import progress

    files = sorted(p for p in CORPORA.rglob("*") if p.suffix in SUFFIXES)
    totals = dict(files=len(files), entries=0, written=0, refused_files=0, messages=0,
                  lost=0, tracebacks=0, changed=0, fields=0, latex=0, literal=0, texts=0)
    cases: list[str] = []
    keys_seen: set[str] = set()
    with progress(len(files), "round trip") as advance, tempfile.TemporaryDirectory() as tmp:
        for number, path in enumerate(files):
            advance(1)
            root = Path(tmp) / f"lib{number}"
            init_library(root)
            layout = Layout(root)
            data = path.read_bytes()
            text, _ = decode(data, path.name) if path.suffix == ".bib" else ("", "")
            independent = []
            if path.suffix == ".bib":
                independent = [e.key for e in bibtexparser.parse_string(
                    text.lstrip("\ufeff"), parse_stack=[]).entries]
                totals["entries"] += len(independent)
            try:
                report = import_files(layout, [(str(path), data)], ImportOptions(rekey=True))
            except InvalidLibrary as exc:
                totals["refused_files"] += 1
                totals["messages"] += len(exc.problems)
                continue
            except ReflibError:
                totals["refused_files"] += 1
                totals["messages"] += 1
                continue
            except Exception as exc:  # noqa: BLE001 - counting them is the point
                totals["tracebacks"] += 1
                print(f"TRACEBACK {path}: {exc!r}", file=sys.stderr)
                continue
            totals["written"] += len(report.written)
            renamed = {p.message.split("'")[1]: p.key for p in report.renamed}
            aliases = {p.message.split("'")[3]: p.message.split("'")[5]
                       for p in report.notices if "is an alias (ids) of" in p.message}
            mentioned = set(renamed) | {p.key for p in report.notices if p.key}
            written = {Path(w).stem for w in report.written}
            keys_seen |= written | set(renamed)
            totals["lost"] += sum(1 for key in set(independent)
                                  if renamed.get(key, key) not in written and key not in
                                  mentioned)
            build(layout)
            library = parse_text((root / "library.bib").read_text(encoding="utf-8"), "lib")
            got = {ref.key: ref for ref in library.references}
            if path.suffix == ".bib":
                original = parse_text(text, str(path))
                for ref in original.references:
                    key = renamed.get(ref.key, ref.key)
                    mine = got.get(key)
                    if mine is None:
                        continue
                    expected = resolve_strings(ref, original.strings).fields
                    for name, raw in expected.items():
                        value = format_value(raw)
                        if name in ("crossref", "xdata"):
                            keys = [renamed.get(k.strip(), k.strip())
                                    for k in value.strip("{}").split(",")]
                            value = "{" + ", ".join(aliases.get(k, k) for k in keys) + "}"
                        totals["fields"] += 1
                        if mine.fields.get(name) != value:
                            totals["changed"] += 1
                            print(f"CHANGED {path.name}:{ref.line} {key}.{name}",
                                  file=sys.stderr)
            for ref in got.values():
                for name in ref.fields:
                    if name in VERBATIM_FIELDS or name.startswith(("ris-", "csl-", "medline-",
                                                                   "endnote-")):
                        continue
                    plain = ref.text(name)
                    totals["texts"] += 1
                    if _COMMAND.search(plain):
                        raw = ref.fields[name]
                        # `{\tt\char`\\relax}`, `\bs relax`: the title is about \relax.
                        literal = bool(_LITERAL.search(raw))
                        totals["literal" if literal else "latex"] += 1
                        kind = "literal" if literal else "failure"
                        cases.append(f"{kind}\t{path.relative_to(CORPORA)}\t{ref.key}\t"
                                     f"{name}\t{raw!r}\t{plain!r}")
    bbl_keys: set[str] = set()
    for bbl in CORPORA.rglob("*.bbl"):
        bbl_keys |= set(re.findall(r"\\bibitem(?:\[[^\]]*\])?\{([^}]+)\}",
                                   bbl.read_text(encoding="utf-8", errors="replace")))
    missing_bbl = sorted(k for k in bbl_keys if k not in keys_seen)
    print(f"round trip over {CORPORA} ({totals['files']} files, {totals['entries']} BibTeX "
          "entries by bibtexparser's count):")
    print(f"  sources written: {totals['written']}; files refused whole (all or nothing, "
          f"with messages): {totals['refused_files']} ({totals['messages']} messages)")
    print(f"  entries lost without a message: {totals['lost']}")
    print(f"  tracebacks: {totals['tracebacks']}")
    print(f"  values changed: {totals['changed']} of {totals['fields']} fields compared")
    print(f"  LaTeX command names left in text: {totals['latex']} of {totals['texts']} "
          f"field texts (and {totals['literal']} texts that name a TeX command on purpose, "
          "written {\\tt\\char`\\\\relax} or \\bs relax: right as they are)")
    print(f"  keys of BibTeX's own .bbl output not imported: {len(missing_bbl)} of "
          f"{len(bbl_keys)} {missing_bbl[:5]}")
    if cases_file is not None:
        cases_file.write_text("kind\tfile\tkey\tfield\traw\ttext\n" + "\n".join(cases) + "\n",
                              encoding="utf-8")
        print(f"  the {len(cases)} LaTeX cases: {cases_file}")


def tugboat(runs: int = 3) -> None:
    """TUGboat import + build against bibtexparser's bare parse, each the median of `runs`;
    the import also without writing (--dry-run), which shows what writing files costs."""
    import statistics

    import bibtexparser

    from reflib.formats.importer import ImportOptions, import_files
    from reflib.library.build import build
    from reflib.library.layout import Layout, init_library

    source = CORPORA / "large" / "tugboat.bib"
    data = source.read_bytes()
    bare_s, dry_s, import_s, build_s = [], [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        bare = bibtexparser.parse_string(data.decode("utf-8"), parse_stack=[])
        bare_s.append(time.perf_counter() - started)
        entries = len(bare.entries)
        del bare
        with tempfile.TemporaryDirectory() as tmp:
            init_library(tmp)
            layout = Layout(Path(tmp))
            started = time.perf_counter()
            import_files(layout, [(str(source), data)], ImportOptions(rekey=True, dry_run=True))
            dry_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            report = import_files(layout, [(str(source), data)], ImportOptions(rekey=True))
            import_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            built = build(layout, full=True)
            build_s.append(time.perf_counter() - started)
            files = sum(1 for _ in layout.refs_dir.iterdir())
    bare_m, dry_m, import_m, build_m = (statistics.median(x)
                                         for x in (bare_s, dry_s, import_s, build_s))
    print(f"tugboat.bib ({entries} entries by bibtexparser; median of {runs} runs):")
    print(f"  bibtexparser bare parse: {bare_m:.2f} s")
    print(f"  refs import --rekey: {import_m:.2f} s ({len(report.written)} sources, "
          f"{len(report.renamed)} renamed: its keys hold colons; {files} files in refs/ with "
          f"the import records); of which reading, keying, validating, formatting "
          f"(--dry-run): {dry_m:.2f} s, writing the files: {import_m - dry_m:.2f} s "
          f"(runs: {', '.join(f'{x:.2f}' for x in import_s)})")
    print(f"  refs build --full: {build_m:.2f} s ({built.sources} sources); import + build "
          f"{import_m + build_m:.2f} s = {(import_m + build_m) / bare_m:.1f}x the bare parse")


_MEMORY = """
import resource, sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from reflib.formats.importer import ImportOptions, import_files
from reflib.library.layout import Layout, init_library
n = {entries}
import io
buffer = io.BytesIO()
for i in range(n):
    buffer.write(f"@misc{{{{k{{i}}, title = {{{{T {{i}}}}}}, year = 2020}}}}\\n".encode())
data = buffer.getvalue()
del buffer
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryDirectory() as tmp:
    init_library(tmp)
    report = import_files(Layout(Path(tmp)), [("tiny.bib", data)], ImportOptions(dry_run=True))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(report.written), base, peak)
"""


def memory(entries: int) -> None:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _MEMORY.format(root=str(ROOT), entries=entries)],
                         capture_output=True, text=True, check=True).stdout.split()
    written, base, peak = (int(x) for x in out)
    print(f"{entries:,} tiny entries, refs import --dry-run (all read, keyed, validated, "
          f"formatted; nothing written): peak {peak / 1024:.0f} MB (input alone "
          f"{base / 1024:.0f} MB), {time.perf_counter() - started:.0f} s, {written:,} sources")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--cases", type=Path, default=None,
                        help="write the LaTeX leftovers here (tab-separated)")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"{CORPORA} is not here; this benchmark needs ../shared/corpora")
    round_trip(args.cases)
    tugboat()
    memory(args.entries)


if __name__ == "__main__":
    main()
