"""`refs import` and `refs add`: splitting bibliographies into refs/, keeping every field."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, SHARED

from reflib.library.bibtex import format_value, parse_text, resolve_strings
from reflib.library.build import build
from reflib.library.layout import Layout
from reflib.library.model import is_safe_key

SNIPPET = """@article{doe2024,
  author = {Doe, Jane},
  title = {A trial},
  journal = {J Trials},
  year = {2024},
}
"""


def library_fields(root: Path) -> dict[str, dict[str, str]]:
    """Key -> fields of every entry in the built library.bib."""
    parsed = parse_text((root / "library.bib").read_text(encoding="utf-8"), "library.bib")
    assert not parsed.problems
    return {ref.key: ref.fields for ref in parsed.references}


def import_and_compare(run, root: Path, source: Path) -> tuple[int, list[str]]:
    """Import `source`, build, and check every accepted entry kept every field value."""
    result = run("import", str(source), root=root)
    original = parse_text(source.read_text(encoding="utf-8-sig"), str(source))
    expected = {}
    refused = []
    for ref in original.references:
        if not is_safe_key(ref.key):
            refused.append(ref.key)
            continue
        ref = resolve_strings(ref, original.strings)
        expected[ref.key] = {name: format_value(raw) for name, raw in ref.fields.items()}
    assert result.exit_code == (1 if refused else 0), result.output
    build(Layout(root))
    got = library_fields(root)
    for key, fields in expected.items():
        assert got[key] == fields, key
    for key in refused:
        assert f"citekey '{key}' is not a safe file name" in result.stderr
    return len(expected), refused


def test_import_xampl_keeps_every_entry_and_field(run, tmp_path) -> None:
    count, refused = import_and_compare(run, tmp_path / "new", FIXTURES / "bibtex" / "xampl.bib")
    assert (count, refused) == (36, [])


def test_import_resolves_strings_and_keeps_months(run, tmp_path) -> None:
    source = FIXTURES / "bibtex" / "article_with_strings.bib"
    result = run("import", str(source), root=tmp_path / "new")
    assert result.exit_code == 0
    text = (tmp_path / "new" / "refs" / "Cesar2013.bib").read_text()
    assert "author = {Jean César}," in text
    assert "journal = {Nice Journal}," in text
    assert "month = jan," in text


def test_import_bom_and_stdin(run, tmp_path) -> None:
    bom = (FIXTURES / "bibtex" / "article_start_with_bom.bib").read_text(encoding="utf-8")
    result = run("import", "-", input=bom, root=tmp_path / "new")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == ["refs/Cesar2013.bib"]


def test_import_refuses_existing_and_unsafe_keys(run, library) -> None:
    text = (SNIPPET.replace("doe2024", "lee2021learn") + SNIPPET.replace("doe2024", "../evil")
            + SNIPPET.replace("doe2024", "a/b") + SNIPPET.replace("doe2024", ".hidden")
            + SNIPPET)
    before = sorted(p.name for p in library.rglob("*"))
    result = run("import", "-", input=text)
    assert result.exit_code == 1
    err = result.stderr
    assert "<stdin>:1: citekey 'lee2021learn' already exists as refs/lee2021learn.bib" in err
    assert "<stdin>:7: citekey '../evil' is not a safe file name" in err
    assert "<stdin>:13: citekey 'a/b' is not a safe file name" in err
    assert "<stdin>:19: citekey '.hidden' is not a safe file name" in err
    assert "wrote 1 source; refused 4" in err
    after = sorted(p.name for p in library.rglob("*"))
    assert sorted([*before, "doe2024.bib"]) == after
    assert not (library.parent / "evil.bib").exists()


def test_import_reports_unreadable_entries_with_lines(run, tmp_path) -> None:
    text = SNIPPET + "\n@article{broken,\n  title = {no end,\n" + "\n"
    result = run("import", "-", input=text, root=tmp_path / "new")
    assert result.exit_code == 1
    assert "<stdin>:8: syntax error" in result.stderr
    assert (tmp_path / "new" / "refs" / "doe2024.bib").is_file()


def test_import_dry_run_writes_nothing(run, tmp_path) -> None:
    result = run("import", "--dry-run", "-", input=SNIPPET, root=tmp_path / "new")
    assert result.exit_code == 0 and "would write 1 source;" in result.stderr
    assert not (tmp_path / "new" / "refs").exists()


def test_add_one_source(run, library) -> None:
    result = run("add", input=SNIPPET)
    assert result.exit_code == 0 and result.stdout == "refs/doe2024.bib\n"
    assert (library / "refs" / "doe2024.bib").read_text() == SNIPPET
    again = run("add", input=SNIPPET)
    assert again.exit_code == 1 and "already exists" in again.stderr


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (SNIPPET + SNIPPET.replace("doe2024", "doe2025"), "holds 2 entries"),
        (SNIPPET.replace("{Doe, Jane}", "{Doe, Jane"), "syntax error"),
        (SNIPPET.replace("doe2024", "../up"), "is not a safe file name"),
        (SNIPPET.replace("year = {2024}", "doi = {10.12/x y}"), "is not a DOI"),
        ("", "holds 0 entries"),
    ],
)
def test_add_refuses_bad_snippets_and_writes_nothing(run, library, snippet, message) -> None:
    before = sorted(p.name for p in (library / "refs").iterdir())
    result = run("add", input=snippet)
    assert result.exit_code == 1
    assert message in result.stderr
    assert sorted(p.name for p in (library / "refs").iterdir()) == before


CORPORA = [
    ("pybtex-tests-data/xampl.bib", 36, 0),
    ("biblatex/biblatex-examples.bib", 61, 31),  # 26 keys with a colon (Windows)
    ("large/tugboat.bib", 0, 3644),  # every key has a colon: `refs import --rekey` them
]


@pytest.mark.skipif(not (SHARED / "corpora" / "bibtex").is_dir(),
                    reason="../shared/corpora is not here (it exists on developer machines and "
                           "in CI, not in a user's clone)")
@pytest.mark.parametrize(("name", "kept", "unsafe"), CORPORA)
def test_corpora_round_trip(run, tmp_path, name, kept, unsafe) -> None:
    """Every entry of real bibliographies survives import and build with every field."""
    source = SHARED / "corpora" / "bibtex" / name
    count, refused = import_and_compare(run, tmp_path / "new", source)
    assert (count, len(refused)) == (kept, unsafe)
    assert all("/" in key or ":" in key for key in refused)
