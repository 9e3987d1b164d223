"""Formatted bibliographies: the twelve in AMA, Vancouver, APA and the article's style,
checked by hand against each style's rules, and each processor fix on its own.

The rule a line exercises is written beside it. Sources: AMA Manual of Style, 11th ed.
(2020); NLM's Citing Medicine, 2nd ed. (Vancouver); APA Publication Manual, 7th ed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reflib.cite.bibliography import export, format_bibliography, order_references, render
from reflib.library.bibtex import parse_text, read_source_file
from reflib.library.layout import Layout, read_order

ROOT = Path(__file__).resolve().parents[2]
PRINTED = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "article-reference-list.txt"


def twelve():
    layout = Layout(ROOT)
    order, _ = read_order(layout)
    return [read_source_file(layout.source_path(key), ROOT)[0] for key in order]


def one(bibtex: str):
    return parse_text(bibtex, "test.bib").references[0]


AMA = [
    # >6 authors: the first 3, then "et al" (§3.6.1). Title in sentence case, braces keep
    # LEARN, ASPN and the society's name (§3.9); the subtitle starts lowercase for a
    # journal article (§3.9.1). NLM abbreviation J Pain Res (§3.10); no issue number, so
    # year;volume:pages; page range in full with a hyphen; "doi:" without a URL (§3.15.1).
    "1. Lee DW, Pritzlaff S, Jung MJ, et al. Latest evidence-based application for "
    "radiofrequency neurotomy (LEARN): best practice guidelines from the American Society "
    "of Pain and Neuroscience (ASPN). J Pain Res. 2021;14:2807-2831. doi:10.2147/JPR.S325665",
    # 7 authors is more than 6: 3 + et al. "Meta-Analysis" lowered whole.
    "2. Janapala RN, Manchikanti L, Sanapati MR, et al. Efficacy of radiofrequency "
    "neurotomy in chronic low back pain: a systematic review and meta-analysis. J Pain Res. "
    "2021;14:2859-2891. doi:10.2147/JPR.S323362",
    # The year (2023), not the online year (2022); volume(issue).
    "3. Manchikanti L, Knezevic NN, Knezevic E, et al. A systematic review and meta-analysis "
    "of the effectiveness of radiofrequency neurotomy in managing chronic neck pain. Pain "
    "Ther. 2023;12(1):19-66. doi:10.1007/s40122-022-00455-0",
    "4. Sayed D, Grider J, Strand N, et al. The American Society of Pain and Neuroscience "
    "(ASPN) evidence-based clinical guideline of interventional treatments for low back "
    "pain. J Pain Res. 2022;15:3729-3832. doi:10.2147/JPR.S386879",
    # Sentence-case title kept as published; "&" journal abbreviated by NLM.
    "5. Cohen SP, Bhaskar A, Bhatia A, et al. Consensus practice guidelines on interventions "
    "for lumbar facet joint pain from a multispecialty, international working group. Reg "
    "Anesth Pain Med. 2020;45(6):424-467. doi:10.1136/rapm-2019-101243",
    # Three initials run together (Adams MCB), no periods or spaces (§3.6.1).
    "6. Hurley RW, Adams MCB, Barad M, et al. Consensus practice guidelines on interventions "
    "for cervical spine (facet) joint pain from a multispecialty international working "
    "group. Reg Anesth Pain Med. 2022;47(1):3-59. doi:10.1136/rapm-2021-103031",
    # Web page (§3.15): author, title, website name, accessed date, URL; undated topic.
    "7. Chou R. Subacute and chronic low back pain: nonsurgical interventional treatment. "
    "UpToDate. Accessed December 5, 2023. https://www.uptodate.com/contents/search",
    # Chapter without chapter authors: the editors lead ("and others" -> "et al"),
    # "eds."; "In:" and the book title in title case; "6th ed." (§3.12). The editors are
    # not repeated after "In:" (CSL substitution).
    "8. Benzon HT, et al, eds. Radiofrequency treatment. In: Practical Management of Pain. "
    "6th ed. Elsevier; 2023. Accessed December 5, 2023. https://www.clinicalkey.com",
    # Organisation as author (§3.6.2).
    "9. North American Spine Society. Diagnosis and treatment of low back pain. 2020. "
    "Accessed December 5, 2023. "
    "https://www.spine.org/Research-Clinical-Care/Quality-Improvement/Clinical-Guidelines",
    # §3.13.7 keeps personal communications out of reference lists; numbered here because
    # the article numbers it, so it says what it is (reflib's AMA branch).
    "10. Mauck WD. Personal communication. Mayo Clinic. January 2, 2024.",
    # Edited book: title case (italic in HTML), editor once.
    "11. Abd-Elsayed A, ed. Radiofrequency Ablation Techniques. Elsevier; 2024. Accessed "
    "December 7, 2023. https://www.clinicalkey.com",
    "12. Abd-Elsayed A, ed. Basivertebral nerve ablation. In: Vertebral Augmentation "
    "Techniques. Elsevier; 2024. Accessed December 7, 2023. https://www.clinicalkey.com",
]

VANCOUVER = [
    # More than 6 authors: the first 6, then "et al." (Citing Medicine ch. 1, authors);
    # date "2021 Sep" (year, abbreviated month, space between); pages elided "2807-31";
    # PMID and PMCID as notes.
    "1. Lee DW, Pritzlaff S, Jung MJ, Ghosh P, Hagedorn JM, Tate J, et al. Latest "
    "evidence-based application for radiofrequency neurotomy (LEARN): best practice "
    "guidelines from the American Society of Pain and Neuroscience (ASPN). J Pain Res. "
    "2021 Sep;14:2807-31. doi:10.2147/JPR.S325665 PubMed PMID: 34526815; PubMed Central "
    "PMCID: PMC8436449.",
    "2. Janapala RN, Manchikanti L, Sanapati MR, Thota S, Abd-Elsayed A, Kaye AD, et al. "
    "Efficacy of radiofrequency neurotomy in chronic low back pain: a systematic review and "
    "meta-analysis. J Pain Res. 2021 Sep;14:2859-91. doi:10.2147/JPR.S323362",
    "3. Manchikanti L, Knezevic NN, Knezevic E, Abdi S, Sanapati MR, Soin A, et al. A "
    "systematic review and meta-analysis of the effectiveness of radiofrequency neurotomy "
    "in managing chronic neck pain. Pain Ther. 2023 Feb;12(1):19-66. "
    "doi:10.1007/s40122-022-00455-0 PubMed PMID: 36422818.",
    "4. Sayed D, Grider J, Strand N, Hagedorn JM, Falowski S, Lam CM, et al. The American "
    "Society of Pain and Neuroscience (ASPN) evidence-based clinical guideline of "
    "interventional treatments for low back pain. J Pain Res. 2022 Dec;15:3729-832. "
    "doi:10.2147/JPR.S386879 PubMed PMID: 36510616.",
    "5. Cohen SP, Bhaskar A, Bhatia A, Buvanendran A, Deer T, Garg S, et al. Consensus "
    "practice guidelines on interventions for lumbar facet joint pain from a "
    "multispecialty, international working group. Reg Anesth Pain Med. 2020 "
    "Jun;45(6):424-67. doi:10.1136/rapm-2019-101243 PubMed PMID: 32245841.",
    "6. Hurley RW, Adams MCB, Barad M, Bhaskar A, Bhatia A, Chadwick A, et al. Consensus "
    "practice guidelines on interventions for cervical spine (facet) joint pain from a "
    "multispecialty international working group. Reg Anesth Pain Med. 2022 "
    "Jan;47(1):3-59. doi:10.1136/rapm-2021-103031 PubMed PMID: 34764220; PubMed Central "
    "PMCID: PMC8639967.",
    # Part of a website (ch. 25): homepage [Internet], publisher, [cited date], the part.
    "7. Chou R. UpToDate [Internet]. Wolters Kluwer; [cited 2023 Dec 5]. Subacute and "
    "chronic low back pain: nonsurgical interventional treatment. Available from: "
    "https://www.uptodate.com/contents/search",
    # Chapter (ch. 2): "editors", book title in sentence case, "[Internet]", edition.
    "8. Benzon HT, et al., editors. Radiofrequency treatment. In: Practical management of "
    "pain [Internet]. 6th ed. Elsevier; 2023 [cited 2023 Dec 5]. Available from: "
    "https://www.clinicalkey.com",
    # Series in parentheses after the date.
    "9. North American Spine Society. Diagnosis and treatment of low back pain [Internet]. "
    "North American Spine Society; 2020 [cited 2023 Dec 5]. (Evidence-Based Clinical "
    "Guideline for Multidisciplinary Spine Care). Available from: "
    "https://www.spine.org/Research-Clinical-Care/Quality-Improvement/Clinical-Guidelines",
    "10. Mauck WD. [Personal communication]. Mayo Clinic; 2024.",
    "11. Abd-Elsayed A, editor. Radiofrequency ablation techniques [Internet]. Elsevier; "
    "2024 [cited 2023 Dec 7]. Available from: https://www.clinicalkey.com",
    "12. Abd-Elsayed A, editor. Basivertebral nerve ablation. In: Vertebral augmentation "
    "techniques [Internet]. Elsevier; 2024 [cited 2023 Dec 7]. Available from: "
    "https://www.clinicalkey.com",
]

APA = [
    # Up to 20 authors all listed, "&" before the last (§9.8); title in sentence case with
    # the subtitle's first word capitalised (§6.17); journal and volume in full; en dash
    # in page ranges; DOI as https URL (§9.34). Not numbered: APA is author-date.
    "Lee, D. W., Pritzlaff, S., Jung, M. J., Ghosh, P., Hagedorn, J. M., Tate, J., Scarfo, "
    "K., Strand, N., Chakravarthy, K., Sayed, D., Deer, T. R., & Amirdelfan, K. (2021). "
    "Latest evidence-based application for radiofrequency neurotomy (LEARN): Best practice "
    "guidelines from the American Society of Pain and Neuroscience (ASPN). Journal of Pain "
    "Research, 14, 2807–2831. https://doi.org/10.2147/JPR.S325665",
    "Janapala, R. N., Manchikanti, L., Sanapati, M. R., Thota, S., Abd-Elsayed, A., Kaye, "
    "A. D., & Hirsch, J. A. (2021). Efficacy of radiofrequency neurotomy in chronic low "
    "back pain: A systematic review and meta-analysis. Journal of Pain Research, 14, "
    "2859–2891. https://doi.org/10.2147/JPR.S323362",
    "Manchikanti, L., Knezevic, N. N., Knezevic, E., Abdi, S., Sanapati, M. R., Soin, A., "
    "Wargo, B. W., Navani, A., Atluri, S., Gharibo, C. G., Simopoulos, T. T., Kosanovic, "
    "R., Abd-Elsayed, A., Kaye, A. D., & Hirsch, J. A. (2023). A systematic review and "
    "meta-analysis of the effectiveness of radiofrequency neurotomy in managing chronic "
    "neck pain. Pain and Therapy, 12(1), 19–66. https://doi.org/10.1007/s40122-022-00455-0",
    # 21 or more authors: the first 19, an ellipsis, the last (§9.8).
    "Sayed, D., Grider, J., Strand, N., Hagedorn, J. M., Falowski, S., Lam, C. M., Tieppo "
    "Francio, V., Beall, D. P., Tomycz, N. D., Davanzo, J. R., Aiyer, R., Lee, D. W., "
    "Kalia, H., Sheen, S., Malinowski, M. N., Verdolin, M., Vodapally, S., "
    "Carayannopoulos, A., Jain, S., … Deer, T. (2022). The American Society of Pain and "
    "Neuroscience (ASPN) evidence-based clinical guideline of interventional treatments for "
    "low back pain. Journal of Pain Research, 15, 3729–3832. "
    "https://doi.org/10.2147/JPR.S386879",
    # Particle kept with the family name: "van Zundert, J." (§9.8 / §6.20).
    "Cohen, S. P., Bhaskar, A., Bhatia, A., Buvanendran, A., Deer, T., Garg, S., Hooten, "
    "W. M., Hurley, R. W., Kennedy, D. J., McLean, B. C., Moon, J. Y., Narouze, S., "
    "Pangarkar, S., Provenzano, D. A., Rauck, R., Sitzman, B. T., Smuck, M., van Zundert, "
    "J., Vorenkamp, K., … Zhao, Z. (2020). Consensus practice guidelines on interventions "
    "for lumbar facet joint pain from a multispecialty, international working group. "
    "Regional Anesthesia & Pain Medicine, 45(6), 424–467. "
    "https://doi.org/10.1136/rapm-2019-101243",
    "Hurley, R. W., Adams, M. C. B., Barad, M., Bhaskar, A., Bhatia, A., Chadwick, A., "
    "Deer, T. R., Hah, J., Hooten, W. M., Kissoon, N. R., Lee, D. W., Mccormick, Z., "
    "Moon, J. Y., Narouze, S., Provenzano, D. A., Schneider, B. J., van Eerd, M., Van "
    "Zundert, J., Wallace, M. S., … Cohen, S. P. (2022). Consensus practice guidelines on "
    "interventions for cervical spine (facet) joint pain from a multispecialty "
    "international working group. Regional Anesthesia & Pain Medicine, 47(1), 3–59. "
    "https://doi.org/10.1136/rapm-2021-103031",
    # Undated web page: (n.d.); "Retrieved ... from" for a page that changes (§9.16).
    "Chou, R. (n.d.). Subacute and chronic low back pain: Nonsurgical interventional "
    "treatment. Wolters Kluwer. UpToDate. Retrieved December 5, 2023, from "
    "https://www.uptodate.com/contents/search",
    # Editors as authors "(Eds.)"; "In" + book title in sentence case; "(6th ed.)".
    "Benzon, H. T., et al. (Eds.). (2023). Radiofrequency treatment. In Practical "
    "management of pain (6th ed.). Elsevier. https://www.clinicalkey.com",
    "North American Spine Society. (2020). Diagnosis and treatment of low back pain. North "
    "American Spine Society. "
    "https://www.spine.org/Research-Clinical-Care/Quality-Improvement/Clinical-Guidelines",
    "Mauck, W. D. (2024, January 2). [Personal communication]. Mayo Clinic.",
    # APA 7 §9.47: same author, same year -> a, b by title (issue 11)
    "Abd-Elsayed, A. (Ed.). (2024b). Radiofrequency ablation techniques. Elsevier. "
    "https://www.clinicalkey.com",
    "Abd-Elsayed, A. (Ed.). (2024a). Basivertebral nerve ablation. In Vertebral "
    "augmentation techniques. Elsevier. https://www.clinicalkey.com",
]

# Where `--style article` differs from the printed list, and why (line N = reference N).
ARTICLE_DIFFERENCES = {
    # The published title says "Low Back Pain"; the article misquotes it as "lower".
    2: ("chronic lower back pain", "chronic low back pain"),
    # The journal writes its own name with "&" (Crossref, the journal's site).
    5: ("Regional Anesthesia and Pain Medicine", "Regional Anesthesia & Pain Medicine"),
    6: ("Regional Anesthesia and Pain Medicine", "Regional Anesthesia & Pain Medicine"),
    # The UpToDate topic has one author, Roger Chou: no "et al.".
    7: ("Chou R, et al.", "Chou R."),
    # The lead editor is Honorio T. Benzon; the article misspells him "Benson".
    8: ("Benson HT", "Benzon HT"),
}


@pytest.fixture(scope="module")
def refs():
    return twelve()


@pytest.mark.parametrize("style, expected", [("ama", AMA), ("vancouver", VANCOUVER)])
def test_numbered_styles_golden(refs, style, expected):
    assert render(refs, style).splitlines() == expected


def test_apa_golden(refs):
    assert render(refs, "apa").splitlines() == APA


def test_article_style_reproduces_the_printed_list(refs):
    printed = PRINTED.read_text(encoding="utf-8").splitlines()
    ours = format_bibliography(refs, "article")
    assert len(ours) == len(printed) == 12
    for number, (line, mine) in enumerate(zip(printed, ours, strict=True), start=1):
        if number in ARTICLE_DIFFERENCES:
            printed_text, library_text = ARTICLE_DIFFERENCES[number]
            assert printed_text in line, number
            line = line.replace(printed_text, library_text)
        assert mine == line, f"reference {number}"


def test_article_style_is_numbered(refs):
    assert render(refs, "article").splitlines()[9] == (
        "10. Mauck WD (expert opinion). Mayo Clinic. Jan. 2, 2024.")


# -- each processor fix on its own ------------------------------------------------------


def test_number_is_followed_by_a_space(refs):
    """citeproc-py glued the number to the entry ("1.Lee DW")."""
    for line in render(refs[:3], "vancouver").splitlines():
        assert line[:3] in ("1. ", "2. ", "3. ")


def test_vancouver_date_parts_are_spaced():
    """citeproc-py lost the localised date's delimiter ("2019Jan22")."""
    ref = one("@article{x, author = {Smith, John}, title = {T}, journal = {J},"
              " year = {2019}, month = jan, day = {22}, volume = {1}, pages = {1--9}}")
    assert "J. 2019 Jan 22;1:1-9." in format_bibliography([ref], "vancouver")[0]


