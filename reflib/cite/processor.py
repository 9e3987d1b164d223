"""citeproc-py's element classes with our fixes, swapped in through this module's own XML
parser lookup, so nothing in citeproc-py is patched for other users in the same process.

Rendering is citeproc-py, with four fixes made here, each where
the fault lies and each tested in tests/test_export.py:

1. A localised date (`<date form="text"/>`) loses the delimiter its locale gives it:
   citeproc-py joins the parts with the calling element's delimiter, which CSL does not
   allow there, so Vancouver printed "2021Sep". `_Date.join` uses the locale's delimiter.
2. `second-field-align` styles print the first field (the number) glued to the entry
   ("1.Lee DW"). `_Layout.render_entry` renders the first field apart, so the caller
   puts it in a margin (HTML) or after it a space (text).
3. BibTeX's `and others` (a last name `{"literal": "others"}` in CSL-JSON, as pandoc
   writes it) rendered as a person called "others". `_Name` renders the names before
   it and then the style's own et-al term, as when a list is truncated.
4. A variable used by `<substitute>` (the editors standing in for missing authors) must
   not print again later in the entry (CSL 1.0.2, "Substitution"); citeproc-py
   suppressed only <text> variables, so AMA printed the editors twice. `_Names` skips
   them too.
5. `text-case="title"` was skipped for labels, numbers and name parts (their language
   was unknown), so APA printed "(eds.)"; and it put spaces around protected words
   ("( LEARN )") and ignored words after "(" or "-". `_CaseFixed.case` title-cases
   word by word, keeping spacing, protected segments and stop words.
7. `initialize="false"` on a name (Chicago's bibliography) was ignored, so Chicago
   printed initials; `_Name.initialize` keeps the given names.
6. Style options that contradict the manual the style implements are corrected by
   STYLES[...].options, applied to the parsed style (the shipped files stay byte for
   byte as published); each entry says why.

citeproc is imported
only inside functions: `refs --help` must not pay for it.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

STYLE_DIR = Path(__file__).with_name("styles")
LOCALE_FILE = STYLE_DIR / "locales-en-US.xml"
CSL_NS = "http://purl.org/net/xbiblio/csl"


@lru_cache(maxsize=1)
def _parser():
    from lxml import etree

    model, locale_cls = _classes()
    lookup = etree.ElementNamespaceClassLookup()
    namespace = lookup.get_namespace(CSL_NS)
    namespace[None] = model.CitationStylesElement
    namespace.update({cls.__name__.replace("_", "-").lower(): cls
                      for cls in model.CitationStylesElement.__subclasses__()})
    namespace.update(locale_cls)
    parser = etree.XMLParser(remove_comments=True, encoding="UTF-8", no_network=True)
    parser.set_element_class_lookup(lookup)
    return parser


@lru_cache(maxsize=1)
def _classes():
    """Our subclasses of citeproc-py's element classes (see the module docstring)."""
    import citeproc
    from citeproc import model
    from citeproc.source import VariableError
    from lxml import etree

    class _Style(model.Style):
        def set_locale_list(self, output_locale: str, validate: bool = False) -> None:
            """The style's own locales, then our shipped en-US (offline, the version we
            test), then citeproc-py's bundled file for other languages."""
            self.locales = []
            language = output_locale.split("-")[0]
            for lang in (output_locale, language, None):
                expr = (f'./cs:locale[@xml:lang="{lang}"]' if lang
                        else "./cs:locale[not(@xml:lang)]")
                self.locales.extend(self.xpath_search(expr))
            files = []
            if output_locale != "en-US" and output_locale in citeproc.LANGUAGE_NAMES:
                files.append(Path(citeproc.LOCALES_PATH) / f"locales-{output_locale}.xml")
            files.append(LOCALE_FILE)
            for path in files:
                self.locales.append(etree.parse(str(path), _parser()).getroot())
            for locale in self.locales:
                locale.style = self

    class _Date(model.Date):
        def join(self, strings, default_delimiter=""):
            # Fix 1: a localised date keeps its locale's delimiter ("2021 Sep").
            if ("form" in self.attrib and "delimiter" not in self.attrib
                    and not self.is_locale_date()):
                localized = self.get_date(self.get("form"))
                if localized is not None:
                    default_delimiter = localized.get("delimiter", default_delimiter)
            return super().join(strings, default_delimiter)

    class _Name(model.Name):
        def initialize(self, given, mark, context):
            # Fix 7: `initialize="false"` (Chicago) keeps given names in full.
            if self.get("initialize") == "false":
                return given
            # citeproc-py turned "Jae-sung" into "J.-. sung .": a lowercase part after a
            # hyphen is no name of its own and gives no initial (CSL, pandoc: "J.").
            given = _LOWER_HYPHEN_PART.sub("", given)
            return super().initialize(given, mark, context)

        def process(self, item, variable, context=None, sort_options=None, **kwargs):
            # Fix 3: a trailing "others" marker means "and others": et al.
            names = item.reference.get(variable, [])
            if not names or names[-1].get("literal") != "others":
                return super().process(item, variable, context, sort_options, **kwargs)
            real = names[:-1]
            et_al_min = self.get_option("et-al-min", context, sort_options)
            options = dict(sort_options or {})
            truncates = et_al_min and len(real) >= et_al_min and len(real) > 1
            if not truncates:
                options.update({"and": None, "et-al-min": 0})
            item.reference[variable] = real
            try:
                text = super().process(item, variable, context, options or None, **kwargs)
            finally:
                item.reference[variable] = names
            if truncates or not real:
                return text
            precedes = self.get_option("delimiter-precedes-et-al", context, sort_options)
            if precedes == "always" or (precedes == "contextual" and len(real) >= 2):
                glue = self.get_option("delimiter", context, sort_options)
            else:
                glue = " "
            return text + glue + self.et_al()

    class _Layout(model.Layout):
        def render_entry(self, item) -> tuple[str | None, str | None]:
            """(first field, the rest) with second-field-align, else (None, entry)."""
            self.repressed = {}
            children = list(self.iterchildren())
            if self.getparent().get("second-field-align") and len(children) > 1:
                first = self._render_some(item, children[:1])
                rest = self._render_some(item, children[1:])
                return (str(first) if first else None,
                        str(self.format(self.wrap(rest))) if rest else None)
            text = self.render_children(item)
            return None, str(self.format(self.wrap(text))) if text else None

        def _render_some(self, item, children):
            output = []
            for child in children:
                try:
                    text = child.render(item)
                except VariableError:
                    continue
                if text is not None:
                    output.append(text)
            return model.join(output, "") if output else None

    class _Names(model.Names):
        def process(self, item, names_context=None, context=None, **kwargs):
            # Fix 4: variables already used by a <substitute> stay suppressed.
            try:
                repressed = (context if context is not None else self).get_layout().repressed
            except (IndexError, AttributeError):
                repressed = {}
            used = {v for entry in repressed.get(self.tag, ()) for v in (entry or "").split()}
            roles = self.get("variable", "").split()
            kept = [role for role in roles if role not in used]
            if kept == roles:
                return super().process(item, names_context, context, **kwargs)
            if not kept:
                raise VariableError
            self.set("variable", " ".join(kept))
            try:
                return super().process(item, names_context, context, **kwargs)
            finally:
                self.set("variable", " ".join(roles))

    class _CaseFixed:
        def case(self, text, language=None):
            # Fix 5: title case for every element, done word by word.
            if self.get("text-case") != "title":
                return super().case(text, language)
            root = self.get_root()
            language = language or (root.get("default-locale") or "en")[:2]
            return text if language != "en" else _title_case(text)

    class _Recorded:
        def render(self, *args, **kwargs):
            # Fix 8: which variables were called and which printed, as rendered (CSL
            # 1.0.2 "Group": a group whose called variables are all empty is suppressed;
            # variables printed by <substitute> are not printed again).
            variable = self.get("variable") or ("" if self.tag.endswith("}names") else None)
            if variable is None or variable == "year-suffix":  # generated, not data
                return super().render(*args, **kwargs)
            text = None
            try:
                text = super().render(*args, **kwargs)
                return text
            finally:
                for frame in _recording():
                    frame.append((variable, bool(text)))

    class _PageRanges:
        def _format_last_page(self, first, last):
            # Fix 9: page ranges that are not plain numbers. Roman numerals print in full
            # ("i-ii", not "i-i"); with a letter or section prefix only the trailing
            # numbers are shortened ("e1-10", "S12-9", "1.1-10"), as CSL and pandoc do.
            if (_ROMAN.match(first) and _ROMAN.match(last)) or (
                    self.get_root().get_option("page-range-format") in (None, "expanded")):
                return last
            # citeproc-py also shortened 1-10 to "1-0": digits only repeat in place.
            head1, digits1 = _split_page(first)
            head2, digits2 = _split_page(last)
            if head1 != head2 or not digits1 or not digits2:
                return last
            minimal = self.get_root().get_option("page-range-format").startswith("minimal")
            if len(digits1) != len(digits2):
                return digits2 if head1 and minimal else last
            shortened = super()._format_last_page(digits1, digits2)
            if not shortened or (head1 and not minimal and shortened == digits2):
                return last
            return shortened

    class _Substitute(model.Substitute):
        def render(self, item, context=None, **kwargs):
            text, seen = _in_frame(lambda: super(_Substitute, self).render(
                item, context=context, **kwargs))
            if text and context is not None:
                repressed = context.get_layout().repressed
                repressed.setdefault(f"{{{CSL_NS}}}text", []).extend(
                    v for v, printed in seen if v and printed)
            return text

    class _Group(model.Group):
        def process(self, item, context=None, **kwargs):
            text, seen = _in_frame(lambda: super(_Group, self).process(
                item, context=context, **kwargs))
            if seen and not any(printed for _, printed in seen):
                raise VariableError  # it called variables and all were empty
            return text

    cased = {"text": model.Text, "label": model.Label, "number": model.Number,
             "date-part": model.Date_Part, "name-part": model.Name_Part}
    fixed = {tag: type(f"_{cls.__name__}",
                       ((_Recorded, _PageRanges) if tag in ("text", "number") else ())
                       + (_CaseFixed, cls),
                       {})
             for tag, cls in cased.items()}
    recorded_date = type("_RecordedDate", (_Recorded, _Date), {})
    recorded_names = type("_RecordedNames", (_Recorded, _Names), {})
    return model, {"style": _Style, "date": recorded_date, "name": _Name, "layout": _Layout,
                   "names": recorded_names, "substitute": _Substitute, "group": _Group,
                   **fixed}


