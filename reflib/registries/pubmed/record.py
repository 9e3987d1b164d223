"""One PubMed record, read from efetch's XML (`PubmedArticleSet`). Pure: no network.

    >>> records = parse_articles(xml_text)      # {pmid: PubMedRecord}, in document order
    >>> records["32887691"].publication_types
    ('Journal Article', 'Practice Guideline')

What PubMed's XML does that a parser must survive (all seen in real answers):
- dates as Year/Month/Day, Year+Season (`Spring`, `Apr-Jun`) or free-text `MedlineDate`
  (`1998 Dec-1999 Jan`, `1947-1948`, `2018 May - Jun`): the year is the first year named,
  the month the first month named;
- `CollectiveName` group authors among personal ones, `Suffix` (Jr, 3rd);
- inline markup in titles (`<i>`, `<sub>`, `<sup>`, MathML), with or without the spaces
  around the tags (NCBI's own recordings differ); `title_markup` keeps the markup;
- `MedlinePgn` abbreviated (`2807-31`): `pages` gives the full last page (`2807-2831`);
- the ArticleIds of the reference list also sit in `PubmedData`: only the article's own
  `PubmedData/ArticleIdList` names its DOI and PMCID;
- `PubmedBookArticle` (a book or chapter record) instead of `PubmedArticle`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace

from reflib.errors import BadResponse

MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)
# Inline markup PubMed allows in titles; anything else (MathML) is kept as its text.
_RAW_ARTICLE = re.compile(r"<(PubmedArticle|PubmedBookArticle)>.*?</\1>", re.S)
_INLINE = {"i": "i", "b": "b", "u": "u", "sub": "sub", "sup": "sup"}


@dataclass(frozen=True)
class PubMedAuthor:
    """A person (family, given, initials, suffix) or a group (`collective`)."""

    family: str = ""
    given: str = ""
    initials: str = ""
    suffix: str = ""
    collective: str = ""
    orcid: str = ""

    @property
    def display(self) -> str:
        if self.collective:
            return self.collective
        name = f"{self.family}, {self.given or self.initials}".rstrip(", ")
        return f"{name}, {self.suffix}" if self.suffix else name


@dataclass(frozen=True)
class Correction:
    """One CommentsCorrections link: `ErratumIn` PMID 35470203, with its citation text."""

    ref_type: str
    pmid: str = ""
    ref_source: str = ""

    @property
    def doi(self) -> str:
        """The DOI named in the citation text (`... doi: 10.1136/bmj.m4475.`), if any."""
        match = re.search(r"doi:\s*(10\.\d{4,9}/\S+)", self.ref_source)
        return match.group(1).rstrip(".,;") if match else ""


@dataclass(frozen=True)
class PubMedRecord:
    """What PubMed says about one PMID. Field values are decoded text."""

    pmid: str
    kind: str = "article"  # "article", or "book" for a PubmedBookArticle
    pmcid: str = ""
    doi: str = ""
    title: str = ""  # plain text, whitespace collapsed, markup dropped
    title_markup: str = ""  # the title with <i>/<b>/<sub>/<sup> kept, spaces repaired
    vernacular_title: str = ""
    authors: tuple[PubMedAuthor, ...] = ()
    editors: tuple[PubMedAuthor, ...] = ()
    journal: str = ""
    medline_ta: str = ""
    iso_abbreviation: str = ""
    issn: str = ""  # print
    eissn: str = ""  # electronic
    year: str = ""
    month: int | None = None
    day: int | None = None
    date_text: str = ""  # MedlineDate or Season, as PubMed wrote it
    online_date: str = ""  # ArticleDate Electronic, YYYY-MM-DD
    volume: str = ""
    issue: str = ""
    pages: str = ""  # full range, "2807-2831"; an e-locator when there are no pages
    publication_types: tuple[str, ...] = ()
    mesh: tuple[str, ...] = ()  # descriptor names; a major topic ends with "*"
    comments_corrections: tuple[Correction, ...] = ()
    language: str = ""
    status: str = ""  # MEDLINE, PubMed-not-MEDLINE, Publisher, ...
    publication_status: str = ""  # ppublish, epublish, aheadofprint
    publisher: str = ""  # books
    book_title: str = ""  # books: the book a chapter is in, or the book itself
    isbn: str = ""
    xml: str = field(default="", repr=False, compare=False)  # the record's own XML

    def corrections(self, *ref_types: str) -> list[Correction]:
        return [c for c in self.comments_corrections if c.ref_type in ref_types]


def parse_articles(text: str | bytes) -> dict[str, PubMedRecord]:
    """Every PubmedArticle and PubmedBookArticle of an efetch answer, by PMID, in order.
    An empty set (PubMed's answer for PMIDs it does not have) is an empty dict."""
    root = _parse(text)
    if root.tag in ("PubmedArticle", "PubmedBookArticle"):  # a kept record: one article
        root = ET.Element("PubmedArticleSet", {})
        root.append(_parse(text))
    if root.tag != "PubmedArticleSet":
        raise BadResponse(f"not a PubMed answer: the document is <{root.tag}>, not "
                          "<PubmedArticleSet>")
    records: dict[str, PubMedRecord] = {}
    elements = [e for e in root if e.tag in ("PubmedArticle", "PubmedBookArticle")]
    # Keep each article's XML as NCBI wrote it when the text can be cut cleanly.
    source = text if isinstance(text, str) else text.decode("utf-8", "replace")
    slices = [m.group(0) for m in _RAW_ARTICLE.finditer(source)]
    for i, element in enumerate(elements):
        record = _article(element) if element.tag == "PubmedArticle" else _book(element)
        record = replace(record, xml=slices[i] if len(slices) == len(elements)
                         else ET.tostring(element, encoding="unicode"))
        if record.pmid:
            records[record.pmid] = record
    return records


def parse_record(text: str | bytes) -> PubMedRecord:
    """One kept record (a `PubmedArticleSet` of one article); BadResponse if there is none."""
    records = parse_articles(text)
    if len(records) != 1:
        raise BadResponse(f"expected one PubMed record, found {len(records)}")
    return next(iter(records.values()))


def _parse(text: str | bytes) -> ET.Element:
    data = text.encode("utf-8") if isinstance(text, str) else text
    if b"<!ENTITY" in data[:4096].upper().replace(b" ", b""):
        # A real answer declares no entities; refusing them shuts out entity expansion.
        raise BadResponse("the PubMed answer declares XML entities; refused")
    if isinstance(text, str) and text.lstrip().startswith("<?xml"):
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # an encoding= in a str confuses expat
        data = text.encode("utf-8")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise BadResponse(f"unreadable PubMed XML ({exc})") from None


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _find_text(element: ET.Element | None, path: str) -> str:
    return _text(element.find(path)) if element is not None else ""


def _article(element: ET.Element) -> PubMedRecord:
    citation = element.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    journal = article.find("Journal") if article is not None else None
    issue = journal.find("JournalIssue") if journal is not None else None
    year, month, day, date_text = _pub_date(issue.find("PubDate") if issue is not None
                                            else None)
    ids = _article_ids(element.find("PubmedData"))
    doi = ids.get("doi", "")
    if not doi and article is not None:
        for loc in article.findall("ELocationID"):
            if loc.get("EIdType") == "doi" and loc.get("ValidYN", "Y") == "Y":
                doi = _text(loc)
                break
    title_element = article.find("ArticleTitle") if article is not None else None
    issn = eissn = ""
    for node in journal.findall("ISSN") if journal is not None else []:
        if node.get("IssnType") == "Electronic":
            eissn = _text(node)
        else:
            issn = _text(node)
    return PubMedRecord(
        pmid=_find_text(citation, "PMID"),
        pmcid=ids.get("pmc", ""),
        doi=doi,
        title=_text(title_element),
        title_markup=markup_text(title_element),
        vernacular_title=_find_text(article, "VernacularTitle"),
        authors=_people(article.find("AuthorList") if article is not None else None),
        journal=_find_text(journal, "Title"),
        medline_ta=_find_text(citation, "MedlineJournalInfo/MedlineTA"),
        iso_abbreviation=_find_text(journal, "ISOAbbreviation"),
        issn=issn, eissn=eissn,
        year=year, month=month, day=day, date_text=date_text,
        online_date=_online_date(article),
        volume=_find_text(issue, "Volume"),
        issue=_find_text(issue, "Issue"),
        pages=_pages(article),
        publication_types=tuple(_text(p) for p in citation.iterfind(
            "Article/PublicationTypeList/PublicationType")) if citation is not None else (),
        mesh=_mesh(citation),
        comments_corrections=_corrections(citation),
        language=_find_text(article, "Language"),
        status=citation.get("Status", "") if citation is not None else "",
        publication_status=_find_text(element, "PubmedData/PublicationStatus"),
    )


def _book(element: ET.Element) -> PubMedRecord:
    document = element.find("BookDocument")
    book = document.find("Book") if document is not None else None
    year, month, day, date_text = _pub_date(book.find("PubDate") if book is not None
                                            else None)
    ids = _article_ids(element.find("PubmedBookData"))
    authors: tuple[PubMedAuthor, ...] = ()
    editors: tuple[PubMedAuthor, ...] = ()
    for container in ([document] if document is not None else []) + (
            [book] if book is not None else []):
        for people in container.findall("AuthorList"):
            names = _people(people)
            if people.get("Type") == "editors":
                editors = editors or names
            else:
                authors = authors or names
    chapter_title = document.find("ArticleTitle") if document is not None else None
    book_title = book.find("BookTitle") if book is not None else None
    return PubMedRecord(
        pmid=_find_text(document, "PMID"), kind="book", pmcid=ids.get("pmc", ""),
        doi=ids.get("doi", ""),
        title=_text(chapter_title) or _text(book_title),
        title_markup=markup_text(chapter_title if chapter_title is not None else book_title),
        authors=authors, editors=editors,
        year=year, month=month, day=day, date_text=date_text,
        publication_types=tuple(_text(p) for p in document.iterfind(
            "PublicationType")) if document is not None else (),
        language=_find_text(document, "Language"),
        publisher=_find_text(book, "Publisher/PublisherName"),
        book_title=_text(book_title) if chapter_title is not None else "",
        isbn=_find_text(book, "Isbn"),
    )


def _article_ids(data: ET.Element | None) -> dict[str, str]:
    """The article's own identifiers (not those of its reference list)."""
    ids: dict[str, str] = {}
    if data is None:
        return ids
    for node in data.findall("ArticleIdList/ArticleId"):
        kind = node.get("IdType", "")
        if kind and kind not in ids:
            ids[kind] = _text(node)
    return ids


def _people(author_list: ET.Element | None) -> tuple[PubMedAuthor, ...]:
    if author_list is None:
        return ()
    people = []
    for node in author_list.findall("Author"):
        if node.get("ValidYN", "Y") != "Y":
            continue  # PubMed keeps misspelt names it has corrected, marked invalid
        orcid = next((_text(i) for i in node.findall("Identifier")
                      if i.get("Source") == "ORCID"), "")
        collective = _find_text(node, "CollectiveName")
        if collective:
            people.append(PubMedAuthor(collective=collective))
            continue
        people.append(PubMedAuthor(family=_find_text(node, "LastName"),
                                   given=_find_text(node, "ForeName"),
                                   initials=_find_text(node, "Initials"),
                                   suffix=_find_text(node, "Suffix"), orcid=orcid))
    return tuple(p for p in people if p.family or p.collective)


def _month(text: str) -> int | None:
    text = text.strip()
    if text.isdigit():
        value = int(text)
        return value if 1 <= value <= 12 else None
    match = _MONTH.search(text)
    return MONTHS[match.group(1).lower()] if match else None


def parse_date_text(text: str) -> tuple[str, int | None]:
    """(year, month) from a MedlineDate or Season: `1998 Dec-1999 Jan` -> ("1998", 12),
    `1947-1948` -> ("1947", None), `2018 May - Jun` -> ("2018", 5), `Spring` -> ("", None)."""
    year = _YEAR.search(text)
    return (year.group(1) if year else ""), _month(text)


def _pub_date(date: ET.Element | None) -> tuple[str, int | None, int | None, str]:
    """(year, month, day, the free text of a MedlineDate or Season)."""
    if date is None:
        return "", None, None, ""
    medline = _find_text(date, "MedlineDate")
    if medline:
        year, month = parse_date_text(medline)
        return year, month, None, medline
    year = _find_text(date, "Year")
    month = _month(_find_text(date, "Month")) if date.find("Month") is not None else None
    season = _find_text(date, "Season")
    if month is None and season:
        month = _month(season)
    day_text = _find_text(date, "Day")
    day = int(day_text) if day_text.isdigit() and month else None
    return year, month, day, season


def _online_date(article: ET.Element | None) -> str:
    if article is None:
        return ""
    for node in article.findall("ArticleDate"):
        if node.get("DateType", "Electronic") == "Electronic":
            parts = [_find_text(node, p) for p in ("Year", "Month", "Day")]
            if all(p.isdigit() for p in parts):
                return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return ""


def expand_pages(text: str) -> str:
    """`2807-31` -> `2807-2831`; `e123` and `3-59` stay; `S1-S9` stays."""
    match = re.fullmatch(r"\s*([A-Za-z]*)(\d+)\s*[-\u2010-\u2015]\s*([A-Za-z]*)(\d+)\s*", text)
    if not match:
        return text.strip()
    prefix, first, prefix2, last = match.groups()
    if len(last) < len(first) and (not prefix2 or prefix2 == prefix):
        last = first[: len(first) - len(last)] + last
    return f"{prefix}{first}-{prefix2 or prefix}{last}"


def _pages(article: ET.Element | None) -> str:
    if article is None:
        return ""
    medline = _find_text(article, "Pagination/MedlinePgn")
    if medline:
        return expand_pages(medline.split(",")[0]) if "," not in medline else medline
    start = _find_text(article, "Pagination/StartPage")
    end = _find_text(article, "Pagination/EndPage")
    if start:
        return f"{start}-{end}" if end and end != start else start
    for loc in article.findall("ELocationID"):
        if loc.get("EIdType") == "pii":
            return _text(loc)
    return ""


def _mesh(citation: ET.Element | None) -> tuple[str, ...]:
    if citation is None:
        return ()
    names = []
    for heading in citation.findall("MeshHeadingList/MeshHeading"):
        descriptor = heading.find("DescriptorName")
        if descriptor is None:
            continue
        major = descriptor.get("MajorTopicYN") == "Y" or any(
            q.get("MajorTopicYN") == "Y" for q in heading.findall("QualifierName"))
        names.append(_text(descriptor) + ("*" if major else ""))
    return tuple(names)


def _corrections(citation: ET.Element | None) -> tuple[Correction, ...]:
    if citation is None:
        return ()
    return tuple(Correction(ref_type=node.get("RefType", ""),
                            pmid=_find_text(node, "PMID"),
                            ref_source=_find_text(node, "RefSource"))
                 for node in citation.findall("CommentsCorrectionsList/CommentsCorrections")
                 if node.get("RefType") != "Cites")


def markup_text(element: ET.Element | None) -> str:
    """The element's text with PubMed's inline tags kept as `<i>..</i>` etc., other
    elements (MathML) as their text, whitespace collapsed, and the spaces NCBI sometimes
    drops around an italic word restored (`the<i>TERT</i>gene` -> `the <i>TERT</i> gene`)."""
    if element is None:
        return ""
    parts: list[str] = []

    def walk(node: ET.Element, top: bool) -> None:
        tag = _INLINE.get(node.tag) if not top else None
        if tag:
            parts.append(f"<{tag}>")
        parts.append(_escape(node.text or ""))
        for child in node:
            walk(child, False)
            parts.append(_escape(child.tail or ""))
        if tag:
            parts.append(f"</{tag}>")

    walk(element, True)
    text = " ".join("".join(parts).split())
    # A word glued to an italic or bold span on the outside is a dropped space, not a
    # compound: PubMed's own later recording of the same title has the spaces.
    text = re.sub(r"(\w)<(i|b|u)>(\w)", r"\1 <\2>\3", text)
    text = re.sub(r"(\w)</(i|b|u)>(\w)", r"\1</\2> \3", text)
    # After a subscript or superscript, a lower-case word of 3+ letters is a new word
    # ("SnO<sub>2</sub>thin films"); "H<sub>2</sub>O" and "m<sup>2</sup>" stay glued.
    text = re.sub(r"</(sub|sup)>([a-z]{3,})", r"</\1> \2", text)
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
