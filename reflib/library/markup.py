"""Crossref's markup (HTML, JATS, MathML) to rich text, and rich text to BibTeX. Pure.

Every value written here reads back, through reflib.library.latex, as the same text and
the same marks:

    >>> escape_latex("R&D: 100% of $5 for C# (snake_case)")
    'R\\\\&D: 100\\\\% of \\\\$5 for C\\\\# (snake\\\\_case)'
    >>> markup_to_latex("Cationic lipid in <i>Streptococcus agalactiae</i> and GBS")
    'Cationic lipid in \\\\textit{Streptococcus agalactiae} and {GBS}'
    >>> markup_to_text("CO<sub>2</sub> and <mml:math><mml:msup><mml:mi>x</mml:mi>"
    ...                "<mml:mn>2</mml:mn></mml:msup></mml:math>")
    'CO2 and x2'
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from reflib.library.richtext import Run, normalize, plain

_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}  # fmt: skip
# Braces are escaped as words: BibTeX counts `\}` as a closing brace all the same.
# Pairs the decoder reads as typography (`--` is an en dash, ``` `` ``` a quote): kept apart.
_LIGATURES = re.compile(r"([-`'])(?=\1)")
_SPACES = re.compile(r"\s+")
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>")
_WORD = re.compile(r"[^\W\d_]+")
_SMALL_CAPS_STYLE = re.compile(r"font-variant\s*:\s*small-caps", re.I)

# Crossref title and abstract markup (HTML and JATS) to marks; other tags keep their text.
_MARKS = {
    "i": "i", "em": "i", "italic": "i", "cite": "i", "var": "i",
    "b": "b", "strong": "b", "bold": "b",
    "sub": "sub", "inf": "sub", "sup": "sup",
    "sc": "sc", "scp": "sc", "smallcaps": "sc", "small-caps": "sc",
}  # fmt: skip
_BLOCKS = frozenset({"p", "title", "sec", "list-item", "br", "div", "break", "list",
                     "label", "caption", "table", "tr", "td", "th", "li", "ul", "ol"})
# Elements whose text never belongs in a title or abstract.
_DROPPED = frozenset({"tex-math", "annotation", "annotation-xml", "script", "style",
                      "xref", "fn", "object-id", "graphic", "inline-graphic"})
_LATEX_COMMANDS = {"i": "textit", "b": "textbf", "sc": "textsc", "sup": "textsuperscript",
                   "sub": "textsubscript"}


@dataclass
class _Node:
    name: str
    attrs: str = ""
    children: list[_Node | str] = field(default_factory=list)


def _local_name(tag: str) -> str:
    return tag.rsplit(":", 1)[-1].lower()


def _parse(markup: str) -> _Node:
    """A forgiving tree of the markup: unclosed tags close at their parent's end."""
    root = _Node("")
    stack = [root]
    pos = 0
    for match in _TAG.finditer(markup):
        if match.start() > pos:
            stack[-1].children.append(html.unescape(markup[pos:match.start()]))
        pos = match.end()
        closing, name, attrs, self_closing = (match.group(1), _local_name(match.group(2)),
                                              match.group(3), match.group(4))
        if closing:
            if any(node.name == name for node in stack[1:]):
                while stack[-1].name != name:
                    stack.pop()
                stack.pop()
            continue
        node = _Node(name, attrs)
        stack[-1].children.append(node)
        if not self_closing and name not in ("br", "break", "hr", "mspace", "none"):
            stack.append(node)
    if pos < len(markup):
        stack[-1].children.append(html.unescape(markup[pos:]))
    return root


def _elements(node: _Node) -> list[_Node | str]:
    """Children that count as MathML arguments (white space between them does not)."""
    return [c for c in node.children if not (isinstance(c, str) and not c.strip())]


def _render(node: _Node | str, marks: frozenset[str], out: list[Run]) -> None:
    if isinstance(node, str):
        out.append(Run(node, marks))
        return
    name = node.name
    if name in _DROPPED:
        return
    if name in _MARKS:
        marks = marks | {_MARKS[name]}
    elif name in ("span", "styled-content") and _SMALL_CAPS_STYLE.search(node.attrs):
        marks = marks | {"sc"}
    if name == "alternatives":  # JATS: the same formula as MathML, TeX, an image
        children = _elements(node)
        preferred = [c for c in children if isinstance(c, _Node) and c.name == "math"]
        for child in (preferred or children)[:1]:
            _render(child, marks, out)
        return
    arguments = _elements(node)
    if name in ("msub", "msup", "msubsup", "munder", "mover", "munderover") and arguments:
        _render(arguments[0], marks, out)
        scripts = {"msub": ["sub"], "munder": ["sub"], "msup": ["sup"], "mover": ["sup"],
                   "msubsup": ["sub", "sup"], "munderover": ["sub", "sup"]}[name]
        for mark, argument in zip(scripts, arguments[1:], strict=False):
            _render(argument, marks | {mark}, out)
        return
    if name == "mfrac" and len(arguments) == 2:
        _render(arguments[0], marks, out)
        out.append(Run("/", marks))
        _render(arguments[1], marks, out)
        return
    if name in ("msqrt", "mroot"):
        out.append(Run("√", marks))
    if name in _BLOCKS:
        out.append(Run(" ", marks))
    for child in node.children:
        _render(child, marks, out)
    if name in _BLOCKS:
        out.append(Run(" ", marks))


def markup_to_rich(markup: str) -> list[Run]:
    """Crossref's markup as rich text runs: `CO<sub>2</sub>` -> CO, 2 (subscript)."""
    if "<" not in markup and "&" not in markup:
        return normalize([Run(markup)])
    out: list[Run] = []
    _render(_parse(markup), frozenset(), out)
    return normalize(out)


def markup_to_text(markup: str) -> str:
    """Crossref markup as plain text: tags dropped, entities decoded, spaces squeezed."""
    return plain(markup_to_rich(markup))


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


def rich_to_latex(runs: list[Run], protect: bool = True) -> str:
    """Rich text as a BibTeX value: marks as `\\textit{...}` etc., nocase as braces; with
    `protect`, words like `DNA` braced against lower-casing."""
    out: list[str] = []
    for run in runs:
        text = _text_to_latex(run.text, protect and "nocase" not in run.marks)
        for mark in ("sub", "sup", "sc", "b", "i"):
            if mark in run.marks:
                text = f"\\{_LATEX_COMMANDS[mark]}{{{text}}}"
        if "nocase" in run.marks:
            text = "{" + text + "}"
        out.append(text)
    return _LIGATURES.sub(r"\1{}", "".join(out))


def markup_to_latex(markup: str, protect: bool = True) -> str:
    """Crossref's title markup as LaTeX: `<i>x</i>` -> `\\textit{x}`, entities decoded,
    white space squeezed; with `protect`, words like `DNA` braced against lower-casing."""
    return rich_to_latex(markup_to_rich(markup), protect)


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
