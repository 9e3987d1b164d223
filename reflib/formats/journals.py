"""Journal abbreviations: is a short title an abbreviation of its journal, and the ISO 4
abbreviation when none is known. Pure but for one cache file (the LTWA list ships with
pyiso4).

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

Loading the LTWA costs pyiso4 0.4-0.7 s (56,000 patterns into prefix trees), most of the
time of exporting a small library, for a few distinct journals. So each abbreviation it
made is kept, per journal title, in a small JSON file in the user's cache folder
(`$REFS_CACHE_DIR`, else `$XDG_CACHE_HOME/reflib`, else `~/.cache/reflib`), named after
pyiso4's version: a later run loads the LTWA only for a journal it has not seen. Only
what pyiso4 returned is kept, so the output is the same with or without the file; a
missing, unreadable or corrupt file is ignored.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

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
    known = _known()
    if title in known:
        short = known[title]
    else:
        abbreviate = _abbreviator()  # outside the try: a missing pyiso4 is an install error
        try:
            short = re.sub(r"\s+", " ", abbreviate(title, remove_part=True)).strip()
        except Exception:  # noqa: BLE001 - pyiso4 raises plain errors on odd titles
            short = None  # kept as null: the title is printed as it is
        known[title] = _LEARNED[title] = short
    if short is None:
        return title
    return short if periods else short.replace(".", "")


# -- the cache of pyiso4's answers -------------------------------------------------------

_LEARNED: dict[str, str | None] = {}  # answers made by this process and not yet saved


def cache_file() -> Path:
    """Where pyiso4's answers are kept (see the module's docstring)."""
    from importlib.metadata import version

    folder = os.environ.get("REFS_CACHE_DIR")
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = str(Path(base) / "reflib")
    return Path(folder) / f"iso4-{version('pyiso4')}.json"


@lru_cache(maxsize=1)
def _known() -> dict[str, str | None]:
    """Journal title -> pyiso4's abbreviation (with periods; None where pyiso4 failed), as
    the cache file has it."""
    import atexit

    atexit.register(save_learned)
    try:
        data = json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(k, str) and (v is None or isinstance(v, str))}


def save_learned() -> None:
    """Add the answers this process made to the cache file (atomically, merged with what
    another process saved meanwhile); nothing when it made none or cannot write."""
    if not _LEARNED:
        return
    from reflib.fsutil import atomic_write_text

    path = cache_file()
    try:
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if not isinstance(saved, dict):
            saved = {}
        saved.update(_LEARNED)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(saved, ensure_ascii=False, sort_keys=True))
    except OSError:
        return  # a read-only home: the next run asks pyiso4 again
    _LEARNED.clear()


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
