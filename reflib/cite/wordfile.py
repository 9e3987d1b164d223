"""Bibliographies Word opens or pastes with their formatting: a whole HTML page, DOCX
(python-docx) and RTF. Each entry arrives as the HTML our renderer writes (reflib.cite.
bibliography); its italics, bold, sub/superscripts and small caps become Word's own.

A numbered style (AMA, Vancouver) gets its number, a tab and a hanging indent; an
author-date style (APA, Chicago) a hanging indent alone, as the manuals show.
"""

from __future__ import annotations

import html
import io

from reflib.library.richtext import Run, csl_markup_to_rich

Entry = tuple[str | None, str]  # (number or None, the entry as HTML)

_INDENT_EM = 2.5
_HTML_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>References</title>
<style>
body { font-family: "Times New Roman", Times, serif; font-size: 12pt; line-height: 1.5; }
.csl-bib-body { margin: 0; }
.csl-entry { margin: 0 0 0.5em 0; padding-left: %(indent)sem; text-indent: -%(indent)sem; }
.csl-left-margin { display: inline-block; min-width: %(indent)sem; text-indent: 0; }
.csl-right-inline { display: inline; }
</style>
</head>
<body>
"""


def runs_of(entry_html: str) -> list[Run]:
    """An entry's HTML as rich text runs, entities decoded."""
    return [Run(html.unescape(run.text), run.marks) for run in csl_markup_to_rich(entry_html)]


def html_document(entries: list[Entry]) -> str:
    """A complete page: each entry a paragraph with a hanging indent, styled inline too,
    so that pasting it into Word keeps the layout."""
    style = (f"margin:0 0 0.5em 0;padding-left:{_INDENT_EM}em;"
             f"text-indent:-{_INDENT_EM}em")
    out = [_HTML_HEAD % {"indent": _INDENT_EM}, '<div class="csl-bib-body">']
    for first, rest in entries:
        if first:
            out.append(f'  <div class="csl-entry" style="{style}"><span class="csl-left-margin"'
                       f' style="display:inline-block;min-width:{_INDENT_EM}em;text-indent:0">'
                       f'{html.escape(first, quote=False)}</span>'
                       f'<span class="csl-right-inline">{rest}</span></div>')
        else:
            out.append(f'  <div class="csl-entry" style="{style}">{rest}</div>')
    out.append("</div>\n</body>\n</html>")
    return "\n".join(out) + "\n"


def docx_bytes(entries: list[Entry]) -> bytes:
    """A Word document: one paragraph an entry, hanging indent, marks as run formatting."""
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    document.add_heading("References", level=1)
    for first, rest in entries:
        paragraph = document.add_paragraph()
        layout = paragraph.paragraph_format
        layout.left_indent = Cm(1.0)
        layout.first_line_indent = Cm(-1.0)
        layout.space_after = Pt(6)
        if first:
            layout.tab_stops.add_tab_stop(Cm(1.0))
            paragraph.add_run(first + "\t")
        for run in runs_of(rest):
            text_run = paragraph.add_run(run.text)
            text_run.italic = "i" in run.marks or None
            text_run.bold = "b" in run.marks or None
            text_run.font.superscript = "sup" in run.marks or None
            text_run.font.subscript = "sub" in run.marks or None
            text_run.font.small_caps = "sc" in run.marks or None
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_RTF_MARKS = (("i", "\\i"), ("b", "\\b"), ("sup", "\\super"), ("sub", "\\sub"),
              ("sc", "\\scaps"))


def _rtf_escape(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in "\\{}":
            out.append("\\" + char)
        elif code < 128:
            out.append(char)
        else:  # RTF's \uN is a signed 16-bit number; beyond the BMP, a surrogate pair
            for unit in char.encode("utf-16-le").hex(" ", 2).split():
                value = int(unit[2:] + unit[:2], 16)
                out.append(f"\\u{value - 65536 if value > 32767 else value} ?")
    return "".join(out)


def rtf_text(entries: list[Entry]) -> str:
    """An RTF document (Word, LibreOffice, TextEdit): hanging indent, marks kept."""
    out = ["{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1",
           "{\\fonttbl{\\f0\\froman Times New Roman;}}",
           "\\f0\\fs24"]
    for first, rest in entries:
        out.append("\\pard\\li567\\fi-567\\sa120\\tx567 ")
        if first:
            out.append(_rtf_escape(first) + "\\tab ")
        for run in runs_of(rest):
            controls = "".join(code for mark, code in _RTF_MARKS if mark in run.marks)
            text = _rtf_escape(run.text)
            out.append("{" + controls + " " + text + "}" if controls else text)
        out.append("\\par")
    out.append("}")
    return "\n".join(out) + "\n"
