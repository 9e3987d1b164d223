"""The proof on the corpora: our scanner (library/bibscan.py, which reads refs/) and
bibtexparser (an independent reader) find the same entries with the same raw values in
every BibTeX file of ../shared/corpora/bibtex/ and of tests/fixtures/; where bibtexparser
differs from BibTeX (a backslash before a brace or a quote is no escape to BibTeX), the
listed cases show ours is BibTeX's reading, with pybtex (a reimplementation of BibTeX's
parser) as the witness."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
import pytest
from conftest import FIXTURES, SHARED

from reflib.formats.encoding import DecodeFailed, decode
from reflib.library.bibtex import parse_text

CORPORA = SHARED / "corpora" / "bibtex"

# file (relative to the corpora) -> the differences expected there, each explained. None
# today: bibtexparser 2 and our scanner agree on every corpus file.
KNOWN: dict[str, list[str]] = {}


def differences(text: str, name: str) -> list[str]:
    """Where the two readers disagree: entries one of them reads, types, field values."""
    text = text.lstrip("\ufeff")
    theirs: dict[str, tuple[str, dict[str, str]]] = {}
    for entry in bibtexparser.parse_string(text, parse_stack=[]).entries:
        theirs.setdefault(entry.key, (entry.entry_type.lower(),
                                      {f.key.lower(): f.value for f in entry.fields}))
    ours = {ref.key: (ref.entry_type, ref.fields) for ref in parse_text(text, name).references}
    found = []
    for key in sorted(set(theirs) | set(ours)):
        if key not in ours or key not in theirs:
            found.append(f"{key}: read only by {'us' if key in ours else 'bibtexparser'}")
            continue
        (their_type, their_fields), (our_type, our_fields) = theirs[key], ours[key]
        if their_type != our_type:
            found.append(f"{key}: type {their_type} vs {our_type}")
        for field in sorted(set(their_fields) | set(our_fields)):
            if their_fields.get(field) != our_fields.get(field):
                found.append(f"{key}.{field}: {their_fields.get(field)!r} vs "
                             f"{our_fields.get(field)!r}")
    return found


def readable(path: Path) -> str | None:
    try:
        return decode(path.read_bytes(), path.name)[0]
    except DecodeFailed:
        return None  # encoding-mixed.bib: not a text at all (its test is elsewhere)


@pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora is not here (it exists on "
                    "developer machines and in CI, not in a user's clone)")
def test_the_same_entries_and_values_as_bibtexparser_on_every_corpus_file() -> None:
    files = sorted(CORPORA.rglob("*.bib"))
    assert len(files) >= 60
    found = {}
    entries = 0
    for path in files:
        text = readable(path)
        assert text is not None, path
        entries += text.count("@")
        diff = differences(text, str(path))
        if diff:
            found[str(path.relative_to(CORPORA))] = diff
    assert found == KNOWN
    assert entries > 4000


def test_the_same_entries_and_values_as_bibtexparser_on_the_fixtures() -> None:
    files = sorted([*(FIXTURES / "bibtex").glob("*.bib"), *(FIXTURES / "import").glob("*.bib")])
    compared = 0
    for path in files:
        text = readable(path)
        if text is None:
            continue
        assert differences(text, str(path)) == [], path
        compared += 1
    assert compared >= 12


# Where bibtexparser reads a backslash as an escape and BibTeX does not: bibtexparser finds
# a value; BibTeX (and we, and pybtex) find the brace or quote closes the value, so the
# entry is a syntax error there, never a silently different value.
ESCAPES = [
    '@article{a, title = {x \\} y}, year = {1}}',
    '@article{a, author = "Smith \\" Templar", year = {1}}',
    '@article{a, title = {a \\{ b}, year = {2}}',
]


@pytest.mark.parametrize("text", ESCAPES)
def test_where_bibtexparser_takes_an_escape_we_read_what_bibtex_reads(text: str) -> None:
    from pybtex.database.input.bibtex import Parser
    from pybtex.scanner import PybtexSyntaxError

    assert [e.key for e in bibtexparser.parse_string(text, parse_stack=[]).entries] == ["a"]
    ours = parse_text(text, "x.bib")
    assert ours.references == [] and "syntax error" in str(ours.problems[0])
    with pytest.raises(PybtexSyntaxError):
        Parser().parse_string(text)


def test_a_braced_backslash_is_text_to_both() -> None:
    text = '@article{a, title = "{$ \\{ $Meta$ \\} $Font}", year = {1}}'  # tugboat.bib:32834
    assert differences(text, "x.bib") == []
    assert parse_text(text, "x.bib").references[0].fields["title"] == '"{$ \\{ $Meta$ \\} $Font}"'
