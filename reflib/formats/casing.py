"""Title casing for CSL: sentence case for English titles, the language as BCP 47. Pure.

Titles are stored in sentence case, the form CSL expects: styles that want title case
apply `text-case="title"`, but no processor can go back from title case. BibTeX titles
are title case, so `sentence_case_runs` lowers the words a title-case convention
capitalised and keeps what BibTeX braces protect (`{ASPN}`) and what is set in italics,
small caps or sub/superscript (species, genes, formulas), all of which it marks `nocase`.

Only English titles are re-cased (as CSL and biblatex do): a title whose `langid` or
`language` is another language is printed as written. A title written all in capitals
is re-cased as a whole (every word lowered, then the first capitalised), so that no
stray "A" or "OF" is lowered alone in a shouting title.

    >>> plain(sentence_case_runs(field_rich("{Meta-Analysis of {COVID-19} Trials}")))
    'Meta-analysis of COVID-19 trials'
"""

from __future__ import annotations

import re

from reflib.library.latex import field_rich
from reflib.library.richtext import Run, plain

_PROTECTING = frozenset({"nocase", "i", "sc", "sub", "sup"})
_TOKEN = re.compile(r"\s+|\S+")
_LETTERS = re.compile(r"[^\W\d_]+")
_SUBTITLE_END = (":", "?", "!")
_SENTENCE_END = ("?", "!")  # a new sentence: its first word is capitalised in any style
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
_NOT_LETTER = re.compile(r"[\W\d_]+")

# biblatex/babel language names and ISO 639-2 codes (PubMed's) to BCP 47.
_LANGUAGES = {
    "english": "en", "american": "en-US", "usenglish": "en-US", "british": "en-GB",
    "ukenglish": "en-GB", "canadian": "en-CA", "australian": "en-AU",
    "newzealand": "en-NZ", "german": "de", "ngerman": "de", "austrian": "de-AT",
    "naustrian": "de-AT", "swissgerman": "de-CH", "nswissgerman": "de-CH", "french": "fr",
    "francais": "fr", "acadian": "fr-CA", "canadien": "fr-CA", "spanish": "es",
    "mexican": "es-MX", "italian": "it", "dutch": "nl", "portuguese": "pt",
    "portuges": "pt", "brazil": "pt-BR", "brazilian": "pt-BR", "russian": "ru",
    "ukrainian": "uk", "polish": "pl", "czech": "cs", "slovak": "sk", "slovene": "sl",
    "slovenian": "sl", "croatian": "hr", "serbian": "sr", "bulgarian": "bg",
    "romanian": "ro", "hungarian": "hu", "magyar": "hu", "finnish": "fi",
    "swedish": "sv", "danish": "da", "norwegian": "nb", "norsk": "nb", "nynorsk": "nn",
    "icelandic": "is", "greek": "el", "latin": "la", "turkish": "tr", "hebrew": "he",
    "arabic": "ar", "persian": "fa", "farsi": "fa", "japanese": "ja", "chinese": "zh",
    "korean": "ko", "catalan": "ca", "basque": "eu", "galician": "gl", "estonian": "et",
    "latvian": "lv", "lithuanian": "lt", "irish": "ga", "welsh": "cy", "afrikaans": "af",
    "indonesian": "id", "malay": "ms", "vietnamese": "vi", "thai": "th", "hindi": "hi",
    # ISO 639-2 (bibliographic and terminology) codes, as MEDLINE writes them
    "eng": "en", "ger": "de", "deu": "de", "fre": "fr", "fra": "fr", "spa": "es",
    "ita": "it", "dut": "nl", "nld": "nl", "por": "pt", "rus": "ru", "pol": "pl",
    "cze": "cs", "ces": "cs", "jpn": "ja", "chi": "zh", "zho": "zh", "kor": "ko",
    "swe": "sv", "dan": "da", "nor": "nb", "fin": "fi", "gre": "el", "ell": "el",
    "lat": "la", "tur": "tr", "heb": "he", "ara": "ar", "hun": "hu", "rum": "ro",
    "ron": "ro", "ukr": "uk", "cat": "ca", "per": "fa", "fas": "fa", "hrv": "hr",
    "srp": "sr", "slv": "sl", "slo": "sk", "slk": "sk", "bul": "bg", "lit": "lt",
    "lav": "lv", "est": "et", "ice": "is", "isl": "is", "afr": "af", "ind": "id",
    "may": "ms", "msa": "ms", "vie": "vi", "tha": "th", "hin": "hi",
}  # fmt: skip
_BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def bcp47(language: str) -> str:
    """A language name or code as a BCP 47 tag: `english` -> `en`, `ngerman` -> `de`,
    `ger` -> `de`, `en_US` -> `en-US`; `""` when it cannot be read as one."""
    value = language.strip().replace("_", "-")
    if not value:
        return ""
    first = re.split(r"[,;/ ]+", value)[0]
    named = _LANGUAGES.get(first.lower())
    if named:
        return named
    if _BCP47.match(first):
        parts = first.split("-")
        head = parts[0].lower()
        if len(head) == 3 and head not in _LANGUAGES:
            return ""
        rest = [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p
                for p in parts[1:]]
        return "-".join([_LANGUAGES.get(head, head), *rest])
    return ""


