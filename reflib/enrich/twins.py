"""A work published twice (one guideline in two journals, same title and authors) is
decided by what the source prints, never by score. Pure; reflib.enrich.candidates asks
this when its score lead refuses.

The source prints a journal, and some of volume, first page and year. A candidate
*agrees* when it passes every guard, its journal is the printed one (by container-title,
short-container-title, an abbreviation of either, or ISSN) and at least one of volume,
first page and year is the printed one, with none of the three printed otherwise. A
candidate *contradicts* when it fails a guard, is a notice about a work, or names another
journal, volume or first page than the line prints. One candidate is accepted by
evidence only when exactly one agrees and every other contradicts.

    >>> by_evidence(reference, candidates)   # (Candidate, reason) or None
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from reflib.library.markup import markup_to_text
from reflib.library.textmatch import fold, journal_agrees, squash, title_similarity
from reflib.registries.crossref.work import dates_of, strings

if TYPE_CHECKING:
    from reflib.library.model import Reference


class Candidate(Protocol):
    """What this reads of reflib.enrich.candidates.Candidate (which imports this module)."""

    doi: str
    year: int | None
    container: str
    message: dict[str, Any]
    notice: bool

    @property
    def passes(self) -> bool: ...

    def failed(self) -> list[Any]: ...

CONTAINER_MIN = 0.85
_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")


@dataclass(frozen=True)
class Printed:
    """What the source prints beyond title and people."""

    container: str = ""
    issn: frozenset[str] = frozenset()
    volume: str = ""
    first_page: str = ""
    year: int | None = None


def printed_of(ref: Reference) -> Printed:
    issns = frozenset(f"{a}{b}".upper() for a, b in _ISSN.findall(ref.text("issn")))
    return Printed(container=ref.container, issn=issns, volume=_plain(ref.text("volume")),
                   first_page=first_page(ref.text("pages")), year=ref.year)


def first_page(pages: str) -> str:
    """`2807--2831` -> `2807`; `e3811` -> `e3811`."""
    return _plain(re.split(r"\s*[-‐‑‒–—−]+\s*", pages.strip())[0]) if pages.strip() else ""


def _plain(text: str) -> str:
    return squash(text) if text else ""


def _containers(item: dict[str, Any]) -> list[str]:
    return [markup_to_text(c) for c in strings(item, "container-title")
            + strings(item, "short-container-title")]


def _issns(item: dict[str, Any]) -> frozenset[str]:
    values = strings(item, "ISSN") + [str(t.get("value", "")) for t in item.get("issn-type") or ()
                                      if isinstance(t, dict)]
    return frozenset(f"{a}{b}".upper() for v in values for a, b in _ISSN.findall(v))


def journal_of(printed: Printed, item: dict[str, Any]) -> bool | None:
    """True: the item is in the printed journal; False: in another; None: cannot tell."""
    theirs, issns = _containers(item), _issns(item)
    if printed.issn and issns:
        return bool(printed.issn & issns)
    if not printed.container or not theirs:
        return None
    ours = printed.container
    if journal_agrees([ours], theirs) or any(
            fold(ours) == fold(t) or title_similarity(ours, t) >= CONTAINER_MIN for t in theirs):
        return True
    return False


def numbers(printed: Printed, item: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(which of volume, first page, year agree; which contradict) for one item."""
    same, other = [], []
    volume = _plain(str(item.get("volume") or ""))
    if printed.volume and volume:
        (same if volume == printed.volume else other).append("volume")
    page = first_page(str(item.get("page") or item.get("article-number") or ""))
    if printed.first_page and page:
        (same if page == printed.first_page else other).append("first page")
    years = {d[0] for d in dates_of(item).values() if d}
    if printed.year is not None and printed.year in years:
        same.append("year")
    return same, other


def contradicts(printed: Printed, candidate: Candidate) -> str:
    """Why a candidate cannot be the printed work ('' when nothing it has says so)."""
    if candidate.notice:
        return "a notice about a work"
    journal = journal_of(printed, candidate.message)
    # a journal or year it does not have is no contradiction, only silence
    failed = [c for c in candidate.failed() if not (
        (c.name == "container" and journal is None)
        or (c.name == "year" and candidate.year is None))]
    if failed:
        return f"{failed[0].name}: {failed[0].detail}"
    if journal is False:
        return f"in {candidate.container or 'another journal'}"
    _, other = numbers(printed, candidate.message)
    return f"another {other[0]}" if other else ""


def by_evidence(ref: Reference, candidates: tuple[Candidate, ...] | list[Candidate]
                ) -> tuple[Candidate, str] | None:
    """The one candidate the printed journal and numbers single out, with the reason;
    None when they do not (no journal printed, two agree, or one is not contradicted)."""
    printed = printed_of(ref)
    if not printed.container and not printed.issn:
        return None
    agreeing: list[tuple[Candidate, list[str]]] = []
    for candidate in candidates:
        if candidate.notice or not candidate.passes:
            continue
        same, other = numbers(printed, candidate.message)
        if journal_of(printed, candidate.message) and same and not other:
            agreeing.append((candidate, same))
    if len(agreeing) != 1:
        return None
    chosen, same = agreeing[0]
    why_not = []
    for candidate in candidates:
        if candidate is chosen:
            continue
        reason = contradicts(printed, candidate)
        if not reason:
            return None
        why_not.append(f"{candidate.doi} ({reason})")
    journal = printed.container or "the printed ISSN"
    return chosen, (f"{chosen.doi} is the only candidate in {journal} with the printed "
                    f"{' and '.join(same)}; the others differ: {'; '.join(why_not[:3])}"
                    + (f" and {len(why_not) - 3} more" if len(why_not) > 3 else "")
                    + " (decided by what the source prints, not by score)")
