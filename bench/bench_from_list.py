"""Benchmark: `refs import --from-list` against a local Crossref and PubMed
(tests/fake_crossref.py, tests/fake_pubmed.py).

    .venv/bin/python bench/bench_from_list.py            # both parts
    .venv/bin/python bench/bench_from_list.py --limit 300

(a) The article's twelve printed lines against a server holding the six articles'
    records and three decoys (the Pain Medicine twin of reference 6, the 5th-edition
    chapter of reference 8, the Spine Journal summary of reference 9): which lines get
    which DOI, and what `refs check --against` finds afterwards.
(b) The labelled set in bench/data/from_list/ (made once by make_from_list_set.py with
    pandoc's citeproc; no pandoc needed here): real Crossref records rendered in five
    styles (AMA, Vancouver, APA, Chicago author-date, Harvard Cite Them Right), with the
    DOI printed, without it, and with damage (dropped first author, misspelled first
    family name, year off by one, "et al." after the first author); and real recorded
    PubMed records (tests/fixtures/pubmed) rendered the same way without DOI or PMID.
    The Crossref server's search ranks its pool (the records plus their decoys: a
    preprint and a correction notice of each, a twin in another journal for some) by
    word overlap, as tests/fake_crossref.py does; the PubMed server holds every record of
    the recorded efetch answers and ranks a field-tagged esearch the same way. Each
    string is parsed and resolved as `refs import --from-list` does (resolve_line), and
    counted with PubMed and without (a line accepted only through PubMed's search).
    Precision = right identifiers / accepted (a PubMed row is right with its PMID or
    its DOI); recall = right / strings. The misses are printed by cause.
Targets (issue 16): precision >= 99.5%, recall >= 95% undamaged, >= 85% damaged.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
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
    from fake_pubmed import FakePubMed

    from cli import cli

    print("(a) the article's twelve lines; server: 6 records + 3 decoys; PubMed: the "
          "recorded PubMed pool (none of the twelve)")
    with FakeCrossref(rate=10_000) as server, tempfile.TemporaryDirectory() as tmp, \
            FakePubMed(rate=10_000) as pubmed:
        for name in sorted(PUBMED_POOL.glob("efetch_*.xml")):
            pubmed.add_file(name)
        for name in TWELVE:
            server.add_fixture(BUILT / f"{name}.json")
        runner = CliRunner()
        runner.invoke(cli, ["--root", tmp, "init"])
        started = time.perf_counter()
        result = runner.invoke(cli, ["--root", tmp, "import", "--from-list", str(LIST),
                                     "--crossref-url", server.url, "--mailto", "b@example.org",
                                     "--pubmed-url", pubmed.url,
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


PUBMED_POOL = ROOT / "tests" / "fixtures" / "pubmed"
SUBSETS = ("all", "undamaged", "damaged", "as rendered", "missing-doi", "dropped-author",
           "misspelled-name", "wrong-year", "et-al", "ama", "vancouver", "apa", "chicago",
           "harvard", "twinned", "not twinned", "undamaged, no twin", "damaged, no twin",
           "crossref records", "pubmed records", "pubmed, undamaged", "pubmed, damaged")


def pubmed_client(server):
    from reflib.registries.pubmed.gateway import PubMedClient

    return PubMedClient(server.url, email="bench@example.org", timeout=5,
                        limits=Limits(requests=10_000, interval=1.0, concurrency=8))


def right(result, row: dict) -> bool:
    """The accepted identifier is the labelled one (a PubMed row: its PMID, or its DOI)."""
    if row.get("registry") == "pubmed":
        return result.pmid == row["pmid"] or bool(
            row["doi"] and result.doi and doi_key(result.doi) == doi_key(row["doi"]))
    return bool(result.doi) and doi_key(result.doi) == doi_key(row["doi"])


def cause(result) -> str:
    """Why a line was not accepted, in a few words (the reason without its DOIs/numbers)."""
    reason = result.reason or result.status
    for pattern, said in (("does not clearly lead", "no clear lead over the runner-up"),
                          ("match equally well", "several candidates pass every guard"),
                          ("no candidate has the line's title", "no candidate has the "
                           "line's title as parsed"),
                          ("found nothing", "the registry found nothing"),
                          ("reads two ways", "the title reads two ways")):
        if pattern in reason:
            return f"{result.status}: {said}"
    failed = re.search(r"does not match \((\w+)", reason)
    if failed:
        return f"{result.status}: the top hit fails the {failed.group(1)} guard"
    return f"{result.status}: {reason[:60]}"


def labelled(limit: int | None, show_misses: int) -> None:
    from fake_pubmed import FakePubMed

    rows = [json.loads(line) for line in (DATA / "labelled.jsonl").open(encoding="utf-8")]
    if limit:
        rows = rows[:limit]
    with gzip.open(DATA / "pool.jsonl.gz", "rt", encoding="utf-8") as handle:
        pool = [json.loads(line) for line in handle]
    decoys = sum(1 for m in pool if m.get("decoy_of"))
    twinned = {m["decoy_of"] for m in pool if ".twin." in m["DOI"]}
    print(f"\n(b) labelled set: {len(rows)} strings in {len({r['style'] for r in rows})} styles;"
          f" Crossref pool {len(pool)} works ({decoys} decoys: preprints, correction notices, "
          f"{len(twinned)} twins in another journal)")
    outcome: dict[str, Counter] = defaultdict(Counter)
    wrong: list[tuple[dict, str]] = []
    misses: Counter = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    times: list[float] = []
    parse_times: list[float] = []
    with FakeCrossref(rate=10_000, concurrency=64) as server, \
            FakePubMed(rate=10_000) as pubmed_server:
        server.add_works(pool)
        for name in sorted(PUBMED_POOL.glob("efetch_*.xml")) + sorted(
                PUBMED_POOL.glob("baseline-*.xml.gz")):
            pubmed_server.add_file(name)
        print(f"  PubMed pool: {len(pubmed_server.articles)} real recorded records "
              f"(tests/fixtures/pubmed)")
        crossref, pubmed = client(server), pubmed_client(pubmed_server)
        try:
            for row in rows:
                started = time.perf_counter()
                parsed = parse_reference(row["text"])
                parse_times.append(time.perf_counter() - started)
                result = resolve_line(parsed, crossref, pubmed=pubmed)
                times.append(time.perf_counter() - started)
                _count(outcome, row, result, twinned, wrong, misses, examples)
        finally:
            crossref.close()
            pubmed.close()
    for with_pubmed in (False, True):
        how = ("Crossref, then PubMed for the lines Crossref does not settle" if with_pubmed
               else "Crossref alone")
        print(f"  {'WITH' if with_pubmed else 'WITHOUT'} PubMed search ({how}):")
        print(f"  {'subset':<20}{'strings':>8}{'accepted':>9}{'right':>7}{'precision':>10}"
              f"{'recall':>8}")
        suffix = "" if with_pubmed else " (no PubMed)"
        for name in SUBSETS:
            counts = outcome.get(name + suffix)
            if not counts:
                continue
            precision = counts["right"] / counts["accepted"] if counts["accepted"] else 1.0
            recall = counts["right"] / counts["strings"]
            print(f"  {name:<20}{counts['strings']:>8}{counts['accepted']:>9}"
                  f"{counts['right']:>7}{precision:>10.2%}{recall:>8.2%}")
    print("  not accepted (with PubMed), by cause:")
    for why, n in misses.most_common():
        print(f"    {n:>5}  {why}")
        for text in examples[why][:show_misses]:
            print(f"           e.g. {text[:110]}")
    for row, doi in wrong[:10]:
        print(f"  WRONG: {doi} for {row.get('pmid') or row['doi']} ({row['style']}, "
              f"{row['damage'] or 'clean'}): {row['text'][:90]}")
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"  time per line: median {statistics.median(times) * 1000:.1f} ms, p95 "
          f"{p95 * 1000:.1f} ms, mean {statistics.mean(times) * 1000:.1f} ms (parse alone: "
          f"median {statistics.median(parse_times) * 1000:.2f} ms); local servers, one line "
          "at a time")
    print("  targets: precision >= 99.5%, recall >= 95% undamaged, >= 85% damaged")


def _count(outcome, row, result, twinned, wrong, misses, examples) -> None:
    group = "undamaged" if row["damage"] in ("", "missing-doi") else "damaged"
    pubmed_row = row.get("registry") == "pubmed"
    twin = not pubmed_row and doi_key(row["doi"]) in twinned
    names = [group, row["damage"] or "as rendered", row["style"], "all",
             "pubmed records" if pubmed_row else "crossref records"]
    if pubmed_row:
        names.append(f"pubmed, {group}")
    else:
        names += ["twinned" if twin else "not twinned"] + ([f"{group}, no twin"] if not twin
                                                            else [])
    accepted = result.status == ACCEPTED
    is_right = accepted and right(result, row)
    by_pubmed = accepted and "PubMed search" in result.how  # Crossref alone would not have
    for name in names:
        for suffix, took in (("", accepted), (" (no PubMed)", accepted and not by_pubmed)):
            counts = outcome[name + suffix]
            counts["strings"] += 1
            if took:
                counts["accepted"] += 1
                counts["right"] += is_right
    if accepted and not is_right:
        wrong.append((row, result.doi or f"PMID {result.pmid}"))
    if not accepted:
        why = cause(result)
        misses[why] += 1
        examples[why].append(f"[{row['style']}, {row['damage'] or 'clean'}] {row['text']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N labelled strings")
    parser.add_argument("--skip-twelve", action="store_true")
    parser.add_argument("--misses", type=int, default=2, metavar="N",
                        help="print N example strings of each cause of a miss")
    args = parser.parse_args()
    if not args.skip_twelve:
        twelve()
    labelled(args.limit, args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
