"""refs check's `abbreviations`: shortjournal that is no abbreviation, names that are none."""

from __future__ import annotations

from conftest import write_source

from reflib.checks.abbreviations import abbreviation_findings
from reflib.formats.journals import container_short, is_abbreviation_of, iso4_abbreviation
from reflib.library.model import Reference

KEM = ("@article{kem2022, author = {Doe, Jane and -, S}, title = {Grinding}, "
       "journal = {Key Engineering Materials}, shortjournal = {KEM}, year = {2022}, "
       "volume = {933}, pages = {3--12}}")


def test_is_abbreviation_of() -> None:
    assert is_abbreviation_of("J Pain Res", "Journal of Pain Research")
    assert is_abbreviation_of("Proc Natl Acad Sci U S A", "Proceedings of the National "
                              "Academy of Sciences of the United States of America")
    assert is_abbreviation_of("Reg Anesth Pain Med", "Regional Anesthesia & Pain Medicine")
    assert not is_abbreviation_of("KEM", "Key Engineering Materials")
    assert not is_abbreviation_of("Journal Orthopaedic Research",
                                  "Journal of Orthopaedic Research")
    assert not is_abbreviation_of("Clinical Aspects", "Pain: Clinical Aspects and Care")


def test_iso4_fallback_without_periods() -> None:
    assert iso4_abbreviation("Key Engineering Materials") == "Key Eng Mater"
    assert iso4_abbreviation("Key Engineering Materials", periods=True) == "Key Eng. Mater."
    assert container_short("KEM", "Key Engineering Materials") == "Key Eng Mater"
    assert container_short("J Pain Res", "Journal of Pain Research") == "J Pain Res"


def test_findings_for_kem_and_a_dash_author() -> None:
    from reflib.library.bibtex import parse_text

    ref = parse_text(KEM, "refs/kem2022.bib").references[0]
    found = abbreviation_findings(ref)
    assert [f.severity for f in found] == ["warning", "warning"]
    assert "shortjournal 'KEM' is not an abbreviation of 'Key Engineering Materials'" in (
        found[0].message) and "ISO 4 'Key Eng Mater'" in found[0].message
    assert "author 2 ('- S') is not a name" in found[1].message
    good = Reference("x", "article", {"journal": "{Journal of Pain Research}",
                                      "shortjournal": "{J Pain Res}", "author": "{Doe, J.}"})
    assert abbreviation_findings(good) == []


def test_refs_check_says_it_and_ama_prints_iso4(run, library) -> None:
    write_source(library, "kem2022", KEM)
    run("build")
    result = run("check", "--only", "abbreviations", "kem2022")
    assert result.exit_code == 0, result.output
    assert "shortjournal 'KEM' is not an abbreviation" in result.output
    exported = run("export", "kem2022")
    assert exported.stdout == "1. Doe J. Grinding. Key Eng Mater. 2022;933:3-12.\n"
