"""What a printed reference should read: the library's line in the article's style, with
the words that change marked. Pure.

    >>> marked_line("Chou R, et al. Low back pain.", "Chou R. Low back pain.")
    'Chou R. [-et al.-] Low back pain.'

Words that differ only in case, accents or surrounding punctuation, and `&` against
"and", are not changes: the printed word is kept (or the library's punctuation, so that
"R," before a removed "et al." becomes "R."). A changed or added word is marked
`[like this]`; a removed one `[-like this-]`.
"""

from __future__ import annotations

import difflib
import re

from reflib.library.textmatch import fold, squash

_TOKEN = re.compile(r"\S+")


def _key(token: str) -> str:
    folded = squash(token)
    return folded or token  # punctuation alone compares as itself


def _same_but_punctuation(a: str, b: str) -> bool:
    strip = ".,;:()[]\"'"
    return a.strip(strip) == b.strip(strip)


def marked_line(printed: str, library: str) -> str:
    """`library` with the words that differ from `printed` marked; printed spelling kept
    where only case, accents or `&`/"and" differ."""
    old, new = _TOKEN.findall(printed), _TOKEN.findall(library)
    matcher = difflib.SequenceMatcher(None, [_key(t) for t in old], [_key(t) for t in new],
                                      autojunk=False)
    out: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                out.append(b if _same_but_punctuation(a, b) else _keep(a, b))
            continue
        if op == "delete":
            out.append("[-" + " ".join(t.strip(",;") for t in old[i1:i2]) + "-]")
        else:
            out.append("[" + " ".join(new[j1:j2]) + "]")
    return " ".join(out)


def _keep(printed: str, library: str) -> str:
    """The printed word with the library's trailing punctuation (case is not a change)."""
    tail = re.search(r"[.,;:]*$", library)[0]
    return printed.rstrip(".,;:") + tail


def word_changes(printed: str, source: str) -> list[tuple[str, str]]:
    """(printed words, source words) of each place two titles differ, in the printed
    order; '' on one side for an added or missing word."""
    old, new = fold(printed).split(), fold(source).split()
    printed_words, source_words = printed.split(), source.split()
    if len(printed_words) != len(old) or len(source_words) != len(new):
        printed_words, source_words = old, new  # punctuation split words: show folded
    changes = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            changes.append((" ".join(printed_words[i1:i2]).strip(".,;:"),
                            " ".join(source_words[j1:j2]).strip(".,;:")))
    return changes