def test_hyphenated_given_names_keep_the_hyphen_in_ama():
    ref = one("@article{x, author = {M{\\\"u}ller, Anna-Lena and Lee, Jean-Paul Louis},"
              " title = {T}, journal = {J}, year = {2019}}")
    assert format_bibliography([ref], "ama")[0].startswith("Müller A-L, Lee J-PL. T.")


def _authors(count: int) -> str:
    return " and ".join(f"Author{chr(65 + i)}, Bob" for i in range(count))


def test_ama_lists_six_authors_and_cuts_seven_to_three():
    six = one(f"@article{{x, author = {{{_authors(6)}}}, title = {{T}}, journal = {{J}},"
              " year = {2020}}")
    seven = one(f"@article{{y, author = {{{_authors(7)}}}, title = {{T}}, journal = {{J}},"
                " year = {2020}}")
    six_line, seven_line = format_bibliography([six, seven], "ama")
    assert six_line.startswith("AuthorA B, AuthorB B, AuthorC B, AuthorD B, AuthorE B, "
                               "AuthorF B. T.")
    assert seven_line.startswith("AuthorA B, AuthorB B, AuthorC B, et al. T.")


def test_and_others_is_et_al_with_the_style_term():
    ref = one("@book{x, editor = {Benzon, Honorio T. and others}, title = {Pain},"
              " publisher = {Elsevier}, year = {2023}}")
    assert format_bibliography([ref], "ama")[0].startswith("Benzon HT, et al, eds. Pain.")
    assert format_bibliography([ref], "vancouver")[0].startswith("Benzon HT, et al., editors.")
    assert format_bibliography([ref], "article")[0].startswith("Benzon HT, et al., eds.")


