"""A printed reference line as BibTeX: the fields it says, the Reference the guards of
`refs find-doi` compare candidates with, and whether a printed DOI's record is the work
the line names. Pure.

    parsed = parse_reference("Lee DW, et al. Title. J Pain Res. 2021;14:1-2.")
    ref = reference_of(parsed)                 # @article, author "Lee, D. W. and others"
    entry_type, fields = fields_from_line(parsed, "a web page: nothing to look up")
    verdict = verify_printed(parsed, crossref_message)   # .agrees, .notes
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reflib.enrich.mapping import map_work
from reflib.formats.reference_string import ParsedReference
from reflib.library.markup import escape_latex, markup_to_text
from reflib.library.model import Reference
from reflib.library.textmatch import fold, spelling_similarity, squash, title_similarity
from reflib.registries.crossref.work import dates_of, people_of

if TYPE_CHECKING:
    from reflib.enrich.candidates import Candidate

ENTRY_TYPES = {"article": "article", "chapter": "incollection", "book": "book",
               "proceedings": "inproceedings", "preprint": "misc", "web": "online",
               "personal": "misc", "unknown": "misc"}
# A printed DOI is the author's claim: its record needs to agree less closely than a
# search hit, but it must be the same work (a wrong DOI names a different title).
VERIFY_TITLE_MIN = 0.75
SAME_NAME_MIN = 0.8  # `Benson` for `Benzon` (0.83) is a misspelling, not another person
BUILT_NOTE = "Built from the printed reference list ({why}); not verified against a registry."
_BUILT_HEAD = BUILT_NOTE.split("(")[0]
SKIPPED_FIELDS = frozenset({"abstract", "author+an:orcid", "editor+an:orcid"})


def _braced(text: str) -> str:
    return "{" + escape_latex(" ".join(text.split())) + "}"


def _verbatim(text: str) -> str:
    return "{" + text.strip().replace("{", "%7B").replace("}", "%7D") + "}"


def _person(family: str, letters: str) -> str:
    given = " ".join(f"{c}." for c in letters)
    family = escape_latex(family)
    if " " in family and not given:
        family = "{" + family + "}"
    return f"{family}, {given}" if given else family


def name_list(names: list[tuple[str, str]], et_al: bool) -> str:
    """`[("Lee", "DW")]`, et al. -> `{Lee, D. W. and others}`."""
    people = [_person(family, letters) for family, letters in names]
    if et_al:
        people.append("others")
    return "{" + " and ".join(people) + "}" if people else ""


def fields_of(parsed: ParsedReference, entry_type: str | None = None
              ) -> tuple[str, dict[str, str]]:
    """What the line itself says, as an entry type (`entry_type`: read it as that type)
    and raw BibTeX fields."""
    entry_type = entry_type or ENTRY_TYPES.get(parsed.kind, "misc")
    fields: dict[str, str] = {}
    people = name_list(parsed.names, parsed.et_al)
    if people:
        role = "editor" if parsed.editors and entry_type in ("book", "incollection") else "author"
        fields[role] = people
    elif parsed.organisation and parsed.kind in ("web", "personal"):
        fields["author"] = "{" + _braced(parsed.organisation) + "}"
    if parsed.book_editors and "editor" not in fields:
        fields["editor"] = name_list(parsed.book_editors, False)
    if parsed.title:
        fields["title"] = _braced(parsed.title)
    container = {"article": "journal", "incollection": "booktitle",
                 "inproceedings": "booktitle"}.get(entry_type)
    if parsed.container and container:
        fields[container] = _braced(parsed.container)
    elif parsed.container and entry_type == "online":
        fields["organization"] = _braced(parsed.container)
    elif parsed.container and entry_type == "misc":
        fields["howpublished"] = _braced(parsed.container)
    if parsed.kind == "personal":
        fields["howpublished"] = "{Personal communication}"
        if parsed.organisation:
            fields["organization"] = _braced(parsed.organisation)
    for name, value in (("edition", parsed.edition), ("publisher", parsed.publisher),
                        ("address", parsed.place), ("volume", parsed.volume),
                        ("number", parsed.issue)):
        if value:
            fields[name] = _braced(value)
    if parsed.personal_date:
        fields["date"] = "{" + parsed.personal_date.isoformat() + "}"
    elif parsed.year:
        fields["year"] = "{" + str(parsed.year) + "}"
    if parsed.pages:
        fields["pages"] = "{" + parsed.pages.replace("-", "--") + "}"
    return entry_type, fields


def reference_of(parsed: ParsedReference, title: str | None = None,
                 entry_type: str | None = None) -> Reference:
    """The line as a Reference, for the guards of `refs find-doi` (reflib.enrich.candidates):
    with `title` and `entry_type`, one reading of a line that can be read several ways."""
    entry_type, fields = fields_of(parsed, entry_type)
    if title is not None:
        fields["title"] = _braced(title)
    return Reference(f"line{parsed.line}", entry_type, fields)


def fields_from_line(parsed: ParsedReference, why: str, doi: str = ""
                     ) -> tuple[str, dict[str, str]]:
    """A source built from the line alone, marked as such, with the printed line kept."""
    entry_type, fields = fields_of(parsed)
    if doi:
        fields["doi"] = _verbatim(doi)
    if parsed.pmid:
        fields["pmid"] = "{" + parsed.pmid + "}"
    if parsed.pmcid:
        fields["pmcid"] = "{" + parsed.pmcid + "}"
    if parsed.urls:
        fields["url"] = _verbatim(parsed.urls[0])
    if parsed.accessed:
        fields["urldate"] = "{" + parsed.accessed.isoformat() + "}"
    fields["printed"] = _braced(parsed.text)
    fields["annote"] = _braced(BUILT_NOTE.format(why=why))
    return entry_type, fields


def fields_from_record(message: dict[str, Any], parsed: ParsedReference
                       ) -> tuple[str, dict[str, str]]:
    """A source from an accepted Crossref record (reflib.enrich.mapping), with the printed
    line kept; the access date and URL of a web copy come from the line."""
    return fields_from_records(message, None, parsed)


def fields_from_records(message: dict[str, Any] | None, pubmed: Any,
                        parsed: ParsedReference) -> tuple[str, dict[str, str]]:
    """A source from the accepted records: Crossref's, PubMed's (a PubMedRecord), or both
    combined field by field (reflib.enrich.combine), with the printed line kept."""
    from reflib.enrich.combine import combine
    from reflib.enrich.pubmed_mapping import map_pubmed

    work, _ = combine(map_work(message) if message is not None else None,
                      map_pubmed(pubmed) if pubmed is not None else None)
    fields = {name: raw for name, raw in work.fields.items() if name not in SKIPPED_FIELDS}
    if parsed.accessed and parsed.urls:
        fields["url"] = _verbatim(parsed.urls[0])
        fields["urldate"] = "{" + parsed.accessed.isoformat() + "}"
    fields["printed"] = _braced(parsed.text)
    return work.entry_type, fields


NEAREST_FIELDS = ("nearest", "nearestauthor", "nearesteditor", "nearestnote")


def nearest_fields(candidate: Candidate) -> dict[str, str]:
    """A candidate that had the line's title but was not accepted, as fields of the built
    source: its DOI, its people as a BibTeX name list, and what it is and why it was not
    taken (`nearestnote`). `refs check --against` compares the print with these."""
    message = candidate.message
    fields = {"nearest": _verbatim(candidate.doi)}
    for role in ("author", "editor"):
        people = people_of(message, role)
        if people:
            fields[f"nearest{role}"] = "{" + " and ".join(p.bibtex() for p in people) + "}"
    parts = [candidate.title, *(message.get("container-title") or [])[:1]]
    edition = str(message.get("edition-number") or "")
    if edition.isdigit():
        parts.append(f"{_ordinal(int(edition))} edition")
    years = sorted({d[0] for d in dates_of(message).values() if d})
    if years:
        parts.append(str(years[0]))
    failed = "; ".join(f"{c.name}: {c.detail}" for c in candidate.failed())
    parts.append(f"Not accepted as this source ({failed or 'not certain'})")
    fields["nearestnote"] = _braced(". ".join(p for p in parts if p))
    return fields


def built_from_line(ref: Reference) -> str:
    """Why a source was built from its printed line ('' when it was not): the reason in
    the `annote` that `fields_from_line` wrote."""
    note = ref.text("annote")
    if "printed" not in ref.fields or not note.startswith(_BUILT_HEAD):
        return ""
    inner = note[len(_BUILT_HEAD):]
    return inner[1:inner.rfind(")")] if inner.startswith("(") else "built from the line"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


@dataclass
class Verdict:
    """Does the record of a printed identifier name the work the line names?"""

    agrees: bool
    notes: list[str] = field(default_factory=list)


def verify_printed(parsed: ParsedReference, message: dict[str, Any]) -> Verdict:
    """Title and first author must agree; small differences are noted, not refused."""
    title = markup_to_text((message.get("title") or [""])[0])
    subtitle = markup_to_text((message.get("subtitle") or [""])[0])
    full = f"{title}: {subtitle}" if subtitle else title
    options = [parsed.title, *parsed.title_options]
    similarity = max(max(title_similarity(o, title), title_similarity(o, full)) for o in options)
    notes: list[str] = []
    line = fold(parsed.text)
    if similarity < VERIFY_TITLE_MIN and len(fold(title).split()) >= 3 and fold(title) in line:
        similarity = 1.0  # the line holds the record's title; it was read apart wrongly
    if not parsed.title and similarity < 1.0:
        return Verdict(False, ["the line has no title to compare with the record's"])
    if similarity < VERIFY_TITLE_MIN:
        return Verdict(False, [f"the record's title is \"{full[:90]}\" (similarity "
                               f"{similarity:.2f}): the printed identifier names another work"])
    if similarity < 1.0:
        notes.append(f"the printed title differs from the record's (similarity {similarity:.2f})")
    if parsed.names:
        role = "editor" if parsed.editors and not people_of(message, "author") else "author"
        theirs = people_of(message, role)
        if not theirs:
            notes.append(f"the record lists no {role} to compare with {parsed.names[0][0]}")
        else:
            ours, first = parsed.names[0][0], theirs[0].family or theirs[0].literal
            if squash(ours) != squash(first) and _printed_before_title(first, parsed, line):
                ours = first
            if squash(ours) != squash(first):
                close = spelling_similarity(ours, first)
                if close < SAME_NAME_MIN:
                    return Verdict(False, [f"the record's first {role} is {first}, the line "
                                           f"prints {ours}: the printed identifier names "
                                           "another work"])
                notes.append(f"the line prints {ours} for the record's first {role} {first}")
    return Verdict(True, notes)


def _printed_before_title(family: str, parsed: ParsedReference, line: str) -> bool:
    """The record's first family name stands in the line before the title."""
    where = line.find(fold(family))
    title_at = line.find(fold(parsed.title)) if parsed.title else len(line)
    return bool(family) and 0 <= where < max(title_at, 1)
