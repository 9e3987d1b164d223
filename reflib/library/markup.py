"""Text for BibTeX values: escaping, and Crossref's markup (HTML, JATS) to LaTeX. Pure.

Every value written here reads back, through reflib.latex.field_text, as the same text:

    >>> escape_latex("R&D: 100% of $5 for C# (snake_case)")
    'R\\\\&D: 100\\\\% of \\\\$5 for C\\\\# (snake\\\\_case)'
    >>> markup_to_latex("Cationic lipid in <i>Streptococcus agalactiae</i> and GBS")
    'Cationic lipid in \\\\textit{Streptococcus agalactiae} and {GBS}'
"""

from __future__ import annotations

import html
import re

_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}  # fmt: skip
# Braces are escaped as words: BibTeX counts `\}` as a closing brace all the same.
# Pairs the decoder reads as typography (`--` is an en dash, ``` `` ``` a quote): kept apart.
_LIGATURES = re.compile(r"([-`'])(?=\1)")
_SPACES = re.compile(r"\s+")
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)[^<>]*?(/?)>")
_WORD = re.compile(r"[^\W\d_]+")

# Crossref title and abstract markup (HTML and JATS) to LaTeX commands; other tags drop.
_COMMANDS = {
    "i": "textit", "em": "textit", "italic": "textit",
    "b": "textbf", "strong": "textbf", "bold": "textbf",
    "sub": "textsubscript", "sup": "textsuperscript",
    "sc": "textsc", "u": "underline", "underline": "underline",
}  # fmt: skip
_BLOCKS = frozenset({"p", "title", "sec", "list-item", "br", "div"})


def squeeze(text: str) -> str:
    """Runs of white space (newlines from Crossref's XML) as one space, ends stripped."""
    return _SPACES.sub(" ", text).strip()


def escape_latex(text: str) -> str:
    """Plain text as a LaTeX value: specials escaped, `--` kept from becoming a dash."""
    escaped = "".join(_ESCAPES.get(char, char) for char in text)
    return _LIGATURES.sub(r"\1{}", escaped)


def protect_case(word: str) -> bool:
    """True for words a style must not lower-case: `LEARN`, `MprF`, `mRNA`, `GBSΔ`."""
    return len(word) > 1 and (sum(c.isupper() for c in word) >= 2
                              or any(c.isupper() for c in word[1:]))


def _text_to_latex(text: str, protect: bool) -> str:
    if not protect:
        return escape_latex(text)
    out, pos = [], 0
    for match in _WORD.finditer(text):
        out.append(escape_latex(text[pos:match.start()]))
        word = match.group()
        out.append("{" + word + "}" if protect_case(word) else word)
        pos = match.end()
    out.append(escape_latex(text[pos:]))
    return _LIGATURES.sub(r"\1{}", "".join(out))


def _local_name(tag: str) -> str:
    return tag.rsplit(":", 1)[-1].lower()


def markup_to_latex(markup: str, protect: bool = True) -> str:
    """Crossref's title markup as LaTeX: `<i>x</i>` -> `\\textit{x}`, entities decoded,
    white space squeezed; with `protect`, words like `DNA` braced against lower-casing."""
    out: list[str] = []
    stack: list[str | None] = []
    pos = 0
    for match in _TAG.finditer(markup):
        out.append(_text_to_latex(html.unescape(markup[pos:match.start()]), protect))
        pos = match.end()
        closing, name, self_closing = match.group(1), _local_name(match.group(2)), match.group(3)
        command = _COMMANDS.get(name)
        if self_closing:
            out.append(" " if name in _BLOCKS else "")
        elif not closing:
            stack.append(name)
            out.append(f"\\{command}{{" if command else (" " if name in _BLOCKS else ""))
        elif name in stack:
            while stack:  # close whatever was left open inside, then this one
                open_name = stack.pop()
                open_command = _COMMANDS.get(open_name or "")
                out.append("}" if open_command else (" " if open_name in _BLOCKS else ""))
                if open_name == name:
                    break
    out.append(_text_to_latex(html.unescape(markup[pos:]), protect))
    while stack:
        out.append("}" if _COMMANDS.get(stack.pop() or "") else "")
    latex = squeeze("".join(out))
    return re.sub(r"\\(text\w+|underline)\{\s*\}", "", latex)


def markup_to_text(markup: str) -> str:
    """Crossref markup as plain text: tags dropped, entities decoded, spaces squeezed."""
    return squeeze(html.unescape(_TAG.sub(lambda m: " " if _local_name(m.group(2)) in _BLOCKS
                                          else "", markup)))


_JATS_TITLE = re.compile(r"<(jats:)?title>\s*(.*?)\s*</(jats:)?title>", re.S | re.I)
_ABSTRACT_HEADINGS = frozenset({"abstract", "summary", "graphical abstract"})


def jats_abstract_to_latex(jats: str) -> str:
    """A JATS abstract as one LaTeX paragraph: the heading "Abstract" dropped, section
    titles kept as `Methods:` before their text, inline markup as in titles."""

    def heading(match: re.Match) -> str:
        title = markup_to_text(match.group(2))
        if title.lower().rstrip(".:") in _ABSTRACT_HEADINGS:
            return " "
        return f" {title}{'' if title.endswith((':', '.', '?')) else ':'} "

    return markup_to_latex(_JATS_TITLE.sub(heading, jats), protect=False)
