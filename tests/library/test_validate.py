"""Validation of hostile sources (reflib/library/validate.py): DOIs that read as paths,
keys that cannot be file names on every system (issue 15, items 1 and 12)."""

from __future__ import annotations

import pytest
from conftest import write_source

from reflib.library.model import Reference
from reflib.library.validate import entry_problems

ARTICLE = """@article{{{key},
  author = {{Doe, Jane}},
  title = {{A title}},
  journal = {{A Journal}},
  year = {{2020}},
  doi = {{{doi}}},
}}
"""


def article(key: str = "doe2020", doi: str = "10.1234/x") -> Reference:
    fields = {"author": "{Doe, Jane}", "title": "{A title}", "journal": "{A Journal}",
              "year": "{2020}", "doi": "{" + doi + "}"}
    return Reference(key, "article", fields, f"refs/{key}.bib", 1,
                     {name: i for i, name in enumerate(fields, start=2)})


@pytest.mark.parametrize("doi", ["10.1234/../../../etc/passwd", "10.1234/./x",
                                 "10.1234/a/../b", "10.1234/x/.."])
def test_a_doi_with_dot_segments_is_an_error(doi: str) -> None:
    problem = entry_problems(article(doi=doi))[-1]
    assert problem.severity == "error" and problem.line == 6
    assert f"doi '{doi}' has a '.' or '..' path segment" in problem.message


@pytest.mark.parametrize("doi", ["10.1234/a..b", "10.1000/182", "10.1234/x.y/z"])
def test_dots_inside_a_segment_are_fine(doi: str) -> None:
    assert entry_problems(article(doi=doi)) == []


def test_refs_build_refuses_a_climbing_doi(library, run) -> None:
    write_source(library, "evil", ARTICLE.format(key="evil", doi="10.1234/../../../etc/passwd"))
    result = run("build")
    assert result.exit_code == 1
    assert ("refs/evil.bib:6: doi '10.1234/../../../etc/passwd' has a '.' or '..' path "
            "segment") in result.output
    assert not (library / "library.bib").exists()


@pytest.mark.parametrize("key", ["CON", "aux", "LPT1", "Nul.2020", "c:x", "Knuth:1984"])
def test_keys_windows_cannot_check_out_are_errors(key: str) -> None:
    problems = entry_problems(article(key=key))
    assert [p.message for p in problems] == [
        f"citekey '{key}' is not a safe file name; use letters, digits and _ . + - (no colon, "
        "not starting with a dot, not a device name Windows reserves such as CON, AUX or "
        "LPT1)"]


def test_cross_item_as_the_general_rule_on_real_entries() -> None:
    """CrossItem.of's short cuts (a valid DOI's key is its lower case; no inheritance
    read without crossref or xdata) give what the general rules give, on real entries."""
    from real_entries import real_references

    from reflib.library.inherit import parent_keys
    from reflib.library.model import doi_key, is_valid_doi
    from reflib.library.validate import CrossItem

    refs = real_references()
    assert sum(1 for ref in refs if ref.doi) > 10
    assert sum(1 for ref in refs if "crossref" in ref.fields) > 10
    for ref in refs:
        item = CrossItem.of(ref)
        assert item.doi == (doi_key(ref.doi) if ref.doi and is_valid_doi(ref.doi) else "")
        assert item.parent == ",".join(parent_keys(ref))
        assert item.doi_line == ref.line_of("doi")


def test_entry_problems_find_every_undefined_macro_the_general_path_finds() -> None:
    """entry_problems skips one delimited value without looking for macros: on real
    entries it reports exactly the fields whose parts (read one by one) hold a macro."""
    from real_entries import real_references

    from reflib.library.latex import MONTHS, _bare_parts

    found = delimited = 0
    for ref in real_references():
        macro_fields = {name for name, raw in ref.fields.items()
                        if any(m.lower() not in MONTHS for m in _bare_parts(raw))}
        reported = {p.message.split("'")[1] for p in entry_problems(ref)
                    if "undefined macro" in p.message}
        assert reported == macro_fields, ref.key
        found += len(reported)
        delimited += sum(1 for raw in ref.fields.values() if raw[:1] in ("{", '"'))
    assert found > 5 and delimited > 300
