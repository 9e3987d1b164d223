"""The duplicates check: the same work twice in the library, found in linear time.

Comparing every pair costs n²/2 comparisons (6.6 million for TUGboat's 3,644 sources).
Instead each source gets a few blocking keys, and only sources that share one are
compared:

    doi       the DOI in normal form (the same DOI twice is an error)
    pmid      the PubMed ID
    title     the first four significant title words; the three rarest (in this
              library), and every two of them (a misspelt word leaves a pair in common;
              a pair of common words that would block hundreds is left out)
    locator   first author + year + volume + first page (the same article, retitled)

Candidates are then compared precisely: the titles must say the same thing
(`textmatch.near_identical`, or a rapidfuzz token-sort ratio of at least 92), and
nothing may contradict it: years more than one apart, different first authors, or,
in the same journal, another volume, issue or first page (a recurring column such as
"Editorial comments" is a new work in every issue). Candidates joined by accepted
pairs form groups, and each group is one finding, with the evidence.

Sources the user has marked as distinct works are not reported again: each line of
refs/distinct.txt names keys (separated by spaces or commas) that are different works.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reflib.library.findings import Finding
from reflib.library.latex import strip_delimiters
from reflib.library.model import Reference, doi_key, is_valid_doi, parse_names
from reflib.library.textmatch import STOPWORDS, fold, near_identical
from reflib.progress import Advance, progress

DUPLICATES = "duplicates"
DISTINCT_FILE = "distinct.txt"
TITLE_RATIO = 92.0  # rapidfuzz token_sort_ratio, 0..100
_BLOCK_LIMIT = 50  # a title block larger than this is compared within years
_PAIR_LIMIT = 200  # a block of two common title words larger than this is left out
BAR_FROM = 20_000  # sources: fewer are compared within a second or two
_FIRST_PAGE = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


@dataclass(frozen=True)
class _Facts:
    """What the comparison needs of one source, computed once."""

    position: int
    key: str
    doi: str
    pmid: str
    title: str  # folded
    words: tuple[str, ...]  # significant title words
    author: str  # folded family name of the first author (or editor)
    year: int | None
    container: str  # folded journal or book title
    volume: str
    number: str
    page: str  # first page
    numbers: tuple[str, ...]  # the numbers in the title


def _facts(position: int, ref: Reference) -> _Facts:
    title = fold(ref.title)
    match = _FIRST_PAGE.search(_plain(ref, "pages"))
    return _Facts(position, ref.key, doi_key(ref.doi) if ref.doi and is_valid_doi(ref.doi)
                  else "", _plain(ref, "pmid"), title,
                  tuple(w for w in title.split() if w not in STOPWORDS), _first_family(ref),
                  ref.year, fold(ref.container), fold(_plain(ref, "volume")),
                  fold(_plain(ref, "number")), match.group(0).lower() if match else "",
                  tuple(_NUMBER.findall(title)))


def _plain(ref: Reference, name: str) -> str:
    """A short field (volume, pages, PMID) without LaTeX conversion: braces off."""
    raw = ref.fields.get(name)
    return strip_delimiters(raw).replace("{", "").replace("}", "").strip() if raw else ""


def _first_family(ref: Reference) -> str:
    """The first author's (or editor's) family name, folded; only that name is parsed
    (a list of 30 authors costs 30 times as much, and blocking needs one)."""
    name = "author" if ref.fields.get("author") else "editor"
    raw = ref.fields.get(name)
    if not raw:
        return ""
    if name not in ref.__dict__ and "{" not in strip_delimiters(raw):
        first = _AND.split(strip_delimiters(raw).strip(), 1)[0]
        people = parse_names("{" + first + "}")
    else:
        people = ref.authors if name == "author" else ref.editors
    return fold(people[0].family or people[0].literal) if people else ""


def _title_keys(words: tuple[str, ...], frequency: dict[str, int]) -> set[str]:
    """The first four significant words (a title without its subtitle shares them), and
    every two of the title's three rarest words (one misspelt word still leaves a pair
    in common; a templated title's rarest word is its own)."""
    keys = {"h:" + " ".join(words[:4])} if len(words) >= 4 else set()
    rarest = sorted(sorted(set(words), key=lambda w: (frequency[w], w))[:3])
    keys.add("w:" + " ".join(rarest))
    if len(rarest) == 3:
        keys.update(f"p:{x} {y}" for i, x in enumerate(rarest) for y in rarest[i + 1:])
    return keys


