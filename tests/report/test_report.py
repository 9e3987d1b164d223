"""The evidence report: assembling what it shows (pure), the HTML (pure), and `refs report`.

What a reader sees in a browser is tested in test_report_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from reflib.library.findings import CheckRun, Finding, latest_run, save_run
from reflib.library.layout import Layout
from reflib.library.model import Reference
from reflib.report.chart import chart_svg, currency_sentence
from reflib.report.citations import (
    citation_fallback,
    format_citations,
    safe_citation,
    sanitize_html,
)
from reflib.report.data import age_in_years, assemble, badges_for, load_report
from reflib.report.page import doi_url, render

TODAY = date(2024, 4, 6)  # the day the article was last updated
NOW = datetime(2024, 4, 6, 12, 0, tzinfo=UTC)


def article(key: str, **fields: str) -> Reference:
    base = {"author": "{Doe}, Jane", "title": "A trial", "journal": "J Test", "year": "2020",
            "volume": "1", "pages": "1--2", "evidence": "review"}
    base.update(fields)
    return Reference(key, "article", base, f"refs/{key}.bib", 1)


def web(key: str, **fields: str) -> Reference:
    base = {"title": "A page", "url": "https://example.org/page", "urldate": "2023-12-05",
            "evidence": "point-of-care"}
    base.update(fields)
    return Reference(key, "online", base, f"refs/{key}.bib", 1)


def run_of(*findings: Finding, skipped: dict | None = None, offline: bool = False) -> CheckRun:
    made = ["doi-syntax", "doi-resolves", "metadata", "updates", "currency", "completeness"]
    skipped = skipped or {}
    return CheckRun(list(findings), "2024-04-01T09:30:00+00:00", offline,
                    [c for c in made if c not in skipped], skipped)


RETRACTION = Finding("a", "updates", "error", "retraction: notice 10.5555/notice (reported by "
                     "Retraction Watch); do not cite it as evidence", "refs/a.bib", 9,
                     {"type": "retraction", "doi": "10.5555/notice"})


# -- badges ---------------------------------------------------------------------------


def badge_map(badges) -> dict[str, tuple[str, str]]:
    return {b.badge: (b.state, b.text) for b in badges}


def test_a_retraction_is_an_error_badge_that_says_retracted():
    ref = article("a", doi="10.5555/a")
    badges = badge_map(badges_for(ref, [RETRACTION], run_of(RETRACTION)))
    assert badges["updates"] == ("error", "Retracted")
    assert badges["doi"] == ("ok", "DOI resolves")
    assert badges["metadata"] == ("ok", "Metadata agrees")
    assert "currency" not in badges  # not a web source: the check does not apply


@pytest.mark.parametrize("severity, kind, words", [
    ("warning", "expression_of_concern", "Expression of concern"),
    ("notice", "correction", "Corrected"),
    ("notice", "erratum", "Corrected"),
    ("error", "withdrawal", "Withdrawn"),
    ("error", "", "Retracted"),  # no type given: the severity decides
])
def test_update_badges_name_the_kind_of_update(severity, kind, words):
    finding = Finding("a", "updates", severity, "an update", data={"type": kind} if kind else {})
    badges = badge_map(badges_for(article("a", doi="10.5555/a"), [finding], run_of(finding)))
    assert badges["updates"] == (severity, words)


def test_offline_run_shows_network_checks_as_not_checked_with_the_reason():
    run = run_of(skipped={"doi-resolves": "offline", "metadata": "offline",
                          "updates": "offline"}, offline=True)
    badges = badges_for(article("a", doi="10.5555/a"), [], run)
    assert {b.badge: b.state for b in badges} == {
        "doi": "skipped", "metadata": "skipped", "updates": "skipped"}
    assert all(b.why == "offline" for b in badges)


def test_without_a_run_badges_say_not_checked_and_without_a_doi_there_are_no_doi_badges():
    badges = badge_map(badges_for(web("w"), [], None))
    assert badges == {"currency": ("not-run", "Access date: not checked")}


def test_an_old_access_date_is_a_currency_warning():
    finding = Finding("w", "currency", "warning", "accessed 2023-12-05, 14 months ago")
    badges = badge_map(badges_for(web("w"), [finding], run_of(finding)))
    assert badges == {"currency": ("warning", "Access date")}


# -- assembling ------------------------------------------------------------------------


def test_assemble_orders_by_citation_and_puts_uncited_sources_last():
    refs = [article("b"), article("z", year="2019"), article("a", year="2024"), web("w")]
    data = assemble(refs, ["a", "b", "missing", "w"], {}, None, "none", TODAY)
    assert [(e.number, e.key) for e in data.entries] == [(1, "a"), (2, "b"), (4, "w"),
                                                         (None, "z")]
    assert [e.age for e in data.entries] == [0, 4, None, 5]
    assert data.checks.origin == "none"


def test_assemble_counts_severities_and_keeps_library_findings_apart():
    order = Finding(None, "order", "error", "reference 3 'missing' names no source")
    stale = Finding("gone", "metadata", "warning", "about a source since removed")
    notice = Finding("b", "completeness", "notice", "no DOI")
    data = assemble([article("a", doi="10.5555/a"), article("b")], ["a", "b"], {},
                    run_of(RETRACTION, order, stale, notice), "saved", TODAY)
    assert data.severity_counts == {"error": 2, "warning": 1, "notice": 1, "skipped": 0}
    assert [f.check for f in data.library_findings] == ["order", "metadata"]
    first, second = data.entries
    assert set(first.problems) == {"error", "problem", "updates"}
    assert set(second.problems) == {"notice", "problem"}


def test_age_in_years():
    assert age_in_years(2021, TODAY) == 3
    assert age_in_years(2024, TODAY) == 0
    assert age_in_years(None, TODAY) is None


# -- HTML --------------------------------------------------------------------------------


def test_sanitize_keeps_inline_formatting_and_escapes_everything_else():
    assert sanitize_html("<i>J Pain Res</i>. 2021;14:2807") == "<i>J Pain Res</i>. 2021;14:2807"
    assert sanitize_html("<script>alert(1)</script>x") == "alert(1)x"
    assert sanitize_html('<b onclick="x()">bold</b>') == "<b>bold</b>"
    assert sanitize_html('<a href="javascript:alert(1)">x</a>') == "<a>x</a>"
    assert sanitize_html('<a href="https://doi.org/10.1/x">x</a>') == (
        '<a href="https://doi.org/10.1/x" rel="noreferrer">x</a>')
    assert sanitize_html('<span style="font-variant:small-caps;">et al</span>') == (
        '<span class="sc">et al</span>')
    assert sanitize_html("<i>unclosed") == "<i>unclosed</i>"
    assert sanitize_html("AT&amp;T &lt;b&gt;") == "AT&amp;T &lt;b&gt;"


def test_citation_fallback_is_escaped():
    ref = article("x", title="<script>alert(1)</script> & more", author="Doe, Jane and others")
    assert citation_fallback(ref) == (
        "Doe J, et al. &lt;script&gt;alert(1)&lt;/script&gt; &amp; more. <i>J Test</i>. 2020.")


def test_a_citation_keeps_its_italics_unless_the_data_brought_markup():
    assert safe_citation("Doe J. A trial. <i>J Test</i>. 2020.", "Doe J. A trial. J Test. 2020.") \
        == "Doe J. A trial. <i>J Test</i>. 2020."
    assert safe_citation("AT&T. <i>J</i>.", "AT&T. J.") == "AT&amp;T. <i>J</i>."
    assert safe_citation("Doe J. <b>x</b> y. <i>J</i>.", "Doe J. <b>x</b> y. J.") == (
        "Doe J. &lt;b&gt;x&lt;/b&gt; y. J.")


def test_citations_are_ama_and_a_title_with_markup_stays_text():
    citations = format_citations([
        article("a", title="A trial", journal="Journal of Pain Research",
                shortjournal="J Pain Res", doi="10.5555/a"),
        article("h", title="<script>alert(1)</script> & <i>more</i>")])
    assert citations["a"].startswith("Doe J. A trial. <i>J Pain Res</i>. 2020;1:1-2.")
    hostile = citations["h"].lower()  # the style may capitalise the title's first word
    # <script> shows as text; <i> is italics, as in CSL-JSON and Zotero's BibTeX (issue 11)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <i>more</i>" in hostile
    assert "<script" not in hostile


def test_doi_links_escape_what_means_something_in_a_url():
    assert doi_url("10.1002/(SICI)1097-4571<12::AID>3.0.CO;2-#") == (
        "https://doi.org/10.1002/(SICI)1097-4571%3C12::AID%3E3.0.CO;2-%23")


def hostile_page() -> str:
    refs = [
        article("a", doi="10.5555/a", title="<script>window.pwned=1</script>"),
        web("w", url="javascript:alert(1)", title='"><img src=x onerror=alert(1)>'),
    ]
    citations = {"a": sanitize_html("<i>ok</i><script>bad()</script>")}
    data = assemble(refs, ["a", "w"], citations, run_of(RETRACTION), "saved", TODAY,
                    title="</title><script>x()</script>")
    return render(data)


def test_every_piece_of_library_text_is_escaped():
    page = hostile_page()
    assert len(re.findall(r"<script", page)) == 1  # the page's own
    assert "<img" not in page
    assert "&lt;/title&gt;&lt;script&gt;x()" in page
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" not in page  # not a link, and not shown as one
    assert "<i>ok</i>bad()" in page


def test_the_page_loads_nothing_and_its_policy_allows_only_its_own_style_and_script():
    page = hostile_page()
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"<[a-z][^<>]*\ssrc=", page)  # no tag loads anything
    assert "@import" not in page and "url(" not in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)[1]
    assert "default-src 'none'" in policy
    for tag in ("style", "script"):
        body = re.search(rf"<{tag}>(.*?)</{tag}>", page, re.S)[1]
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_render_is_deterministic_and_shows_the_retraction():
    page = hostile_page()
    assert page == hostile_page()
    assert 'class="badge s-error" data-badge="updates"' in page
    assert "Retracted" in page
    assert "Checks last run by <code>refs check</code>" in page
    assert "1 Apr 2024, 09:30 UTC" in page


def test_chart_stacks_years_by_evidence_type_and_counts_undated_sources():
    refs = [article("a", year="2020", evidence="guideline"), article("b", year="2020"),
            article("c", year="2023"), web("w")]
    data = assemble(refs, ["a", "b", "c", "w"], {}, None, "none", TODAY)
    svg = chart_svg(data.entries)
    labels = re.findall(r'text-anchor="middle">([^<]+)<', svg)
    assert labels == ["2020", "2021", "2022", "2023", "n.d."]  # empty years show as gaps
    assert len(re.findall(r"<rect ", svg)) == 4
    assert "2020: 1 guideline" in svg and "n.d.: 1 point of care" in svg
    assert currency_sentence(data.entries, TODAY) == (
        "Published 2020–2023; median age 4 years as of 2024-04-06. 1 source has no year.")


# -- the command --------------------------------------------------------------------------


def test_refs_report_writes_one_page_with_the_twelve_in_order(run, library: Path):
    assert run("build").exit_code == 0
    (library / "out").mkdir()  # -o makes no folders (issue 15)
    result = run("report", "-o", str(library / "out" / "report.html"), "--no-checks")
    assert result.exit_code == 0, result.output
    assert "12 references; checks not run" in result.stderr
    page = (library / "out" / "report.html").read_text(encoding="utf-8")
    order = [line for line in (library / "refs" / "order.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert re.findall(r'data-key="([^"]+)"', page) == order
    assert "Checks not run." in page
    assert [p.name for p in (library / "out").iterdir()] == ["report.html"]  # no temp left


def test_refs_report_reads_the_last_saved_check_run(run, library: Path):
    run("build")
    save_run(library / "db" / "library.db", run_of(
        Finding("lee2021learn", "updates", "notice", "correction: notice 10.5555/x",
                data={"type": "correction"})))
    data = load_report(Layout(library), now=NOW)
    assert data.checks.origin == "saved"
    assert data.entries[0].key == "lee2021learn"
    assert badge_map(data.entries[0].badges)["updates"] == ("notice", "Corrected")


def test_refs_report_without_an_index_says_what_to_do(run, library: Path):
    result = run("report", "-o", str(library / "r.html"))
    assert result.exit_code == 1
    assert "run `refs build` first" in result.stderr
    assert not (library / "r.html").exists()


def test_without_a_saved_run_the_report_runs_the_offline_checks_and_saves_nothing(
        run, library: Path):
    run("build")
    data = load_report(Layout(library), now=NOW)
    assert data.checks.origin == "now"
    assert data.checks.started == "2024-04-06T12:00:00+00:00"
    assert data.checks.offline
    assert ("doi-resolves", "offline (by request)", 6) in data.checks.skipped
    assert badge_map(data.entries[0].badges)["doi"] == ("skipped", "DOI resolves: not checked")
    assert load_report(Layout(library), now=NOW, run_checks=False).checks.origin == "none"
    assert latest_run(library / "db" / "library.db") is None


def test_when_the_offline_checks_fail_the_page_says_why(run, library: Path, monkeypatch):
    import reflib.checks.runner

    def broken(*args, **kwargs):
        raise ImportError("No module named 'reflib.records'")

    run("build")
    monkeypatch.setattr(reflib.checks.runner, "check_library", broken)
    data = load_report(Layout(library), now=NOW)
    assert data.checks.origin == "none"
    assert "the offline checks failed (No module named &#x27;reflib.records&#x27;)" in render(data)


def test_a_run_of_some_keys_says_nothing_about_the_others():
    run = run_of()
    run.keys = ["a"]  # honoured when CheckRun records the sources a run covered
    checked, other = (badge_map(badges_for(article(k, doi=f"10.5555/{k}"), [], run))
                      for k in ("a", "b"))
    assert checked["doi"] == ("ok", "DOI resolves")
    assert other["doi"] == ("not-run", "DOI resolves: not checked")


def test_sources_without_an_evidence_type_have_their_own_filter_value():
    refs = [article("a"), article("n", evidence="")]
    page = render(assemble(refs, ["a", "n"], {}, None, "none", TODAY))
    assert '<option value="none">Unclassified (1)</option>' in page
    assert 'data-key="n" data-evidence="none"' in page
    assert 'data-evidence="none" data-problem=""><span class="swatch ev-none"' in page


def test_the_title_is_the_librarys_name(tmp_path: Path, run, library: Path):
    from reflib.library.layout import Layout
    from reflib.report.data import library_title

    root = Layout(tmp_path)
    assert library_title(root) == "Evidence report"
    (tmp_path / "README.md").write_text("```\n# not a heading\n```\n# Back pain `evidence`\n")
    assert library_title(root) == "Back pain evidence"
    (tmp_path / "refs.toml").write_text('title = "Neurotomy sources"\n')
    assert library_title(root) == "Neurotomy sources"
    (tmp_path / "refs.toml").write_text("title = [broken\n")
    assert library_title(root) == "Back pain evidence"
    assert run("build").exit_code == 0
    (library / "refs.toml").write_text('title = "From refs.toml"\n')
    page = run("report", "-o", "-", "--no-checks").stdout
    assert "<h1>From refs.toml</h1>" in page
    page = run("report", "-o", "-", "--no-checks", "--title", "Given").stdout
    assert "<h1>Given</h1>" in page


def test_what_to_fix_splits_problem_and_fix_and_marks_changes():
    from reflib.report.citations import inline_markup, marked_changes
    from reflib.report.todo import split_message

    assert split_message("accessed 2023-12-05; check it again") == (
        "accessed 2023-12-05", "Check it again")
    assert split_message("no fix here") == ("no fix here", "")
    assert marked_changes("[Benzon] HT, [-et al.-] <b>") == (
        "<ins>Benzon</ins> HT, <del>et al.</del> &lt;b&gt;")
    assert inline_markup("run `refs build` **now**") == (
        "run <code>refs build</code> <strong>now</strong>")


def test_a_second_report_reads_its_safe_citations_back_and_an_edit_is_formatted_again(
        run, library: Path, monkeypatch):
    from reflib.cite import bibliography

    assert run("build").exit_code == 0
    first = {e.key: e.citation_html for e in load_report(Layout(library)).entries}
    assert all(first.values())

    def no_processor(*args, **kwargs):
        raise AssertionError("formatted again although nothing changed")

    monkeypatch.setattr(bibliography, "format_bibliography", no_processor)
    again = {e.key: e.citation_html for e in load_report(Layout(library)).entries}
    assert again == first  # from the index, no formatting at all
    monkeypatch.undo()
    path = library / "refs" / "nass2020lbp.bib"
    path.write_text(path.read_text().replace("title = {", "title = {Revised: ", 1))
    edited = {e.key: e.citation_html for e in load_report(Layout(library)).entries}
    assert "Revised" in edited["nass2020lbp"] and "Revised" not in first["nass2020lbp"]
    from reflib.library.query import load_references

    assert edited == format_citations(load_references(Layout(library)))  # as uncached
    assert {k: v for k, v in edited.items() if k != "nass2020lbp"} == {
        k: v for k, v in first.items() if k != "nass2020lbp"}


def test_sources_without_findings_get_the_badges_badges_for_gives_them():
    """assemble makes the badges of a source without findings once for each case (DOI,
    web page, among the sources checked): each is what badges_for gives that source."""
    refs = [article("a", doi="10.5555/a"), article("b"), web("w"), web("v", doi="10.5555/v"),
            article("c", doi="10.5555/c"), article("d", doi="10.5555/d"),
            article("e", doi="10.5555/e")]
    partial = replace(run_of(Finding("c", "metadata", "warning", "title differs")),
                      keys=["a", "b", "c", "w"])  # d and v were not checked
    offline = [Finding(k, c, "skipped", f"not checked: {why}") for k, c, why in (
        ("a", "doi-resolves", "offline"), ("a", "metadata", "offline"),
        ("c", "doi-resolves", "offline"), ("c", "metadata", "offline"),
        ("d", "doi-resolves", "no answer"), ("e", "doi-resolves", "offline"),
        ("v", "currency", "offline"))]
    for run in (None, run_of(), partial,
                run_of(skipped={"doi-resolves": "offline", "metadata": "offline"}),
                run_of(*offline), replace(run_of(*offline), keys=["a", "c", "v"]),
                run_of(*offline, Finding("c", "updates", "notice", "corrected",
                                         data={"type": "correction"}))):
        data = assemble(refs, [], {}, run, "saved", NOW.date())
        for entry, ref in zip(data.entries, sorted(refs, key=lambda r: r.key), strict=True):
            found = [f for f in (run.findings if run else []) if f.key == ref.key]
            assert entry.badges == badges_for(ref, found, run), (ref.key, run)


def test_refs_report_bars_name_each_step_and_change_nothing(run, library: Path, monkeypatch):
    from reflib.report import data as report_data
    from reflib.report import document

    assert run("build").exit_code == 0
    quiet = run("report", "-o", str(library / "quiet.html"), "--no-checks")
    assert quiet.exit_code == 0 and "assembling" not in quiet.stderr
    monkeypatch.setattr(report_data, "BAR_FROM", 5)
    monkeypatch.setattr(document, "BAR_FROM", 5)
    monkeypatch.setenv("REFS_PROGRESS", "1")
    shown = run("report", "-o", str(library / "shown.html"), "--no-checks")
    assert shown.exit_code == 0, shown.output
    assert "assembling" in shown.stderr and "writing the report" in shown.stderr

    def page(name: str) -> str:
        text = (library / name).read_text(encoding="utf-8")
        return re.sub(r" · made [^<]*", "", text)

    assert page("shown.html") == page("quiet.html")
