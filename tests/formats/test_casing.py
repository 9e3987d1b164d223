"""Casing by language, all-capitals titles, BCP 47 tags (reflib.formats.casing)."""

from __future__ import annotations

import pytest

from reflib.formats.casing import bcp47, is_english
from reflib.formats.csl import sentence_case, to_csl
from reflib.library.model import Reference


@pytest.mark.parametrize(("value", "tag"), [
    ("english", "en"), ("ngerman", "de"), ("German", "de"), ("ger", "de"), ("eng", "en"),
    ("en_US", "en-US"), ("pt-br", "pt-BR"), ("british", "en-GB"), ("", ""),
    ("klingonish", ""), ("xyz", ""),
])
def test_bcp47(value: str, tag: str) -> None:
    assert bcp47(value) == tag


def test_only_english_titles_are_recased() -> None:
    title = "{Die Straße als politische Arena und Medium der Masse}"
    assert sentence_case(title, language="de", markup=False) == title[1:-1]
    assert sentence_case("{A Study of Pain}", language="en-GB", markup=False) == "A study of pain"
    assert is_english("") and not is_english("fr")
    ref = Reference("x", "article", {"title": title, "langid": "{ngerman}"})
    assert to_csl(ref)["language"] == "de" and to_csl(ref)["title"] == title[1:-1]


def test_all_capitals_title_is_recased_as_a_whole() -> None:
    raw = "{THE ROLE OF A KINASE IN CELL FUNCTION WITH A NEW IL-6 MODEL: A REVIEW}"
    assert sentence_case(raw, "lower", markup=False) == (
        "The role of a kinase in cell function with a new IL-6 model: a review")
    assert sentence_case("{The ASPN Guideline}", markup=False) == "The ASPN guideline"


def test_italics_and_formulas_are_kept_and_protected() -> None:
    raw = r"{Synthesis of \textit{p}-Bromostyrene and {CO}\textsubscript{2} in \emph{BRCA1} Cells}"
    assert sentence_case(raw) == (
        'Synthesis of <span class="nocase"><i>p</i></span>-bromostyrene and '
        '<span class="nocase">CO<sub>2</sub></span> in <span class="nocase"><i>BRCA1</i></span>'
        " cells")
    assert sentence_case(raw, markup=False) == "Synthesis of p-bromostyrene and CO2 in BRCA1 cells"