def read_distinct(text: str) -> set[frozenset[str]]:
    """Pairs of keys marked as distinct works: every two keys of one line.

    >>> sorted(map(sorted, read_distinct("a b, c  # same title, three works")))
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    pairs: set[frozenset[str]] = set()
    for line in text.splitlines():
        keys = [k for k in re.split(r"[\s,]+", line.split("#", 1)[0]) if k]
        pairs.update(frozenset((a, b)) for i, a in enumerate(keys) for b in keys[i + 1:])
    return pairs


def distinct_pairs(refs_dir: Path) -> set[frozenset[str]]:
    path = refs_dir / DISTINCT_FILE
    return read_distinct(path.read_text(encoding="utf-8")) if path.is_file() else set()


def _candidates(facts: list[_Facts], advance: Advance | None = None,
                ) -> Iterable[tuple[_Facts, _Facts, str]]:
    """Pairs that share a blocking key, each once, with the key's kind; `advance` is told
    len(facts) steps in all as the blocks are gone through."""
    blocks: dict[tuple[str, str], list[_Facts]] = defaultdict(list)
    frequency: dict[str, int] = defaultdict(int)
    for f in facts:
        for word in set(f.words):
            frequency[word] += 1
    for f in facts:
        if f.doi:
            blocks[("doi", f.doi)].append(f)
        if f.pmid:
            blocks[("pmid", f.pmid)].append(f)
        for key in _title_keys(f.words, frequency):
            blocks[("title", key)].append(f)
        if f.author and f.year and f.volume and f.page:
            blocks[("locator", f"{f.author}|{f.year}|{f.volume}|{f.page}")].append(f)
    seen: set[tuple[int, int]] = set()
    told, every = 0, max(1, len(blocks) // 100)
    for n, ((kind, key), members) in enumerate(blocks.items(), start=1):
        if advance and (n % every == 0 or n == len(blocks)):
            step = len(facts) * n // len(blocks)
            advance(step - told)
            told = step
        if key.startswith("p:") and len(members) > _PAIR_LIMIT:
            continue  # two common words: these sources meet through their other keys
        for group in _split(members) if kind == "title" else (members,):
            for i, a in enumerate(group):
                for b in group[i + 1:]:
                    pair = (a.position, b.position) if a.position < b.position else (
                        b.position, a.position)
                    if pair not in seen:
                        seen.add(pair)
                        yield (a, b, kind) if a.position < b.position else (b, a, kind)


def _split(members: list[_Facts]) -> list[list[_Facts]]:
    """A common title key ("Editorial comments", or words every title of a narrow or
    generated library has) is compared only between sources of one first author, and
    when those are still many, only within a year or the next: another author or years
    further apart contradict a duplicate anyway."""
    if len(members) <= _BLOCK_LIMIT:
        return [members]
    by_author: dict[str, list[_Facts]] = defaultdict(list)
    for f in members:
        by_author[f.author].append(f)
    groups = []
    for same in by_author.values():
        if len(same) <= _BLOCK_LIMIT:
            groups.append(same)
            continue
        by_year: dict[int | None, list[_Facts]] = defaultdict(list)
        for f in same:
            by_year[f.year].append(f)
        undated = by_year.pop(None, [])
        groups += [by_year[y] + by_year.get(y + 1, []) + undated for y in sorted(by_year)]
        groups += [undated] if not by_year else []
    return [g for g in groups if len(g) > 1]


def _same_title(a: _Facts, b: _Facts) -> float:
    """The titles' similarity 0..100 when they say the same thing, else 0."""
    from rapidfuzz import fuzz

    if not a.title or not b.title:
        return 0.0
    if a.title == b.title:
        return 100.0
    if not _same_numbers(a, b):
        return 0.0  # "TUG 2002 announcement" is not "TUG 2003 announcement"
    ratio = fuzz.token_sort_ratio(a.title, b.title)
    if ratio >= TITLE_RATIO:
        return ratio
    # near_identical also accepts a missing subtitle; it is slow, so only for titles
    # whose words mostly overlap
    if fuzz.token_set_ratio(a.title, b.title) >= 80 and near_identical(a.title, b.title):
        return TITLE_RATIO
    return 0.0


def _same_numbers(a: _Facts, b: _Facts) -> bool:
    """The titles' numbers agree, or one title has lost its end (and its numbers)."""
    shorter, longer = sorted((a.numbers, b.numbers), key=len)
    return longer[:len(shorter)] == shorter


def _fuzz():
    from rapidfuzz import fuzz

    return fuzz


def _alike(a: _Facts, b: _Facts) -> bool:
    """Same author, year, volume and first page, but not the same title: one work only
    when one title holds the other's words (a lost subtitle), or most of them; short
    items often share a page, so a one-word title is not enough."""
    from rapidfuzz import fuzz

    if not (a.title and b.title) or not _same_numbers(a, b):
        return False
    if min(len(a.words), len(b.words)) >= 2 and fuzz.token_set_ratio(a.title, b.title) >= 95:
        return True
    return fuzz.token_sort_ratio(a.title, b.title) >= 80


def _contradiction(a: _Facts, b: _Facts) -> str:
    """Why two sources with the same title are different works, or ''."""
    if a.year and b.year and abs(a.year - b.year) > 1:
        return "years"
    if (a.author and b.author and a.author != b.author
            and _fuzz().ratio(a.author, b.author) < 80):
        return "authors"
    if a.container and b.container and a.container == b.container:
        for name in ("volume", "number", "page"):
            x, y = getattr(a, name), getattr(b, name)
            if x and y and x != y:
                return name
    if a.doi and b.doi and a.doi != b.doi and a.container == b.container and a.container:
        return "doi"
    return ""