_LOWER_HYPHEN_PART = re.compile(r"[-\u2010\u2011](?=[a-z])[^\s-]*")
_ROMAN = re.compile(r"^[ivxlcdm]+$|^[IVXLCDM]+$")
_PAGE_TAIL = re.compile(r"^(.*?)(\d+)$")


def _split_page(page: str) -> tuple[str, str]:
    """`e10` -> ("e", "10"), `1.10` -> ("1.", "10"), `12` -> ("", "12")."""
    match = _PAGE_TAIL.match(page)
    return (match.group(1), match.group(2)) if match else (page, "")


_STATE = threading.local()


def _recording() -> list[list[str]]:
    """The open frames of variables printed, innermost last (one stack per thread)."""
    if not hasattr(_STATE, "frames"):
        _STATE.frames = []
    return _STATE.frames


def _in_frame(call):  # noqa: ANN001, ANN202
    """`call()` with a frame of its own open: its result and the variables it printed,
    which the enclosing frames then count as theirs too."""
    frames = _recording()
    frames.append([])
    try:
        result = call()
    finally:
        seen = frames.pop()
    for frame in frames:
        frame.extend(seen)
    return result, seen


_STOP_WORDS = frozenset(
    "a an and as at but by down for from in into nor of on onto or over so the till to up "
    "via with yet".split())


