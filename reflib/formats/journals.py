"""Journal abbreviations: is a short title an abbreviation of its journal, and the ISO 4
abbreviation when none is known. Pure (the LTWA list ships with pyiso4).

AMA and Vancouver print the NLM abbreviation (PubMed's MedlineTA, which the PubMed
registry writes as `shortjournal`), without periods. Failing that, ISO 4 from the LTWA is
what NLM's own abbreviations follow: pyiso4 is a maintained implementation that ships the
LTWA (`iso4` on PyPI is older and unmaintained since 2021; `abbreviations` extracts
acronym definitions from prose, another task). Crossref's `short-container-title` is
often no abbreviation at all ("KEM" for Key Engineering Materials, a subtitle, or the
title minus "of"), so it is used only when it passes `is_abbreviation_of`.

    >>> iso4_abbreviation("Journal of Pain Research")
    'J Pain Res'
    >>> is_abbreviation_of("KEM", "Key Engineering Materials")
    False
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
# Words an abbreviation may leave out (ISO 4 drops articles, prepositions, conjunctions).
_SKIPPABLE = frozenset(
    "a an and the of for in on at to by with from & und der die das des den dem fur für "
    "et de du la le les l d di del della e y el los las och i og van voor".split())


@lru_cache(maxsize=1)
def _abbreviator():
    from pyiso4.ltwa import Abbreviate

    return Abbreviate.create()


@lru_cache(maxsize=4096)
def iso4_abbreviation(title: str, periods: bool = False) -> str:
    """The ISO 4 abbreviation of a journal title; without periods (AMA, NLM) by default."""
    title = title.strip()
    if not title:
        return ""
    abbreviate = _abbreviator()  # outside the try: a missing pyiso4 is an install error
    try:
        short = abbreviate(title, remove_part=True)
    except Exception:  # noqa: BLE001 - pyiso4 raises plain errors on odd titles
        return title
    short = re.sub(r"\s+", " ", short).strip()
    return short if periods else short.replace(".", "")


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(folded.replace("&", " and "))


def _contracts(short: str, word: str) -> bool:
    """`res` of research, `natl` of national: same first letter, letters in order."""
    if not short or not word or short[0] != word[0]:
        return False
    rest = iter(word[1:])
    return all(letter in rest for letter in short[1:])


def is_abbreviation_of(short: str, title: str) -> bool:
    """True when `short` abbreviates `title` word by word (each short word a contraction
    of the next title word, articles and prepositions skippable) and is no longer than
    the ISO 4 form allows: "J Pain Res", "Proc Natl Acad Sci U S A", "PLoS ONE"."""
    short_words, title_words = _words(short), _words(title)
    if not short_words or not title_words:
        return False
    if short_words == title_words:
        return True  # the title itself (a one-word journal: "Pain", "eLife")
    position, unshortened = 0, False
    for word in short_words:
        while position < len(title_words) and not _contracts(word, title_words[position]):
            if title_words[position] not in _SKIPPABLE:
                return False
            position += 1
        if position == len(title_words):
            return False
        unshortened = unshortened or (word == title_words[position] and len(word) > 4)
        position += 1
    if any(w not in _SKIPPABLE for w in title_words[position:]):
        return False
    if not unshortened:
        return True  # every long word shortened: no need to load the LTWA
    iso = "".join(_words(iso4_abbreviation(title)))
    return len("".join(short_words)) <= len(iso) + 3


def container_short(shortjournal: str, journal: str) -> str:
    """What AMA/NLM print for a journal: `shortjournal` when it abbreviates `journal`,
    else the ISO 4 abbreviation of `journal`; "" without a journal."""
    if shortjournal and (not journal or is_abbreviation_of(shortjournal, journal)):
        return shortjournal
    return iso4_abbreviation(journal) if journal else ""
