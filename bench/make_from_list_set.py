"""Build the labelled set of bench_from_list.py once: real Crossref records rendered as
reference strings in several CSL styles by pandoc's citeproc, plus damaged copies, and a
pool of decoys for the local search server. Needs pypandoc-binary (`pip install
'reflib[bench]'`); the result is committed, so the bench itself needs no pandoc.

    python bench/make_from_list_set.py [--shared ../shared] [--out bench/data/from_list]

Records: every work with a title, a first author and a year in the recorded Crossref
answers of ../shared/corpora/crossref/ (single works and search lists), plus the built
records of the article's six articles (tests/fixtures/crossref-built). Decoys, built from
each record so that the hard cases exist for every one: its preprint (posted-content, same
title and authors, a year earlier; not for preprints), a correction notice ("Correction:
TITLE", same journal, same first author), and for every tenth record a twin in another
journal (same title, authors and year: a dual publication). The damage, applied to the
string and not to the record: a dropped first author, a misspelled first family name, the
year off by one, the DOI removed, "et al." after the first author. The seed is fixed;
running it again gives the same files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STYLES = {  # name -> CSL file (None: pandoc's built-in Chicago author-date)
    "ama": ROOT / "reflib/cite/styles/american-medical-association.csl",
    "vancouver": ROOT / "reflib/cite/styles/nlm-citation-sequence.csl",
    "apa": ROOT / "reflib/cite/styles/apa.csl",
    "chicago": None,
    # Cite Them Right 10th edition - Harvard, from citation-style-language/styles (CC BY-SA 3.0)
    "harvard": ROOT / "bench/data/from_list/harvard-cite-them-right.csl",
}
# PubMed's part: real recorded efetch answers (tests/fixtures/pubmed, see its SOURCES.md);
# the first PUBMED_WORKS journal articles with a title, a first author and a year are
# rendered; every record of these files is in the fake PubMed's pool.
PUBMED_FILES = ["baseline-pubmed19_176-records_retractions_medlinedate_updatein_fatcat.xml.gz",
                "efetch_pmid12091962+9997_two-records_season-date_biopython.xml",
                "efetch_pmid28731372_rct_title-sub-tag_pmc_metapub.xml",
                "efetch_pmid29963580_collectivename_mathml_biopython.xml",
                "efetch_pmid30108519_title-quote-i-markup_mathml-abstract_biopython.xml"]
PUBMED_WORKS = 30
CSL_TYPES = {"journal-article": "article-journal", "book-chapter": "chapter",
             "book": "book", "monograph": "book", "edited-book": "book",
             "proceedings-article": "paper-conference", "posted-content": "article",
             "reference-entry": "entry-encyclopedia", "dissertation": "thesis",
             "report": "report", "dataset": "dataset"}
SEED = 16


def records(shared: Path) -> list[dict[str, Any]]:
    """Real works with a title, a first author and a year, deduplicated by DOI."""
    found: dict[str, dict[str, Any]] = {}
    folders = [shared / "corpora/crossref/responses",
               shared / "corpora/crossref/commonmeta-fixtures"]
    paths = [p for f in folders for p in sorted(f.glob("*.json"))]
    paths += sorted((ROOT / "tests/fixtures/crossref-built").glob("*.json"))
    for path in paths:
        if path.name.startswith(("built-", "benzon-", "hurley2021", "sayed2022lowback-with",
                                 "transform_")):
            continue  # decoys, built test cases, and CSL-JSON (not a Crossref work)
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        message = data.get("message", data)
        items = message.get("items") if isinstance(message, dict) else None
        for item in items if isinstance(items, list) else [message]:
            if isinstance(item, dict) and _usable(item):
                item = {k: v for k, v in item.items() if k not in ("reference", "score")}
                found.setdefault(item["DOI"].lower(), item)
    return list(found.values())


def _usable(item: dict[str, Any]) -> bool:
    authors = [a for a in item.get("author") or [] if a.get("family")]
    return bool(item.get("DOI") and isinstance(item.get("title"), list) and authors
                and _year(item)
                and item.get("type") in CSL_TYPES and len(" ".join(item["title"]).split()) >= 3)


def _year(item: dict[str, Any]) -> int | None:
    for key in ("published-print", "issued", "published-online", "created"):
        parts = (item.get(key) or {}).get("date-parts") or [[None]]
        if parts[0] and parts[0][0]:
            return int(parts[0][0])
    return None


def to_csl(item: dict[str, Any], ident: str, with_doi: bool) -> dict[str, Any]:
    csl: dict[str, Any] = {"id": ident, "type": CSL_TYPES[item["type"]],
                           "title": re.sub(r"<[^>]+>", "", item["title"][0]),
                           "issued": {"date-parts": [[_year(item)]]}}
    csl["author"] = [{k: a[k] for k in ("family", "given") if a.get(k)}
                     for a in item.get("author") or [] if a.get("family") or a.get("name")]
    if item.get("editor"):
        csl["editor"] = [{k: a[k] for k in ("family", "given") if a.get(k)}
                         for a in item["editor"] if a.get("family")]
    containers = item.get("container-title") or []
    if containers:
        csl["container-title"] = containers[-1] if item["type"] == "book-chapter" else containers[0]
    short = item.get("short-container-title") or []
    if short:
        csl["container-title-short"] = short[0]
    for ours, theirs in (("volume", "volume"), ("issue", "issue"), ("page", "page"),
                         ("publisher", "publisher")):
        if item.get(theirs):
            csl[ours] = str(item[theirs])
    if with_doi:
        csl["DOI"] = item["DOI"]
    return csl


def render(items: list[dict[str, Any]], style: Path | None) -> list[str]:
    """Each CSL item as one plain-text reference string, in the items' order."""
    import pypandoc

    doc = "---\nnocite: '@*'\n---\n"
    args = ["--citeproc", "--wrap=none", "--metadata=link-citations:false"]
    if style is not None:
        args.append(f"--csl={style}")
    tmp = ROOT / "build" / "from_list_items.json"
    tmp.parent.mkdir(exist_ok=True)
    tmp.write_text(json.dumps(items), encoding="utf-8")
    out = pypandoc.convert_text(doc, "plain", format="markdown",
                                extra_args=[*args, f"--bibliography={tmp}"])
    entries = [" ".join(e.split()) for e in re.split(r"\n\s*\n", out) if e.strip()]
    numbered = style is not None and not any(n in str(style) for n in ("apa", "harvard"))
    return [re.sub(r"^\[?\d+\]?\.?\s+", "", e) if numbered else e for e in entries]


