"""CSL styles: which file a style name means, loading it offline, and rendering entries.

The styles and the en-US locale ship in reflib/cite/styles/ (see SOURCES.md there), so nothing
is fetched at run time. Rendering is citeproc-py with our fixes, swapped in through
reflib.cite.processor's own XML parser lookup (the fixes are listed there).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from reflib.cite.processor import CSL_NS, STYLE_DIR, _parser
from reflib.errors import UsageError

_PERSONAL_COMMUNICATION = f"""
<else-if xmlns="{CSL_NS}" type="personal_communication">
  <group delimiter=". ">
    <text variable="genre" text-case="capitalize-first"/>
    <text variable="publisher"/>
    <date form="text" variable="issued"/>
  </group>
</else-if>"""


@dataclass(frozen=True)
class StyleSpec:
    """A named style: its file, how titles' subtitles are cased, and option fixes."""

    file: str
    subtitle: str = "capital"  # first word after a colon in titles: "capital" or "lower"
    options: tuple[tuple[str, str], ...] = ()  # root attributes to set
    terms: tuple[tuple[str, str], ...] = ()  # locale terms to set (name, text)
    branches: tuple[str, ...] = ()  # <else-if> branches added to the bibliography's choose
    why: str = ""


STYLES: dict[str, StyleSpec] = {
    # AMA Manual of Style 11th ed.: 3.9.1 lowers the first word of a journal article's
    # subtitle; 3.6 keeps the hyphen of hyphenated given names (Anna-Lena -> A-L), which
    # the CSL file turns off; "et al" takes no period in AMA style (as "eg", "ie") and is
    # always preceded by a comma ("Benzon HT, et al, eds.").
    "ama": StyleSpec("american-medical-association.csl", "lower",
                     options=(("initialize-with-hyphen", "true"),
                              ("delimiter-precedes-et-al", "always")),
                     terms=(("et-al", "et al"),),
                     # §3.13.7 keeps personal communications out of the list; when one is
                     # numbered anyway, say what it is instead of the style's fallback
                     # ("Published online January 2, 2024", as if a journal article).
                     branches=(_PERSONAL_COMMUNICATION,),
                     why="AMA 11 §3.6, §3.9.1, §3.13.7"),
    # NLM's Citing Medicine (the Vancouver style): sentence case, subtitle lowercase;
    # page ranges with a hyphen ("2807-31"), not the locale's en dash.
    # "et al." always after a comma ("Benzon HT, et al., editors").
    "vancouver": StyleSpec("nlm-citation-sequence.csl", "lower",
                           options=(("delimiter-precedes-et-al", "always"),),
                           terms=(("page-range-delimiter", "-"),),
                           why="Citing Medicine ch. 1 (authors; pagination)"),
    # APA 7 §9.8: inverted names are separated from what follows by a comma, so a list
    # ending "and others" reads "Benzon, H. T., et al."
    "apa": StyleSpec("apa.csl", "capital", options=(("delimiter-precedes-et-al", "always"),)),
    "chicago": StyleSpec("chicago-author-date.csl", "capital"),
    "article": StyleSpec("article.csl", "capital"),
}
ALIASES = {"nlm": "vancouver", "nlm-citation-sequence": "vancouver", "apa7": "apa",
           "american-medical-association": "ama", "chicago-author-date": "chicago"}


@dataclass
class Style:
    """A loaded style: the citeproc-py style object and what we know about it."""

    name: str
    spec: StyleSpec
    csl: Any = field(repr=False)

    @property
    def author_date(self) -> bool:
        """True for author-date styles (APA, Chicago): their years take suffixes."""
        return self.csl.root.get("class") == "in-text" and not self.numeric

    @property
    def numeric(self) -> bool:
        """True when entries start with their number (citation-sequence styles)."""
        bibliography = self.csl.root.bibliography
        return bibliography is not None and bool(bibliography.get("second-field-align"))


def resolve(style: str) -> tuple[str, StyleSpec, Path]:
    """A style name (`ama`, `vancouver`, ...) or a path to a .csl file."""
    name = ALIASES.get(style.lower(), style.lower())
    if name in STYLES:
        spec = STYLES[name]
        return name, spec, STYLE_DIR / spec.file
    path = Path(style)
    if path.suffix == ".csl" or path.exists():
        if not path.is_file():
            raise UsageError(f"style file {style} does not exist")
        return str(path), StyleSpec(path.name), path
    known = ", ".join(STYLES)
    raise UsageError(f"unknown style '{style}'; use one of {known} or a path to a .csl file")


