"""`refs check --against`: the printed reference list against the library (reflib/against.py)."""

from __future__ import annotations

from datetime import date

from checks_support import PRINTED_LIST
from conftest import ROOT

from reflib.checks.against import compare_printed_list, parse_printed_line, parse_printed_list
from reflib.checks.runner import load_sources
from reflib.library.layout import Layout, read_order

LIST_TEXT = PRINTED_LIST.read_text(encoding="utf-8")


def _library():
    layout = Layout(ROOT)
    refs, problems = load_sources(layout)
    assert problems == []
    order, _ = read_order(layout)
    return refs, order


def _compare(text: str):
    refs, order = _library()
    return compare_printed_list(text, "list.txt", refs, order)


def _summary(found):
    return sorted((f.line, f.key, f.severity, f.data.get("field")) for f in found)


def test_the_printed_list_has_exactly_its_three_real_discrepancies() -> None:
    found = _compare(LIST_TEXT)
    assert _summary(found) == [
        (2, "janapala2021efficacy", "warning", "title"),
        (7, "chou-uptodate-lbp", "warning", "names"),
        (8, "benzon2023radiofrequency", "error", "names"),
    ]
    by_line = {f.line: f.message for f in found}
    assert 'the title reads "lower" where the source has "low"' in by_line[2]
    assert '"et al." printed, but the source has a single author (Chou, Roger)' in by_line[7]
    assert "'Benson HT' misspells the source's first editor, Benzon, Honorio T." in by_line[8]


def test_every_line_is_matched_to_its_source() -> None:
    refs, order = _library()
    found = compare_printed_list(LIST_TEXT, "list.txt", refs, order)
    assert not [f for f in found if f.data.get("field") == "position" or f.key is None]


def test_the_journal_ampersand_is_not_a_disagreement() -> None:
    line = [x for x in LIST_TEXT.splitlines() if "Cohen SP" in x][0]
    assert "Regional Anesthesia and Pain Medicine" in line
    assert not [f for f in _compare(LIST_TEXT) if f.data.get("field") == "journal"]


def test_parsing_the_printed_lines() -> None:
    printed = parse_printed_list(LIST_TEXT)
    assert len(printed) == 12
    benzon = printed[7]
    assert (benzon.names, benzon.et_al, benzon.editors) == ([("Benson", "HT")], True, "eds")
    assert (benzon.title, benzon.container, benzon.year) == (
        "Radiofrequency treatment", "Practical Management of Pain", 2023)
    assert benzon.accessed == date(2023, 12, 5)
    nass = printed[8]
    assert nass.names == [] and nass.title == "Diagnosis and treatment of low back pain"
    assert nass.year == 2020
    assert printed[2].doi == "10.1007/s40122-022-00455-0" and printed[2].year == 2023


def test_numbered_lines_keep_their_numbers() -> None:
    line = parse_printed_line("[4] Sayed D, et al. A title. J Pain Res. 2022.", 9, 1)
    assert (line.number, line.line, line.names) == (4, 9, [("Sayed", "D")])
    assert parse_printed_line("12. Abd-Elsayed A, ed. Book. Elsevier; 2024.", 1, 1).number == 12


def _edit(old: str, new: str) -> str:
    assert old in LIST_TEXT
    return LIST_TEXT.replace(old, new)


def _extra(found):
    """Findings beyond the three real ones."""
    real = {(2, "title"), (7, "names"), (8, "names")}
    return [(f.line, f.key, f.severity, f.data.get("field")) for f in found
            if (f.line, f.data.get("field")) not in real]


def test_a_different_year_is_an_error() -> None:
    found = _compare(_edit("Pain and Therapy. 2023;", "Pain and Therapy. 2021;"))
    assert _extra(found) == [(3, "manchikanti2023neck", "error", "year")]


def test_the_online_year_is_not_a_different_year() -> None:
    assert _extra(_compare(_edit("Pain and Therapy. 2023;", "Pain and Therapy. 2022;"))) == []


def test_a_different_or_missing_doi() -> None:
    wrong = _compare(_edit("doi:10.2147/JPR.S386879", "doi:10.2147/JPR.S386870"))
    assert _extra(wrong) == [(4, "sayed2022lowback", "error", "doi")]
    missing = _compare(_edit(" doi:10.2147/JPR.S386879.", ""))
    assert _extra(missing) == [(4, "sayed2022lowback", "warning", "doi")]


def test_a_line_matching_nothing_is_an_error() -> None:
    text = LIST_TEXT + "Smith J. Acupuncture for hiccups. Lancet. 1999;\n"
    assert _extra(_compare(text)) == [(13, None, "error", None)]


def test_swapped_lines_are_position_errors() -> None:
    lines = LIST_TEXT.splitlines()
    lines[0], lines[1] = lines[1], lines[0]
    found = _compare("\n".join(lines) + "\n")
    assert [(f.line, f.key, f.severity) for f in found if f.data.get("field") == "position"] == [
        (1, "janapala2021efficacy", "error"), (2, "lee2021learn", "error")]
    assert len(found) == 5  # the three real ones, moved with their lines, and these two


def test_a_source_missing_from_the_printed_list_is_a_warning() -> None:
    lines = [x for x in LIST_TEXT.splitlines() if "Mauck" not in x]
    found = _compare("\n".join(f"{i}. {x}" for i, x in enumerate(lines, 1)) + "\n")
    missing = [f for f in found if f.data.get("field") is None and f.key]
    assert [(f.key, f.severity) for f in missing] == [("mauck2024expert", "warning")]
    numbered_after = [f for f in found if f.data.get("field") == "position"]
    assert {f.key for f in numbered_after} == {"abdelsayed2024rfa", "abdelsayed2024bvn"}


def test_et_al_and_initials() -> None:
    found = _compare(_edit("Cohen SP, et al.", "Cohen SJ, et al."))
    assert _extra(found) == [(5, "cohen2020lumbar", "warning", "names")]
    found = _compare(_edit("Mauck WD (expert opinion)", "Mauck WD, et al. (expert opinion)"))
    assert _extra(found) == [(10, "mauck2024expert", "warning", "names")]


def _article_lines(refs):
    from reflib.cite.bibliography import format_bibliography

    return format_bibliography(refs, "article", "text")


def test_each_finding_says_what_the_line_should_read() -> None:
    refs, order = _library()
    found = compare_printed_list(LIST_TEXT, "list.txt", refs, order, _article_lines)
    by_line = {f.line: f.data for f in found}
    assert by_line[8]["printed_line"].startswith("Benson HT, et al., eds. Radiofrequency")
    assert by_line[8]["should_read"].startswith("[Benzon] HT, et al., eds. Radiofrequency")
    assert by_line[7]["should_read"].startswith("Chou R. [-et al.-] Subacute and chronic")
    assert "in chronic [low] back pain" in by_line[2]["should_read"]
    for data in by_line.values():  # nothing else marked: the library agrees elsewhere
        assert data["should_read"].count("[") == 1


def test_an_empty_printed_list_is_an_error() -> None:
    for text in ("", "\n  \n# a comment\n"):
        found = _compare(text)
        assert [(f.severity, f.key) for f in found] == [("error", None)]
        assert "holds no reference" in found[0].message