def rendered(items: list[tuple[str, dict[str, Any]]], style: Path | None) -> dict[str, str]:
    """id -> string; rendered one at a time, since a sorted style reorders a list."""
    csl = [to for _, to in items]
    texts = {}
    for chunk in range(0, len(csl), 40):
        part = csl[chunk:chunk + 40]
        strings = render(part, style)
        if len(strings) != len(part):
            for item in part:  # unequal count: fall back to one by one
                texts[item["id"]] = render([item], style)[0]
            continue
        order = _order(part, strings)
        texts.update(order)
    return texts


def _order(part: list[dict[str, Any]], strings: list[str]) -> dict[str, str]:
    """Match rendered strings to items by title words (author-date styles sort)."""
    result = {}
    remaining = list(strings)
    for item in part:
        people = " ".join(a.get("family", "") for a in item.get("author", [])[:2])
        year = item["issued"]["date-parts"][0][0]
        words = set(re.findall(r"\w+", f"{item['title']} {people} {year} "
                                       f"{item.get('container-title', '')} "
                                       f"{item.get('DOI', '')}".lower()))
        best = max(remaining, key=lambda s: len(words & set(re.findall(r"\w+", s.lower()))))
        result[item["id"]] = best
        remaining.remove(best)
    return result


def pubmed_works() -> list[tuple[dict[str, str], dict[str, Any]]]:
    """(label, CSL item) of the first PUBMED_WORKS usable journal articles in PUBMED_FILES;
    the label holds the PMID and the DOI PubMed gives ('' when none)."""
    sys.path.insert(0, str(ROOT))
    from reflib.registries.pubmed.record import parse_articles

    folder = ROOT / "tests/fixtures/pubmed"
    found = []
    for name in PUBMED_FILES:
        data = (folder / name).read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        for pmid, record in parse_articles(data).items():
            people = [{"family": a.family, "given": a.given or a.initials}
                      for a in record.authors if a.family]
            title = record.title.rstrip(".")
            if (record.kind != "article" or not people or not record.year.isdigit()
                    or len(title.split()) < 3 or title.startswith("[")):
                continue
            csl: dict[str, Any] = {"id": f"p{pmid}", "type": "article-journal", "title": title,
                                   "author": people,
                                   "issued": {"date-parts": [[int(record.year)]]},
                                   "container-title": record.journal}
            if record.medline_ta:
                csl["container-title-short"] = record.medline_ta
            for ours, theirs in (("volume", record.volume), ("issue", record.issue),
                                 ("page", record.pages)):
                if theirs:
                    csl[ours] = theirs
            found.append(({"pmid": pmid, "doi": record.doi}, csl))
            if len(found) == PUBMED_WORKS:
                return found
    return found


def decoys(work: dict[str, Any], n: int) -> list[dict[str, Any]]:
    year = _year(work) or 2000
    title = work["title"][0]
    base = work["DOI"].lower()
    made = [] if work.get("type") == "posted-content" else [
        {"DOI": f"10.5555/decoy.preprint.{n}", "type": "posted-content", "title": [title],
         "author": work.get("author"), "institution": [{"name": "Research Square"}],
         "issued": {"date-parts": [[year - 1]]}, "decoy_of": base}]
    made.append({"DOI": f"10.5555/decoy.correction.{n}", "type": "journal-article",
                 "title": [f"Correction: {title}"], "author": (work.get("author") or [])[:1],
                 "container-title": work.get("container-title") or [],
                 "issued": {"date-parts": [[year + 1]]}, "decoy_of": base})
    if n % 10 == 0 and work.get("type") == "journal-article":
        made.append({**{k: v for k, v in work.items() if k not in ("DOI", "container-title",
                                                                    "short-container-title")},
                     "DOI": f"10.5555/decoy.twin.{n}", "container-title": ["Twin Journal"],
                     "decoy_of": base})
    return made


