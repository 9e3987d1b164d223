"""A printed reference, one line of free text, read into its parts. Pure.

Reads the common styles of medical and scientific reference lists: AMA and Vancouver
(`Lee DW, Jung MJ, et al. Title. J Pain Res. 2021;14(3):2807-2831. doi:10.2147/...`), APA
and Harvard (`Lee, D. W., & Jung, M. J. (2021). Title. Journal, 14(3), 2807–2831.`),
Chicago author-date (`Lee, David W., and Michael J. Jung. 2021. "Title." Journal 14: 1-2.`),
chapters (`In: Benzon HT, eds. Book. 6th ed. Elsevier; 2023.`), books, web pages with an
access date, and personal communications. No library parses these without a trained model
or a service (see bench/bench_from_list.py for how well this does on 1,988 strings).

    >>> ref = parse_reference("Lee DW, et al. A title. J Pain Res. 2021;14:2807-2831.")
    >>> ref.names, ref.et_al, ref.container, ref.year, ref.volume, ref.pages, ref.kind
    ([('Lee', 'DW')], True, 'J Pain Res', 2021, '14', '2807-2831', 'article')

What cannot be told from the text alone is offered, not guessed: a title that ends with
"?" may or may not go on (`title_options`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from reflib.formats.reference_names import (
    UPPER,
    VANCOUVER_NAME,
    given_family,
    initials,
    read_people,
    split_vancouver,
)
from reflib.library.model import normalize_doi

_NUMBER = re.compile(r"^\s*(?:\[(\d+)\]|(\d+)[.)]?)\s+")
_DOI = re.compile(r"(?:\bdoi:?\s*|https?://(?:dx\.)?doi\.org/|\b(?=10\.\d{4,9}/))"
                  r"(10\.\d{4,9}/[^\s\"<>]+)", re.I)
_PMID = re.compile(r"\b(?:PubMed\s+)?PMID:?\s*(\d{1,9})\b\.?", re.I)
_PMCID = re.compile(r"\bPMCID:?\s*(PMC\d+)\b\.?|\b(PMC\d{4,})\b\.?", re.I)
_URL = re.compile(r"(?:Available\s+(?:at|from):?\s*|Retrieved\s+from\s+)?<?(https?://[^\s>]+)>?",
                  re.I)
_ACCESSED = re.compile(
    r"\[?\b(?:Accessed|cited|Retrieved|Viewed)(?:\s+on)?:?\s+"
    r"(\d{4}\s+[A-Za-z]+\.?\s+\d{1,2}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[A-Za-z]+\.?,?"
    r"\s+\d{4}|\d{4}-\d{2}-\d{2})\]?[.,]?(?:\s*,?\s*from\b)?", re.I)
_PERSONAL = re.compile(r"personal communication|expert opinion|unpublished (?:data|observations)"
                       r"|written communication|oral communication", re.I)
_ARTICLE_EDITOR = re.compile(rf",\s*(?:ed\.|editors?)\s*{VANCOUVER_NAME}(?:,\s*{VANCOUVER_NAME})*"
                             r"\.\s+")
_PREPRINT = re.compile(r"\b(?:preprint|bioRxiv|medRxiv|arXiv|openRxiv|Research Square|SSRN|"
                       r"ChemRxiv|Preprints)\b", re.I)
_PROCEEDINGS = re.compile(r"\b(?:proceedings|conference|symposium|workshop|congress)\b", re.I)
_EDITION = re.compile(r"\b(\d+)(?:st|nd|rd|th)\s+edn?\.?|\b(\d+)(?:st|nd|rd|th)\s+edition\b",
                      re.I)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_PAGES = r"(?P<pages>[A-Za-z]?\d+[A-Za-z]?(?:\s*[-–—]\s*[A-Za-z]?\d+[A-Za-z]?)?)"
_VOLUME = r"(?P<volume>[\w.]+)?\s*(?:\((?P<issue>[^)]+)\))?"
_NUMBERS = (  # AMA/Vancouver; APA/Harvard; Chicago
    re.compile(rf"(?P<year>\d{{4}})(?:\s+[A-Z][a-z]{{2}}(?:\s*\d{{1,2}})?)?\s*;\s*{_VOLUME}"
               rf"(?:\s*:\s*{_PAGES})?"),
    re.compile(rf",\s*{_VOLUME},\s*(?:pp?\.\s*)?{_PAGES}(?=[.,]?\s*$|[.,]\s)"),
    re.compile(rf"\s(?P<volume>\d[\w.]*)\s*(?:\((?P<issue>[^)]+)\))?\s*:\s*{_PAGES}"),
    re.compile(r",\s*(?P<volume>\d+)\s*(?:\((?P<issue>[^)]+)\))?\s*[.,]?\s*$"),
    re.compile(r"\s(?P<volume>\d{1,3})\s*(?:\((?P<issue>[^)]+)\))?\s*[.,]?\s*$"),  # `eLife 3.`
)
_QUOTED = re.compile("|".join(  # the closing quote of the opening one: “A ‘B’ C.”
    rf"^{o}(?P<t{i}>.+?)[.,?!]?{c}[.,]?\s+" for i, (o, c) in
    enumerate([("“", "”"), ("‘", "’"), ('"', '"'), ("'", "'")])))
_TRAILING_YEAR = re.compile(r"\s*\((?:1[89]|20)\d\d\)\s*$")


@dataclass
class ParsedReference:
    """One printed reference, read as far as it can be. `names` are the leading people
    as printed, (family, initials); `editors` says "ed"/"eds" when they are editors."""

    number: int
    line: int
    text: str
    names: list[tuple[str, str]] = field(default_factory=list)
    givens: list[str] = field(default_factory=list)  # the given names as printed
    et_al: bool = False
    editors: str = ""
    book_editors: list[tuple[str, str]] = field(default_factory=list)  # after "In:"
    title: str = ""
    title_options: list[str] = field(default_factory=list)  # other readings of the title
    container: str = ""  # the journal, or the book after "In:"
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""
    edition: str = ""
    publisher: str = ""
    place: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    urls: list[str] = field(default_factory=list)
    accessed: date | None = None
    kind: str = "unknown"  # article chapter proceedings book preprint web personal unknown
    organisation: str = ""  # a group that stands for the author, or the site's owner
    personal_date: date | None = None  # when a personal communication was made
    journal_style: bool = False  # `Journal. 2021;` (AMA, Vancouver): a journal article

    @property
    def parsed(self) -> bool:
        """True when there is something to look up or build a source from."""
        if self.kind == "personal":
            return bool(self.names or self.organisation)
        return bool(self.title or self.doi or self.pmid)


def strip_number(line: str) -> str:
    """The line without its printed number: `[4] Sayed D.` and `4. Sayed D.` -> `Sayed D.`"""
    match = _NUMBER.match(line)
    return line[match.end():] if match else line


def parse_reference_list(text: str) -> list[ParsedReference]:
    """Every non-blank line of a printed list (lines starting with # are comments),
    numbered as printed or by count."""
    found = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found.append(parse_reference(line, line_number, len(found) + 1))
    return found


def parse_reference(line: str, line_number: int = 1, count: int = 1) -> ParsedReference:
    """One printed reference -> its parts (see the module docstring)."""
    match = _NUMBER.match(line)
    number = int(match[1] or match[2]) if match else count
    rest = " ".join((line[match.end():] if match else line).split())
    ref = ParsedReference(number, line_number, line.strip())
    rest = _identifiers(ref, rest)
    if _PERSONAL.search(rest):
        ref.kind = "personal"
    people, rest = read_people(rest)
    rest = rest.strip()
    ref.names, ref.givens, ref.et_al, ref.editors = (people.names, people.givens,
                                                      people.et_al, people.editors)
    if people.year is not None:
        ref.year = people.year
    rest = _ARTICLE_EDITOR.sub(". ", rest)  # PLOS's academic editor, as some styles print it
    if ref.kind == "personal":
        _personal(ref, rest)
        return ref
    body, after = _title(ref, rest)
    _container_and_numbers(ref, body, after)
    if ref.year is None:
        years = _YEAR.findall(after) or _YEAR.findall(rest)
        ref.year = int(years[0]) if years else None
    ref.kind = _kind(ref, after)
    return ref


def _identifiers(ref: ParsedReference, rest: str) -> str:
    """Take DOI, PMID, PMCID, access date and URLs out of the text."""
    doi = _DOI.search(rest)
    if doi:
        ref.doi = normalize_doi(doi[1]).rstrip(")]")
        rest = rest[:doi.start()] + rest[doi.end():]
    pmid = _PMID.search(rest)
    if pmid:
        ref.pmid = pmid[1]
        rest = rest[:pmid.start()] + rest[pmid.end():]
    pmcid = _PMCID.search(rest)
    if pmcid:
        ref.pmcid = (pmcid[1] or pmcid[2]).upper()
        rest = rest[:pmcid.start()] + rest[pmcid.end():]
    accessed = _ACCESSED.search(rest)
    if accessed:
        ref.accessed = printed_date(accessed[1])
        rest = rest[:accessed.start()] + rest[accessed.end():]
    ref.urls = [u.rstrip(".,;") for u in _URL.findall(rest)]
    rest = _URL.sub("", rest)
    rest = re.sub(r"\bEpub\s+(?:ahead of print\s*)?[^.]*\d{4}\.?|\[?\bEpub ahead of print\]?\.?",
                  "", rest)
    rest = re.sub(r"\s+([.,;])", r"\1", " ".join(rest.split()))
    return rest.strip(" .,") + "."
















def _title(ref: ParsedReference, rest: str) -> tuple[str, str]:
    """Split off the title; return (title, the text that follows it)."""
    quoted = _QUOTED.match(rest)
    if quoted:
        ref.title = next(t for t in quoted.groups() if t).strip()
        return ref.title, rest[quoted.end():]
    ends = _sentence_ends(rest)
    if not ends:
        return "", ""
    start, end = ends[0]
    title, after = rest[:start], rest[end:]
    if title.endswith("?") and len(ends) > 1:  # "How many fish? Comparison ..." or "Why? J Med."
        ref.title_options = [title, rest[:ends[1][0]]]
    ref.title = _clean_title(title)
    ref.title_options = [_clean_title(t) for t in ref.title_options]
    return ref.title, after


def _clean_title(title: str) -> str:
    """Without a trailing `(2020)` or the article's editor (`..., editor Cooper C`)."""
    title = re.sub(rf",\s*(?:ed\.|editors?)\s*[{UPPER}].*$", "", title.rstrip(". "))
    return _TRAILING_YEAR.sub("", title)


_ABBREVIATIONS = frozenset("vs eg ie dr st no vol pp al jr sr inc ltd co".split())


def _sentence_ends(text: str) -> list[tuple[int, int]]:
    """(end of the sentence, start of the next) for each '. ', '? ' or '! ' that ends one:
    not after an initial (`J. Smith`) or a short abbreviation (`vs.`)."""
    ends = []
    for match in re.finditer(r"(?<=[.?!])[\"”’']?\s+", text):
        mark = match.start() - 1
        if text[mark] == ".":
            word = re.search(r"(\S+)\.$", text[:mark + 1])
            token = word[1] if word else ""
            if re.fullmatch(r"[A-Z]", token) or token.lower() in _ABBREVIATIONS:
                continue
            ends.append((mark, match.end()))
        else:
            ends.append((mark + 1, match.end()))
    if text.rstrip().endswith((".", "?", "!")):
        ends.append((len(text.rstrip()) - (text.rstrip()[-1] == "."), len(text)))
    return ends


def _sentences(text: str) -> list[str]:
    pieces, start = [], 0
    for end, following in _sentence_ends(text):
        if text[start:end].strip(" .,;"):
            pieces.append(text[start:end].strip())
        start = following
    if text[start:].strip(" .,;"):
        pieces.append(text[start:].strip())
    return pieces


def _container_and_numbers(ref: ParsedReference, title: str, after: str) -> None:
    if not after:
        return
    chapter = re.match(r"^(?:In|in):?\s+(?P<rest>.*)$", after)
    if chapter:
        ref.kind = "chapter"
        _book(ref, chapter["rest"])
        return
    for pattern in _NUMBERS:
        numbers = pattern.search(after)
        if numbers is None:
            continue
        ref.volume = (numbers["volume"] or "").strip()
        ref.issue = (numbers.groupdict().get("issue") or "").strip()
        ref.pages = re.sub(r"\s*[-–—]\s*", "-", numbers.groupdict().get("pages") or "")
        if numbers.groupdict().get("year"):
            ref.year = ref.year or int(numbers["year"])
            ref.journal_style = True
        head = after[:numbers.start()].strip(" .,;")
        head = re.sub(r"[.,]?\s*(?:1[5-9]|20)\d\d(?:\s+[A-Z][a-z]{2}(?:\s*\d{1,2})?)?$", "",
                      head).strip(" .,;")
        if ref.volume or ref.pages:
            # after a quoted title the journal comes first (Harvard may print its publisher
            # next: `‘Title’, PLOS ONE. Public Library of Science, 11(1)`); after an
            # unquoted one the head may still hold the end of a title: the last sentence
            quoted = any(f"{q}{title}" in ref.text for q in "‘“\"'") if title else False
            parts = _sentences(head)
            ref.container = (parts[0].strip(" .,") if quoted and parts
                             else _last_sentence(head))
        else:
            ref.container = head
        return
    edition = _EDITION.search(after)
    if edition:
        ref.edition = edition[1] or edition[2]
    if _publisher(ref, after):
        if not ref.names and ref.publisher:
            ref.organisation = ref.publisher
        return
    first = _sentences(after)[0] if _sentences(after) else ""
    first = _TRAILING_YEAR.sub("", first).strip(" .,;")
    if first and not _YEAR.fullmatch(first) and not re.fullmatch(r"[A-Z][a-z]{2}\.?\s+\d.*", first):
        ref.container = first


def _last_sentence(text: str) -> str:
    """`Fish Ontology framework. PeerJ` -> `PeerJ` (a title left over in the head)."""
    parts = _sentences(text)
    return parts[-1].strip(" .,") if parts else text


def _book(ref: ParsedReference, text: str) -> None:
    """After "In:": editors, the book's title, edition, publisher, pages."""
    text = text.strip()
    marker = re.search(r"\s*\((?:eds?|editors?)\.?\),?\s*|,\s*(?:eds?|editors?)\.\s*", text, re.I)
    if marker and marker.start() < 300:
        people = text[:marker.start()]
        ref.book_editors = [split_vancouver(n) if re.search(r"\s[A-Z]{1,4}$", n.strip())
                            else (given_family(n.strip())[1], initials(given_family(
                                n.strip())[0])) for n in re.split(r",\s*|\s+(?:and|&)\s+",
                                                                   people) if n.strip()]
        text = text[marker.end():]
    else:
        edited = re.search(r",\s*edited by\s+([^,]+(?:,\s*[^,]+)*?),\s*", text)
        if edited:
            text = text[:edited.start()] + ". " + text[edited.end():]
    sentences = _sentences(text)
    if sentences:
        ref.container = re.sub(r"\s*\(.*?\)\s*$", "", sentences[0]).strip(" .,")
    edition = _EDITION.search(text)
    if edition:
        ref.edition = edition[1] or edition[2]
    _publisher(ref, text)
    pages = re.search(r"(?:\bpp?\.\s*|\d{4}\s*:\s*)([A-Za-z]?\d+\s*[-–]\s*[A-Za-z]?\d+)", text)
    if pages:
        ref.pages = re.sub(r"\s*[-–]\s*", "-", pages[1])


def _personal(ref: ParsedReference, rest: str) -> None:
    """`Mauck WD (expert opinion). Mayo Clinic. Jan. 2, 2024.`: who, where, when."""
    sentences = [p for p in _sentences(_PERSONAL.sub("", rest)) if p.strip(" .,;()")]
    when = printed_date(rest)
    ref.accessed = None
    ref.year = when.year if when else (int(y[0]) if (y := _YEAR.findall(rest)) else None)
    ref.personal_date = when
    for sentence in sentences:
        if not _YEAR.search(sentence):
            ref.organisation = sentence.strip(" .,;")
            break


def _publisher(ref: ParsedReference, text: str) -> bool:
    """`Philadelphia: Elsevier; 2023` (AMA, Vancouver): the sentence before '; YEAR'."""
    match = re.search(r";\s*((?:1[5-9]|20)\d\d)\b", text)
    if not match:
        return False
    head = text[:match.start()]
    ends = _sentence_ends(head + " ")
    start = ends[-1][1] if ends else 0
    place, _, publisher = head[start:].strip(" .,").rpartition(":")
    if not publisher.strip() or _EDITION.search(publisher):
        return False
    ref.publisher, ref.place = publisher.strip(), place.strip()
    ref.year = ref.year or int(match[1])
    return True


def _kind(ref: ParsedReference, after: str) -> str:
    if ref.kind == "chapter" and _PROCEEDINGS.search(ref.container):
        return "proceedings"
    if ref.kind in ("personal", "chapter"):
        return ref.kind
    if _PREPRINT.search(after) and not ref.volume:
        return "preprint"
    if ref.volume or ref.pages and ref.container or ref.journal_style:
        return "article"
    if ref.editors and not ref.container:
        return "book"
    if ref.edition or (ref.publisher and not ref.container):
        return "book"
    if ref.urls and not ref.doi:
        return "web"
    if ref.container and _PROCEEDINGS.search(ref.container):
        return "proceedings"
    return "unknown"  # a journal, a publisher or a repository: the registry may tell


def printed_date(text: str) -> date | None:
    """`Dec. 5, 2023`, `5 December 2023`, `2023 Dec 5`, `2023-12-05` -> a date."""
    text = text.strip()
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if iso:
        parts = tuple(int(p) for p in iso.groups())
        return _date(*parts)
    match = re.search(r"(\d{4})\s+([A-Za-z]+)\.?\s+(\d{1,2})", text)
    if match:
        return _date(int(match[1]), _month(match[2]), int(match[3]))
    match = re.search(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", text) or re.search(
        r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", text)
    if not match:
        return None
    first, second, year = match.groups()
    month_word, day = (first, second) if not first.isdigit() else (second, first)
    return _date(int(year), _month(month_word), int(day))


_MONTH_NAMES = ("january february march april may june july august september october "
                "november december").split()


def _month(word: str) -> int | None:
    """`Dec`, `Dec.`, `December`, `Sept` -> 12, 12, 12, 9; `Febtember` -> None."""
    word = word.lower().rstrip(".")
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if len(word) >= 3 and name.startswith(word):
            return number
    return None


def _date(year: int, month: int | None, day: int) -> date | None:
    try:
        return date(year, month, day) if month else None
    except ValueError:
        return None
