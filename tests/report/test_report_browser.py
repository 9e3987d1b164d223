"""The evidence report in a real browser: headless Chromium, driven by Playwright.

Uses Debian's chromium (/usr/bin/chromium, or $REFS_CHROMIUM), never a browser that
Playwright downloads; `bash scripts/test.sh` installs it. Screenshots are kept in
build/screenshots/; with REFS_UPDATE_SCREENSHOT=1 the first screens at 1280x800 and
390x844 also replace docs/report.png and docs/report-phone.png, the README's pictures.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
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

from reflib.library.findings import CheckRun, Finding, save_run
from reflib.library.layout import Layout
from reflib.report.document import write_report

NOW = datetime(2024, 4, 6, 12, 0, tzinfo=UTC)  # the day the article was last updated

pytestmark = needs_chromium

GUIDELINES = ["lee2021learn", "sayed2022lowback", "cohen2020lumbar", "hurley2022cervical",
              "nass2020lbp"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One Chromium for the module, with a fresh, empty profile."""
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        context.set_default_timeout(5000)  # a local file: anything slower is a failure
        yield context


class Visit:
    """A page opened on a report file, recording every request and every error."""

    def __init__(self, context, path: Path, fragment: str = "") -> None:
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: message.type == "error"
                     and self.errors.append(message.text))
        # Anything but the file itself is refused before it leaves, and recorded above.
        self.page.route("**/*", lambda route: route.continue_()
                        if route.request.url == self.url else route.abort())
        self.page.goto(self.url + fragment)

    def keys(self, visible_only: bool = True) -> list[str]:
        rows = self.page.locator("li.ref:visible" if visible_only else "li.ref")
        return [rows.nth(i).get_attribute("data-key") for i in range(rows.count())]

    def close(self) -> None:
        self.page.close()
        assert self.requests == [self.url], "the page made requests of its own"
        assert self.errors == [], "the page logged errors (a broken script or CSP hash?)"


def order_of(root: Path) -> list[str]:
    text = (root / "refs" / "order.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def test_the_twelve_in_order_filtering_phone_and_print(browser, run, library: Path,
                                                       tmp_path: Path):
    assert run("build").exit_code == 0
    report = tmp_path / "report.html"
    write_report(Layout(library), report, now=NOW, title="Radiofrequency neurotomy")
    visit = Visit(browser, report)
    page = visit.page

    assert page.locator("h1").inner_text() == "Radiofrequency neurotomy"
    assert visit.keys() == order_of(library)
    assert page.locator("li.ref .num").all_inner_texts() == [str(n) for n in range(1, 13)]
    first = page.locator("li.ref").first
    assert "Lee DW" in first.locator(".cite").inner_text()
    assert "Guideline" in first.locator(".ev").inner_text()
    assert "2021 · 3 years old" in first.locator(".age").inner_text()
    assert first.locator("a", has_text="10.2147/JPR.S325665").get_attribute("href") == (
        "https://doi.org/10.2147/JPR.S325665")
    assert page.locator(".chart svg rect").count() >= 6
    count = page.locator("#filter-count")
    assert count.inner_text() == "Showing all 12 references"

    page.select_option("#filter-evidence", "guideline")
    assert visit.keys() == GUIDELINES
    assert count.inner_text() == "Showing 5 of 12 references"
    assert page.locator('li.ref[data-key="mauck2024expert"]').is_hidden()
    page.get_by_role("button", name="Show all").click()
    assert visit.keys() == order_of(library)

    page.locator("button.pick", has_text="Textbook chapter").click()  # from the summary
    assert visit.keys() == ["benzon2023radiofrequency", "abdelsayed2024bvn"]
    page.select_option("#filter-evidence", "expert-opinion")
    page.select_option("#filter-problem", "error")
    assert visit.keys() == []
    assert page.locator("#filter-none").is_visible()
    page.get_by_role("button", name="Show all").click()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=tmp_path / "report.png", full_page=True)
    shutil.copyfile(tmp_path / "report.png", SCREENSHOTS / "report.png")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("#filter-evidence").is_visible()
    page.screenshot(path=SCREENSHOTS / "report-phone.png")

    page.emulate_media(media="print")
    assert page.locator("#filter-evidence").is_hidden()
    assert len(visit.keys()) == 12
    page.select_option("#filter-evidence", "guideline", force=True)  # a filtered print says so
    assert page.locator("#filter-count").inner_text() == "Showing 5 of 12 references"
    assert page.locator("#filter-count").is_visible()
    visit.close()