def damaged(csl: dict[str, Any], rng: random.Random) -> dict[str, dict[str, Any]]:
    """The CSL item (without DOI) changed by one kind of damage each; kinds that cannot
    apply (a single author, a short name) are left out. "et-al" keeps the first author
    only; `add_et_al` writes the "et al." into the rendered string."""
    out = {}
    authors = csl.get("author") or []
    year = csl["issued"]["date-parts"][0][0]
    if len(authors) > 1:
        out["dropped-author"] = {**csl, "author": authors[1:]}
    first = authors[0].get("family", "") if authors else ""
    # two neighbouring letters swapped (never a space or a full stop: "Newell P. Campbell"
    # is a whole name in Crossref's family, and a typist swaps letters)
    places = [i for i in range(1, len(first) - 1) if first[i:i + 2].isalpha()
              and first[i] != first[i + 1]]
    if len(first) >= 4 and places:
        i = rng.choice(places)
        swapped = first[:i] + first[i + 1] + first[i] + first[i + 2:]
        if swapped != first:
            out["misspelled-name"] = {**csl, "author": [{**authors[0], "family": swapped},
                                                        *authors[1:]]}
    out["wrong-year"] = {**csl, "issued": {"date-parts": [[year + rng.choice((-1, 1))]]}}
    if len(authors) > 2:
        out["et-al"] = {**csl, "author": authors[:1]}
    return out


def add_et_al(text: str, style: str, year: int) -> str | None:
    """A one-author rendering with "et al." after the name, as each style prints it."""
    if style in ("ama", "vancouver"):
        cut = text.find(". ")
        return text[:cut] + ", et al" + text[cut:] if cut > 0 else None
    marker = f" ({year}" if style in ("apa", "harvard") else f". {year}"
    cut = text.find(marker)
    if cut <= 0:
        return None
    if style in ("apa", "harvard"):
        return text[:cut] + ", et al." + text[cut:]
    return text[:cut].rstrip(".") + ", et al" + text[cut:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/data/from_list")
    args = parser.parse_args()
    rng = random.Random(SEED)
    works = records(args.shared)
    items = [(w["DOI"], to_csl(w, f"w{i}", with_doi=True)) for i, w in enumerate(works)]
    plain = [(w["DOI"], to_csl(w, f"w{i}n", with_doi=False)) for i, w in enumerate(works)]
    labelled = []
    variants: list[tuple[dict[str, str], str, dict[str, Any]]] = []  # (label, damage, csl)
    for (doi, csl), (_, bare) in zip(items, plain, strict=True):
        variants.append(({"doi": doi}, "", csl))
        variants.append(({"doi": doi}, "missing-doi", bare))
        for kind, item in damaged(bare, rng).items():
            variants.append(({"doi": doi}, kind, {**item, "id": f"{bare['id']}-{kind}"}))
    for label, bare in pubmed_works():  # printed without DOI or PMID: found by search
        label = {**label, "registry": "pubmed"}
        variants.append((label, "missing-doi", bare))
        for kind, item in damaged(bare, rng).items():
            variants.append((label, kind, {**item, "id": f"{bare['id']}-{kind}"}))
    for style, path in STYLES.items():
        texts: dict[str, str] = {}
        for kind in ("", "missing-doi", "dropped-author", "misspelled-name", "wrong-year",
                     "et-al"):  # one kind at a time: titles are unique within a kind
            texts.update(rendered([(label["doi"], csl) for label, k, csl in variants
                                   if k == kind], path))
        seen: set[str] = set()
        for label, kind, csl in variants:
            text = texts[csl["id"]]
            if kind == "et-al":
                text = add_et_al(text, style, csl["issued"]["date-parts"][0][0])
            if text and text not in seen:
                seen.add(text)
                labelled.append({"text": text, **label, "style": style, "damage": kind})
    pool = [{k: v for k, v in w.items()} for w in works]
    for n, work in enumerate(works):
        pool.extend(decoys(work, n))
    args.out.mkdir(parents=True, exist_ok=True)
    _write_jsonl(args.out / "labelled.jsonl", labelled)
    with gzip.open(args.out / "pool.jsonl.gz", "wt", encoding="utf-8") as f:
        for message in pool:
            f.write(json.dumps(message, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(works)} records, {len(pool) - len(works)} decoys, {len(labelled)} strings "
          f"-> {args.out}", file=sys.stderr)
    return 0


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
