"""Rich text through the processor into text, HTML and Markdown (reflib.cite.markers)."""

from __future__ import annotations

from reflib.cite.bibliography import format_bibliography
from reflib.cite.markers import decode, encode_text
from reflib.library.model import Reference

REF = Reference("a", "article", {
    "author": "{Doe, Jane}", "journal": "{J Tests}", "year": "2020", "volume": "1",
    "pages": "1--2",
    "title": r"{Synthesis of \textit{p}-Bromostyrene and {CO}\textsubscript{2} in "
             r"\textit{BRCA1} Cells}"})


def test_markers_round_trip() -> None:
    encoded = encode_text('<span class="nocase"><i>E. coli</i></span> &', str)
    assert encoded.startswith('<span class="nocase">') and "<i>" not in encoded
    assert decode(encoded, "html") == '<span class="nocase"><i>E. coli</i></span> &'
    assert decode(encoded, "text") == '<span class="nocase">E. coli</span> &'


def test_rich_titles_in_every_format() -> None:
    text = format_bibliography([REF], "ama", "text")[0]
    assert text.startswith("Doe J. Synthesis of p-bromostyrene and CO2 in BRCA1 cells. J Tests.")
    html = format_bibliography([REF], "ama", "html")[0]
    assert "Synthesis of <i>p</i>-bromostyrene and CO<sub>2</sub> in <i>BRCA1</i> cells" in html
    markdown = format_bibliography([REF], "vancouver", "markdown")[0]
    assert "Synthesis of *p*-bromostyrene and CO<sub>2</sub> in *BRCA1* cells" in markdown
    for fmt in ("text", "html", "markdown"):
        for style in ("ama", "vancouver", "apa", "chicago", "article"):
            out = format_bibliography([REF], style, fmt)[0]
            assert "textit" not in out and "textsubscript" not in out and "\ue100" not in out


def test_chicago_full_given_names_and_punctuation_inside_quotes() -> None:
    out = format_bibliography([REF], "chicago", "text")[0]
    assert out.startswith("Doe, Jane. 2020. “Synthesis of p-Bromostyrene")
    assert "Cells.” J Tests" in out