def load(style: str) -> Style:
    """The style named `style` (see resolve), parsed once per process."""
    name, spec, path = resolve(style)
    stat = path.stat()
    return Style(name, spec, _load(str(path), stat.st_mtime_ns, spec))


@lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int, spec: StyleSpec):
    from lxml import etree

    parser = _parser()
    try:
        tree = etree.parse(path, parser)
    except (OSError, etree.XMLSyntaxError) as exc:
        raise UsageError(f"cannot read style {path}: {exc}") from None
    root = tree.getroot()
    if root.tag != f"{{{CSL_NS}}}style" or root.find(f"{{{CSL_NS}}}bibliography") is None:
        raise UsageError(f"{path} is not a CSL style with a bibliography")
    for name, value in spec.options:
        root.set(name, value)
    _add_terms(root, spec.terms)
    _add_branches(root, spec.branches)
    _give_names_a_name(root)
    csl = _StyleHandle(tree, root)
    root.set_locale_list(root.get("default-locale", "en-US"))
    return csl


class _StyleHandle:
    """What citeproc's CitationStylesBibliography needs of a style object."""

    def __init__(self, xml, root) -> None:
        self.xml = xml
        self.root = root

    def has_bibliography(self) -> bool:
        return self.root.bibliography is not None

    def render_citation(self, citation, cites, callback=None):
        return self.root.citation.render(citation, cites, callback)

    def sort_bibliography(self, citation_items):
        return self.root.bibliography.sort(citation_items)

    def render_bibliography(self, citation_items):
        return self.root.bibliography.render(citation_items)


def _add_terms(root, terms: tuple[tuple[str, str], ...]) -> None:
    if not terms:
        return
    locale = root.find(f"{{{CSL_NS}}}locale")
    if locale is None:
        locale = root.makeelement(f"{{{CSL_NS}}}locale", {})
        root.insert(1, locale)
    holder = locale.find(f"{{{CSL_NS}}}terms")
    if holder is None:
        holder = locale.makeelement(f"{{{CSL_NS}}}terms", {})
        locale.append(holder)
    for name, text in terms:
        for old in holder.findall(f"{{{CSL_NS}}}term[@name='{name}']"):
            if old.get("form") is None:
                holder.remove(old)
        term = holder.makeelement(f"{{{CSL_NS}}}term", {"name": name})
        term.text = text
        holder.insert(0, term)


def _add_branches(root, branches: tuple[str, ...]) -> None:
    """Insert <else-if> branches before the <else> of the bibliography's first choose."""
    from lxml import etree

    choose = root.find(f".//{{{CSL_NS}}}bibliography//{{{CSL_NS}}}choose")
    for branch in branches:
        element = etree.fromstring(branch, _parser())
        fallback = choose.find(f"{{{CSL_NS}}}else")
        if fallback is not None:
            fallback.addprevious(element)
        else:
            choose.append(element)


def _give_names_a_name(root) -> None:
    """citeproc-py creates a missing <name/> on the fly, outside our class lookup; add
    it at load time instead (not inside <substitute>, where names inherit the parent's)."""
    for names in root.iter(f"{{{CSL_NS}}}names"):
        parent = names.getparent()
        if parent is not None and parent.tag == f"{{{CSL_NS}}}substitute":
            continue
        if names.find(f"{{{CSL_NS}}}name") is None:
            names.insert(0, names.makeelement(f"{{{CSL_NS}}}name", {}))


def style_id(style: Style) -> str:
    """The style's name, fixes and the .csl file's content, as one string."""
    path = STYLE_DIR / style.spec.file if style.name in STYLES else Path(style.name)
    try:
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    return f"{style.name}|{style.spec!r}|{digest}"


def processor_item(item: dict[str, Any]) -> dict[str, Any]:
    """The CSL-JSON variables citeproc-py knows (it warns about others, e.g. CSL 1.0.2's
    available-date and event-title, which no shipped style prints)."""
    known = _known_variables()
    return {k: v for k, v in item.items() if k in ("id", "type") or k in known}


@lru_cache(maxsize=1)
def _known_variables() -> frozenset[str]:
    from citeproc import VARIABLES

    names = set(VARIABLES) - {"container_title_short", "title_short"}
    return frozenset({v.replace("_", "-") for v in names} | {"container-title-short",
                                                             "title-short", "DOI", "ISBN",
                                                             "ISSN", "PMID", "PMCID", "URL"})
