"""The people at the head of a printed reference, in whichever style it prints them:
Vancouver and AMA (`Lee DW, Jung MJ, et al.`), APA and Harvard (`Lee, D. W., & Jung,
M. (2021).`), Chicago (`Lee, David W., and Michael Jung. 2021.`), with "ed."/"eds." and
particles (`van Zundert J`, `Pluijm, Ingrid van der`). Pure; reflib.formats.reference_string
reads the rest of the line.

    >>> people, rest = read_people("Lee DW, Jung MJ, et al. Title. J Pain Res. 2021;14:1-2.")
    >>> people.names, people.et_al, rest[:6]
    ([('Lee', 'DW'), ('Jung', 'MJ')], True, 'Title.')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_UPPER = "A-ZÀ-ÖØ-Þ" + "".join(chr(c) for c in range(0x100, 0x250) if chr(c).isupper())
_PARTICLES = frozenset("van von de der den da di du la le del dos ter".split())
_PARTICLE = r"(?:(?:van|von|de|der|den|da|di|du|la|le|del|dos|ter|el|al)\s+)"
_FAMILY = rf"{_PARTICLE}*[{_UPPER}][\w'’\-]*(?:\s+{_PARTICLE}*[{_UPPER}][\w'’\-]*)*"
_VANCOUVER_NAME = rf"{_FAMILY}\s+[A-Z]{{1,4}}(?:\s+(?:Jr|Sr|II|III|IV|2nd|3rd))?\b"
_VANCOUVER_AUTHORS = re.compile(
    rf"^(?P<names>{_VANCOUVER_NAME}(?:,\s*{_VANCOUVER_NAME})*)"
    r"(?P<etal>,?\s*et\s+al\.?)?(?:,\s*(?P<eds>eds?|editors?)\.?)?\s*(?:\([^)]*\))?\s*\.\s+")
_AUTHOR_DATE = re.compile(r"^(?P<names>[^()]{2,}?)\s*\((?P<year>\d{4})[a-z]?(?:,[^)]*)?\)[.,]?\s+")
_CHICAGO = re.compile(r"^(?P<names>.{2,}?[^.\s][^.\s]?)\.\s+(?P<year>\d{4})[a-z]?\.\s+")
_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.?\s*-?\s*)+$")
_EDITOR_MARK = re.compile(r"\s*\((?:eds?|editors?)\.?\)\s*,?|,?\s*\b(?:eds?|editors?)\.?(?=,|$)",
                          re.I)

@dataclass
class People:
    """The leading people as printed: (family, initials), the given names as printed,
    "et al.", "ed"/"eds", and the year an author-date style prints after them."""

    names: list[tuple[str, str]] = field(default_factory=list)
    givens: list[str] = field(default_factory=list)
    et_al: bool = False
    editors: str = ""
    year: int | None = None


def read_people(rest: str) -> tuple[People, str]:
    """The people the line starts with, and the text after them (and after the year, for
    author-date styles); no names when the line does not start with a name list."""
    people = People()
    return people, _people(people, rest)


def _people(ref: People, rest: str) -> str:
    """Read the leading author or editor list in whichever style it is printed; return
    the text after it (and after the year, for author-date styles)."""
    vancouver = _VANCOUVER_AUTHORS.match(rest)
    if vancouver:
        ref.names = [_split_vancouver(n) for n in re.split(r",\s*", vancouver["names"])]
        ref.givens = [letters for _, letters in ref.names]
        ref.et_al = bool(vancouver["etal"])
        ref.editors = _editor_word(vancouver["eds"] or "")
        return rest[vancouver.end():]
    for pattern in (_AUTHOR_DATE, _CHICAGO):
        match = pattern.match(rest)
        if match and _read_name_list(ref, match["names"]):
            ref.year = int(match["year"])
            return rest[match.end():]
    return rest


def _editor_word(word: str) -> str:
    word = word.lower().rstrip(".")
    if not word:
        return ""
    return "eds" if word in ("eds", "editors") else "ed"


def _split_vancouver(printed: str) -> tuple[str, str]:
    printed = re.sub(r"\s+(?:Jr|Sr|II|III|IV|2nd|3rd)$", "", printed.strip())
    family, _, letters = printed.rpartition(" ")
    return family, letters


def _read_name_list(ref: People, text: str) -> bool:
    """APA, Harvard and Chicago name lists: `Lee, D. W., & Jung, M.`, `Lee, D.W. and
    Jung, M.`, `Lee, David W., Michael Jung, and Ann Li`. False when it is not one."""
    editors = _EDITOR_MARK.search(text)
    if editors:
        ref.editors = "eds" if re.search(r"eds|editors", editors[0], re.I) else "ed"
        text = text[:editors.start()] + text[editors.end():]
    if re.search(r",?\s*\bet\s+al\.?", text):
        ref.et_al = True
        text = re.sub(r",?\s*\bet\s+al\.?", "", text)
    text = re.sub(r"\s*(?:…|\.\.\.)\s*", ", ", text)
    text = re.sub(r",?\s+(?:&|and)\s+", ", ", text)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or not re.match(rf"^(?:{_PARTICLE})*[{_UPPER}]", parts[0]):
        return False
    names: list[tuple[str, str]] = []
    givens: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        following = parts[i + 1] if i + 1 < len(parts) else ""
        given, particles = _particles_last(following) if following else ("", "")
        if following and (_INITIALS.match(following) or (i == 0 and _looks_given(following))):
            names.append((part, _initials(following)))
            givens.append(following)
            i += 2
        elif i == 0 and particles and _looks_given(given):  # `Pluijm, Ingrid van der`
            names.append((f"{particles} {part}", _initials(given)))
            givens.append(given)
            i += 2
        elif " " in part and i > 0 and not _INITIALS.match(part):
            given, family = _given_family(part)
            names.append((family, _initials(given)))
            givens.append(given)
            i += 1
        elif len(part.split()) == 1 and re.match(r"^[A-Z]", part) and i > 0:
            names.append((part, ""))
            givens.append("")
            i += 1
        else:
            return False
    if not names or any(len(family.split()) > 4 for family, _ in names):
        return False
    ref.names, ref.givens = names, givens
    return True


def _looks_given(text: str) -> bool:
    return bool(re.match(r"^[A-Z][a-z\u00E0-\u024F'’\-]+(?:\s+[A-Z][\w'’.\-]*)*\.?$", text))


def _given_family(text: str) -> tuple[str, str]:
    """`Haris A. Khan` -> ('Haris A.', 'Khan'); `Jan van Zundert` -> ('Jan', 'van Zundert')."""
    words = text.split()
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def _initials(given: str) -> str:
    return "".join(p[0].upper() for p in re.split(r"[\s.\-]+", given) if p and p[0].isalpha())


def _particles_last(given: str) -> tuple[str, str]:
    """`Ingrid van der` -> ('Ingrid', 'van der'): Chicago prints a particle after the
    given name when the family name leads (`Pluijm, Ingrid van der`)."""
    words = given.split()
    cut = len(words)
    while cut > 1 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


split_vancouver = _split_vancouver
given_family = _given_family
initials = _initials
UPPER = _UPPER
VANCOUVER_NAME = _VANCOUVER_NAME
