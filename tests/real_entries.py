"""Real BibTeX no one here wrote, for the tests that hold a fast path to its general path:
every .bib file of tests/fixtures/, and of ../shared/corpora/bibtex/ when it is here
(a user's clone has only the fixtures; the comparisons run on those then)."""

from __future__ import annotations

from functools import cache

from conftest import FIXTURES, SHARED

from reflib.formats.encoding import DecodeFailed, decode
from reflib.library.bibtex import parse_text
from reflib.library.model import Reference

CORPORA = SHARED / "corpora" / "bibtex"


@cache
def real_texts() -> tuple[tuple[str, str], ...]:
    """(name, text) of every readable .bib file of the fixtures and the corpora."""
    files = sorted(FIXTURES.rglob("*.bib"))
    if CORPORA.is_dir():
        files += sorted(CORPORA.rglob("*.bib"))
    texts = []
    for path in files:
        try:
            text = decode(path.read_bytes(), path.name)[0]
        except DecodeFailed:
            continue  # not a text at all (encoding-mixed.bib; its test is elsewhere)
        texts.append((path.name, text.lstrip("\ufeff")))
    return tuple(texts)


@cache
def real_references() -> tuple[Reference, ...]:
    return tuple(ref for name, text in real_texts()
                 for ref in parse_text(text, name).references)


def real_values(*names: str) -> list[str]:
    """Every raw value of the named fields (of every field when none is named)."""
    return [raw for ref in real_references() for name, raw in ref.fields.items()
            if not names or name in names]
