"""Bytes to text: every encoding of the same real file reads the same; errors name offsets."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from reflib.formats.detect import detect
from reflib.formats.encoding import DecodeFailed, decode
from reflib.library.bibtex import parse_text

IMPORT = FIXTURES / "import"


@pytest.mark.parametrize(("name", "encoding"), [
    ("encoding-utf8-bom.bib", "utf-8-sig"),
    ("encoding-latin1.bib", "windows-1252"),
    ("encoding-utf16le.bib", "utf-16-le"),
    ("encoding-utf16le-bom.bib", "utf-16-le"),
    ("encoding-utf16be-bom.bib", "utf-16-be"),
])
def test_every_encoding_reads_the_same_entry(name: str, encoding: str) -> None:
    text, used = decode((IMPORT / name).read_bytes(), name)
    assert used == encoding
    [ref] = parse_text(text, name).references
    assert ref.fields["author"] == "{Jean César}" and ref.fields["journal"] == "{Elémentaire}"


def test_utf16_without_bom_cyrillic_and_cp1252_quotes() -> None:
    text, used = decode((IMPORT / "cyrillic-utf16be.bib").read_bytes(), "c.bib")
    assert used == "utf-16-be" and "Викторов, Михаил Маркович" in text
    text, used = decode((IMPORT / "manubot-cp1252.ris").read_bytes(), "m.ris")
    assert used == "windows-1252" and "‘Manubot’" in text


def test_mixed_utf8_is_an_error_with_offset_and_line() -> None:
    with pytest.raises(DecodeFailed) as caught:
        decode((IMPORT / "encoding-mixed.bib").read_bytes(), "mixed.bib")
    assert str(caught.value).startswith("mixed.bib:8: cannot be read as utf-8: byte 0xe9 at "
                                        "offset 166")
    text, used = decode((IMPORT / "encoding-mixed.bib").read_bytes(), "m.bib", "latin-1")
    assert used == "latin-1"
    with pytest.raises(DecodeFailed, match="unknown encoding 'klingon'"):
        decode(b"x", "x.bib", "klingon")
    with pytest.raises(DecodeFailed, match="offset 2"):
        decode(b"\xff\xfe\x00\xd8", "odd.bib")  # UTF-16 with a lone surrogate


def test_formats_are_recognised_from_content() -> None:
    assert detect(" \n@Article{k, title={T}}") == "bibtex"
    assert detect("Provider: X\n\nTY  - JOUR\nER  - \n") == "ris"
    assert detect("\nPMID- 1\nTI  - T\n") == "medline"
    assert detect('[{"type": "book"}]') == "csl-json"
    assert detect('<?xml version="1.0"?><xml><records><record/></records></xml>') \
        == "endnote-xml"
    assert detect("<html><body>no</body></html>") is None
    assert detect("Dear colleague, see you@there.") is None
