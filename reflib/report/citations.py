"""Formatted citations made safe for the page: the processor's HTML kept to a few inline
tags (`sanitize_html`), or a plain fallback when the styles cannot format the library."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from reflib.library.model import Reference


def escape(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


_INLINE_TAGS = {"i", "em", "b", "strong", "sup", "sub", "span", "a", "br"}


class _Sanitizer(HTMLParser):
    """Keeps inline formatting tags (without attributes but a web href), escapes the rest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE_TAGS:
            return
        if tag == "br":
            self.out.append("<br>")
            return
        extra = ""
        values = dict(attrs)
        if tag == "a":
            href = values.get("href") or ""
            if href.lower().startswith(("https://", "http://")):
                extra = f' href="{escape(href)}" rel="noreferrer"'
        elif tag == "span" and "small-caps" in (values.get("style") or ""):
            extra = ' class="sc"'
        self.out.append(f"<{tag}{extra}>")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("<br>")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def sanitize_html(fragment: str) -> str:
    """`<i>J Pain Res</i><script>x</script>` -> `<i>J Pain Res</i>x`, text escaped."""
    parser = _Sanitizer()
    parser.feed(fragment)
    return parser.result()


def safe_citation(marked: str, plain: str) -> str:
    """The formatted citation's italics when they are safe, else its plain text, escaped.

    A CSL processor's HTML does not always escape the library's text (citeproc-py's
    does not), so a title like `<b>x</b>` would arrive as markup. When the sanitized HTML
    reads differently from the plain-text rendering, markup came from the data: the
    plain text is shown instead, so nothing the library says is lost or obeyed."""
    safe = sanitize_html(marked)
    if html.unescape(re.sub(r"<[^>]*>", "", safe)) == plain:
        return safe
    return escape(plain)


def citation_fallback(ref: Reference) -> str:
    """A plain citation (authors, title, container, year) as safe HTML, for when the
    formatted one is not available."""
    people = ref.authors or ref.editors
    names = [n.literal or " ".join(p for p in (n.family_full, _initials(n.given)) if p)
             for n in people]
    if names and names[-1] == "others":
        names[-1] = "et al"
    authors = ", ".join(names[:6] if len(names) <= 6 else [*names[:3], "et al"])
    title = ref.title or ref.text("howpublished")
    parts = [escape(p.rstrip(".")) + "." for p in (authors, title) if p]
    if ref.container:
        parts.append(f"<i>{escape(ref.container)}</i>.")
    if ref.year:
        parts.append(f"{ref.year}.")
    return " ".join(parts)


def _initials(given: str) -> str:
    return "".join(part[0] for part in given.replace("-", " ").split() if part[0].isalpha())


def format_citations(refs: list[Reference]) -> dict[str, str]:
    """Each reference's AMA citation as safe HTML, keyed by citekey; a plain citation
    when the export module is not there or cannot format the library. With a render
    cache active (reflib.cite.rendercache), the safe HTML itself is kept there, by each
    source's content and position, so a second report of 100,000 sources reads it back
    instead of reading both formats and checking each citation's markup again."""
    from reflib.errors import ReflibError

    try:
        from reflib.cite import rendercache
        from reflib.cite.bibliography import format_bibliography
        from reflib.cite.stylesheet import load, style_id
    except ImportError:
        return {ref.key: citation_fallback(ref) for ref in refs}
    cache = rendercache.active()
    if cache is not None:
        try:
            context = rendercache.context_of(style_id(load("ama")), "report|safe-html", True,
                                             [])
        except ReflibError:
            return {ref.key: citation_fallback(ref) for ref in refs}
        keys = [(cache.source_hash(ref), position) for position, ref in enumerate(refs)]
        known = cache.lookup(context)
        if all(key in known for key in keys):
            return {ref.key: known[key][1] for ref, key in zip(refs, keys, strict=True)}
    try:
        marked = format_bibliography(refs, style="ama", fmt="html")
        plain = format_bibliography(refs, style="ama", fmt="text")
    except ReflibError:
        return {ref.key: citation_fallback(ref) for ref in refs}
    safe = [safe_citation(html_text, text) for html_text, text in zip(marked, plain,
                                                                       strict=True)]
    if cache is not None:
        cache.store(context, [(*key, None, citation) for key, citation in zip(
            keys, safe, strict=True)])
    return {ref.key: citation for ref, citation in zip(refs, safe, strict=True)}


_CODE = re.compile(r"`([^`\n]+)`")
_STRONG = re.compile(r"\*\*([^*\n]+)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def inline_markup(text: str) -> str:
    """Plain text with markdown-like marks as safe HTML: `code`, **strong**, *emphasis*.

    >>> inline_markup("run `refs build` <now>")
    'run <code>refs build</code> &lt;now&gt;'
    """
    html_text = escape(text)
    html_text = _CODE.sub(r"<code>\1</code>", html_text)
    html_text = _STRONG.sub(r"<strong>\1</strong>", html_text)
    return _EMPHASIS.sub(r"<em>\1</em>", html_text)


_REMOVED = re.compile(r"\[-(.+?)-\]")
_CHANGED = re.compile(r"\[([^\[\]]+?)\]")


def marked_changes(text: str) -> str:
    """A line with changes marked `[new]` and `[-removed-]` as safe HTML <ins>/<del>."""
    html_text = escape(text)
    html_text = _REMOVED.sub(r"<del>\1</del>", html_text)
    return _CHANGED.sub(r"<ins>\1</ins>", html_text)
