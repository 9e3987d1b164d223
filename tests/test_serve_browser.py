"""`refs serve` in a real browser: Datasette as a librarian meets it, at desktop and
phone width (headless Chromium, Playwright). Screenshots go to build/screenshots/; with
REFS_UPDATE_SCREENSHOT=1 also to docs/datasette.png and docs/datasette-phone.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import (
    ROOT,
    SCREENSHOTS,
    UPDATE_DOCS,
    chromium,
    in_first_screen,
    needs_chromium,
)
from test_serve import serving

PRINTED = ROOT / "tests" / "fixtures" / "checks" / "article-reference-list.txt"

pytestmark = needs_chromium


@pytest.fixture
def served(run, library: Path):
    """`refs serve` on a free loopback port, over the twelve with a saved check run."""
    pytest.importorskip("datasette", reason="the serve extra: pip install 'reflib[serve]'")
    assert run("build").exit_code == 0
    assert run("check", "--offline", "--against", str(PRINTED)).exit_code == 1
    with serving(library) as base:
        yield base


def test_sources_first_rows_on_the_first_screen_and_links_both_ways(served, tmp_path: Path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium(tmp_path / "profile", 1280, 800) as context:
        page = context.new_page()
        page.goto(served + "/")
        start = page.locator(".reflib-start a").first
        assert start.inner_text() == "Sources"  # sources first on the home page
        assert page.locator(".reflib-tables a").first.inner_text() == "sources"
        page.goto(served + "/library")
        assert page.locator(".reflib-start a").first.inner_text() == "Sources"
        assert page.locator("#queries + ul a").all_inner_texts() == [
            "Retracted, under concern or corrected", "Sources without a DOI or a PMID",
            "Web sources accessed more than a year ago", "Sources by evidence type"]

        page.goto(served + "/library/sources")
        assert page.locator("dl.column-descriptions").count() == 0
        first_rows = page.locator("table.rows-and-columns tbody td.col-key a")
        assert in_first_screen(first_rows.first, 1280, 800)  # rows on the first screen
        page.screenshot(path=SCREENSHOTS / "datasette-1280.png")
        if UPDATE_DOCS:
            page.screenshot(path=ROOT / "docs" / "datasette.png")

        # A source's findings, and back.
        row = page.locator("tr", has=page.locator("td.col-key", has_text="benzon2023"))
        row.locator("a.reflib-findings").click()
        page.wait_for_load_state()
        assert "/library/latest_findings" in page.url and "key=benzon2023radiofrequency" in (
            page.url)
        cells = page.locator("td.col-check").all_inner_texts()
        assert "against" in cells
        page.locator("td.col-key a").first.click()
        page.wait_for_load_state()
        assert page.url.endswith("/library/sources/benzon2023radiofrequency")
        assert page.locator("a.reflib-findings").get_attribute("href").endswith(
            "/library/latest_findings?key=benzon2023radiofrequency")  # the source's own page

        page.goto(served + "/columns")
        assert "Position in the article's citation order" in page.locator(
            "#sources + dl").inner_text()

        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        page.goto(served + "/library/sources")
        assert in_first_screen(page.locator("table.rows-and-columns tbody td.col-key a").first,
                               390, 844)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        facets = page.locator(".facet-info")
        assert facets.count() == 3
        strip = page.locator(".facet-results")
        assert strip.evaluate("e => getComputedStyle(e).overflowX") == "auto"
        page.locator(".facet-info a", has_text="guideline").click()  # a facet, on a phone
        page.wait_for_load_state()
        assert "evidence=guideline" in page.url
        assert page.locator("table.rows-and-columns tbody tr").count() == 5
        page.goto(served + "/library/sources")
        page.screenshot(path=SCREENSHOTS / "datasette-390.png")
        if UPDATE_DOCS:
            page.screenshot(path=ROOT / "docs" / "datasette-phone.png")
