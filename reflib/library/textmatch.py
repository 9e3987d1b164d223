"""Comparing bibliographic text the way a careful reader does. Pure.

Case, punctuation, LaTeX braces, accents, `&` for "and" and markup in Crossref titles
do not make two titles differ; a different word does, and is shown.

    >>> title_difference("Chronic Low Back Pain", "chronic lower back pain")
    'low → lower'
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata

STOPWORDS = frozenset("a an and the of for in on to with from by at or".split())
_TAGS = re.compile(r"<[^>]+>")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents off, `&` as "and", markup and punctuation as spaces.

    >>> fold("Regional Anesthesia &amp; Pain Medicine")
    'regional anesthesia and pain medicine'
    """
    text = _TAGS.sub(" ", html.unescape(text or ""))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("&", " and ").replace("ß", "ss").lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def words(text: str) -> list[str]:
    return fold(text).split()


def squash(text: str) -> str:
    """Letters and digits only: `Meta-Analysis` and `metaanalysis` compare equal."""
    return fold(text).replace(" ", "")


def same_title(ours: str, theirs: str) -> bool:
    return squash(ours) == squash(theirs)


def title_difference(ours: str, theirs: str) -> str:
    """The words that differ, as `ours → theirs`; '' when the titles agree.

    >>> title_difference("A {B} of C", "A b, of c")
    ''
    """
    if same_title(ours, theirs):
        return ""
    a, b = words(ours), words(theirs)
    changes = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        left, right = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if op == "replace":
            changes.append(f"{left} → {right}")
        elif op == "delete":
            changes.append(f"-{left}")
        else:
            changes.append(f"+{right}")
    return "; ".join(changes) or "punctuation differs"


def title_similarity(ours: str, theirs: str) -> float:
    """0..1, word by word; 1.0 for titles that agree."""
    if same_title(ours, theirs):
        return 1.0
    a, b = words(ours), words(theirs)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def near_identical(ours: str, theirs: str) -> bool:
    """Titles that say the same thing: only small words, spelling or a subtitle differ.

    "…lumbar facet joint pain…" and "…cervical spine (facet) joint pain…" are not.
    """
    if same_title(ours, theirs):
        return True
    a = [w for w in words(ours) if w not in STOPWORDS]
    b = [w for w in words(theirs) if w not in STOPWORDS]
    if len(a) < 3 or len(b) < 3:
        return False
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(shorter) >= 4 and longer[:len(shorter)] == shorter:
        return True  # one of them lacks the subtitle
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op != "replace" or i2 - i1 != j2 - j1:
            return False
        if any(spelling_similarity(x, y) < 0.8 for x, y in zip(a[i1:i2], b[j1:j2], strict=True)):
            return False
    return True


def spelling_similarity(a: str, b: str) -> float:
    """0..1 for two words or names: `Benson` and `Benzon` score 0.83."""
    a, b = squash(a), squash(b)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def abbreviates(short: str, full: str) -> bool:
    """True when `short` is an abbreviation of `full`: `J Pain Res`, `Journal of Pain Research`.

    Each word of the abbreviation starts the next significant word of the full name.
    """
    short_words = [w for w in words(short) if w not in STOPWORDS]
    full_words = [w for w in words(full) if w not in STOPWORDS]
    if not short_words or len(short_words) != len(full_words):
        return False
    return all(f.startswith(s) for s, f in zip(short_words, full_words, strict=True))


def journal_agrees(ours: list[str], theirs: list[str]) -> bool:
    """Any of our names (full or abbreviated) matches any of theirs, or abbreviates it."""
    ours = [n for n in ours if n]
    theirs = [n for n in theirs if n]
    for a in ours:
        for b in theirs:
            if squash(a) == squash(b) or abbreviates(a, b) or abbreviates(b, a):
                return True
    return False


def initials(given: str) -> str:
    """`Honorio T.` -> `HT`; `W. Michael` -> `WM`; `Jee Youn` -> `JY`."""
    return "".join(part[0].upper() for part in re.split(r"[\s.\-]+", fold_keep_case(given))
                   if part)


def fold_keep_case(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))