def test_title_case_keeps_spacing_and_protected_words():
    """Chicago title-cases titles; citeproc-py spaced out nocase words ("( LEARN )")."""
    ref = one("@article{x, author = {Lee, D.}, title = {Neurotomy ({LEARN}) of the"
              " cervical spine (facet): a review}, journal = {J}, year = {2021}}")
    line = format_bibliography([ref], "chicago")[0]
    assert "“Neurotomy (LEARN) of the Cervical Spine (Facet): A Review.”" in line


def test_markdown_and_html_mark_italics(refs):
    markdown = render(refs[:1], "ama", "markdown")
    assert markdown.startswith("1. Lee DW") and "*J Pain Res*" in markdown
    html = render(refs[:1], "ama", "html")
    assert 'csl-left-margin' in html and '>1.</span>' in html and "<i>J Pain Res</i>" in html


def test_order_author_and_year(refs):
    by_author = [r.key for r in order_references(refs, "author")]
    assert by_author[:2] == ["abdelsayed2024bvn", "abdelsayed2024rfa"]
    by_year = [r.key for r in order_references(refs, "year")]
    assert by_year[0] == "cohen2020lumbar" and by_year[-1] == "chou-uptodate-lbp"


def test_unknown_style_is_a_usage_error(refs):
    from reflib.errors import UsageError

    with pytest.raises(UsageError, match="unknown style 'mla'"):
        render(refs, "mla")


