"""`refs import --from-list`: the article's twelve printed lines against a local Crossref
holding the six articles' records and three decoys (the Pain Medicine twin of reference
6, the 5th-edition chapter of reference 8, the Spine Journal summary of reference 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, closed_port_url
from fake_crossref import BUILT, FakeCrossref

from cli import cli
from reflib.library.bibtex import read_source_file
from reflib.library.layout import Layout
from reflib.library.records import load_kept_record

LIST = FIXTURES / "checks" / "article-reference-list.txt"
ARTICLES = ["lee2021learn", "janapala2021efficacy", "manchikanti2023neck", "sayed2022lowback",
            "cohen2020lumbar", "hurley2022cervical"]
DECOYS = ["hurley2021painmed-dual", "benzon-5th-edition-chapter", "built-nass-summary"]
DOIS = ["10.2147/JPR.S325665", "10.2147/JPR.S323362", "10.1007/s40122-022-00455-0",
        "10.2147/JPR.S386879", "10.1136/rapm-2019-101243", "10.1136/rapm-2021-103031"]
MAILTO = "editor@example.org"


@pytest.fixture
def server():
    with FakeCrossref() as fake:
        for name in ARTICLES + DECOYS:
            fake.add_fixture(BUILT / f"{name}.json")
        yield fake


@pytest.fixture(autouse=True)
def pubmed(monkeypatch):
    """A local PubMed (empty unless a test adds records): lines Crossref does not settle
    are searched there too, and never on the network."""
    from fake_pubmed import FakePubMed

    with FakePubMed(rate=1000) as fake:
        monkeypatch.setenv("REFS_PUBMED_URL", fake.url)
        yield fake


def refs(root: Path, *args: str, input: str | None = None):
    if args[:1] == ("import",) and not (root / "refs").is_dir():
        init = CliRunner().invoke(cli, ["--root", str(root), "init"])  # a library first
        assert init.exit_code == 0
    return CliRunner().invoke(cli, ["--root", str(root), *args], input=input,
                              catch_exceptions=False)


def from_list(root: Path, server_url: str, *args: str, list_file: Path = LIST):
    return refs(root, "import", "--from-list", str(list_file), "--crossref-url", server_url,
                "--mailto", MAILTO, "--timeout", "2", *args)


def order(root: Path) -> list[str]:
    text = (root / "refs" / "order.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def source(root: Path, key: str):
    ref, problems = read_source_file(root / "refs" / f"{key}.bib", root)
    assert ref is not None and problems == []
    return ref


def test_the_twelve_six_articles_get_their_dois_and_the_six_others_none(
        tmp_path: Path, server: FakeCrossref) -> None:
    result = from_list(tmp_path, server.url, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    lines = report["lines"]
    assert [line["status"] for line in lines[:6]] == ["accepted"] * 6
    assert [line["doi"] for line in lines[:6]] == DOIS
    assert all(line["how"] == "printed DOI verified" for line in lines[:6])
    assert [line["doi"] for line in lines[6:]] == [None] * 6
    assert [line["status"] for line in lines[6:]] == [
        "built", "ambiguous", "built", "built", "built", "built"]
    assert lines[6]["reason"] == "a web page: nothing to look up"
    assert lines[9]["reason"] == "a personal communication: nothing to look up"
    # the 5th-edition chapter has the title of reference 8, but not its editor or year
    fifth = lines[7]["candidates"][0]
    assert fifth["doi"] == "10.1016/b978-0-323-08340-9.00062-1" and not fifth["passes"]
    keys = order(tmp_path)
    assert len(keys) == 12 and keys == [line["key"] for line in lines]
    assert "12 lines: 6 accepted, 5 built from the line, 1 ambiguous, 0 not parsed" in \
        result.stderr


def test_accepted_sources_hold_the_record_and_the_print(tmp_path: Path,
                                                        server: FakeCrossref) -> None:
    from_list(tmp_path, server.url)
    key = order(tmp_path)[1]
    ref = source(tmp_path, key)
    assert ref.title.startswith("Efficacy of Radiofrequency Neurotomy in Chronic Low Back")
    assert len(ref.authors) == 7 and ref.text("pages") == "2859–2891"
    assert "chronic lower back pain" in ref.text("printed")
    kept = load_kept_record(Layout(tmp_path), key)
    assert kept is not None and kept.doi == "10.2147/JPR.S323362"
    assert "title" in kept.applied and "printed" not in kept.applied


def test_built_sources_are_marked_and_keep_what_the_line_says(tmp_path: Path,
                                                              server: FakeCrossref) -> None:
    from_list(tmp_path, server.url)
    keys = order(tmp_path)
    chapter = source(tmp_path, keys[7])
    assert chapter.entry_type == "incollection"
    assert chapter.editors[0].family == "Benson" and chapter.editors[-1].literal == "others"
    assert chapter.container == "Practical Management of Pain" and chapter.text("edition") == "6"
    assert chapter.text("urldate") == "2023-12-05" and "doi" not in chapter.fields
    assert "Built from the printed reference list" in chapter.text("annote")
    web = source(tmp_path, keys[6])
    assert web.entry_type == "online" and web.text("url") == "https://www.uptodate.com/contents/search"
    personal = source(tmp_path, keys[9])
    assert personal.text("howpublished") == "Personal communication"
    assert personal.text("date") == "2024-01-02" and personal.text("organization") == "Mayo Clinic"


def test_check_against_the_list_then_finds_exactly_the_error_the_records_reveal(
        tmp_path: Path, server: FakeCrossref) -> None:
    from_list(tmp_path, server.url)
    assert refs(tmp_path, "build").exit_code == 0
    result = refs(tmp_path, "check", "--offline", "--only", "against", "--against", str(LIST),
                  "--format", "json")
    every = json.loads(result.stdout)
    findings = [f for f in every if f["severity"] != "skipped"]
    assert [(f["data"]["number"], f["severity"], f["data"]["field"]) for f in findings] == [
        (8, "warning", "names"), (2, "warning", "title")]
    assert '"lower" where the source has "low"' in findings[1]["message"]
    benson = findings[0]
    assert benson["data"]["nearest"] == "10.1016/b978-0-323-08340-9.00062-1"
    assert ("the printed editor 'Benson HT' is one letter from 'Benzon, Honorio T.', the first "
            "editor of the nearest registry record") in benson["message"]
    assert "5th edition" in benson["message"] and "Not accepted as this source" in benson[
        "message"]
    # the six built from their lines cannot be checked; none counts as agreeing
    unchecked = sorted(f["data"]["number"] for f in every if f["severity"] == "skipped"
                       and f["data"].get("reason") == "built-from-line")
    assert unchecked == [7, 8, 9, 10, 11, 12]
    uptodate = [f for f in every if f["data"].get("number") == 7]
    assert [f["severity"] for f in uptodate] == ["skipped"]
    assert "could not be checked" in uptodate[0]["message"]
    assert "a web page: nothing to look up" in uptodate[0]["message"]


def test_the_nearest_candidate_is_kept_in_the_built_source(tmp_path: Path,
                                                           server: FakeCrossref) -> None:
    from_list(tmp_path, server.url)
    chapter = source(tmp_path, order(tmp_path)[7])
    assert chapter.text("nearest") == "10.1016/b978-0-323-08340-9.00062-1"
    assert chapter.fields["nearesteditor"] == "{Benzon, Honorio T.}"
    assert chapter.text("nearestnote").startswith(
        "Radiofrequency treatment. Practical Management of Pain. 5th edition. Not accepted")
    web = source(tmp_path, order(tmp_path)[6])
    assert "nearest" not in web.fields  # not looked up: nothing was near


def test_a_wrong_printed_doi_is_flagged_and_the_work_found_by_search(
        tmp_path: Path, server: FakeCrossref) -> None:
    wrong = tmp_path / "list.txt"
    first = LIST.read_text(encoding="utf-8").splitlines()[0]
    wrong.write_text(first.replace("JPR.S325665", "JPR.S323362") + "\n", encoding="utf-8")
    result = from_list(tmp_path, server.url, "--format", "json", list_file=wrong)
    line = json.loads(result.stdout)["lines"][0]
    assert line["status"] == "accepted" and line["doi"] == "10.2147/JPR.S325665"
    assert line["how"] == "found by search"
    assert any("flagged: printed doi:10.2147/JPR.S323362" in n and "another work" in n
               for n in line["notes"])


def test_dry_run_writes_nothing(tmp_path: Path, server: FakeCrossref) -> None:
    result = from_list(tmp_path, server.url, "--dry-run")
    assert result.exit_code == 0
    assert "would write 12 sources" in result.stderr
    assert not list((tmp_path / "refs").glob("*.bib"))


def test_offline_builds_every_line_and_asks_nothing(tmp_path: Path, server: FakeCrossref) -> None:
    result = refs(tmp_path, "import", "--from-list", str(LIST), "--offline",
                  "--crossref-url", server.url)
    assert result.exit_code == 0
    assert server.requests == []
    assert "offline: nothing was looked up" in result.stderr
    keys = order(tmp_path)
    lee = source(tmp_path, keys[0])
    assert lee.doi == "10.2147/JPR.S325665"  # printed, kept unverified
    assert "offline" in lee.text("annote")


def test_crossref_down_writes_nothing_and_exits_3(tmp_path: Path) -> None:
    result = from_list(tmp_path, closed_port_url())
    assert result.exit_code == 3
    assert "nothing was written" in result.stderr and "--offline" in result.stderr
    assert order(tmp_path) == []  # refs/order.txt as `refs init` left it


def test_a_line_cited_twice_and_a_work_already_in_the_library(
        tmp_path: Path, server: FakeCrossref) -> None:
    text = LIST.read_text(encoding="utf-8").splitlines()
    twice = tmp_path / "twice.txt"
    twice.write_text("\n".join([text[0], text[1], text[0]]) + "\n", encoding="utf-8")
    result = from_list(tmp_path, server.url, "--format", "json", list_file=twice)
    lines = json.loads(result.stdout)["lines"]
    assert lines[2]["status"] == "duplicate" and lines[2]["key"] == lines[0]["key"]
    assert "the list cites it twice" in lines[2]["reason"]
    assert order(tmp_path) == [lines[0]["key"], lines[1]["key"]]
    again = from_list(tmp_path, server.url, "--format", "json", list_file=twice)
    notes = json.loads(again.stdout)["lines"][0]["notes"]
    assert any("already in the library" in n for n in notes)
    assert order(tmp_path) == [lines[0]["key"], lines[1]["key"]]


def test_an_unreadable_line_is_reported_and_exits_1(tmp_path: Path, server: FakeCrossref) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("1. ...\n", encoding="utf-8")
    result = from_list(tmp_path, server.url, list_file=bad)
    assert result.exit_code == 1
    assert "not-parsed" in result.stdout and "correct it" in result.stdout


def test_stdin_and_usage_errors(tmp_path: Path, server: FakeCrossref) -> None:
    result = refs(tmp_path, "import", "--from-list", "-", "--offline",
                  input=LIST.read_text(encoding="utf-8"))
    assert result.exit_code == 0 and len(order(tmp_path)) == 12
    both = refs(tmp_path, "import", str(LIST), "--from-list", str(LIST))
    assert both.exit_code == 2 and "not both" in both.output


def test_a_printed_pmid_is_verified_in_pubmed_and_its_doi_taken_from_crossref(
        tmp_path: Path, server: FakeCrossref) -> None:
    from fake_pubmed import PUBMED_BUILT, FakePubMed

    listed = tmp_path / "pmid.txt"
    listed.write_text(
        "1. Lee DW, Pritzlaff S, Jung MJ, et al. Latest evidence-based application for "
        "radiofrequency neurotomy (LEARN): best practice guidelines from the American Society "
        "of Pain and Neuroscience (ASPN). J Pain Res. 2021;14:2807-31. PMID: 34526815.\n"
        "2. Hurley RW, et al. Not the title PubMed has. Reg Anesth Pain Med. 2022;47:3-59. "
        "PMID: 34526815.\n", encoding="utf-8")
    with FakePubMed() as pubmed:
        pubmed.add_file(PUBMED_BUILT / "efetch_pmid34526815_lee2021learn.xml")
        result = from_list(tmp_path, server.url, "--format", "json", "--pubmed-url",
                           pubmed.url, list_file=listed)
    lines = json.loads(result.stdout)["lines"]
    assert lines[0]["status"] == "accepted" and lines[0]["doi"] == "10.2147/JPR.S325665"
    assert lines[0]["registry"] == "PubMed and Crossref"
    assert lines[0]["how"] == "printed PMID verified; its DOI from PubMed"
    assert any("flagged: printed PMID 34526815" in n and "another work" in n
               for n in lines[1]["notes"])
    assert lines[1]["doi"] != "10.2147/JPR.S325665"


def test_a_line_found_only_in_pubmed_becomes_a_source_from_its_record(
        tmp_path: Path, server: FakeCrossref, pubmed) -> None:
    from fake_pubmed import PUBMED

    pubmed.add_file(PUBMED / "efetch_pmid29963580_collectivename_mathml_biopython.xml")
    listed = tmp_path / "one.txt"
    listed.write_text("Guo F, Capaldi D, Kirby M, et al. Development of a pulmonary imaging "
                      "biomarker pipeline for phenotyping of chronic lung disease. J Med Imaging "
                      "(Bellingham). 2018;5(2):026002.\n", encoding="utf-8")
    result = from_list(tmp_path, server.url, "--format", "json", list_file=listed)
    line = json.loads(result.stdout)["lines"][0]
    assert result.exit_code == 0 and line["status"] == "accepted"
    assert (line["pmid"], line["doi"], line["registry"]) == (
        "29963580", "10.1117/1.JMI.5.2.026002", "PubMed")
    ref = source(tmp_path, line["key"])
    assert ref.text("pmid") == "29963580" and ref.text("doi") == "10.1117/1.JMI.5.2.026002"
    assert ref.text("shortjournal") == "J Med Imaging (Bellingham)"
    assert ref.text("printed").startswith("Guo F, Capaldi D")
    kept = json.loads((tmp_path / "refs" / f"{line['key']}.pubmed.json").read_text())
    assert kept["pmid"] == "29963580" and "<PMID" in kept["xml"]
    assert not (tmp_path / "refs" / f"{line['key']}.crossref.json").exists()
    assert refs(tmp_path, "build").exit_code == 0