def test_a_retracted_source_shows_its_badge_and_hostile_text_stays_text(browser, run,
                                                                        tmp_path: Path):
    refs = tmp_path / "lib" / "refs"
    refs.mkdir(parents=True)
    (refs / "retracted2020trial.bib").write_text(
        "@article{retracted2020trial,\n"
        "  author = {Doe, Jane and Roe, Richard},\n"
        "  title = {A fixture trial that was later retracted},\n"
        "  journal = {Journal of Fixtures},\n  year = {2020},\n  volume = {3},\n"
        "  pages = {10--20},\n  doi = {10.5555/fixture.retracted},\n"
        "  evidence = {systematic-review},\n}\n", encoding="utf-8")
    (refs / "hostile2022title.bib").write_text(
        "@article{hostile2022title,\n  author = {Poe, Edgar},\n"
        "  title = {<script>window.pwned = 1</script> and "
        "<img src=x onerror=\"window.pwned=2\">},\n"
        "  journal = {Journal of Fixtures},\n  year = {2022},\n  volume = {4},\n"
        "  pages = {1--9},\n  evidence = {review},\n}\n", encoding="utf-8")
    (refs / "order.txt").write_text("retracted2020trial\nhostile2022title\n", encoding="utf-8")
    root = tmp_path / "lib"
    assert run("build", root=root).exit_code == 0
    retraction = Finding(
        "retracted2020trial", "updates", "error",
        "retraction: notice 10.5555/fixture.notice of 2021-03-01 (reported by Retraction "
        "Watch); do not cite it as evidence", "refs/retracted2020trial.bib", 8,
        {"type": "retraction", "doi": "10.5555/fixture.notice", "sources": ["retraction-watch"]})
    save_run(root / "db" / "library.db", CheckRun(
        [retraction], "2024-04-01T09:30:00+00:00", False,
        ["doi-syntax", "doi-resolves", "metadata", "updates", "currency", "completeness"], {}))
    report = tmp_path / "fixture.html"
    write_report(Layout(root), report, now=NOW)
    visit = Visit(browser, report)
    page = visit.page

    row = page.locator('li.ref[data-key="retracted2020trial"]')
    badge = row.locator('.badge[data-badge="updates"]')
    assert badge.is_visible()
    assert badge.inner_text().strip() == "✖ Retracted"
    assert "s-error" in badge.get_attribute("class")
    assert "Retraction Watch" in row.locator(".notes").inner_text()
    assert "1 Apr 2024, 09:30 UTC" in page.locator(".checks").inner_text()

    hostile = page.locator('li.ref[data-key="hostile2022title"]')
    shown = hostile.inner_text().lower()  # the style may capitalise the title's first word
    assert "<script>window.pwned = 1</script> and <img" in shown
    assert page.evaluate("window.pwned") is None
    assert page.locator("main script, main img").count() == 0

    page.select_option("#filter-problem", "updates")
    assert visit.keys() == ["retracted2020trial"]
    page.select_option("#filter-problem", "clean")
    assert visit.keys() == ["hostile2022title"]
    page.get_by_role("button", name="Errors").click()
    assert visit.keys() == ["retracted2020trial"]
    page.screenshot(path=tmp_path / "fixture.png", full_page=True)
    visit.close()


PRINTED = ROOT / "tests" / "fixtures" / "checks" / "article-reference-list.txt"