def test_any_csl_file_by_path(refs, tmp_path):
    path = ROOT / "reflib" / "cite" / "styles" / "american-medical-association.csl"
    assert render(refs[:1], str(path)).startswith("1. Lee DW, Pritzlaff S")


# -- data exports ------------------------------------------------------------------------


def test_ris_record(refs):
    text = export(refs[:1], "ris")
    assert text.startswith("TY  - JOUR\nAU  - Lee, David W.\n")
    assert "T2  - Journal of Pain Research\n" in text and "DO  - 10.2147/JPR.S325665\n" in text
    assert "SP  - 2807\nEP  - 2831\n" in text and text.endswith("ER  - \n\n")


def test_bibtex_and_biblatex_dialects(refs):
    by_key = {r.key: r for r in refs}
    bibtex = export([by_key["mauck2024expert"], by_key["chou-uptodate-lbp"]], "bibtex")
    assert "year = {2024}" in bibtex and "month = jan" in bibtex and "@misc{chou" in bibtex
    biblatex = export([by_key["cohen2020lumbar"]], "biblatex")
    assert "journaltitle = {Regional Anesthesia \\& Pain Medicine}" in biblatex
    assert "date = {2020-06}" in biblatex and "title = {Consensus" in biblatex


# -- the command -------------------------------------------------------------------------


