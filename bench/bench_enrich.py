"""Benchmark: Crossref enrichment against the local fake Crossref, set like the polite pool.

    .venv/bin/python bench/bench_enrich.py            # 1,000 DOIs; naive on 100
    .venv/bin/python bench/bench_enrich.py --dois 200 --naive 20

The fake server (tests/fake_crossref.py) allows 10 requests/s and 5 at a time, answers
each request after 200 ms, and answers 429 beyond its limits. Measured:

1. the naive way: one habanero `works(ids=DOI)` call per DOI, one after another;
2. the gateway: `CrossrefClient.fetch_works` (batches of 50, threads within the limits);
3. `enrich_sources` end to end on a library of one refs/KEY.bib per DOI: fetch, map,
   merge, write refs/KEY.bib and refs/KEY.crossref.json atomically.

Between phases the server's one-second window is left to empty, as between two runs.

Each work is a real recorded Crossref record (PLOS ONE, with its 70 references) under a
new DOI, so answers weigh what Crossref's do.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fake_crossref import RECORDED, FakeCrossref, load_message  # noqa: E402

MAILTO = "bench@example.org"
TEMPLATE = RECORDED / "works_10.1371_journal.pone.0033693.json"


def works(count: int, prefix: str) -> list[dict]:
    base = load_message(TEMPLATE)
    out = []
    for i in range(count):
        message = copy.deepcopy(base)
        message["DOI"] = f"10.5555/{prefix}.{i:05d}"
        message["title"] = [f"{base['title'][0]} ({prefix} {i})"]
        out.append(message)
    return out


def naive(server: FakeCrossref, dois: list[str]) -> float:
    from habanero import Crossref

    crossref = Crossref(base_url=server.url, mailto=MAILTO)
    started = time.perf_counter()
    for doi in dois:
        crossref.works(ids=doi)
    return time.perf_counter() - started


def gateway(server: FakeCrossref, dois: list[str]) -> tuple[float, object]:
    from reflib.registries.crossref.gateway import CrossrefClient

    with CrossrefClient(base_url=server.url, mailto=MAILTO) as client:
        started = time.perf_counter()
        results = client.fetch_works(dois)
        elapsed = time.perf_counter() - started
        assert all(r.ok for r in results.values()), "some DOIs failed"
        return elapsed, client.stats


def library_run(server: FakeCrossref, dois: list[str]) -> tuple[float, object]:
    from reflib.enrich.writeback import enrich_sources
    from reflib.library.layout import Layout
    from reflib.registries.crossref.gateway import CrossrefClient

    with tempfile.TemporaryDirectory() as folder:
        refs = Path(folder) / "refs"
        refs.mkdir()
        for i, doi in enumerate(dois):
            key = f"bench{i:05d}"
            (refs / f"{key}.bib").write_text(
                f"@article{{{key},\n  author = {{Sadasivan, Shankar}},\n"
                f"  title = {{Methylphenidate exposure}},\n  journal = {{PLoS ONE}},\n"
                f"  year = {{2012}},\n  doi = {{{doi}}},\n}}\n", encoding="utf-8")
        started = time.perf_counter()
        report = enrich_sources(Layout(Path(folder)), crossref=lambda: CrossrefClient(
            base_url=server.url, mailto=MAILTO))
        elapsed = time.perf_counter() - started
        assert report.exit_code == 0 and report.count("enriched") == len(dois)
        return elapsed, report


def drain(server: FakeCrossref) -> None:
    """Let the server's rate window empty: each phase starts as a fresh run would."""
    time.sleep(server.limits.interval + 0.1)
    server.reset_log()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dois", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=100)
    parser.add_argument("--rate", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()

    with FakeCrossref(rate=args.rate, concurrency=args.concurrency,
                      latency=args.latency) as server:
        naive_dois = [w["DOI"] for w in works(args.naive, "naive")]
        server.add_works(works(args.naive, "naive"))
        batch = works(args.dois, "bench")
        server.add_works(batch)
        library = works(args.dois, "lib")
        server.add_works(library)
        size = len(json.dumps(batch[0]))
        print(f"fake Crossref: {args.rate} requests/s, {args.concurrency} at a time, "
              f"{args.latency * 1000:.0f} ms per answer; works of {size / 1024:.0f} KB")

        server.reset_log()
        naive_time = naive(server, naive_dois)
        naive_429 = server.count(429)
        naive_requests = len(server.requests)
        print(f"naive habanero, one call per DOI: {args.naive} DOIs in {naive_time:.2f} s "
              f"({naive_requests} requests, {naive_429} x 429), "
              f"{naive_time / args.naive * 1000:.0f} ms per DOI")

        drain(server)
        ours, stats = gateway(server, [w["DOI"] for w in batch])
        ours_429 = server.count(429)
        print(f"gateway fetch_works: {args.dois} DOIs in {ours:.2f} s "
              f"({len(server.requests)} requests, {server.count(429)} x 429, "
              f"{server.peak_concurrency} at most at a time), "
              f"{ours / args.dois * 1000:.1f} ms per DOI")

        drain(server)
        whole, report = library_run(server, [w["DOI"] for w in library])
        print(f"refs enrich end to end (fetch, map, merge, write {2 * args.dois} files): "
              f"{args.dois} sources in {whole:.2f} s ({len(server.requests)} requests, "
              f"{server.count(429)} x 429)")

        per_naive, per_ours = naive_time / args.naive, ours / args.dois
        print(f"ratio: the gateway is {per_naive / per_ours:.0f} times faster per DOI than "
              f"the naive way (naive for {args.dois} DOIs: about "
              f"{per_naive * args.dois:.0f} s)")
        target = "met" if ours < 5 and ours_429 == 0 else "MISSED"
        print(f"target (< 5 s for {args.dois} DOIs, zero 429): {target} by the gateway; "
              f"end to end {whole:.2f} s")


if __name__ == "__main__":
    main()
