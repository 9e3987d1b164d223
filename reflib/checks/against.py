"""`refs check --against FILE`: the article's printed reference list against the library.

Each line of the printed list (numbered or not) is read as an AMA-like reference, matched
to a source (DOI first, then title, then first author and year), and every disagreement
between what the article prints and what the library holds becomes a finding. Pure
apart from reading nothing: it takes the list's text.

Severities: a wrong name, a different DOI or year, a line that matches no source and a
source printed at another number than its place in the citation order are errors (the
printed list misleads its reader); "et al." for a single author, a title that differs
in words, a missing DOI, a different journal, URL or access date are warnings. Case is
never a difference (AMA prints sentence case), nor is "&" against "and".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from reflib.checks.corrections import marked_line, word_changes
from reflib.checks.source import parse_access_date
from reflib.enrich.printed import built_from_line
from reflib.formats.reference_string import (
    ParsedReference,
    parse_reference,
    parse_reference_list,
    strip_number,
)
from reflib.library.findings import Finding
from reflib.library.model import Name, Reference, doi_key, parse_names
from reflib.library.textmatch import (
    fold,
    initials,
    journal_agrees,
    same_title,
    spelling_similarity,
    squash,
    title_similarity,
)

AGAINST = "against"

# The printed line is read by the one reference-string parser (also `refs import
# --from-list`); these names stay for this module's readers.
PrintedReference = ParsedReference
parse_printed_list = parse_reference_list


def parse_printed_line(line: str, line_number: int, count: int) -> PrintedReference:
    """`Lee DW, et al. Title. Journal. 2021; doi:10.x/y.` -> its parts."""
    return parse_reference(line, line_number, count)


def _people(ref: Reference, printed: PrintedReference) -> tuple[list[Name], str]:
    """The names the printed list should show for this source: authors, else editors."""
    if printed.editors and ref.editors:
        return ref.editors, "editor"
    if ref.authors:
        return ref.authors, "author"
    return ref.editors, "editor"


def _score(printed: PrintedReference, ref: Reference) -> float | None:
    """How well a printed line matches a source; None when it does not."""
    if printed.doi and ref.doi and doi_key(printed.doi) == doi_key(ref.doi):
        return 100.0
    title = title_similarity(printed.title, ref.title) if ref.title else 0.0
    people, _ = _people(ref, printed)
    author = 0.0
    if printed.names and people:
        author = spelling_similarity(printed.names[0][0], people[0].family_full)
    year = bool(printed.year and printed.year in _years(ref))
    if title >= 0.6 or (author >= 0.8 and year and (title >= 0.3 or not ref.title)):
        return title * 10 + author * 3 + year
    return None


def _years(ref: Reference) -> set[int]:
    years = {ref.year} if ref.year else set()
    online = parse_access_date(ref.text("onlinedate")) if "onlinedate" in ref.fields else None
    return years | ({online.year} if online else set())


# The library's references as the article prints them (the `article` style), one line
# each; the caller passes it in, since citation styles are a later stage than checks.
LineRenderer = Callable[[Sequence[Reference]], list[str]]


def compare_printed_list(text: str, file: str, refs: list[Reference], order: list[str],
                         render: LineRenderer | None = None) -> list[Finding]:
    """Every disagreement between a printed list and the library, line by line. With
    `render`, each finding also says what the line should read (`data["should_read"]`,
    changed words marked) beside what it reads (`data["printed"]`)."""
    printed = parse_printed_list(text)
    if not printed:
        return [Finding(None, AGAINST, "error", f"the printed list {file} holds no reference; "
                        "give the article's reference list, one reference a line", file,
                        None)]
    candidates = sorted(
        ((score, i, j) for i, p in enumerate(printed) for j, r in enumerate(refs)
         if (score := _score(p, r)) is not None), reverse=True)
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in candidates:
        if i not in matched and j not in taken:
            matched[i] = j
            taken.add(j)
    found: list[Finding] = []
    positions = {key: n for n, key in enumerate(order, start=1)}
    for i, line in enumerate(printed):
        if i not in matched:
            found.append(Finding(None, AGAINST, "error", f"printed reference {line.number} "
                                 "matches no source in the library; add the source, or "
                                 "correct or remove the line", file, line.line,
                                 {"number": line.number, "printed_line": _body(line)}))
            continue
        found.extend(_compare(line, refs[matched[i]], file, positions))
    for j, ref in enumerate(refs):
        if j not in taken and ref.key in positions:
            found.append(Finding(ref.key, AGAINST, "warning", f"{ref.key} (reference "
                                 f"{positions[ref.key]}) is not in the printed list {file}; "
                                 f"print it as reference {positions[ref.key]}", ref.file,
                                 ref.line, {"number": positions[ref.key], "printed_line": ""}))
    if render is not None:
        _add_should_read(found, printed, matched, refs, render)
    return found


def _body(line: PrintedReference) -> str:
    """The printed line without its number."""
    return strip_number(line.text)


def _add_should_read(found: list[Finding], printed: list[PrintedReference],
                     matched: dict[int, int], refs: list[Reference],
                     render: LineRenderer) -> None:
    """Give each finding about a source the library's line, changes marked (one
    rendering call for all of them)."""
    by_key = {refs[j].key: printed[i] for i, j in matched.items()}
    keys = {f.key for f in found if f.key}
    wanted = [r for r in refs if r.key in keys]
    lines = dict(zip([r.key for r in wanted], render(wanted), strict=True)) if wanted else {}
    for f in found:
        if f.key in lines:
            line = by_key.get(f.key)
            f.data["should_read"] = (marked_line(_body(line), lines[f.key]) if line
                                     else lines[f.key])


def _compare(line: PrintedReference, ref: Reference, file: str, positions: dict[str, int]
             ) -> list[Finding]:
    found: list[Finding] = []

    def add(severity: str, what: str, message: str, **data) -> None:
        found.append(Finding(ref.key, AGAINST, severity, f"printed reference {line.number}: "
                             f"{message}", file, line.line,
                             {"field": what, "number": line.number, **data,
                              "printed_line": _body(line)}))

    built = built_from_line(ref)
    if built:
        add("skipped", "source", f"could not be checked: {ref.key} was built from this printed "
            f"line ({built}), so no registry record says what it should read",
            reason="built-from-line")
        _compare_nearest(line, ref, add)
    _compare_names(line, ref, add)
    if line.title and ref.title and not same_title(line.title, ref.title):
        changes = word_changes(line.title, ref.title)
        said = "; ".join(_change(old, new) for old, new in changes) or "punctuation differs"
        add("warning", "title", f"the title {said}", printed=line.title, source=ref.title)
    if ref.entry_type == "article" and line.container:
        ours = [ref.text(n) for n in ("journal", "journaltitle", "shortjournal") if n in ref.fields]
        if ours and not journal_agrees(ours, [line.container]):
            add("warning", "journal", f"journal \"{line.container}\", the source has "
                f"\"{ours[0]}\"", printed=line.container, source=ours[0])
    if line.year and _years(ref) and line.year not in _years(ref):
        add("error", "year", f"year {line.year}, the source has {ref.year}",
            printed=line.year, source=ref.year)
    if line.doi and ref.doi and doi_key(line.doi) != doi_key(ref.doi):
        add("error", "doi", f"doi {line.doi}, the source has {ref.doi}",
            printed=line.doi, source=ref.doi)
    elif ref.doi and not line.doi:
        add("warning", "doi", f"printed without its DOI; add doi:{ref.doi}", source=ref.doi)
    elif line.doi and not ref.doi:
        add("warning", "doi", f"doi {line.doi}, which the source lacks; add it to "
            f"{ref.file} if it is right", printed=line.doi)
    _compare_web(line, ref, add)
    number = positions.get(ref.key)
    if number is None:
        add("warning", "position", f"{ref.key} is not in the citation order (refs/order.txt)")
    elif number != line.number:
        add("error", "position", f"{ref.key} is reference {number} in the citation order, "
            f"printed as {line.number}", printed=line.number, source=number)
    return found


def _compare_names(line: PrintedReference, ref: Reference, add) -> None:
    people, role = _people(ref, line)
    named = [n for n in people if n.literal != "others"]
    truncated = len(named) < len(people)
    if not line.names:
        if named and not all(n.literal and fold(n.literal) in fold(line.text) for n in named):
            add("warning", "names", f"printed without its {role}s ({named[0].display()})")
        return
    for position, (family, letters) in enumerate(line.names):
        if position >= len(named):
            if not truncated:
                add("warning", "names", f"prints {len(line.names)} names; the source has "
                    f"{len(named)} {role}(s)")
            break
        person = named[position]
        ordinal = "first " if position == 0 else f"{_ordinal(position + 1)} "
        if squash(family) in {squash(person.family_full), squash(person.family)}:
            if person.given and letters and initials(person.given) != letters:
                add("warning", "names", f"'{family} {letters}': the source's {ordinal}{role} "
                    f"is {person.display()} ({initials(person.given)})",
                    printed=f"{family} {letters}", source=person.display())
            continue
        close = spelling_similarity(family, person.family_full) >= 0.6
        add("error", "names", f"'{family} {letters}' {'misspells' if close else 'is not'} "
            f"the source's {ordinal}{role}, {person.display()}",
            printed=f"{family} {letters}", source=person.display())
    if line.et_al and len(named) == 1 and not truncated:
        add("warning", "names", f"\"et al.\" printed, but the source has a single {role} "
            f"({named[0].display()}); drop \"et al.\"", source=named[0].display())
    elif not line.et_al and len(line.names) < len(named):
        add("warning", "names", f"prints {len(line.names)} of {len(named)} {role}s without "
            "\"et al.\"")
    if line.editors == "eds" and len(named) == 1 and not truncated:
        add("warning", "names", "\"eds.\" printed for a single editor; write \"ed.\"")
    elif line.editors == "ed" and (len(named) > 1 or truncated) and role == "editor":
        add("warning", "names", "\"ed.\" printed for several editors; write \"eds.\"")


def _compare_nearest(line: PrintedReference, ref: Reference, add) -> None:
    """A source built from its line may keep the registry record that had its title but
    was not accepted (`nearest`: another edition, say); a printed first name one or two
    letters from that record's is worth a look, said as what it is."""
    doi = ref.text("nearest")
    if not doi or not line.names:
        return
    roles = ("editor", "author") if line.editors else ("author", "editor")
    role, people = next(((r, parse_names(ref.fields[f"nearest{r}"])) for r in roles
                         if f"nearest{r}" in ref.fields), ("", []))
    if not people:
        return
    family, letters = line.names[0]
    theirs = people[0]
    if squash(family) == squash(theirs.family_full):
        return
    distance = _letters_apart(squash(family), squash(theirs.family_full))
    if distance > 2 or spelling_similarity(family, theirs.family_full) < 0.75:
        return
    apart = "one letter" if distance == 1 else "two letters"
    add("warning", "names", f"the printed {role} '{family} {letters}' is {apart} from "
        f"'{theirs.display()}', the first {role} of the nearest registry record "
        f"(doi:{doi}: {ref.text('nearestnote')}); check the spelling",
        printed=f"{family} {letters}", source=theirs.display(), nearest=doi)