def test_cli_export(run, library):
    assert run("build").exit_code == 0
    result = run("export")
    assert result.exit_code == 0
    assert result.output.splitlines() == AMA
    result = run("export", "--style", "article", "--type", "article", "--format", "markdown")
    assert result.output.splitlines()[0].startswith("1. Lee DW, et al. Latest")
    assert len(result.output.splitlines()) == 6


def test_cli_export_to_file(run, library):
    run("build")
    target = library / "out" / "refs.json"
    target.parent.mkdir()  # -o makes no folders (issue 15): tests/test_crash.py
    result = run("export", "--format", "csl-json", "lee2021learn", "-o", str(target))
    assert result.exit_code == 0 and "wrote" in result.stderr
    assert target.read_text(encoding="utf-8").startswith("[\n{\"id\": \"lee2021learn\"")


def test_cli_export_errors(run, library):
    run("build")
    result = run("export", "--style", "nope")
    assert result.exit_code == 2 and "unknown style 'nope'" in result.stderr
    result = run("export", "nosuchkey")
    assert result.exit_code == 1 and "no source with key 'nosuchkey'" in result.stderr


def test_markup_in_the_data_is_escaped_in_html_and_markdown() -> None:
    """A title holding markup shows as text: citeproc-py itself passes data unescaped.
    CSL's own rich text tags (`<i>`) are read as pandoc reads them, in every variable."""
    from reflib.cite.bibliography import format_bibliography
    from reflib.library.model import Reference

    ref = Reference("x", "article", {
        "author": "{Doe, Jane}", "title": "{A <script>alert(1)</script> & {ASPN} title}",
        "journal": "{J <i>Tests</i>}", "year": "2020", "volume": "1", "pages": "1--2"})
    html_entry = format_bibliography([ref], "ama", "html")[0]
    assert "<script>" not in html_entry and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_entry
    assert "&amp; ASPN title" in html_entry and "<i>J Tests</i>" in html_entry
    markdown = format_bibliography([ref], "ama", "markdown")[0]
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    text = format_bibliography([ref], "ama", "text")[0]
    assert "A <script>alert(1)</script> & ASPN title" in text and "J Tests." in text
