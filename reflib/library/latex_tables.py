"""What LaTeX commands mean in bibliographies: tables read by reflib.library.latex."""

from __future__ import annotations

# Accent commands to Unicode combining marks.
ACCENTS = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    "u": "\u0306", ".": "\u0307", '"': "\u0308", "r": "\u030a", "H": "\u030b",
    "v": "\u030c", "d": "\u0323", "c": "\u0327", "k": "\u0328", "b": "\u0331",
    "t": "\u0361",
}  # fmt: skip
MATH_ACCENTS = {
    "hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
    "bar": "\u0304", "overline": "\u0305", "breve": "\u0306", "dot": "\u0307",
    "ddot": "\u0308", "mathring": "\u030a", "check": "\u030c", "acute": "\u0301",
    "grave": "\u0300", "vec": "\u20d7",
}  # fmt: skip

_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
          "omicron pi rho sigma tau upsilon phi chi psi omega").split()
_GREEK_SYMBOLS = {name: chr(0x3B1 + i + (1 if i >= 17 else 0)) for i, name in enumerate(_GREEK)}
_GREEK_SYMBOLS.update({name.capitalize(): chr(0x391 + i + (1 if i >= 17 else 0))
                       for i, name in enumerate(_GREEK)})
_GREEK_SYMBOLS.update({"varepsilon": "ε", "vartheta": "ϑ", "varpi": "ϖ", "varrho": "ϱ",
                       "varsigma": "ς", "varphi": "φ", "upmu": "μ", "textmu": "µ",
                       "textalpha": "α", "textbeta": "β", "textgamma": "γ",
                       "textdelta": "δ", "textkappa": "κ", "textpi": "π"})

SYMBOLS = {
    **_GREEK_SYMBOLS,
    "ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ", "SS": "SS",
    "textendash": "–", "textemdash": "—", "ldots": "…", "dots": "…", "textellipsis": "…",
    "cdots": "⋯", "Dash": " — ", "dash": "—", "hyphen": "-", "slash": "/",
    "TeX": "TeX", "LaTeX": "LaTeX", "BibTeX": "BibTeX", "LaTeXe": "LaTeX2ε",
    "AmSTeX": "AMS-TeX", "MF": "METAFONT", "MP": "METAPOST", "ConTeXt": "ConTeXt",
    "XeTeX": "XeTeX", "XeLaTeX": "XeLaTeX", "eTeX": "ε-TeX", "AllTeX": "(La)TeX",
    "PiCTeX": "PiCTeX", "SliTeX": "SliTeX", "TUB": "TUGboat", "AMS": "AMS",
    "LuaTeX": "LuaTeX", "pdfTeX": "pdfTeX", "pdfLaTeX": "pdfLaTeX", "BibLaTeX": "BibLaTeX",
    "S": "§", "P": "¶", "copyright": "©", "textcopyright": "©", "textregistered": "®",
    "texttrademark": "™", "textquoteleft": "‘", "textquoteright": "’",
    "textquotedblleft": "“", "textquotedblright": "”", "guillemotleft": "«",
    "guillemotright": "»", "guillemetleft": "«", "guillemetright": "»", "pounds": "£",
    "textsterling": "£", "euro": "€", "texteuro": "€", "textdegree": "°", "degree": "°",
    "textbackslash": "\\", "bs": "\\", "textasciitilde": "~", "textasciicircum": "^",
    "textbraceleft": "{", "textbraceright": "}", "textunderscore": "_", "textbar": "|",
    "textless": "<", "textgreater": ">", "textpm": "±", "texttimes": "×", "textminus": "−",
    "textperthousand": "‰", "textonehalf": "½", "textdagger": "†", "textbullet": "•",
    "textperiodcentered": "·", "textsection": "§", "textparagraph": "¶",
    "textexclamdown": "¡", "textquestiondown": "¿", "textellipsis ": "…",
    # math
    "sim": "~", "approx": "≈", "simeq": "≃", "cong": "≅", "cdot": "·", "times": "×",
    "div": "÷", "pm": "±", "mp": "∓", "leq": "≤", "geq": "≥", "le": "≤", "ge": "≥",
    "ll": "≪", "gg": "≫", "neq": "≠", "ne": "≠", "equiv": "≡", "propto": "∝",
    "infty": "∞", "circ": "∘", "prime": "′", "rightarrow": "→", "to": "→",
    "leftarrow": "←", "gets": "←", "leftrightarrow": "↔", "Rightarrow": "⇒",
    "Leftarrow": "⇐", "Leftrightarrow": "⇔", "longrightarrow": "⟶", "mapsto": "↦",
    "hookrightarrow": "↪", "uparrow": "↑", "downarrow": "↓", "rightleftharpoons": "⇌",
    "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮",
    "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "supset": "⊃",
    "cup": "∪", "cap": "∩", "setminus": "∖", "emptyset": "∅", "varnothing": "∅",
    "forall": "∀", "exists": "∃", "neg": "¬", "lnot": "¬", "wedge": "∧", "land": "∧",
    "vee": "∨", "lor": "∨", "oplus": "⊕", "otimes": "⊗", "perp": "⊥", "parallel": "∥",
    "angle": "∠", "triangle": "△", "square": "□", "ell": "ℓ", "hbar": "ℏ", "aleph": "ℵ",
    "Re": "ℜ", "Im": "ℑ", "wp": "℘", "mid": "|", "vert": "|", "Vert": "‖", "lt": "<",
    "gt": ">", "ast": "*", "star": "⋆", "dagger": "†", "ddagger": "‡", "bullet": "•",
    "langle": "⟨", "rangle": "⟩", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊",
    "rfloor": "⌋", "surd": "√", "deg": "deg ", "log": "log ", "ln": "ln ", "lg": "lg ",
    "exp": "exp ", "sin": "sin ", "cos": "cos ", "tan": "tan ", "max": "max ",
    "min": "min ", "lim": "lim ", "sup": "sup ", "inf": "inf ", "det": "det ",
    "Pr": "Pr ", "gcd": "gcd ", "arg": "arg ", "dim": "dim ", "ker": "ker ",
    "colon": ":", "vdots": "⋮", "ddots": "⋱", "backslash": "\\", "lbrace": "{",
    "rbrace": "}", "{": "{", "}": "}", "quad": " ", "qquad": " ",
    # spacing and no-ops
    "relax": "", "protect": "", "noindent": "", "newblock": " ", "par": " ",
    "hfill": " ", "hfil": " ", "linebreak": " ", "newline": " ", "break": " ",
    "thinspace": " ", "enspace": " ", "nobreakspace": " ", "space": " ", "allowbreak": "",
    "left": "", "right": "", "big": "", "Big": "", "bigg": "", "Bigg": "", "bigl": "",
    "bigr": "", "Bigl": "", "Bigr": "", "displaystyle": "", "textstyle": "",
    "scriptstyle": "", "nolinebreak": "", "null": "", "unskip": "", "ignorespaces": "",
    "makeatletter": "", "makeatother": "", "smallskip": " ", "medskip": " ",
    "bigskip": " ", "centering": "", "raggedright": "", "sffamily": "", "ttfamily": "",
    "rmfamily": "", "small": "", "footnotesize": "", "scriptsize": "", "tiny": "",
    "large": "", "Large": "", "LARGE": "", "huge": "", "Huge": "", "normalsize": "",
    "selectfont": "", "nocorr": "", "slnine": "", "eightrm": "", "ninesmc": "",
}  # fmt: skip