def _letters_apart(a: str, b: str) -> int:
    """Levenshtein distance of two short words."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def _compare_web(line: PrintedReference, ref: Reference, add) -> None:
    url = ref.text("url")
    if url and line.urls and not any(_same_url(url, u) for u in line.urls):
        add("warning", "url", f"URL {line.urls[0]}, the source has {url}",
            printed=line.urls[0], source=url)
    accessed = parse_access_date(ref.text("urldate")) if "urldate" in ref.fields else None
    if line.accessed and accessed and line.accessed != accessed:
        add("warning", "urldate", f"accessed {line.accessed.isoformat()}, the source has "
            f"{accessed.isoformat()}", printed=line.accessed.isoformat(),
            source=accessed.isoformat())


def _same_url(a: str, b: str) -> bool:
    def key(url: str) -> str:
        return re.sub(r"^https?://(www\.)?", "", url.strip()).rstrip("/").lower()
    return key(a) == key(b)


def _change(printed: str, source: str) -> str:
    """One difference of a title, said plainly."""
    if not source:
        return f"prints \"{printed}\", which the source's title does not have"
    if not printed:
        return f"lacks \"{source}\" (in the source's title)"
    return f"reads \"{printed}\" where the source has \"{source}\""


def _ordinal(n: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(n, f"{n}th")