def _title_case(text):
    """CSL title case: lowercase words capitalised (hyphenated parts too), stop words
    lowercase unless first, last or after a colon; protected segments kept."""
    import re

    from citeproc.string import MixedString, NoCase, String

    segments = list(text) if isinstance(text, MixedString) else [text]
    words = []  # (segment index, token index) of every word that may change
    tokens_of = []
    for s_index, segment in enumerate(segments):
        tokens = re.split(r"(\s+|-)", str(segment))
        tokens_of.append(tokens)
        if isinstance(segment, NoCase):
            words.append((s_index, None))
            continue
        words.extend((s_index, t_index) for t_index, token in enumerate(tokens)
                     if token and not token.isspace() and token != "-")
    after_colon = True
    for position, (s_index, t_index) in enumerate(words):
        if t_index is None:
            after_colon = str(segments[s_index]).rstrip().endswith(":")
            continue
        tokens = tokens_of[s_index]
        token = tokens[t_index]
        core = token.strip("([{\"'“‘.,;:!?)]}”’")
        last = position == len(words) - 1
        if core.islower() and (after_colon or last or core not in _STOP_WORDS):
            i = next(i for i, char in enumerate(token) if char.isalpha())
            tokens[t_index] = token[:i] + token[i].upper() + token[i + 1:]
        after_colon = token.endswith(":")
    out = [segment if isinstance(segment, NoCase) else type(segment)("".join(tokens))
           for segment, tokens in zip(segments, tokens_of, strict=True)]
    if isinstance(text, MixedString):
        return MixedString(out)
    return out[0] if isinstance(out[0], String) else String(out[0])
