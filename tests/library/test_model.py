"""Pure parts: LaTeX to text, names, DOIs, citekeys."""

from __future__ import annotations

import pytest

from reflib.library.latex import field_text, latex_to_text
from reflib.library.model import (
    Name,
    Reference,
    is_safe_key,
    is_valid_doi,
    normalize_doi,
    parse_names,
)


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r'M{\"u}ller', "Müller"),
        (r"\c{C}a\u{g}lar", "Çağlar"),
        (r'{\"{\i}}', "ï"),
        (r"2807--2831", "2807–2831"),
        (r"\emph{Gnats} and \textsc{Gnus}", "Gnats and Gnus"),
        (r"\noopsort{a}Zeta", "Zeta"),
        (r"{\AA}ngstr\"om~unit", "Ångström unit"),
        (r"\TeX{} \& friends", "TeX & friends"),
        (r"$\alpha$-helix", "α-helix"),
        (r"Erd\H{o}s \v{S}koda \l{}ukasz", "Erdős Škoda łukasz"),
        (r"{ASPN} and {LEARN}", "ASPN and LEARN"),
        (r"50\% of \$5", "50% of $5"),
        ("plain  text\n spread", "plain text spread"),
        (r"unclosed {brace", "unclosed brace"),
        ("\\", ""),
    ],
)
def test_latex_to_text(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text


def test_field_text_delimiters_months_and_verbatim() -> None:
    assert field_text('"Quoted {Title}"') == "Quoted Title"
    assert field_text("sep") == "9"
    assert field_text('jan # " 1"') == "jan 1"
    assert field_text("{https://x.org/~me/a_b}", verbatim=True) == "https://x.org/~me/a_b"


def test_names() -> None:
    names = parse_names("van Zundert, Jan and {North American Spine Society} and "
                        r"M{\"u}ller, Jr., J. and Hooten, W. Michael and Jean de La Fontaine "
                        "and others")
    assert names == [
        Name(family="Zundert", given="Jan", von="van"),
        Name(literal="North American Spine Society"),
        Name(family="Müller", given="J.", suffix="Jr."),
        Name(family="Hooten", given="W. Michael"),
        Name(family="La Fontaine", given="Jean", von="de"),
        Name(literal="others"),
    ]
    assert names[0].display() == "van Zundert, Jan"
    assert names[2].display() == "Müller, Jr., J."


@pytest.mark.parametrize(
    ("written", "doi"),
    [
        (" https://doi.org/10.2147/JPR.S325665. ", "10.2147/JPR.S325665"),
        ("doi:10.1136/rapm-2019-101243", "10.1136/rapm-2019-101243"),
        ("http://dx.doi.org/10.1000/x;", "10.1000/x"),
        ("10.1002/(SICI)1097-4636(199812)43:4<466::AID-JBM16>3.0.CO;2-#",
         "10.1002/(SICI)1097-4636(199812)43:4<466::AID-JBM16>3.0.CO;2-#"),
    ],
)
def test_normalize_doi(written: str, doi: str) -> None:
    assert normalize_doi(written) == doi
    assert is_valid_doi(doi)


@pytest.mark.parametrize("doi", ["11.1234/x", "10.12/x", "10.1234/a b", "10.1234/", "doi"])
def test_invalid_dois(doi: str) -> None:
    assert not is_valid_doi(doi)


@pytest.mark.parametrize("key", ["lee2021learn", "Knuth-TB1-1", "a.b_c+d", "chou-uptodate-lbp",
                                 "console", "com10", "nulla2020", "auxier2019"])
def test_safe_keys(key: str) -> None:
    assert is_safe_key(key)


@pytest.mark.parametrize("key", ["", "../x", "a/b", "a\\b", ".hidden", "a..b", "x.", "a b",
                                 "/abs", "nul\x00", "x" * 201,
                                 # Windows: a colon names a drive or a stream; devices
                                 "c:x", "Knuth:TB1-1", "CON", "con", "aux", "Aux.2020",
                                 "LPT1", "com9", "nul"])
def test_unsafe_keys(key: str) -> None:
    assert not is_safe_key(key)


def test_reference_properties() -> None:
    ref = Reference("k", "article", {"year": "{2023}", "month": "feb",
                                     "doi": "{https://doi.org/10.1/x}"})
    assert (ref.year, ref.month, ref.doi) == (2023, 2, "10.1/x")


def test_the_simple_name_fast_path_reads_what_the_general_path_reads() -> None:
    """Every person of every author and editor list of the real bibliographies that the
    fast path reads, the general path (BibTeX's rules) reads the same."""
    from real_entries import real_values

    from reflib.library.latex import strip_delimiters
    from reflib.library.model import _AND, _general_name, _simple_name

    persons = {p.strip() for raw in real_values("author", "editor")
               if "{" not in (value := strip_delimiters(raw)) for p in _AND.split(value)}
    simple = {p: name for p in persons if p and (name := _simple_name(p)) is not None}
    assert len(simple) > 50
    assert {p: _general_name(p) for p in simple} == simple


def test_names_are_read_once_per_spelling_and_shared() -> None:
    first = parse_names("van Zundert, Jan and Hooten, W. Michael")
    again = parse_names("{van Zundert, Jan} and Hooten, W. Michael")
    assert first[1] is again[1]  # one frozen Name for one spelling
    assert first[0].display() == "van Zundert, Jan" and first[0].family_full == "van Zundert"
    assert again[0] == Name(literal="van Zundert, Jan")


def test_the_doi_fast_path_reads_what_the_general_path_reads() -> None:
    from real_entries import real_values

    from reflib.library.model import _without_prefixes

    real = [field_text(raw, True) for raw in real_values("doi", "url")]
    assert sum(1 for text in real if text.strip().startswith("10.")) > 10
    written = [*real, *(f"{form}{text}" for text in real
                        for form in ("doi:", "https://doi.org/", " DOI: ", "dx.doi.org/"))]
    for text in written:
        assert normalize_doi(text) == _without_prefixes(text.strip()), text


def test_a_reference_doi_follows_its_field() -> None:
    ref = Reference("a", "article", {"doi": "{https://doi.org/10.1/X.}"})
    assert ref.doi == "10.1/X"
    ref.fields["doi"] = "{10.2/Y}"
    assert ref.doi == "10.2/Y"
    del ref.fields["doi"]
    assert ref.doi == ""


def test_a_name_row_holds_what_its_properties_say() -> None:
    for name in parse_names("van Zundert, Jan and {North American Spine Society} and "
                            "Müller, Jr., J. and de La Fontaine, Jean and others"):
        assert name._row == (name.family_full, name.given, name.suffix, name.literal,
                             name.display())
