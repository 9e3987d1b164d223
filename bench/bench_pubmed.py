"""Benchmark: PubMed beside Crossref, against the local fakes, 200 ms per answer.

    .venv/bin/python bench/bench_pubmed.py             # the twelve; 100 PMIDs; naive on 20
    .venv/bin/python bench/bench_pubmed.py --pmids 300 --naive 10

1. `refs enrich --registry crossref --registry pubmed` of the twelve (a copy of refs/,
   no kept records): requests to each registry (target: at most 2 to PubMed and 1 to
   Crossref for the six DOIs), answers over the limit (target 0), time.
2. The same command again: everything is kept, so PubMed is asked only about the DOI it
   does not index (reference 2).
3. `refs add --from FILE` of N PMIDs into an empty library: time and requests (batched),
   and the named reference measured in the same run: the naive way, one efetch per PMID
   one after another within NCBI's 3 a second, on a subset.

The fake PubMed (tests/fake_pubmed.py) enforces NCBI's keyless limit, 3 requests a
second, with 429 and NCBI's JSON body beyond it; the fake Crossref allows 10 a second,
5 at a time (the polite pool). Both answer each request after the latency. Between
phases the servers' windows are left to empty, as between two runs. The commands run in
this process (click's CliRunner) with their imports warmed (start-up is bench_build.py's
figure). The twelve's records are the built fixtures (tests/fixtures/crossref-built,
pubmed-built); the N PMIDs are a real recorded PubMed record (PMID 32887691, 85
authors, with its MeSH) under invented PMIDs 90000001.. and DOIs 10.5555/bench.N, each
with a Crossref work.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fake_crossref import BUILT, FakeCrossref, work_message  # noqa: E402
from fake_pubmed import PUBMED, PUBMED_BUILT, FakePubMed, read_text  # noqa: E402

MAILTO = "bench@example.org"
DOI_SOURCES = ("lee2021learn", "janapala2021efficacy", "manchikanti2023neck",
               "sayed2022lowback", "cohen2020lumbar", "hurley2022cervical")
TEMPLATE = PUBMED / "efetch_pmid32887691_practice-guideline_updatein_erratumin_pubmed-client.xml"


def cli(root: Path, *args: str, crossref: FakeCrossref, pubmed: FakePubMed):
    from click.testing import CliRunner

    from cli import cli as refs

    return CliRunner().invoke(refs, [
        "--root", str(root), *args, "--registry", "crossref", "--registry", "pubmed",
        "--crossref-url", crossref.url, "--pubmed-url", pubmed.url,
        "--idconv-url", pubmed.idconv_url, "--mailto", MAILTO], catch_exceptions=False)


def counts(crossref: FakeCrossref, pubmed: FakePubMed) -> str:
    endpoints = {e: pubmed.count(endpoint=e) for e in ("esearch", "efetch", "idconv")}
    made = ", ".join(f"{n} {e}" for e, n in endpoints.items() if n)
    return (f"Crossref {len(crossref.requests)} request(s) ({crossref.count(429)} x 429); "
            f"PubMed {len(pubmed.requests)} ({made or 'none'}; {pubmed.count(429)} x 429)")


def drain(*servers) -> None:
    time.sleep(1.1)
    for server in servers:
        server.reset_log()


def bench_records(count: int) -> tuple[str, list[str], list[dict]]:
    """N copies of a real record under new PMIDs and DOIs, and their Crossref works."""
    record = re.search(r"<PubmedArticle>.*?</PubmedArticle>", read_text(TEMPLATE), re.S)
    assert record is not None
    body, pmids, works = [], [], []
    for i in range(count):
        pmid, doi = str(90000001 + i), f"10.5555/bench.{i:05d}"
        text = record.group(0).replace("32887691", pmid).replace("10.1136/bmj.m3379", doi)
        body.append(text)
        pmids.append(pmid)
        works.append(work_message(doi, f"A living WHO guideline on drugs for covid-19 ({i})"))
    return "<PubmedArticleSet>" + "".join(body) + "</PubmedArticleSet>", pmids, works


def naive_efetch(pubmed: FakePubMed, pmids: list[str]) -> float:
    """One efetch per PMID, one after another, at NCBI's 3 a second (no batching)."""
    import httpx2

    started = time.perf_counter()
    last = 0.0
    with httpx2.Client(timeout=20) as http:
        for pmid in pmids:
            wait = last + 1 / 3 - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            last = time.perf_counter()
            http.get(f"{pubmed.url}/efetch.fcgi", params={"db": "pubmed", "id": pmid,
                                                           "retmode": "xml"})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pmids", type=int, default=100)
    parser.add_argument("--naive", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    os.environ.pop("NCBI_API_KEY", None)
    os.environ["REFS_REGISTRIES"] = "crossref,pubmed"
    for name in ("cli", "habanero", "httpx2"):  # warmed: start-up is bench_build.py's figure
        importlib.import_module(name)

    with FakeCrossref(rate=10, concurrency=5, latency=args.latency) as crossref, \
            FakePubMed(rate=3, latency=args.latency) as pubmed:
        for key in DOI_SOURCES:
            crossref.add_fixture(BUILT / f"{key}.json")
        for path in PUBMED_BUILT.glob("efetch_pmid*.xml"):
            pubmed.add_file(path)
        xml, pmids, works = bench_records(args.pmids)
        pubmed.add_xml(xml)
        crossref.add_works(works)
        print(f"fake Crossref 10 requests/s, 5 at a time; fake PubMed 3 requests/s (no "
              f"API key); {args.latency * 1000:.0f} ms per answer")

        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            shutil.copytree(ROOT / "refs", root / "refs",
                            ignore=shutil.ignore_patterns("*.crossref.json", "*.pubmed.json"))
            started = time.perf_counter()
            result = cli(root, "enrich", crossref=crossref, pubmed=pubmed)
            elapsed = time.perf_counter() - started
            assert result.exit_code == 0, result.output
            crossref_n, pubmed_n = len(crossref.requests), len(pubmed.requests)
            over = crossref.count(429) + pubmed.count(429)
            print(f"1. refs enrich of the twelve, both registries: {elapsed:.2f} s; "
                  f"{counts(crossref, pubmed)}")
            met = crossref_n <= 1 and pubmed_n <= 2 and over == 0
            print(f"   target (<= 1 to Crossref, <= 2 to PubMed, 0 over the limit): "
                  f"{'met' if met else 'MISSED'}")
            kept = sorted(p.name for p in (root / "refs").glob("*.pubmed.json"))
            print(f"   kept: {len(kept)} refs/*.pubmed.json, "
                  f"{len(list((root / 'refs').glob('*.crossref.json')))} refs/*.crossref.json")
            drain(crossref, pubmed)
            started = time.perf_counter()
            result = cli(root, "enrich", crossref=crossref, pubmed=pubmed)
            elapsed = time.perf_counter() - started
            print(f"2. again, records kept: {elapsed:.2f} s; {counts(crossref, pubmed)}")

        drain(crossref, pubmed)
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "refs").mkdir()
            listing = root / "pmids.txt"
            listing.write_text("\n".join(pmids) + "\n", encoding="utf-8")
            started = time.perf_counter()
            result = cli(root, "add", "--from", str(listing), crossref=crossref,
                         pubmed=pubmed)
            elapsed = time.perf_counter() - started
            assert result.exit_code == 0, result.output
            added = len(list((root / "refs").glob("*.bib")))
            print(f"3. refs add --from of {args.pmids} PMIDs: {added} sources in "
                  f"{elapsed:.2f} s; {counts(crossref, pubmed)}")
        drain(crossref, pubmed)
        naive = naive_efetch(pubmed, pmids[: args.naive])
        per = naive / args.naive
        print(f"   reference, naive one efetch per PMID at 3/s: {args.naive} PMIDs in "
              f"{naive:.2f} s ({per * 1000:.0f} ms each; {args.pmids} would take about "
              f"{per * args.pmids:.0f} s, PubMed fetch only); {pubmed.count(429)} x 429")


if __name__ == "__main__":
    main()
