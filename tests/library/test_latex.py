"""LaTeX to rich text and plain text (reflib.library.latex), and the corpus sweep."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reflib.library import latex_tables
from reflib.library.latex import field_rich, field_text, latex_to_rich, latex_to_text
from reflib.library.richtext import Run, plain, to_csl_markup

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


@pytest.mark.parametrize(
    ("latex", "text", "csl"),
    [
        (r"{\it NP}-complete", "NP-complete", '<span class="nocase"><i>NP</i></span>-complete'),
        (r"{$\sim$}koster", "~koster", '<span class="nocase">~</span>koster'),
        (r"\textit{p}-bromostyrene", "p-bromostyrene", "<i>p</i>-bromostyrene"),
        (r"CO\textsubscript{2} and $^{13}$C", "CO2 and 13C", "CO<sub>2</sub> and <sup>13</sup>C"),
        (r"$Normal_2$ at 37\,$^\circ$C", "Normal2 at 37 °C", "Normal<sub>2</sub> at 37 °C"),
        (r"\emph{a \emph{b} c}", "a b c", "<i>a</i> b <i>c</i>"),
        (r"\textbf{\textsc{Bold}} end", "Bold end",
         '<b><span style="font-variant:small-caps;">Bold</span></b> end'),
        (r'{\"U}ber {\TeX} \mkbibquote{Intention}', "Über TeX “Intention”",
         'Über <span class="nocase">TeX</span> “Intention”'),
        (r"An {$O(n \log n)$} sort", "An O(n log n) sort",
         'An <span class="nocase">O(n log n)</span> sort'),
        (r"\href{https://x.org}{site} \url{a_b~c}", "site a_b~c", "site a_b~c"),
        (r"$\alpha$-helix, $\frac{1}{2}$, \char92{}x", "α-helix, 1/2, \\x", "α-helix, 1/2, \\x"),
        (r"\kern-.1em\raise.2ex\hbox{A}\relax\foo{} \VAX", "A VAX", "A VAX"),
    ],
)
def test_latex_to_rich(latex: str, text: str, csl: str) -> None:
    runs = latex_to_rich(latex)
    assert plain(runs) == text == latex_to_text(latex)
    assert to_csl_markup(runs) == csl


def test_unknown_lowercase_command_never_prints_its_name() -> None:
    assert latex_to_text(r"a \weirdmacro b") == "a b"
    assert latex_to_text(r"a \weirdmacro{kept} b") == "a kept b"


def test_field_rich_protects_top_level_braces_only() -> None:
    runs = field_rich(r"{Using {DNA} in \textit{E. coli}}")
    assert runs == [Run("Using "), Run("DNA", frozenset({"nocase"})), Run(" in "),
                    Run("E. coli", frozenset({"i"}))]
    assert field_text("{CO\\textsubscript{2}}") == "CO2"


# Names a converted value must never contain: our tables' formatting commands.
_COMMAND_NAMES = sorted(
    {*latex_tables.FONT_COMMANDS, *latex_tables.QUOTE_COMMANDS, *latex_tables.DROP_ARGUMENT,
     *(n for n in latex_tables.PLAIN_COMMANDS if len(n) > 4 and n.islower()),
     "textsubscript", "textsuperscript", "emph", "mathrm", "noopsort"} - {"index", "label",
                                                                          "special", "input",
                                                                          "include", "color"})
_LEFTOVER = re.compile(r"\\[A-Za-z]|<\/?(i|b|sub|sup|scp|span|italic|mml:\w+)\b|"
                       r"(?<![A-Za-z])(" + "|".join(_COMMAND_NAMES) + r")(?![a-z])")


def leftovers(text: str, source: str) -> list[str]:
    """Command names or tags in `text` that its `source` did not mean as words."""
    found = [m.group() for m in _LEFTOVER.finditer(text)]
    return [f for f in found if not (f.startswith("\\") and ("\\bs" in source or "\\cs" in source
                                                               or "\\char" in source
                                                               or "textbackslash" in source))
            and f.lower() not in source.lower().replace("\\" + f.lower(), "")]


@pytest.mark.skipif(not (SHARED / "corpora" / "bibtex").is_dir(),
                    reason="../shared/corpora is not here (developer machines and CI only)")
def test_every_title_in_the_bibtex_corpora_converts_without_leftovers() -> None:
    from reflib.library.bibtex import parse_text

    checked, bad = 0, []
    for path in sorted((SHARED / "corpora" / "bibtex").rglob("*.bib")):
        parsed = parse_text(path.read_text(encoding="utf-8", errors="replace"), path.name)
        for ref in parsed.references:
            for name in ("title", "booktitle", "journal", "subtitle"):
                raw = ref.fields.get(name)
                if raw is None:
                    continue
                checked += 1
                text = field_text(raw)
                csl = to_csl_markup(field_rich(raw))
                for found in leftovers(text, raw) + leftovers(
                        re.sub(r"</?(i|b|sub|sup)>|<span [^>]*>|</span>", "", csl), raw):
                    bad.append(f"{path.name}:{ref.key}:{name}: {found!r} in {text!r}")
    assert checked > 3000
    assert bad == []


def test_field_text_fast_path_reads_what_the_general_path_reads() -> None:
    """Every raw value of the real bibliographies: the one-braced-value path and the
    general path give the same text, verbatim or not."""
    from real_entries import real_values

    from reflib.library.latex import _any_field_text

    values = real_values()
    assert sum(1 for raw in values if raw.startswith("{") and "#" not in raw) > 200
    for raw in values:
        assert field_text(raw) == _any_field_text(raw, False), raw
        assert field_text(raw, True) == _any_field_text(raw, True), raw


def test_is_bare_macro_fast_path_reads_what_the_general_path_reads() -> None:
    from real_entries import real_values

    from reflib.library.latex import _bare_parts, is_bare_macro

    values = real_values()
    assert any(_bare_parts(raw) for raw in values)  # macros are there to find
    for raw in values:
        assert is_bare_macro(raw) == _bare_parts(raw), raw


def test_plain_text_spaces_as_the_general_rule() -> None:
    """Text without markup has its runs of white space made one space (any Unicode white
    space, as the regular expression `\\s+` finds it), on real values and on every
    white-space character."""
    from real_entries import real_values

    from reflib.library.latex import _NEEDS_WORK

    spaces = "".join(c for c in map(chr, range(0x3100)) if re.fullmatch(r"\s", c))
    samples = [f"{spaces}a{spaces}b c{spaces}", *real_values()]
    plain_texts = [text for text in samples if not _NEEDS_WORK.search(text)]
    assert len(plain_texts) > 100
    for text in plain_texts:
        assert latex_to_text(text) == re.sub(r"\s+", " ", text).strip(), text


def test_split_concatenation_as_the_character_by_character_rule() -> None:
    """Top-level `#` splits a value (not in braces, not in quotes): the regex-driven split
    gives what reading every character gives, on every real value that has a `#`."""
    from real_entries import real_values

    from reflib.library.latex import split_concatenation

    def by_character(raw: str) -> list[str]:
        parts, depth, in_quotes, start = [], 0, False, 0
        for i, char in enumerate(raw):
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char == '"' and depth == 0:
                in_quotes = not in_quotes
            elif char == "#" and depth == 0 and not in_quotes:
                parts.append(raw[start:i].strip())
                start = i + 1
        parts.append(raw[start:].strip())
        return parts

    values = [raw for raw in real_values() if "#" in raw]
    values += ['jan # " 1"', '{a # b} # "c # {d}" # e', '"x # y"', "a#b#", "} # {"]
    assert sum(1 for raw in values if len(split_concatenation(raw)) > 1) > 5
    for raw in values:
        assert split_concatenation(raw) == by_character(raw), raw
