"""reflib.formats.csl: Reference -> CSL-JSON, golden input/output pairs; pandoc reads it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from oracle_support import pandoc_path

from reflib.formats.csl import parse_date, sentence_case, to_csl
from reflib.formats.writers import to_csl_json
from reflib.library.bibtex import parse_text, read_source_file

ROOT = Path(__file__).resolve().parents[2]


def source(key: str):
    return read_source_file(ROOT / "refs" / f"{key}.bib", ROOT)[0]


def one(bibtex: str):
    return parse_text(bibtex, "test.bib").references[0]


def test_journal_article_golden():
    item = to_csl(source("cohen2020lumbar"))
    authors = item.pop("author")
    assert item == {
        "id": "cohen2020lumbar",
        "type": "article-journal",
        "title": "Consensus practice guidelines on interventions for lumbar facet joint pain "
                 "from a multispecialty, international working group",
        "container-title": "Regional Anesthesia & Pain Medicine",
        "container-title-short": "Reg Anesth Pain Med",
        "volume": "45",
        "DOI": "10.1136/rapm-2019-101243",
        "PMID": "32245841",
        "keyword": "lumbar facet joint, medial branch block, radiofrequency ablation, consensus",
        "page": "424-467",
        "issue": "6",
        "ISSN": "1098-7339, 1532-8651",
        "issued": {"date-parts": [[2020, 6]]},
        "available-date": {"date-parts": [[2020, 4, 3]]},
    }
    assert len(authors) == 21
    assert authors[6] == {"family": "Hooten", "given": "W. Michael"}
    # A lowercase von part is a non-dropping particle: "van Zundert J" in AMA.
    assert authors[17] == {"family": "Zundert", "given": "Jan", "non-dropping-particle": "van"}


def test_title_case_becomes_sentence_case_with_protected_words():
    item = to_csl(source("lee2021learn"))
    assert item["title"] == (
        'Latest evidence-based application for radiofrequency neurotomy '
        '(<span class="nocase">LEARN</span>): Best practice guidelines from the '
        '<span class="nocase">American Society of Pain and Neuroscience</span> '
        '(<span class="nocase">ASPN</span>)')
    assert item["PMCID"] == "PMC8436449"
    lowered = to_csl(source("lee2021learn"), subtitle="lower")["title"]
    assert "(<span class=\"nocase\">LEARN</span>): best practice" in lowered


@pytest.mark.parametrize("raw, subtitle, expected", [
    ("Meta-Analysis of {COVID-19} Trials", "capital", "Meta-analysis of COVID-19 trials"),
    # Words with capitals other than the first are kept even unbraced, as pandoc does.
    ("The ASPN Guideline for McLean's mRNA Study", "capital",
     "The ASPN guideline for McLean’s mRNA study"),  # apostrophe typeset, as pandoc does
    ("Vitamin D and {Parkinson} Disease? Results from a Trial", "lower",
     "Vitamin D and Parkinson disease? results from a trial"),
    ("Pain: a review", "capital", "Pain: A review"),
    ("M{\\\"u}ller's Sign: {A} Study", "lower", "Müller’s sign: A study"),
])
def test_sentence_case(raw, subtitle, expected):
    assert sentence_case("{" + raw + "}", subtitle, markup=False) == expected


def test_chapter_with_others_and_edition():
    item = to_csl(source("benzon2023radiofrequency"))
    assert item["type"] == "chapter"
    # pandoc's own convention for BibTeX's "and others".
    assert item["editor"] == [{"family": "Benzon", "given": "Honorio T."}, {"literal": "others"}]
    assert item["container-title"] == "Practical management of pain"
    assert item["edition"] == "6"
    assert item["accessed"] == {"date-parts": [[2023, 12, 5]]}
    assert item["URL"] == "https://www.clinicalkey.com"


def test_web_page_organisation_and_personal_communication():
    chou = to_csl(source("chou-uptodate-lbp"))
    assert (chou["type"], chou["container-title"], chou["publisher"]) == (
        "webpage", "UpToDate", "Wolters Kluwer")
    assert "issued" not in chou
    nass = to_csl(source("nass2020lbp"))
    assert nass["author"] == [{"literal": "North American Spine Society"}]
    assert nass["collection-title"] == ("Evidence-Based Clinical Guideline for "
                                        "Multidisciplinary Spine Care")
    mauck = to_csl(source("mauck2024expert"))
    assert mauck["type"] == "personal_communication"
    assert mauck["genre"] == "Personal communication" and mauck["publisher"] == "Mayo Clinic"
    assert mauck["issued"] == {"date-parts": [[2024, 1, 2]]}
    assert mauck["note"] == "Expert opinion"


def test_names_suffix_and_type_table():
    item = to_csl(one("@phdthesis{t, author = {King, Jr., Martin Luther and {World Health "
                      "Organization}}, title = {X}, school = {Boston University}, year = 1955}"))
    assert item["author"] == [{"family": "King", "given": "Martin Luther", "suffix": "Jr."},
                              {"literal": "World Health Organization"}]
    assert (item["type"], item["genre"], item["publisher"]) == (
        "thesis", "PhD thesis", "Boston University")


def test_dates():
    assert parse_date("2024-01-02") == {"date-parts": [[2024, 1, 2]]}
    assert parse_date("2020/2021") == {"date-parts": [[2020], [2021]]}
    assert parse_date("Spring 2020") == {"literal": "Spring 2020"}


def test_every_source_maps_to_valid_json():
    refs = [read_source_file(p, ROOT)[0] for p in sorted((ROOT / "refs").glob("*.bib"))]
    items = json.loads(to_csl_json(refs))
    assert len(items) == 12 and all(item["id"] and item["type"] for item in items)


PANDOC = pandoc_path() or shutil.which("pandoc")  # the test extra's, else one installed


@pytest.mark.skipif(PANDOC is None,
                    reason="pandoc not found: pip install -e '.[test]' (pypandoc-binary) or "
                           "apt-get install pandoc; it is the reference reader of CSL-JSON")
def test_pandoc_citeproc_reads_our_csl_json(tmp_path):
    refs = [read_source_file(p, ROOT)[0] for p in sorted((ROOT / "refs").glob("*.bib"))]
    (tmp_path / "refs.json").write_text(to_csl_json(refs), encoding="utf-8")
    (tmp_path / "doc.md").write_text("Text [@lee2021learn; @benzon2023radiofrequency; "
                                     "@nass2020lbp; @mauck2024expert].\n", encoding="utf-8")
    # pandoc's built-in style (Chicago author-date): the shipped 2026 AMA file puts name
    # options on <style> (CSL 1.0.2), which pandoc 2.17 (Debian 12) does not read yet;
    # the same text from pandoc 3 (the test extra's).
    result = subprocess.run([PANDOC, "--citeproc", "--bibliography", "refs.json",
                             "-t", "plain", "doc.md"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr, result.stderr
    text = " ".join(result.stdout.split())
    assert "(Lee et al. 2021; Benzon et al. 2023; North American Spine Society 2020" in text
    assert "Best Practice Guidelines from the American Society of Pain and Neuroscience " \
           "(ASPN)" in text and "nocase" not in text  # the span is markup, not text
    assert "Benzon, Honorio T. et al., eds." in text  # pandoc, too, reads "others" as et al.
    assert "Journal of Pain Research 14 (September): 2807–31" in text


PAGE_VALUES = ["{1732--1756}", "{ 12 -- 19 }", "{e12-e19}", "{12---19}", "{S1--S9}",
               "{12}", "{12--}", "{12\\textendash 19}", '"12--19"', "{12 - 19}",
               "{12{--}19}", "{A12--B3}", "{12~--~19}", "{12,14--16}", "{12–19}", "{--12}"]


@pytest.mark.parametrize("raw", PAGE_VALUES)
def test_page_fast_path_is_the_latex_reading(raw):
    """page_range / page_ends skip the LaTeX reader for `{A--B}`: same text as reading it."""
    from reflib.formats.csl import _PAGE_DASH, page_ends, page_range
    from reflib.library.model import Reference

    ref = Reference("k", "article", {"pages": raw})
    assert page_range(ref) == _PAGE_DASH.sub("-", ref.text("pages"))
    first, _, last = ref.text("pages").replace("\u2013", "-").partition("-")
    assert page_ends(ref) == (first.strip(), last.strip("- "))
