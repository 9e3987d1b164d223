"""Benchmark: `refs import --from-list` against a local Crossref (tests/fake_crossref.py).

    .venv/bin/python bench/bench_from_list.py            # both parts
    .venv/bin/python bench/bench_from_list.py --limit 300

(a) The article's twelve printed lines against a server holding the six articles'
    records and three decoys (the Pain Medicine twin of reference 6, the 5th-edition
    chapter of reference 8, the Spine Journal summary of reference 9): which lines get
    which DOI, and what `refs check --against` finds afterwards.
(b) The labelled set in bench/data/from_list/ (made once by make_from_list_set.py with
    pandoc's citeproc; no pandoc needed here): real Crossref records rendered in four
    styles (AMA, Vancouver, APA, Chicago author-date), with the DOI printed, without
    it, and with damage (dropped first author, misspelled first family name, year off by
    one, "et al." after the first author). The server's search ranks its pool (the
    records plus their decoys: a preprint and a correction notice of each, a twin in
    another journal for some) by word overlap, as tests/fake_crossref.py does. Each
    string is parsed and resolved as `refs import --from-list` does (resolve_line).
    Acceptance precision = right DOIs / accepted; recall = right DOIs / strings.
Targets (issue 16): precision >= 99.5%, recall >= 95% undamaged, >= 85% damaged.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "from_list"
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_crossref import BUILT, FakeCrossref  # noqa: E402

from reflib.enrich.listmatch import ACCEPTED, resolve_line  # noqa: E402
from reflib.formats.reference_string import parse_reference  # noqa: E402
from reflib.library.model import doi_key  # noqa: E402
from reflib.registries.crossref.gateway import CrossrefClient  # noqa: E402
from reflib.registries.throttle import Limits  # noqa: E402

TWELVE = ["lee2021learn", "janapala2021efficacy", "manchikanti2023neck", "sayed2022lowback",
          "cohen2020lumbar", "hurley2022cervical", "hurley2021painmed-dual",
          "benzon-5th-edition-chapter", "built-nass-summary"]
LIST = ROOT / "tests" / "fixtures" / "checks" / "article-reference-list.txt"
# The print's known errors (../shared/reference-data/twelve-sources.md), to score the
# findings only: (reference, what, words a finding about it must hold).
KNOWN_ERRORS = [(2, '"lower" for "low" in the title', ['"lower"']),
                (7, '"et al." after a single author', ["et al"]),
                (8, '"Benson" for Benzon', ["Benson", "Benzon"])]


def client(server: FakeCrossref) -> CrossrefClient:
    return CrossrefClient(server.url, "bench@example.org", timeout=5,
                          limits=Limits(requests=10_000, interval=1.0, concurrency=8),
                          notice=lambda _: None)


def twelve() -> None:
    from click.testing import CliRunner

    from cli import cli

    print("(a) the article's twelve lines; server: 6 records + 3 decoys")
    with FakeCrossref(rate=10_000) as server, tempfile.TemporaryDirectory() as tmp:
        for name in TWELVE:
            server.add_fixture(BUILT / f"{name}.json")
        runner = CliRunner()
        runner.invoke(cli, ["--root", tmp, "init"])
        started = time.perf_counter()
        result = runner.invoke(cli, ["--root", tmp, "import", "--from-list", str(LIST),
                                     "--crossref-url", server.url, "--mailto", "b@example.org",
                                     "--format", "json"])
        took = time.perf_counter() - started
        lines = json.loads(result.stdout)["lines"]
        for line in lines:
            print(f"  {line['number']:>2}  {line['status']:<9}  {line['doi'] or '-':<28} "
                  f"{(line['reason'] or line['how'] or '')[:70]}")
        articles = sum(1 for line in lines[:6] if line["doi"])
        others = sum(1 for line in lines[6:] if line["doi"])
        print(f"  articles with their DOI: {articles}/6; other six given a DOI: {others}/6; "
              f"{took:.2f} s for the twelve ({server.count(200)} requests)")
        runner.invoke(cli, ["--root", tmp, "build"])
        check = runner.invoke(cli, ["--root", tmp, "check", "--offline", "--only", "against",
                                    "--against", str(LIST), "--format", "json"])
        every = json.loads(check.stdout)
        findings = [f for f in every if f["severity"] != "skipped"]
        unchecked = [f for f in every if f["severity"] == "skipped"]
        print(f"  refs check --against afterwards: {len(findings)} finding(s)")
        for finding in findings:
            print(f"    {finding['severity']}: {finding['message']}")
        numbers = sorted(f["data"]["number"] for f in unchecked)
        print(f"  could not be checked (built from the line): "
              f"{', '.join(map(str, numbers)) or 'none'}")
        for number, what, words in KNOWN_ERRORS:
            hit = [f for f in findings if f["data"].get("number") == number
                   and all(w in f["message"] for w in words)]
            said = [f for f in unchecked if f["data"].get("number") == number]
            state = ("found" if hit else "NOT found: reference "
                     f"{number} could not be checked ({said[0]['message'][:90]}...)" if said
                     else "NOT found")
            print(f"    known error of the print, reference {number} ({what}): {state}")


def labelled(limit: int | None) -> None:
    rows = [json.loads(line) for line in (DATA / "labelled.jsonl").open(encoding="utf-8")]
    if limit:
        rows = rows[:limit]
    with gzip.open(DATA / "pool.jsonl.gz", "rt", encoding="utf-8") as handle:
        pool = [json.loads(line) for line in handle]
    decoys = sum(1 for m in pool if m.get("decoy_of"))
    twinned = {m["decoy_of"] for m in pool if ".twin." in m["DOI"]}
    print(f"\n(b) labelled set: {len(rows)} strings of {len(pool) - decoys} records in 4 styles; "
          f"pool {len(pool)} works ({decoys} decoys: preprints, correction notices, "
          f"{len(twinned)} twins in another journal)")
    outcome: dict[str, Counter] = defaultdict(Counter)
    wrong: list[tuple[dict, str]] = []
    times: list[float] = []
    parse_times: list[float] = []
    with FakeCrossref(rate=10_000, concurrency=64) as server:
        server.add_works(pool)
        crossref = client(server)
        try:
            for row in rows:
                started = time.perf_counter()
                parsed = parse_reference(row["text"])
                parse_times.append(time.perf_counter() - started)
                result = resolve_line(parsed, crossref)
                times.append(time.perf_counter() - started)
                group = "undamaged" if row["damage"] in ("", "missing-doi") else "damaged"
                twin = doi_key(row["doi"]) in twinned
                for name in (group, row["damage"] or "as rendered", row["style"],
                             "twinned" if twin else "not twinned", "all",
                             f"{group}, no twin" if not twin else ""):
                    if not name:
                        continue
                    counts = outcome[name]
                    counts["strings"] += 1
                    if result.status == ACCEPTED:
                        counts["accepted"] += 1
                        if doi_key(result.doi) == doi_key(row["doi"]):
                            counts["right"] += 1
                        elif name == "all":
                            wrong.append((row, result.doi))
                    elif name == "all":
                        counts[result.status] += 1
        finally:
            crossref.close()
    print(f"  {'subset':<18}{'strings':>8}{'accepted':>9}{'right':>7}{'precision':>10}"
          f"{'recall':>8}")
    for name in ("all", "undamaged", "damaged", "as rendered", "missing-doi",
                 "dropped-author", "misspelled-name", "wrong-year", "et-al", "ama",
                 "vancouver", "apa", "chicago", "twinned", "not twinned",
                 "undamaged, no twin", "damaged, no twin"):
        counts = outcome.get(name)
        if not counts:
            continue
        precision = counts["right"] / counts["accepted"] if counts["accepted"] else 1.0
        recall = counts["right"] / counts["strings"]
        print(f"  {name:<18}{counts['strings']:>8}{counts['accepted']:>9}{counts['right']:>7}"
              f"{precision:>10.2%}{recall:>8.2%}")
    others = {k: v for k, v in outcome["all"].items() if k not in ("strings", "accepted",
                                                                   "right")}
    print(f"  not accepted, by status: {dict(sorted(others.items()))}")
    for row, doi in wrong[:10]:
        print(f"  WRONG: {doi} for {row['doi']} ({row['style']}, {row['damage'] or 'clean'}): "
              f"{row['text'][:90]}")
    print(f"  time per line: median {statistics.median(times) * 1000:.1f} ms, mean "
          f"{statistics.mean(times) * 1000:.1f} ms (parse alone: median "
          f"{statistics.median(parse_times) * 1000:.2f} ms), local server, one line at a time")
    print("  targets: precision >= 99.5%, recall >= 95% undamaged, >= 85% damaged")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N labelled strings")
    parser.add_argument("--skip-twelve", action="store_true")
    args = parser.parse_args()
    if not args.skip_twelve:
        twelve()
    labelled(args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
