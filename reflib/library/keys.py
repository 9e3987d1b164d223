"""The citekey rule: first author's family name + year + first significant title word.

    >>> make_key({"author": "{van Zundert}, Jan and Lee, A.", "year": "2021",
    ...           "title": "{The} Analgesic effect"}, set())
    'vanzundert2021analgesic'

Keys are ASCII, lower case and safe as file names (`is_safe_key`). On a clash with a key
in `taken` (compared ignoring case) the suffixes a, b, ..., z, aa, ab, ... are added.
An entry's former keys are kept in biblatex's `ids` field (`id_aliases`, `ids_value`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping

from reflib.library.latex import field_text, strip_delimiters

# Words that never make a key: articles, prepositions, conjunctions (English and the
# commonest of French, German, Spanish, Italian, Dutch titles).
STOP_WORDS = frozenset(
    """a an the of on in at to for from by with and or but as is are be about into over
    under via vs versus le la les l un une des du de et der die das den dem ein eine und
    el los las y del il lo gli i e een het van
    """.split()
)
_WORD = re.compile(r"[a-z0-9]+")
_MAX_PART = 30  # each of name, year and word: keys stay short and readable


def ascii_fold(text: str) -> str:
    """`Zürich Łódź Ærø` -> `zurich lodz aero`: lower-case ASCII letters, digits, spaces."""
    text = text.translate(_FOLD).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c.isspace()))


_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe",
                       "Œ": "OE", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
                       "þ": "th", "Þ": "TH", "ı": "i", "ŋ": "ng"})


def _name_part(fields: Mapping[str, str]) -> str:
    from reflib.library.model import parse_names

    for role in ("author", "editor"):
        raw = fields.get(role)
        if not raw:
            continue
        names = [n for n in parse_names(raw) if n.literal != "others"]
        if not names:
            continue
        first = names[0]
        family = first.family_full if not first.literal else first.literal
        words = _WORD.findall(ascii_fold(family))
        if first.literal and len(words) > 1:
            # An organisation: its first significant word ("World Health ..." -> world).
            words = [w for w in words if w not in STOP_WORDS][:1] or words[:1]
        joined = "".join(words)
        if joined:
            return joined[:_MAX_PART]
    for name in ("organization", "institution", "publisher"):
        words = [w for w in _WORD.findall(ascii_fold(_text(fields, name)))
                 if w not in STOP_WORDS]
        if words:
            return words[0][:_MAX_PART]
    return "anon"


def _text(fields: Mapping[str, str], name: str) -> str:
    raw = fields.get(name)
    return field_text(raw) if raw else ""


def _year_part(fields: Mapping[str, str]) -> str:
    match = re.search(r"\d{4}", _text(fields, "year") or _text(fields, "date"))
    return match.group() if match else ""


def _word_part(fields: Mapping[str, str]) -> str:
    words = _WORD.findall(ascii_fold(_text(fields, "title")))
    significant = [w for w in words if w not in STOP_WORDS]
    chosen = (significant or words or [""])[0]
    return chosen[:_MAX_PART]


def base_key(fields: Mapping[str, str]) -> str:
    """The key before any clash suffix: `lee2021analgesic`."""
    return _name_part(fields) + _year_part(fields) + _word_part(fields)


def _suffixes():
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second
    number = 1
    while True:
        yield f"n{number}"
        number += 1


def make_key(fields: Mapping[str, str], taken: Collection[str]) -> str:
    """A safe key for `fields` not in `taken` (ignoring case): `lee2021analgesic`, then `...a`.

    `taken` is lower-cased once per call, unless it says it compares ignoring case itself
    (an attribute `ignores_case = True`, as a caller making many keys should)."""
    base = base_key(fields)
    lowered = taken if getattr(taken, "ignores_case", False) else {k.lower() for k in taken}
    if base not in lowered:
        return base
    for suffix in _suffixes():
        candidate = base + suffix
        if candidate not in lowered:
            return candidate
    raise AssertionError("unreachable: the suffixes never end")


def id_aliases(fields: Mapping[str, str]) -> tuple[str, ...]:
    """The other keys of an entry, from biblatex's `ids` field: `{old1, old2}`. Keys are
    read as written (a key is no LaTeX text: `--` stays two hyphens).

    >>> id_aliases({"ids": "{lee2021, Lee:2021 , smith--2020, x~y}"})
    ('lee2021', 'Lee:2021', 'smith--2020', 'x~y')
    """
    raw = fields.get("ids")
    if raw is None:
        return ()
    return tuple(k.strip() for k in strip_delimiters(raw).split(",") if k.strip())


def ids_value(aliases: Collection[str]) -> str:
    """The raw `ids` value of these keys: `{old1, old2}`."""
    return "{" + ", ".join(aliases) + "}"