def _evidence(a: _Facts, b: _Facts, kind: str, similarity: float) -> list[str]:
    said = []
    if kind == "doi":
        return [f"same DOI {a.doi}"]
    if kind == "pmid":
        said.append(f"same PMID {a.pmid}")
    if similarity:
        said.append("same title" if similarity >= 100 else
                    f"title similarity {similarity / 100:.2f}")
    if a.author and a.author == b.author:
        said.append("same first author" + (" and year" if a.year and a.year == b.year else ""))
    elif a.year and a.year == b.year:
        said.append("same year")
    if kind == "locator":
        said.append("same volume and first page")
    return said


def _accept(a: _Facts, b: _Facts, kind: str) -> list[str] | None:
    """The evidence that `a` and `b` are one work, or None."""
    if kind == "doi":
        return _evidence(a, b, kind, 0)
    if _contradiction(a, b):  # cheap: first
        return None
    similarity = _same_title(a, b)
    if kind == "title" and not similarity:
        return None
    if kind == "locator" and not similarity and not _alike(a, b):
        return None
    return _evidence(a, b, kind, similarity)


def duplicate_findings(refs: list[Reference],
                       distinct: set[frozenset[str]] | None = None) -> list[Finding]:
    """One finding per group of sources that look like one work: an error when they
    share a DOI, a notice otherwise (the same guideline in two journals can be intended).
    The finding belongs to the group's second source, and names the first."""
    distinct = distinct or set()
    accepted = []
    # ~10 s at 100,000 sources: a bar of two steps a source (its facts, then its share of
    # the blocks compared), none below BAR_FROM sources.
    with progress(2 * len(refs) if len(refs) >= BAR_FROM else 0,
                  "finding duplicates") as advance:
        facts = []
        for i, ref in enumerate(refs):
            facts.append(_facts(i, ref))
            if i % 1000 == 999:
                advance(1000)
        advance(len(refs) % 1000)
        for a, b, kind in _candidates(facts, advance):
            if frozenset((a.key, b.key)) not in distinct:
                said = _accept(a, b, kind)
                if said is not None:
                    accepted.append((_strength(a, b, kind, said), a, b, kind, said))
    # Strongest pairs first, and two groups join only when no two of their sources
    # contradict each other: a copy without volume or pages joins its own original, not
    # every issue's "Editorial comments" through it.
    accepted.sort(key=lambda pair: (-pair[0], pair[1].position, pair[2].position))
    members = {f.position: [f] for f in facts}
    group_of = list(range(len(refs)))
    evidence: dict[int, list[str]] = defaultdict(list)
    same_doi: set[int] = set()
    for _, a, b, kind, said in accepted:
        ga, gb = group_of[a.position], group_of[b.position]
        if ga != gb:
            if any(_contradiction(x, y) for x in members[ga] for y in members[gb]):
                continue
            keep, gone = min(ga, gb), max(ga, gb)
            for f in members.pop(gone):
                group_of[f.position] = keep
                members[keep].append(f)
        if kind == "doi":
            same_doi.update((a.position, b.position))
        for item in said:
            if item not in evidence[b.position]:
                evidence[b.position].append(item)

    def root(i: int) -> int:
        return group_of[i]

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(refs)):
        groups[root(i)].append(i)
    found = []
    for members in groups.values():
        if len(members) > 1:
            found.append(_group_finding([refs[i] for i in members],
                                        [e for i in members for e in evidence[i]],
                                        all(i in same_doi for i in members)))
    position = {ref.key: i for i, ref in enumerate(refs)}
    return sorted(found, key=lambda f: position.get(f.key, len(refs)))


def _strength(a: _Facts, b: _Facts, kind: str, said: list[str]) -> float:
    """How sure a pair is: the same DOI first, then agreeing details and title likeness."""
    if kind == "doi":
        return 1000.0
    agree = sum(bool(x) and x == y for x, y in ((a.year, b.year), (a.volume, b.volume),
                                                (a.number, b.number), (a.page, b.page)))
    return 10.0 * agree + len(said)


def _group_finding(members: list[Reference], evidence: list[str], by_doi: bool) -> Finding:
    first, second = members[0], members[1]
    others = ", ".join(f"{r.key} ({r.file})" for r in [first, *members[2:]])
    said = "; ".join(dict.fromkeys(evidence))
    data = {"other": first.key, "group": [r.key for r in members], "evidence": said}
    if by_doi:
        return Finding(second.key, DUPLICATES, "error", f"doi {second.doi} is also the doi "
                       f"of {others}; keep one source per work", second.file,
                       second.line_of("doi"), data)
    return Finding(second.key, DUPLICATES, "notice", f"the same work as {others}? {said}. "
                   "Keep one source, or list the keys on one line of refs/distinct.txt if "
                   "they are different works", second.file, second.line_of("title"), data)
