"""refs cite: pandoc-style citations numbered by first citation, bibliography appended."""

from __future__ import annotations

import pytest

from reflib.cite.manuscript import number_citations, parse_cluster

KNOWN = {"lee2021learn", "sayed2022lowback", "janapala2021efficacy", "cohen2020lumbar"}


def test_parse_cluster():
    cites = parse_cluster("see @lee2021learn, p. 3; @{cohen2020lumbar}")
    assert [(c.key, c.prefix, c.locator) for c in cites] == [
        ("lee2021learn", "see", "p. 3"), ("cohen2020lumbar", "", "")]
    assert parse_cluster("mail me at a@b.org") is None  # not a citation: left alone


def test_numbering_by_first_citation_with_ranges_and_locators():
    text = ("A [@sayed2022lowback; @lee2021learn].\n"
            "B [@janapala2021efficacy, p. 3] and [@lee2021learn; @janapala2021efficacy;"
            " @sayed2022lowback].\n")
    cited = number_citations(text, KNOWN)
    assert cited.order == ["sayed2022lowback", "lee2021learn", "janapala2021efficacy"]
    assert cited.text == "A [1, 2].\nB [3, p. 3] and [1-3].\n"


def test_superscript_marks_sit_on_the_word():
    cited = number_citations("Pain [@lee2021learn; @cohen2020lumbar, p. 12].", KNOWN,
                             "superscript")
    assert cited.text == "Pain.<sup>1,2(p12)</sup>"  # AMA 3.7.1: outside the period


def test_superscript_prefixes_stay_words_with_their_own_numbers():
    cited = number_citations("Pain [see @lee2021learn, p. 3]. Known [see @cohen2020lumbar; "
                             "also @lee2021learn, chap. 2], as [@cohen2020lumbar], so",
                             KNOWN, "superscript")
    assert cited.text == ("Pain (see<sup>1(p3)</sup>). Known (see<sup>2</sup>; "
                          "also<sup>1(chap. 2)</sup>), as,<sup>2</sup> so")


def test_code_links_and_emails_are_not_citations():
    text = ("`[@lee2021learn]` [a](http://x) [write a@b.org]\n```\n[@nope]\n```\n"
            "[@cohen2020lumbar]")
    cited = number_citations(text, KNOWN)
    assert cited.text.splitlines()[0] == "`[@lee2021learn]` [a](http://x) [write a@b.org]"
    assert cited.text.splitlines()[-1] == "[1]" and not cited.problems


def test_unknown_keys_are_problems_with_their_line():
    cited = number_citations("x\n[@lee2021learn; @nope]\n", KNOWN, file="ms.md")
    assert [str(p) for p in cited.problems] == [
        "ms.md:2: unknown citekey 'nope': no such source in the library "
        "(see `refs list --format keys`)"]


@pytest.fixture
def built(run, library):
    assert run("build").exit_code == 0
    return library


def test_cli_cite(run, built):
    manuscript = built / "paper.md"
    manuscript.write_text("# Paper\n\nRFN works [@cohen2020lumbar; @lee2021learn].\n",
                          encoding="utf-8")
    result = run("cite", str(manuscript))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[2] == "RFN works [1, 2]."
    assert lines[4] == "## References"
    assert lines[6].startswith("1. Cohen SP, Bhaskar A, Bhatia A, et al. Consensus practice")
    assert lines[7].startswith("2. Lee DW, Pritzlaff S, Jung MJ, et al. Latest")
    assert "warning: 10 sources in the library are not cited: janapala2021efficacy" \
        in result.stderr


def test_cli_cite_unknown_key_fails_naming_the_line(run, built):
    manuscript = built / "paper.md"
    manuscript.write_text("ok [@lee2021learn]\n\nbad [@nosuch]\n", encoding="utf-8")
    result = run("cite", str(manuscript), "-o", str(built / "out.md"))
    assert result.exit_code == 1
    assert f"{manuscript}:3: unknown citekey 'nosuch'" in result.stderr
    assert not (built / "out.md").exists()


def test_cli_cite_save_order_and_output_file(run, built):
    manuscript = built / "paper.md"
    manuscript.write_text("[@nass2020lbp] then [@lee2021learn]\n", encoding="utf-8")
    out = built / "out" / "paper.md"
    out.parent.mkdir()  # -o makes no folders (issue 15)
    result = run("cite", str(manuscript), "--style", "article", "--marks", "superscript",
                 "--save-order", "-o", str(out))
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<sup>1</sup> then<sup>2</sup>\n")
    order = (built / "refs" / "order.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in order if not line.startswith("#")] == ["nass2020lbp",
                                                                    "lee2021learn"]
    assert order[0].startswith("#")  # the file's header comments are kept
    assert "run `refs build`" in result.stderr
    assert run("build").exit_code == 0
    numbered = run("export", "--style", "article").stdout.splitlines()
    assert numbered[0].startswith("1. Diagnosis and treatment of low back pain (2020).")


def test_old_keys_kept_in_ids_cite_their_renamed_source():
    """`refs import --rekey` keeps the old key in `ids`; a manuscript citing it still works."""
    aliases = {"doi:10.7554/elife.32822": "lee2021learn", "Lee:2021": "lee2021learn"}
    text = "A [@cohen2020lumbar; @Lee:2021]. B [@{doi:10.7554/elife.32822}; @lee2021learn]."
    cited = number_citations(text, KNOWN, aliases=aliases)
    assert not cited.problems
    assert cited.order == ["cohen2020lumbar", "lee2021learn"]
    assert cited.text == "A [1, 2]. B [2]."
    assert number_citations("[@Lee:2021]", KNOWN).problems  # without the alias: unknown