def is_english(tag: str) -> bool:
    """True for no language (the library's default) or any English tag."""
    return not tag or tag.lower() == "en" or tag.lower().startswith("en-")


def sentence_case_runs(runs: list[Run], subtitle: str = "capital",
                       first: str = "capital") -> list[Run]:
    """Title-case runs in sentence case; protected runs (braces, italics, small caps,
    sub/superscripts) kept as written and marked `nocase`.

    After a colon or question mark the next word is capitalised (`subtitle="capital"`)
    or lowered (`"lower"`)."""
    shouting = _all_capitals(runs)
    out: list[Run] = []
    state = {"start": first, "after": ""}
    for run in runs:
        if run.marks & _PROTECTING:
            marks = run.marks | {"nocase"} if run.text.strip() else run.marks
            out.append(Run(run.text, marks))
            if _LETTERS.search(run.text):
                state["start"] = ""
                state["after"] = ("subtitle" if run.text.rstrip().endswith(_SUBTITLE_END)
                                  else "")
            continue
        out.append(Run(_sentence_case_text(run.text, state, subtitle, shouting), run.marks))
    return out


def _all_capitals(runs: list[Run]) -> bool:
    words = [w for run in runs if not run.marks & _PROTECTING
             for w in _LETTERS.findall(run.text)]
    letters = "".join(words)
    return len(words) >= 3 and len(letters) >= 12 and letters.isupper()


def _sentence_case_text(text: str, state: dict[str, str], subtitle: str,
                        shouting: bool) -> str:
    out = []
    for token in _TOKEN.findall(text):
        if token.islower() and not state["start"] and state["after"] != "subtitle":
            out.append(token)  # sentence case already: nothing to change
            state["after"] = "subtitle" if token.endswith(_SUBTITLE_END) else ""
            state["sentence"] = token.endswith(_SENTENCE_END)
            continue
        if token.isspace() or not _LETTERS.search(token):
            out.append(token)
            if token.rstrip().endswith(_SUBTITLE_END):
                state["after"] = "subtitle"
                state["sentence"] = token.rstrip().endswith(_SENTENCE_END)
            continue
        if shouting and not any(c.isdigit() for c in token):
            token = token.lower()
        if state["start"] in ("capital", "lower"):
            word = _case_word(token, state["start"])
        elif state["after"] == "subtitle":
            word = _case_word(token, subtitle)
        else:
            word = _case_word(token, "lower")
        out.append(word)
        state["start"] = ""
        state["after"] = "subtitle" if token.endswith(_SUBTITLE_END) else ""
        state["sentence"] = token.endswith(_SENTENCE_END)
    return _APOSTROPHE.sub("\u2019", "".join(out))


def _case_word(token: str, case: str) -> str:
    """Lower a title-cased word (`Meta-Analysis` -> `meta-analysis`), then capitalise its
    first letter if `case` is "capital"; words with other capitals stay as written."""
    if _is_title_cased(token):
        token = token.lower()
    elif not (case == "capital" and token.islower()):
        return token
    if case == "capital":
        match = _LETTERS.search(token)
        if match:
            i = match.start()
            return token[:i] + token[i].upper() + token[i + 1:]
    return token


def _is_title_cased(token: str) -> bool:
    """`Pain`, `Meta-Analysis`, `X-Ray`, `A`: lowering them loses nothing. `ASPN`,
    `McLean`, `O'Brien`, `COVID-19`, `D` (vitamin D), `I` and `II` are kept."""
    if token.isalpha():  # the common case, fast
        return token[0].isupper() and (token[1:].islower() if len(token) > 1 else token == "A")
    segments = [s for s in (_NOT_LETTER.sub("", part) for part in token.split("-")) if s]
    if not segments or not segments[0][0].isupper():
        return False
    if len(segments) == 1 and len(segments[0]) == 1:
        return segments[0] == "A"
    return all(len(s) == 1 or s.islower() or s[1:].islower() for s in segments)


def title_runs(raw: str, subtitle: str = "capital", first: str = "capital",
               language: str = "") -> list[Run]:
    """A raw BibTeX title as CSL rich text runs: sentence case when English."""
    runs = field_rich(raw)
    if not is_english(language):
        return [Run(r.text, r.marks | {"nocase"}) if r.marks & _PROTECTING else r
                for r in runs]
    return sentence_case_runs(runs, subtitle, first)


__all__ = ["bcp47", "is_english", "plain", "sentence_case_runs", "title_runs"]