# \textit{x}: x with these marks.
FONT_COMMANDS = {
    "textit": {"i"}, "emph": {"i"}, "textsl": {"i"}, "mathit": {"i"}, "textem": {"i"},
    "textbf": {"b"}, "mathbf": {"b"}, "boldsymbol": {"b"}, "bm": {"b"}, "pmb": {"b"},
    "textsc": {"sc"}, "textsuperscript": {"sup"}, "textsubscript": {"sub"},
    "mathsuperscript": {"sup"}, "textsu": {"sup"}, "textsb": {"sub"},
}  # fmt: skip
FONT_COMMANDS = {name: frozenset(marks) for name, marks in FONT_COMMANDS.items()}
# {\it x}: the rest of the group gets these marks.
DECLARATIONS = {name: frozenset(marks) for name, marks in {
    "it": {"i"}, "itshape": {"i"}, "em": {"i"}, "sl": {"i"}, "slshape": {"i"},
    "bf": {"b"}, "bfseries": {"b"}, "sc": {"sc"}, "scshape": {"sc"}, "smc": {"sc"},
}.items()}
RESETS = {name: frozenset(marks) for name, marks in {
    "rm": {"i", "b", "sc"}, "normalfont": {"i", "b", "sc"}, "upshape": {"i", "sc"},
    "mdseries": {"b"}, "tt": set(), "sf": set(), "ssf": set(), "sltt": {"b"},
}.items()}
# The argument printed as it is (no marks of its own).
PLAIN_COMMANDS = frozenset({
    "textrm", "textup", "textnormal", "textmd", "mathrm", "text", "mbox", "hbox", "textsf",
    "texttt", "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak", "mathscr", "underline",
    "uline", "ensuremath", "operatorname", "NoCaseChange", "nocase", "acro", "acrosl",
    "sortnoop", "llap", "rlap", "smash", "makebox", "fbox", "framebox", "textnhtt",
    "MakeUppercase", "MakeLowercase", "uppercase", "lowercase", "ifmmode", "mathord",
    "mathop", "mathrel", "mathbin", "textcolor", "textormath", "cs", "tubissue", "nth",
    "Abstract", "bibstring", "autocap", "printfirst", "raisebox", "emphasize",
})
QUOTE_COMMANDS = frozenset({"mkbibquote", "enquote", "textquote", "hyphenquote"})
DROP_ARGUMENT = frozenset({"noopsort", "sortkey", "index", "label", "hphantom", "phantom",
                           "vphantom", "cite", "citep", "citet", "footnote", "thanks",
                           "hspace", "vspace", "hyphenation", "ref", "pageref", "pagebreak",
                           "color", "fontsize", "special", "input", "include"})
DIMENSION_COMMANDS = frozenset({"kern", "raise", "lower", "hskip", "vskip", "mkern",
                                "mskip", "looseness", "parskip"})
CONTROL_SYMBOLS = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}",
                   " ": " ", ",": " ", ";": " ", ":": " ", "!": "", "/": "", "-": "",
                   "\\": " ", "@": "", "\n": " ", "|": "‖", ">": " ", "\t": " "}
