"""Formatted bibliographies (AMA, Vancouver, APA, Chicago, the article's style, any .csl)
and data exports (BibTeX, biblatex, RIS, CSL-JSON).

Public API:

- `format_bibliography(refs, style="ama", fmt="text") -> list[str]`: one formatted entry
  per Reference, in the given order, without its number. For a page that shows AMA
  citations per key:

      >>> format_bibliography([ref], "ama")[0]
      'Lee DW, Pritzlaff S, Jung MJ, et al. Latest evidence-based ... doi:10.2147/JPR.S325665'

- `render(refs, style="ama", fmt="text") -> str`: a whole bibliography, numbered 1..N in
  the given order when the style is a numbered one (AMA, Vancouver, article).
- `export(refs, fmt, style="ama") -> str`: `render` for text/markdown/html, the data
  writers (reflib.formats.writers) for bibtex/biblatex/ris/csl-json.
- `order_references(refs, order)`: `cited` (as given), `author` or `year`.
- `export_library(layout, ...)`: the twin of `refs export`.

`style` is a name from reflib.cslstyle.STYLES (ama, vancouver, apa, chicago, article) or
a path to a .csl file; `fmt` is text, markdown or html. Titles reach the processor in
sentence case (reflib.formats.csl); the processor fixes are in reflib.cslstyle.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from reflib.cite.markers import decode, encode_item
from reflib.cite.suffixes import add_suffix, year_suffixes
from reflib.errors import UsageError
from reflib.library.layout import Layout
from reflib.library.model import Reference

TEXT_FORMATS = ("text", "markdown", "html")
WORD_FORMATS = ("docx", "rtf")  # documents Word opens with their formatting
DATA_FORMATS = ("bibtex", "biblatex", "ris", "csl-json")
FORMATS = TEXT_FORMATS + WORD_FORMATS + DATA_FORMATS
ORDERS = ("cited", "author", "year")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def format_bibliography(refs: Sequence[Reference], style: str = "ama",
                        fmt: str = "text") -> list[str]:
    """Each reference formatted in `style` (no number), in the order given."""
    return [rest for _, rest in _entries(refs, style, fmt)[1]]


def render(refs: Sequence[Reference], style: str = "ama", fmt: str = "text") -> str:
    """A whole bibliography in `fmt`; numbered 1..N in the given order if the style is."""
    loaded, entries = _entries(refs, style, fmt)
    if not entries:
        return ""
    if fmt == "html":
        from reflib.cite.wordfile import html_document

        return html_document(entries)
    lines = [f"{first} {rest}" if first else rest for first, rest in entries]
    numbered_list = fmt == "markdown" and all(
        first and re.fullmatch(r"\d+\.", first) for first, _ in entries)
    separator = "\n" if fmt == "text" or numbered_list else "\n\n"
    return separator.join(lines) + "\n"


def export(refs: Sequence[Reference], fmt: str, style: str = "ama") -> str | bytes:
    """Formatted text (text/markdown/html in `style`), a Word document (docx: bytes; rtf)
    or data (bibtex/biblatex/ris/csl-json)."""
    from reflib.formats import writers

    if fmt in TEXT_FORMATS:
        return render(refs, style, fmt)
    if fmt in WORD_FORMATS:
        from reflib.cite import wordfile

        entries = _entries(refs, style, "html")[1] if refs else []
        return wordfile.docx_bytes(entries) if fmt == "docx" else wordfile.rtf_text(entries)
    if fmt == "csl-json":
        return writers.to_csl_json(refs)
    if fmt == "bibtex":
        return writers.to_bibtex(refs)
    if fmt == "biblatex":
        return writers.to_biblatex(refs)
    if fmt == "ris":
        return writers.to_ris(refs)
    raise UsageError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")


def order_references(refs: Sequence[Reference], order: str = "cited") -> list[Reference]:
    """`cited`: as given (the article's citation order); `author`: by first author (or
    editor, or title), then year; `year`: by year (undated last), then first author."""
    if order == "cited":
        return list(refs)
    if order == "author":
        return sorted(refs, key=lambda r: (_first_name(r), r.year or 9999, r.title.lower()))
    if order == "year":
        return sorted(refs, key=lambda r: (r.year is None, r.year or 0, _first_name(r)))
    raise UsageError(f"unknown order '{order}'; use one of {', '.join(ORDERS)}")


def export_library(layout: Layout, fmt: str = "text", style: str = "ama",
                   order: str = "cited", filters: dict[str, Any] | None = None,
                   keys: list[str] | None = None, notify=None) -> str | bytes:
    """What `refs export` prints: the library's sources, selected, ordered, formatted.
    `notify` gets the one line said when the index had to be refreshed first."""
    from reflib.library.query import load_entries, load_references

    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    if fmt in TEXT_FORMATS + WORD_FORMATS:
        from reflib.cite.stylesheet import resolve

        resolve(style)  # a bad --style is a usage error before the index is read
    filters = {k: v for k, v in (filters or {}).items() if v is not None}
    if fmt in ("csl-json", "ris") and order == "cited":
        # 100,000 sources: the index's entry JSON goes to the workers that map it; no
        # Reference is built here (issue 13: whole process within 10 s).
        from reflib.formats import writers

        entries = load_entries(layout, keys, filters, notify)
        if fmt == "ris":
            return writers.ris_of_entries(entries)
        return writers.csl_json_of_entries(entries)
    refs = load_references(layout, keys, filters, notify)
    from reflib.cite.rendercache import cached_in

    with cached_in(layout.db_path):  # a second export formats only what changed
        return export(order_references(refs, order), fmt, style)


def write_output(text: str | bytes, path: str | None) -> None:
    """Write to `path` atomically (a reader sees the old file or the new one)."""
    from reflib.fsutil import write_output_file

    if path:
        write_output_file(Path(path), text)


def _first_name(ref: Reference) -> str:
    people = [n for n in (ref.authors or ref.editors) if n.literal != "others"]
    if people:
        name = people[0]
        return (name.family or name.literal).lower() + " " + name.given.lower()
    return ref.title.lower()


def _entries(refs: Sequence[Reference], style: str, fmt: str):
    from reflib.cite import stylesheet as cslstyle
    from reflib.cite.entries import render_entries

    if fmt not in TEXT_FORMATS:
        raise UsageError(f"unknown format '{fmt}' for a formatted bibliography; use one of "
                         f"{', '.join(TEXT_FORMATS)}")
    loaded = cslstyle.load(style)
    if not refs:
        return loaded, []
    if loaded.numeric:
        return loaded, _numeric_entries(loaded, style, refs, fmt)
    items = _items(loaded, refs, fmt)
    return loaded, _finish(loaded, items, render_entries(loaded, items, _formatter(fmt)), fmt)


def _items(loaded, refs: Sequence[Reference], fmt: str) -> list[dict[str, Any]]:
    """The CSL-JSON items citeproc-py is given for `refs`."""
    from reflib.formats.csl import to_csl

    # citeproc-py passes the data's text through unescaped and reads no markup but nocase
    # spans: escape the text here (a title holding `<script>` or `&` shows as text in
    # HTML and Markdown) and carry italics etc. through as markers (reflib.cite.markers).
    escape = {"html": _html_text, "markdown": _markdown_text}.get(fmt, str)
    return [encode_item(to_csl(ref, loaded.spec.subtitle), escape) for ref in refs]


def _finish(loaded, items: list[dict[str, Any]], entries, fmt: str) -> list[tuple]:
    """citeproc-py's (first, rest) of each item as the format shows them."""
    letters = year_suffixes(items) if loaded.author_date else {}
    out = []
    for item, (first, rest) in zip(items, entries, strict=True):
        rest = _punctuation_in_quote(decode(rest, fmt))
        if str(item["id"]) in letters:
            rest = add_suffix(rest, str(item["issued"]["date-parts"][0][0]),
                              letters[str(item["id"])])
        out.append((decode(first, fmt) if first else first, rest))
    return out


