"""Is this Crossref search hit the source? Guarded acceptance for `refs find-doi`. Pure.

The top hit is never trusted on its score alone. A candidate is accepted only when its
title matches closely, its first author's family name is ours, its year is within one of
ours, its work type can be our entry type (a chapter is never given its book's DOI), its
journal or book is ours when we name one (one guideline, two journals: the journal
decides), no other candidate passes all that too, and its score clearly leads the
runner-up's.

    decision = decide(reference, items)   # items: Crossref works with "score"
    decision.accepted                     # a Candidate, or None with decision.reason
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reflib.enrich.twins import by_evidence
from reflib.library.markup import markup_to_text
from reflib.library.model import Reference
from reflib.library.textmatch import (
    fold,
    journal_agrees,
    spelling_similarity,
    squash,
    title_similarity,
)
from reflib.registries.crossref.work import dates_of, people_of

TITLE_MIN = 0.92  # word-level similarity of normalised titles
CONTAINER_MIN = 0.85
PRINTED_NAME_MIN = 0.8  # a printed first family this close to theirs is misspelt, not another
LEAD = 1.2  # the accepted hit's score over the runner-up's
# "Correction: TITLE" has the work's title and often its authors and journal; it is a
# notice about the work, never the work (unless our title is such a notice too).
_NOTICE = re.compile(r"^\s*(?:(?:author\s+)?correction|erratum|corrigendum|retraction|"
                     r"(?:retraction\s+)?notice|expression\s+of\s+concern|withdrawal|"
                     r"retracted)(?:\s+(?:to|of|for|notice|note))*\s*"
                     r"(?:[:.\-–]|(?=[\"“‘']))\s*", re.I)

_CHAPTERS = frozenset({"book-chapter", "book-section", "book-part", "reference-entry",
                       "book-track"})
_BOOKS = frozenset({"book", "monograph", "edited-book", "reference-book"})
TYPE_FITS: dict[str, frozenset[str]] = {
    "article": frozenset({"journal-article"}),
    "incollection": _CHAPTERS,
    "inbook": _CHAPTERS,
    "inreference": _CHAPTERS,
    "book": _BOOKS,
    "mvbook": _BOOKS | {"book-set"},
    "collection": _BOOKS,
    "inproceedings": frozenset({"proceedings-article"}),
    "conference": frozenset({"proceedings-article"}),
    "proceedings": frozenset({"proceedings"}),
    "phdthesis": frozenset({"dissertation"}),
    "mastersthesis": frozenset({"dissertation"}),
    "thesis": frozenset({"dissertation"}),
    "techreport": frozenset({"report", "report-component"}),
    "report": frozenset({"report", "report-component"}),
    "dataset": frozenset({"dataset"}),
    "misc": frozenset({"posted-content", "dataset", "report", "standard", "other"}),
    "online": frozenset({"posted-content", "dataset", "report", "standard", "other"}),
    "unpublished": frozenset({"posted-content"}),
}


@dataclass(frozen=True)
class Check:
    name: str  # title | author | year | type | container
    ok: bool
    detail: str


@dataclass(frozen=True)
class Candidate:
    """One search hit, and how it compares with the source."""

    doi: str
    score: float
    crossref_type: str
    title: str
    year: int | None
    container: str
    first_family: str
    checks: tuple[Check, ...]
    message: dict[str, Any]
    notice: bool = False  # a correction, erratum or retraction notice about a work

    @property
    def passes(self) -> bool:
        return all(check.ok for check in self.checks)

    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def to_json(self) -> dict[str, Any]:
        return {"doi": self.doi, "score": self.score, "type": self.crossref_type,
                "title": self.title, "year": self.year, "container": self.container,
                "first_author": self.first_family, "passes": self.passes,
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.checks}}


@dataclass(frozen=True)
class Decision:
    accepted: Candidate | None
    reason: str
    candidates: tuple[Candidate, ...]


def query_of(ref: Reference) -> str:
    """What `query.bibliographic` gets: title, first families, container, year."""
    people = ref.authors or ref.editors
    families = [p.family_full or p.literal for p in people[:3] if p.literal.lower() != "others"]
    container = ref.container if ref.entry_type not in ("book", "online", "misc") else ""
    parts = [ref.title, " ".join(families), container, str(ref.year or "")]
    return " ".join(p for p in parts if p).strip()


def _first_people(ref: Reference, item: dict[str, Any]) -> tuple[str, str, str]:
    """(role, our first family, theirs): authors with authors; for an edited work with no
    authors of ours, editors with editors. A book's editor never stands for a chapter's
    author."""
    role, ours = ("author", ref.authors) if ref.authors else ("editor", ref.editors)
    theirs = people_of(item, role)
    mine = (ours[0].family_full or ours[0].literal) if ours else ""
    other = (theirs[0].family or theirs[0].literal) if theirs else ""
    return role, mine, other


def _printed_first(ours: str, role: str, item: dict[str, Any]) -> tuple[bool, str]:
    """For a printed line: their first family misspelt (`Benson` for `Benzon`), or their
    first person dropped in print (ours is their second)."""
    theirs = [p.family or p.literal for p in people_of(item, role)]
    if theirs and (spelling_similarity(ours, theirs[0]) >= PRINTED_NAME_MIN
                   or _one_typo(squash(ours), squash(theirs[0]))):
        return True, f"first {role}: printed {ours!r}, theirs {theirs[0]!r} (a misspelling)"
    if len(theirs) > 1 and squash(ours) == squash(theirs[1]):
        return True, f"first {role}: printed {ours!r} is their second; {theirs[0]!r} dropped"
    return False, ""


def _one_typo(a: str, b: str) -> bool:
    """One letter changed, added, dropped, or two neighbours swapped (`Suhm`, `Shum`)."""
    if a == b or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 3:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def evaluate(ref: Reference, item: dict[str, Any], printed: bool = False) -> Candidate:
    """How one search hit compares with the source. `printed`: the source is a line of a
    printed list, whose first name may be misspelt or dropped (`refs import --from-list`);
    every other guard is the same."""
    crossref_type = str(item.get("type") or "")
    title = markup_to_text((item.get("title") or [""])[0] if item.get("title") else "")
    subtitle = markup_to_text((item.get("subtitle") or [""])[0] if item.get("subtitle") else "")
    full_title = f"{title}: {subtitle}" if subtitle else title
    years = sorted({d[0] for d in dates_of(item).values() if d})
    containers = [markup_to_text(c) for c in (item.get("container-title") or [])
                  + (item.get("short-container-title") or []) if isinstance(c, str)]
    role, ours, theirs = _first_people(ref, item)
    checks = []

    similarity = max(title_similarity(ref.title, title), title_similarity(ref.title, full_title))
    notice = _NOTICE.match(title) if not _NOTICE.match(ref.title) else None
    if notice:
        checks.append(Check("title", False, f"a notice about a work (\"{notice[0].strip()}\"), "
                            "not the work"))
    else:
        checks.append(Check("title", bool(ref.title) and similarity >= TITLE_MIN,
                            f"similarity {similarity:.2f}" if ref.title else "we have no title"))

    if not ours:
        checks.append(Check("author", False, "we have no author or editor to compare"))
    else:
        same = bool(theirs) and squash(ours) == squash(theirs)
        detail = f"first {role}: ours {ours!r}, theirs {theirs or 'none'!r}"
        if not same and printed:
            same, why = _printed_first(ours, role, item)
            detail = why or detail
        checks.append(Check("author", same, detail))

    if ref.year is None:
        checks.append(Check("year", False, "we have no year"))
    else:
        near = any(abs(year - ref.year) <= 1 for year in years)
        checks.append(Check("year", near, f"ours {ref.year}, theirs "
                            f"{', '.join(map(str, years)) or 'none'}"))

    fits = TYPE_FITS.get(ref.entry_type, frozenset())
    checks.append(Check("type", crossref_type in fits,
                        f"@{ref.entry_type} cannot be a Crossref {crossref_type or 'work'}"
                        if crossref_type not in fits else f"@{ref.entry_type} ~ {crossref_type}"))

    if ref.container and ref.entry_type not in ("book", "online", "misc"):
        best = max((_container_similarity(ref.container, c) for c in containers), default=0.0)
        checks.append(Check("container", best >= CONTAINER_MIN,
                            f"ours {ref.container!r}, theirs "
                            f"{(containers[0] if containers else 'none')!r}"))
    return Candidate(doi=str(item.get("DOI") or ""), score=float(item.get("score") or 0.0),
                     crossref_type=crossref_type, title=full_title,
                     year=years[0] if years else None,
                     container=containers[0] if containers else "", first_family=theirs,
                     checks=tuple(checks), message=item,
                     notice=bool(notice))


def _container_similarity(ours: str, theirs: str) -> float:
    """1.0 for the same name or an abbreviation of it (`Pain Med`, `Pain Medicine`)."""
    if fold(ours) == fold(theirs) or journal_agrees([ours], [theirs]):
        return 1.0
    return title_similarity(ours, theirs)


def decide(ref: Reference, items: list[dict[str, Any]], printed: bool = False) -> Decision:
    """Accept the top hit only when every guard holds; otherwise say which did not."""
    candidates = tuple(sorted((evaluate(ref, item, printed) for item in items if item.get("DOI")),
                              key=lambda c: -c.score))
    if not candidates:
        return Decision(None, "Crossref found nothing", ())
    # A notice about a work (Correction: TITLE) shares its words, so its score; it is
    # listed, but neither stands as the top hit nor as the runner-up the lead is over.
    ranked = [c for c in candidates if not c.notice] or list(candidates)
    best = ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else None
    if not best.passes:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in best.failed())
        return _by_evidence(ref, candidates) or Decision(
            None, f"the top hit {best.doi} does not match ({failed})", candidates)
    others = [c for c in ranked[1:] if c.passes]
    if others:
        return _by_evidence(ref, candidates) or Decision(
            None, f"{len(others) + 1} candidates match equally well "
            f"({', '.join(c.doi for c in (best, *others))}); choose one with --accept",
            candidates)
    if runner_up is not None and best.score < LEAD * runner_up.score:
        return _by_evidence(ref, candidates) or Decision(
            None, f"the top hit {best.doi} (score {best.score:.1f}) does not clearly lead "
            f"{runner_up.doi} ({runner_up.score:.1f}); it needs {LEAD:g} times the "
            "runner-up's score", candidates)
    matched = [c.name if c.name != "author" else "first author" for c in best.checks]
    return Decision(best, f"{best.doi} matches {', '.join(matched[:-1])} and {matched[-1]}, "
                    f"and leads with score {best.score:.1f}", candidates)


def _by_evidence(ref: Reference, candidates: tuple[Candidate, ...]) -> Decision | None:
    """When the score cannot decide (a work published twice, a close runner-up), what the
    source prints may: reflib.enrich.twins."""
    found = by_evidence(ref, candidates)
    return Decision(found[0], found[1], candidates) if found else None


def accept_problems(ref: Reference, item: dict[str, Any]) -> tuple[list[Check], list[Check]]:
    """For `--accept DOI`: (checks that forbid it, checks that only warn). The work type
    forbids: a chapter never takes its book's DOI, nor an article a chapter's."""
    candidate = evaluate(ref, item)
    hard = [c for c in candidate.failed() if c.name == "type"]
    soft = [c for c in candidate.failed() if c.name != "type"]
    return hard, soft
