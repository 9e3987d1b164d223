"""Rendered citations kept in the index: a second export renders only what changed."""

from __future__ import annotations

from pathlib import Path

from conftest import write_source

from reflib.cite.bibliography import export, export_library
from reflib.cite.rendercache import cached_in
from reflib.library.build import build
from reflib.library.layout import Layout
from reflib.library.query import load_references


def test_a_second_export_renders_only_the_edited_source(library: Path) -> None:
    layout = Layout(library)
    build(layout)
    with cached_in(layout.db_path) as cache:
        first = export(load_references(layout), "text", "ama")
    assert cache.rendered == 12
    assert export_library(layout, "text", "ama") == first  # the command's twin uses it
    with cached_in(layout.db_path) as cache:
        assert export(load_references(layout), "text", "ama") == first
    assert cache.rendered == 0
    path = library / "refs" / "nass2020lbp.bib"
    path.write_text(path.read_text().replace("title = {", "title = {Revised: ", 1))
    with cached_in(layout.db_path) as cache:
        again = export(load_references(layout), "text", "ama")
    assert cache.rendered == 1
    uncached = export(load_references(layout), "text", "ama")
    assert again == uncached and "Revised" in again and again != first


def test_styles_and_formats_are_kept_apart(library: Path) -> None:
    layout = Layout(library)
    build(layout)
    refs = load_references(layout)
    outputs = {}
    for style, fmt in [("ama", "text"), ("ama", "html"), ("apa", "text"), ("vancouver", "text")]:
        with cached_in(layout.db_path):
            outputs[style, fmt] = export(refs, fmt, style)
        with cached_in(layout.db_path) as cache:
            assert export(refs, fmt, style) == outputs[style, fmt]
        assert cache.rendered == 0
        assert export(refs, fmt, style) == outputs[style, fmt]  # as without the cache
    assert len(set(outputs.values())) == 4


def test_an_author_date_style_renders_again_when_any_source_changed(library: Path) -> None:
    layout = Layout(library)
    build(layout)
    with cached_in(layout.db_path):
        export(load_references(layout), "text", "apa")
    write_source(library, "extra2020",
                 "@misc{extra2020,\n  title = {Extra},\n  year = {2020},\n}\n")
    with cached_in(layout.db_path) as cache:
        export(load_references(layout), "text", "apa")
    assert cache.rendered == 13  # disambiguation depends on the whole list