def _numeric_entries(loaded, style: str, refs: Sequence[Reference], fmt: str) -> list[tuple]:
    """A numeric style's entries. Each depends on its source and its number alone, so the
    render cache keeps them by the source's own content and position (an unchanged
    source is not even mapped to CSL-JSON), and the rest are mapped and rendered a slice
    at a time, in forked workers for a long list (reflib.cite.entries): 100,000 sources
    are never all CSL-JSON and citeproc objects in one process."""
    from functools import partial

    from reflib.cite import rendercache
    from reflib.cite.entries import render_numbered
    from reflib.cite.stylesheet import style_id

    cache = rendercache.active()
    keys: list[tuple[str, int]] = []
    known: dict = {}
    context = ""
    if cache is not None:
        keys = [(cache.source_hash(ref), position) for position, ref in enumerate(refs)]
        context = rendercache.context_of(style_id(loaded), f"source|{fmt}", True, [])
        known = cache.lookup(context)
    todo = [(position, ref) for position, ref in enumerate(refs)
            if cache is None or keys[position] not in known]
    fresh = iter(render_numbered(todo, partial(_numbered_slice, style=style, fmt=fmt)))
    if cache is None:
        return list(fresh)
    out = [known[key] if key in known else next(fresh) for key in keys]
    cache.rendered += len(todo)
    if todo or len(known) != len(keys):
        cache.store(context, [(*key, first, rest) for key, (first, rest) in zip(
            keys, out, strict=True)])
    return out


