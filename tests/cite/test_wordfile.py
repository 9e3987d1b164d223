"""Word: DOCX, RTF and a complete HTML page, with italics and subscripts kept."""

from __future__ import annotations

import subprocess

import oracle_support
import pytest

from reflib.cite.bibliography import export
from reflib.cite.wordfile import rtf_text
from reflib.library.model import Reference

REF = Reference("a", "article", {
    "author": "{Doe, Jane}", "journal": "{J Tests}", "year": "2020", "volume": "1",
    "pages": "1--2", "title": r"{{CO}\textsubscript{2} in \textit{E. coli} and Ünïcode 😀}"})


def test_docx_is_a_word_document_with_marks_and_hanging_indent(tmp_path) -> None:
    import docx

    path = tmp_path / "refs.docx"
    other = Reference("b", REF.entry_type, REF.fields)
    path.write_bytes(export([REF, other], "docx", "ama"))
    document = docx.Document(str(path))
    entries = [p for p in document.paragraphs if p.text.startswith(("1.", "2."))]
    assert len(entries) == 2
    runs = {run.text: run for run in entries[0].runs}
    assert runs["2"].font.subscript and runs["E. coli"].italic and runs["J Tests"].italic
    assert entries[0].paragraph_format.first_line_indent < 0  # hanging
    assert "CO2 in E. coli and ünïcode 😀" in entries[0].text


def test_rtf_reads_back_in_pandoc() -> None:
    text = export([REF], "rtf", "apa")
    assert text.startswith("{\\rtf1") and "{\\sub 2}" in text and "{\\i E. coli}" in text
    assert "\\u-10179 ?\\u-8704 ?" in text  # the emoji: a signed UTF-16 surrogate pair
    pandoc = oracle_support.pandoc_path()
    if pandoc is None:
        pytest.skip("pandoc (the test extra) is not installed")
    markdown = subprocess.run([pandoc, "-f", "rtf", "-t", "markdown"], input=text,
                              capture_output=True, text=True, check=True).stdout
    # (pandoc reads each half of a surrogate pair alone; Word joins them)
    assert "*E. coli*" in markdown and "CO~2~" in markdown and "ünïcode" in markdown


def test_html_is_a_complete_styled_page() -> None:
    page = export([REF], "html", "apa")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "text-indent:-2.5em" in page and "CO<sub>2</sub>" in page
    assert rtf_text([]).endswith("}\n")


def test_cli_writes_docx_and_refuses_it_on_a_terminal(run, library) -> None:
    run("build")
    result = run("export", "--style", "vancouver", "--format", "docx", "-o",
                 str(library / "refs.docx"))
    assert result.exit_code == 0 and "wrote" in result.stderr
    assert (library / "refs.docx").read_bytes()[:2] == b"PK"
    result = run("export", "--format", "rtf")
    assert result.exit_code == 0 and result.stdout.startswith("{\\rtf1")
