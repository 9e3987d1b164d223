"""Crossref markup (HTML, JATS, MathML) to rich text and BibTeX (reflib.library.markup)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reflib.library.latex import field_rich, field_text
from reflib.library.markup import markup_to_latex, markup_to_rich, markup_to_text
from reflib.library.richtext import plain, to_csl_markup

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
MML = 'xmlns:mml="http://www.w3.org/1998/Math/MathML"'


@pytest.mark.parametrize(
    ("markup", "text", "csl"),
    [
        ("Synthesis of <i>p</i>-bromostyrene", "Synthesis of p-bromostyrene",
         "Synthesis of <i>p</i>-bromostyrene"),
        ("CO<sub>2</sub> and <sup>13</sup>C", "CO2 and 13C", "CO<sub>2</sub> and <sup>13</sup>C"),
        ("<i>BRCA1</i> in <scp>dna</scp>", "BRCA1 in dna",
         '<i>BRCA1</i> in <span style="font-variant:small-caps;">dna</span>'),
        ("<jats:italic>in vivo</jats:italic> &amp; <jats:bold>bold</jats:bold>",
         "in vivo & bold", "<i>in vivo</i> &amp; <b>bold</b>"),
        (f"Effect of <mml:math {MML}><mml:msub><mml:mi>CO</mml:mi><mml:mn>2</mml:mn>"
         "</mml:msub></mml:math> on x", "Effect of CO2 on x", "Effect of CO<sub>2</sub> on x"),
        ("A <inline-formula><alternatives><tex-math>$x^2$</tex-math><mml:math><mml:msup>"
         "<mml:mi>x</mml:mi><mml:mn>2</mml:mn></mml:msup></mml:math></alternatives>"
         "</inline-formula> b", "A x2 b", "A x<sup>2</sup> b"),
        ("<mml:math><mml:mfrac><mml:mn>1</mml:mn><mml:mn>2</mml:mn></mml:mfrac></mml:math>",
         "1/2", "1/2"),
        ("unclosed <i>italic", "unclosed italic", "unclosed <i>italic</i>"),
        ("a < b and c > d", "a < b and c > d", "a &lt; b and c &gt; d"),
        ('<span style="font-variant:small-caps;">Small</span> caps', "Small caps",
         '<span style="font-variant:small-caps;">Small</span> caps'),
    ],
)
def test_markup_to_rich_and_back_through_bibtex(markup: str, text: str, csl: str) -> None:
    runs = markup_to_rich(markup)
    assert plain(runs) == text == markup_to_text(markup)
    stored = "{" + markup_to_latex(markup) + "}"
    assert field_text(stored) == text  # what BibTeX keeps reads back as the same text
    assert to_csl_markup(field_rich(stored), nocase=False, escape=True) == csl


def _crossref_titles() -> list[tuple[str, str]]:
    folders = [FIXTURES / "crossref", SHARED / "corpora" / "crossref" / "responses",
               SHARED / "corpora" / "crossref" / "commonmeta-fixtures"]
    titles = []
    for folder in folders:
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue
            message = data.get("message", data) if isinstance(data, dict) else {}
            items = message.get("items", [message]) if isinstance(message, dict) else message
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict):
                    continue
                for name in ("title", "subtitle", "container-title", "original-title"):
                    value = item.get(name)
                    for title in value if isinstance(value, list) else [value] if value else []:
                        titles.append((path.name, str(title)))
    return titles


def test_every_crossref_title_converts_without_tags_or_commands() -> None:
    titles = _crossref_titles()
    assert len(titles) > 20
    for name, title in titles:
        text = field_text("{" + markup_to_latex(title) + "}")
        assert "<" not in text.replace(" < ", "") and "\\" not in text, (name, title, text)
        assert text == markup_to_text(title), (name, title)