def test_what_to_fix_leads_the_page(browser, run, library: Path, tmp_path: Path):
    """The measure of issue 14: with the printed-list check on, the first screen at
    1280x800 shows every error, each with its reference number, problem and fix."""
    assert run("build").exit_code == 0
    checked = run("check", "--offline", "--against", str(PRINTED))
    assert checked.exit_code == 1  # the printed list misspells an editor
    import json
    errors = [f for f in json.loads(run("check", "--offline", "--against", str(PRINTED),
                                        "--format", "json").stdout)
              if f["severity"] == "error"]
    assert errors
    (library / "README.md").write_text("# Radiofrequency neurotomy\n\nThe article's sources.\n")
    report = tmp_path / "report.html"
    write_report(Layout(library), report)  # today: the check run is of today too
    visit = Visit(browser, report)
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("window.scrollTo(0, 0)")

    assert page.locator("h1").inner_text() == "Radiofrequency neurotomy"  # README's heading
    todo = page.locator("section.todo-panel")
    assert todo.locator("h2").inner_text() == "What to fix"
    chart = page.locator(".chart").bounding_box()
    assert todo.bounding_box()["y"] < chart["y"]  # before any chart
    for error in errors:
        item = todo.locator(f'li.todo-item.s-error[data-key="{error["key"]}"]')
        assert item.count() == 1, error
        assert in_first_screen(item, 1280, 800), f"{error['key']} is below the first screen"
    benzon = todo.locator('li.s-error[data-key="benzon2023radiofrequency"]').inner_text()
    assert benzon.split()[0] == "8"
    assert "misspells the source's first editor" in benzon
    assert "Should read: Benzon HT, et al., eds." in benzon
    assert todo.locator('li.s-error[data-key="benzon2023radiofrequency"] ins').inner_text() == (
        "Benzon")
    chou = todo.locator('li.todo-item[data-key="chou-uptodate-lbp"] del').first
    assert chou.inner_text() == "et al."
    warnings = todo.locator("li.todo-item.s-warning").count()
    assert page.locator("#todo-count").inner_text() == (
        f"1 error and {warnings} warnings in "
        f"{len(set(todo.locator('li.todo-item').evaluate_all('l => l.map(e => e.dataset.key)')))}"
        " references.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "report-1280.png")

    # Badges only for checks made: the offline run made no DOI lookups.
    assert page.locator(".badge.s-skipped, .badge.s-not-run").count() == 0
    assert page.locator('li.ref[data-key="lee2021learn"] .unmade').inner_text().startswith(
        "Not checked: DOI resolves")
    # "No problems found" only where every check was made: here no source was.
    page.select_option("#filter-problem", "clean")
    assert visit.keys() == []
    # Counts agree: the summary counts references, as the filter shows them.
    page.get_by_role("button", name="Show all").click()
    pick = page.locator("button.pick", has_text="Warnings")
    said = int(pick.locator(".n").inner_text().split()[0])
    pick.click()
    assert len(visit.keys()) == said
    assert "7 findings" in pick.inner_text() or "finding" in pick.inner_text()
    # Filters live in the URL's hash.
    assert page.evaluate("location.hash") == "#problem=warning"
    page.select_option("#filter-evidence", "guideline")
    assert page.evaluate("location.hash") == "#evidence=guideline&problem=warning"
    # Backticks in a message become code, not literal marks.
    assert page.locator(".checks code, .notes code, .todo code").count() >= 1
    assert "`" not in page.locator("main").inner_text()

    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    first_error = todo.locator("li.todo-item.s-error").first
    assert in_first_screen(first_error, 390, 844)  # the error leads on a phone too
    page.screenshot(path=SCREENSHOTS / "report-390.png")
    if UPDATE_DOCS:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=ROOT / "docs" / "report.png")
        page.set_viewport_size({"width": 390, "height": 844})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=ROOT / "docs" / "report-phone.png")
    visit.close()

    shared = Visit(browser, report, "#problem=error")  # a link someone sent
    assert shared.keys() == ["benzon2023radiofrequency"]
    assert shared.page.locator("#filter-problem").input_value() == "error"
    shared.close()
