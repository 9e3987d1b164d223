"""BibTeX field values to plain text: delimiters, concatenation, macros, LaTeX markup."""

from __future__ import annotations

import re
import unicodedata

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_NEEDS_WORK = re.compile(r"[\\{}$~]|--|``|''")
_SPACES = re.compile(r"\s+")
_NAME = re.compile(r"[A-Za-z]+")

# Fields BibTeX styles print verbatim (the url package): no LaTeX decoding, `~` stays.
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "pdf", "urlraw", "verba"})

# Accent commands to Unicode combining marks.
_ACCENTS = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    "u": "\u0306", ".": "\u0307", '"': "\u0308", "r": "\u030a", "H": "\u030b",
    "v": "\u030c", "d": "\u0323", "c": "\u0327", "k": "\u0328", "b": "\u0331",
    "t": "\u0361",
}
_SYMBOLS = {
    "ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
    "textendash": "–", "textemdash": "—", "ldots": "…", "dots": "…", "textellipsis": "…",
    "TeX": "TeX", "LaTeX": "LaTeX", "BibTeX": "BibTeX", "LaTeXe": "LaTeX2e", "S": "§",
    "P": "¶", "copyright": "©", "textregistered": "®", "texttrademark": "™",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
    "textquotedblright": "”", "guillemotleft": "«", "guillemotright": "»", "pounds": "£",
    "euro": "€", "textdegree": "°", "textbackslash": "\\", "textasciitilde": "~",
    "textasciicircum": "^", "textbraceleft": "{", "textbraceright": "}",
    "textunderscore": "_", "textbar": "|", "textless": "<", "textgreater": ">",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "omega": "ω",
    "times": "×", "pm": "±", "leq": "≤", "geq": "≥", "le": "≤", "ge": "≥",
    "relax": "", "protect": "", "noindent": "", "newblock": " ", "par": " ", "quad": " ",
    "qquad": " ", "hfill": " ", "linebreak": " ", "newline": " ", "break": " ",
}
_DROP_ARGUMENT = frozenset({"noopsort", "sortkey", "index", "label", "hphantom", "phantom"})
_CONTROL_SYMBOLS = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}",
                    " ": " ", ",": " ", ";": " ", ":": " ", "!": "", "/": "", "-": "",
                    "\\": " ", "@": ""}


def _argument(text: str, pos: int) -> tuple[str, int]:
    """The TeX argument at `pos`: a braced group, a control word, or one character."""
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    if pos >= len(text):
        return "", pos
    if text[pos] == "{":
        depth = 0
        for end in range(pos, len(text)):
            depth += text[end] == "{"
            depth -= text[end] == "}"
            if depth == 0:
                return text[pos + 1:end], end + 1
        return text[pos + 1:], len(text)
    if text[pos] == "\\":
        match = _NAME.match(text, pos + 1)
        end = match.end() if match else pos + 2
        return text[pos:end], end
    return text[pos], pos + 1


def _accent(mark: str, base: str) -> str:
    if not base:
        return mark
    base = {"ı": "i", "ȷ": "j"}.get(base[0], base[0]) + base[1:]  # \"{\i} is ï
    return unicodedata.normalize("NFC", base[0] + mark + base[1:])


def _decode(text: str) -> str:
    out: list[str] = []
    pos, size = 0, len(text)
    while pos < size:
        special = _NEEDS_WORK.search(text, pos)
        if special is None:
            out.append(text[pos:])
            break
        if special.start() > pos:
            out.append(text[pos:special.start()])
            pos = special.start()
        char = text[pos]
        if char == "\\":
            match = _NAME.match(text, pos + 1)
            if match:
                name, pos = match.group(), match.end()
                while pos < size and text[pos] in " \t\n":  # TeX eats spaces after a word
                    pos += 1
                if name in _ACCENTS and len(name) == 1:
                    arg, pos = _argument(text, pos)
                    out.append(_accent(_ACCENTS[name], _decode(arg)))
                elif name in _SYMBOLS:
                    out.append(_SYMBOLS[name])
                    if text.startswith("{}", pos):
                        pos += 2
                elif name in _DROP_ARGUMENT:
                    _, pos = _argument(text, pos)
                elif name == "href":
                    _, pos = _argument(text, pos)
                    arg, pos = _argument(text, pos)
                    out.append(_decode(arg))
                elif pos < size and text[pos] == "{":
                    arg, pos = _argument(text, pos)  # \emph{x}, \textsc{x}, unknown{x}: x
                    out.append(_decode(arg) if arg else name)
                else:
                    out.append(name)  # an unknown macro: its name says more than nothing
            else:
                symbol = text[pos + 1:pos + 2]
                pos += 2
                if symbol in _ACCENTS:
                    arg, pos = _argument(text, pos)
                    out.append(_accent(_ACCENTS[symbol], _decode(arg)))
                else:
                    out.append(_CONTROL_SYMBOLS.get(symbol, symbol))
        elif char in "{}$":
            pos += 1
        elif char == "~":
            out.append(" ")
            pos += 1
        elif text.startswith("---", pos):
            out.append("—")
            pos += 3
        elif text.startswith("--", pos):
            out.append("–")
            pos += 2
        elif text.startswith("``", pos):
            out.append("“")
            pos += 2
        elif text.startswith("''", pos):
            out.append("”")
            pos += 2
        else:
            out.append(char)
            pos += 1
    return "".join(out)


def split_concatenation(raw: str) -> list[str]:
    """Split a raw value on top-level `#`: `jan # " 1"` -> ['jan', '" 1"']."""
    if "#" not in raw:
        return [raw.strip()]
    parts: list[str] = []
    depth = 0
    in_quotes = False
    start = 0
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


def strip_delimiters(raw: str) -> str:
    """The value as BibTeX sees it, still in LaTeX: `{A {B}}` -> `A {B}`; macros kept as names."""
    pieces = []
    for part in split_concatenation(raw.strip()):
        if len(part) >= 2 and part[0] == "{" and part[-1] == "}":
            pieces.append(part[1:-1])
        elif len(part) >= 2 and part[0] == '"' and part[-1] == '"':
            pieces.append(part[1:-1])
        else:
            pieces.append(part)
    return "".join(pieces)


def is_bare_macro(raw: str) -> list[str]:
    """Names of undelimited, non-numeric parts of a raw value (macro references)."""
    return [
        part
        for part in split_concatenation(raw.strip())
        if part and part[0] not in '{"' and not part.isdigit()
    ]


def latex_to_text(latex: str) -> str:
    """LaTeX markup to Unicode text: `M{\\"u}ller` -> `Müller`, `--` -> `–`, braces dropped.

    A small decoder for what bibliographies use (accents, symbols, text commands); an
    unknown command keeps its argument, or its name when it has none."""
    if _NEEDS_WORK.search(latex):
        latex = _decode(latex)
    return _SPACES.sub(" ", latex).strip()


def field_text(raw: str, verbatim: bool = False) -> str:
    """Plain text of a raw field value, month macros spelled out as numbers."""
    parts = split_concatenation(raw.strip())
    if len(parts) == 1 and parts[0].lower() in MONTHS:
        return str(MONTHS[parts[0].lower()])
    value = strip_delimiters(raw)
    return value.strip() if verbatim else latex_to_text(value)