def _numbered_slice(numbered: Sequence[tuple[int, Reference]], style: str,
                    fmt: str) -> list[tuple]:
    """The entries of some sources of a numeric bibliography, each (position, source)
    numbered position + 1: in a worker, a slice of the list it inherited."""
    from reflib.cite import stylesheet as cslstyle
    from reflib.cite.entries import bibliography_of

    loaded = cslstyle.load(style)
    items = _items(loaded, [ref for _, ref in numbered], fmt)
    bibliography = bibliography_of(loaded, [cslstyle.processor_item(item) for item in items],
                                   _formatter(fmt), [position for position, _ in numbered])
    layout = loaded.csl.root.bibliography.layout
    entries = []
    for cite in bibliography.items:
        first, rest = layout.render_entry(cite)
        entries.append((first, rest or ""))
    return _finish(loaded, items, entries, fmt)


_QUOTE_THEN_STOP = re.compile(r"([”’])((?:</\w+>)*)([.,])")


def _punctuation_in_quote(text: str) -> str:
    """American usage, which the en-US locale asks for (`punctuation-in-quote`) and
    citeproc-py ignores: a period or comma after a closing quote goes inside it."""
    return _QUOTE_THEN_STOP.sub(r"\3\1\2", text)


def _html_text(text: str) -> str:
    return html.escape(text, quote=False)


def _markdown_text(text: str) -> str:
    return _md_escape(html.escape(text, False))


def _formatter(fmt: str):
    from citeproc.formatter import html as html_formatter
    from citeproc.formatter import plain

    if fmt == "html":
        return html_formatter
    if fmt == "markdown":
        return MARKDOWN
    return plain


def _md_escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def _md_wrap(mark: str):
    return lambda text: f"{mark}{text}{mark}" if str(text).strip() else str(text)


# A citeproc-py output formatter for Markdown (pandoc's and CommonMark's emphasis).
MARKDOWN = SimpleNamespace(
    preformat=_md_escape,
    Italic=_md_wrap("*"), Oblique=_md_wrap("*"), Bold=_md_wrap("**"), Light=str,
    Underline=str, Superscript=lambda t: f"<sup>{t}</sup>",
    Subscript=lambda t: f"<sub>{t}</sub>", SmallCaps=str,
)
