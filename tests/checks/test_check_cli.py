"""`refs check` on the command line: exit codes, the four output formats parsed back."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from checks_support import DOI_KEYS, PRINTED_LIST, crossref_server
from conftest import closed_port_url
from fake_handles import FakeHandleServer

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ANNOTATION = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


@pytest.fixture
def online(monkeypatch):
    """REFS_DOI_URL and REFS_CROSSREF_URL pointing at the fakes."""
    with FakeHandleServer(set(DOI_KEYS)) as handles, crossref_server() as crossref:
        monkeypatch.setenv("REFS_DOI_URL", handles.url)
        monkeypatch.setenv("REFS_CROSSREF_URL", crossref.url)
        monkeypatch.setenv("REFS_MAILTO", "checks@example.org")
        yield handles, crossref


def test_text_output_in_reference_order_most_severe_first(run, online, library) -> None:
    from reflib.library.layout import Layout, read_order

    result = run("check", "--against", str(PRINTED_LIST), "--max-age", "1000")
    assert result.exit_code == 1
    out = result.stdout
    assert not ANSI.search(out)
    groups = [line.split()[0] for line in out.splitlines() if line and not line[0].isspace()]
    order = read_order(Layout(library))[0]
    cited = [g for g in groups if g in order]
    assert cited == sorted(cited, key=order.index)  # an editor's to-do list: 2, 7, 8
    assert out.rstrip().splitlines()[-1] == (
        "12 sources checked: 1 error, 2 warnings, 3 notices")
    benzon = out[out.index("benzon2023radiofrequency"):].splitlines()
    assert benzon[1].split()[:2] == ["error", "against"]
    assert benzon[2].split()[:2] == ["notice", "completeness"]
    assert benzon[3].split()[:1] == ["printed:"] and "Benson HT" in benzon[3]
    assert benzon[4].split()[:3] == ["should", "read:", "[Benzon]"]


def test_an_empty_printed_list_fails(run, library: Path) -> None:
    empty = library / "empty.txt"
    empty.write_text("\n")
    result = run("check", "--offline", "--only", "against", "--against", str(empty))
    assert result.exit_code == 1 and "holds no reference" in result.stdout


def test_colour_on_a_terminal_only_and_never_with_no_color(run, online, monkeypatch) -> None:
    import cli

    monkeypatch.setattr(cli, "_is_tty", lambda: True)
    assert ANSI.search(run("check", "--max-age", "1000").stdout)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(run("check", "--max-age", "1000").stdout)


def test_json_parses_back(run, online) -> None:
    result = run("check", "--format", "json", "--against", str(PRINTED_LIST),
                 "--max-age", "1000")
    findings = json.loads(result.stdout)
    assert result.exit_code == 1
    assert {"key", "check", "severity", "message", "file", "line"} <= set(findings[0])
    assert {f["severity"] for f in findings} == {"error", "warning", "notice"}
    benson = [f for f in findings if f["key"] == "benzon2023radiofrequency"
              and f["check"] == "against"][0]
    assert (benson["severity"], benson["line"]) == ("error", 8)
    assert "1 error, 2 warnings, 3 notices" in result.stderr


def test_json_is_the_indented_list_made_one_finding_at_a_time(run, online) -> None:
    # The JSON output is built a finding at a time (memory at 100,000 sources); it must
    # stay the very text json.dumps(list, indent=2) makes, newlines in messages included.
    from reflib.checks.output import render
    from reflib.checks.runner import CheckResult
    from reflib.library.findings import CheckRun, Finding

    result = run("check", "--format", "json", "--against", str(PRINTED_LIST),
                 "--max-age", "1000")
    findings = json.loads(result.stdout)
    assert len(findings) > 3
    assert result.stdout == json.dumps(findings, ensure_ascii=False, indent=2) + "\n"
    odd = Finding("k", "note", "notice", "two\nlines, “quoted” {x: [1]}", None, None,
                  {"nested": {"a": [1, 2]}, "empty": {}, "list": []})
    made = render(CheckResult(CheckRun([odd, odd]), ["k"]), "json")
    assert made == json.dumps([json.loads(made)[0]] * 2, ensure_ascii=False, indent=2) + "\n"
    assert render(CheckResult(CheckRun([]), []), "json") == "[]\n"


def test_junit_parses_back(run, online) -> None:
    result = run("check", "--format", "junit", "--max-age", "1")
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert len(suites) == 12
    lee = {c.get("name") for c in suites["lee2021learn"].iter("testcase")}
    assert {"doi-resolves", "metadata", "updates", "completeness"} <= lee
    assert "doi-resolves" not in {c.get("name") for c in suites["mauck2024expert"]}
    assert root.get("failures") == "0" and result.exit_code == 0  # warnings, not failures
    strict = ET.fromstring(run("check", "--format", "junit", "--max-age", "1",
                               "--fail-on", "warning").stdout)
    failures = [(case.get("classname"), case.get("name"), case.find("failure").get("type"))
                for case in strict.iter("testcase") if case.find("failure") is not None]
    assert ("refs.chou-uptodate-lbp", "currency", "warning") in failures
    assert strict.get("failures") == str(len(failures)) == "5"


def test_github_annotations_point_at_the_bib_lines(run, online, library: Path) -> None:
    result = run("check", "--format", "github", "--max-age", "1")
    assert result.exit_code == 0
    annotations = [ANNOTATION.match(line) for line in result.stdout.splitlines()]
    assert all(annotations)
    props = {a["props"]: a for a in annotations}
    chou = next(a for p, a in props.items() if "chou-uptodate-lbp" in p)
    assert chou.group(1) == "warning"
    fields = dict(p.split("=", 1) for p in chou["props"].split(","))
    assert fields["file"] == "refs/chou-uptodate-lbp.bib"
    bib_lines = (library / fields["file"]).read_text().splitlines()
    assert bib_lines[int(fields["line"]) - 1].strip().startswith("urldate =")
    assert fields["title"] == "refs check currency (chou-uptodate-lbp)"


def test_github_escapes_newlines_and_commas() -> None:
    from reflib.checks.output import to_github
    from reflib.library.findings import Finding

    class Result:
        findings = [Finding("k", "metadata", "error", "100% wrong\nsecond line",
                            "refs/a,b.bib", 3)]

        @staticmethod
        def unverified():
            return []

    assert to_github(Result()) == (
        "::error file=refs/a%2Cb.bib,line=3,title=refs check metadata (k)::"
        "100%25 wrong%0Asecond line\n")


def test_fail_on(run, online) -> None:
    assert run("check", "--max-age", "1000").exit_code == 0
    assert run("check", "--max-age", "1000", "--fail-on", "notice").exit_code == 1
    assert run("check", "--fail-on", "warning").exit_code == 1  # old access dates
    assert run("check", "--fail-on", "fatal").exit_code == 2


def test_network_down_exit_3(run, monkeypatch) -> None:
    down = closed_port_url()
    monkeypatch.setenv("REFS_DOI_URL", down)
    monkeypatch.setenv("REFS_CROSSREF_URL", down)
    result = run("check", "--format", "json", "--max-age", "1000", "--timeout", "1")
    assert result.exit_code == 3
    findings = json.loads(result.stdout)
    assert not [f for f in findings if f["severity"] in ("error", "warning")]
    assert {f["data"]["reason"] for f in findings if f["severity"] == "skipped"} == {
        "unavailable"}
    assert run("check", "--allow-unverified", "--max-age", "1000",
               "--timeout", "1").exit_code == 0


def test_offline_does_not_touch_the_network(run, monkeypatch) -> None:
    monkeypatch.setenv("REFS_DOI_URL", closed_port_url())
    result = run("check", "--offline", "--max-age", "1000")
    assert result.exit_code == 0
    assert "doi-resolves  6 sources, offline, by request" in result.stdout


def test_runs_are_saved_for_the_report(run, online, library: Path) -> None:
    from reflib.library.findings import latest_run

    assert run("build").exit_code == 0
    result = run("check", "--max-age", "1")
    assert "findings not kept" not in result.stderr
    saved = latest_run(library / "db" / "library.db")
    assert saved is not None and len(saved.findings) == 8


def test_without_an_index_says_so(run, online) -> None:
    assert "findings not kept" in run("check", "--offline").stderr


def test_unknown_key_is_an_error(run) -> None:
    result = run("check", "--offline", "nosuchkey")
    assert result.exit_code == 1 and "no source with key 'nosuchkey'" in result.stderr


def test_only_against_needs_a_list(run) -> None:
    result = run("check", "--offline", "--only", "against")
    assert result.exit_code == 2 and "--against FILE" in result.stderr
