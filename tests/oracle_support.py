"""pandoc's citeproc as an independent oracle for `refs export` (issue 11).

The same CSL-JSON (reflib.formats.csl) and the same shipped CSL file go to pandoc and to
our renderer; entries are compared as plain text, one by one. Every difference must be
classified in tests/fixtures/oracle/differences.json: `ours-wrong`, `pandoc-wrong` or
`style-choice` (a deliberate, documented choice of ours). bench/bench_oracle.py prints
the counts; tests/cite/test_oracle.py keeps them at zero where reflib is wrong.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT / "tests" / "fixtures" / "oracle"
STYLES = ("ama", "vancouver", "apa")
CLASSES = ("ours-wrong", "pandoc-wrong", "style-choice")


@dataclass(frozen=True)
class Difference:
    set_name: str
    style: str
    key: str
    ours: str
    pandoc: str


def pandoc_path() -> str | None:
    """pandoc from the pypandoc-binary wheel (the test extra), or None when absent."""
    try:
        import pypandoc
        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return None


def twelve():
    """The library's twelve sources, in the article's order."""
    from reflib.library.bibtex import read_source_file

    order = [line.strip() for line in (ROOT / "refs" / "order.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    refs = []
    for key in order:
        ref, problems = read_source_file(ROOT / "refs" / f"{key}.bib", ROOT)
        assert ref is not None, problems
        refs.append(ref)
    return refs


def crossref_records():
    """The recorded Crossref works (tests/fixtures/oracle/SOURCES.md), mapped as `refs
    enrich` maps them, each under a key of its own."""
    from reflib.enrich.mapping import map_work
    from reflib.library.model import Reference

    messages = json.loads((ORACLE / "crossref-records.json").read_text(encoding="utf-8"))
    refs = []
    for number, message in enumerate(messages, start=1):
        work = map_work(message)
        fields = {k: v for k, v in work.fields.items() if k != "abstract"}
        refs.append(Reference(f"cr{number:02d}", work.entry_type, fields))
    return refs


SETS = {"twelve": twelve, "crossref": crossref_records}


def ours(refs, style: str) -> dict[str, str]:
    from reflib.cite.bibliography import format_bibliography

    return dict(zip((r.key for r in refs), format_bibliography(refs, style, "text"),
                    strict=True))


def theirs(refs, style: str, pandoc: str) -> dict[str, str]:
    """pandoc --citeproc over our CSL-JSON with the shipped style, entry by entry."""
    from reflib.cite.stylesheet import load
    from reflib.formats.csl import to_csl

    loaded = load(style)
    items = [to_csl(ref, loaded.spec.subtitle) for ref in refs]
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "items.json"
        data.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        keys = ", ".join("@" + ref.key for ref in refs)
        page = f"---\nnocite: '{keys}'\n---\n"
        out = subprocess.run(
            [pandoc, "--citeproc", "--bibliography", str(data), "--csl",
             str(_style_file(style)), "-f", "markdown", "-t", "html", "--wrap=none"],
            input=page, capture_output=True, text=True, check=True, timeout=120).stdout
    entries = {}
    for match in re.finditer(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>\s*'
                             r'(?=<div id="ref-|</div>\s*$)', out, re.S):
        body = re.sub(r'<div class="csl-left-margin">.*?</div>', "", match.group(2), flags=re.S)
        entries[match.group(1)] = _text(body)
    return entries


def _style_file(style: str) -> Path:
    from reflib.cite.stylesheet import resolve

    return resolve(style)[2]


def _text(markup: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", markup)).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def differences(pandoc: str) -> tuple[int, list[Difference]]:
    """(entries compared, the entries where pandoc and we differ)."""
    compared, found = 0, []
    for set_name, loader in SETS.items():
        refs = loader()
        for style in STYLES:
            mine, oracle = ours(refs, style), theirs(refs, style, pandoc)
            for ref in refs:
                compared += 1
                a = re.sub(r"\s+", " ", mine[ref.key]).strip()
                b = oracle.get(ref.key, "(pandoc printed no entry)")
                if a != b:
                    found.append(Difference(set_name, style, ref.key, a, b))
    return compared, found


def classified() -> dict[tuple[str, str, str], dict]:
    path = ORACLE / "differences.json"
    rows = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    return {(row["set"], row["style"], row["key"]): row for row in rows}


def tally(pandoc: str) -> dict[str, object]:
    """Counts by class; a difference whose texts changed since it was classified is
    `unclassified` again."""
    compared, found = differences(pandoc)
    table = classified()
    counts = {name: 0 for name in (*CLASSES, "unclassified")}
    unclassified = []
    for diff in found:
        row = table.get((diff.set_name, diff.style, diff.key))
        if row and row["ours"] == diff.ours and row["pandoc"] == diff.pandoc:
            counts[row["class"]] += 1
        else:
            counts["unclassified"] += 1
            unclassified.append(diff)
    return {"compared": compared, "identical": compared - len(found),
            "different": len(found), "counts": counts, "unclassified": unclassified}


def pandoc_version(pandoc: str) -> str:
    out = subprocess.run([pandoc, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[1]
