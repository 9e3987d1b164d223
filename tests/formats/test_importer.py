"""`refs import` and `refs add`: every entry in, all or nothing, validated as build does."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SHARED

from cli import cli
from reflib.library.bibtex import format_value, parse_text, resolve_strings
from reflib.library.build import build
from reflib.library.layout import Layout
from reflib.library.model import is_safe_key

IMPORT = FIXTURES / "import"
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


def new_library(run, root: Path) -> Path:
    assert run("init", str(root)).exit_code == 0
    return root


def import_and_compare(run, root: Path, source: Path, *options: str) -> tuple[int, list[str]]:
    """Import `source` into a new library, build, and check every field value survived."""
    new_library(run, root)
    result = run("import", *options, str(source), root=root)
    original = parse_text(source.read_text(encoding="utf-8-sig"), str(source))
    unsafe = [ref.key for ref in original.references if not is_safe_key(ref.key)]
    if unsafe and "--rekey" not in options:
        assert result.exit_code == 1, result.output
        assert list((root / "refs").glob("*.bib")) == []
        for key in unsafe:
            assert f"citekey '{key}' is not a safe file name" in result.stderr
        return 0, unsafe
    assert result.exit_code == 0, result.output
    build(Layout(root))
    got = library_fields(root)
    renamed = {}
    for line in result.stderr.splitlines():
        if "imported as '" in line:
            old = line.split(": '", 1)[1].split("' ", 1)[0]
            renamed[old] = line.split("imported as '")[1].split("'")[0]
    for ref in original.references:
        expected = {n: format_value(r) for n, r in resolve_strings(ref, original.strings)
                    .fields.items()}
        for name in ("crossref", "xdata"):  # parents renamed too are named by new keys
            if name in expected:
                parents = [k.strip() for k in expected[name].strip("{}").split(",")]
                expected[name] = "{" + ", ".join(renamed.get(k, k) for k in parents) + "}"
        key = renamed.get(ref.key, ref.key)
        if key != ref.key:
            assert got[key].pop("ids") == "{" + ref.key + "}"
        assert got[key] == expected, key
    return len(got), sorted(renamed)


def test_import_xampl_keeps_every_entry_and_field(run, tmp_path) -> None:
    count, renamed = import_and_compare(run, tmp_path / "new", FIXTURES / "bibtex" / "xampl.bib")
    assert (count, renamed) == (36, [])


def test_import_resolves_strings_and_keeps_months(run, tmp_path) -> None:
    root = new_library(run, tmp_path / "new")
    result = run("import", str(FIXTURES / "bibtex" / "article_with_strings.bib"), root=root)
    assert result.exit_code == 0
    text = (root / "refs" / "Cesar2013.bib").read_text()
    assert "author = {Jean César}," in text
    assert "journal = {Nice Journal}," in text
    assert "month = jan," in text


def test_import_bom_and_stdin(run, tmp_path) -> None:
    root = new_library(run, tmp_path / "new")
    bom = (FIXTURES / "bibtex" / "article_start_with_bom.bib").read_text(encoding="utf-8")
    result = run("import", "-", input=bom, root=root)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == ["refs/Cesar2013.bib"]


def test_one_refused_entry_writes_nothing_and_rekey_brings_all_in(run, library) -> None:
    text = (SNIPPET.replace("doe2024", "lee2021learn") + SNIPPET.replace("doe2024", "../evil")
            + SNIPPET.replace("doe2024", "a/b") + SNIPPET.replace("doe2024", "")
            + SNIPPET)
    before = sorted(p.name for p in library.rglob("*"))
    result = run("import", "-", input=text)
    assert result.exit_code == 1
    err = result.stderr
    assert "<stdin>:1: citekey 'lee2021learn' already exists as refs/lee2021learn.bib; use " \
           "--update to merge, --skip-existing to leave it, or --rekey" in err
    assert "<stdin>:7: citekey '../evil' is not a safe file name" in err
    assert "<stdin>:13: citekey 'a/b' is not a safe file name" in err
    assert "<stdin>:19: entry has no citekey; pass --rekey" in err
    assert "4 problems in the import; nothing was written" in err
    assert sorted(p.name for p in library.rglob("*")) == before

    result = run("import", "--rekey", "-", input=text)
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["refs/doe2024trial.bib", "refs/doe2024triala.bib",
                                     "refs/doe2024trialb.bib", "refs/doe2024trialc.bib",
                                     "refs/doe2024.bib"]
    assert "<stdin>:7: warning: '../evil' is not a safe file name: imported as " \
           "'doe2024triala' (the old key stays in `ids`)" in result.stderr
    assert "ids = {../evil}," in (library / "refs" / "doe2024triala.bib").read_text()
    assert "ids" not in (library / "refs" / "doe2024trialc.bib").read_text()  # it had no key
    assert not (library.parent / "evil.bib").exists()
    build(Layout(library))


def test_import_validates_as_build_does(run, library) -> None:
    text = SNIPPET.replace("year = {2024}", "doi = {10.12/x y}") + SNIPPET.replace(
        "doe2024", "child").replace("@article", "@inbook").replace("}\n", "  crossref = "
                                                                   "{nobook},\n}\n", 1)
    result = run("import", "-", input=text)
    assert result.exit_code == 1
    assert "<stdin>:5: doi '10.12/x y' is not a DOI" in result.stderr
    assert "<stdin>:7: entry 'child' inherits from 'nobook', which is neither in the " \
           "library nor in this import" in result.stderr
    assert not (library / "refs" / "doe2024.bib").exists()


def test_import_reports_unreadable_entries_with_lines(run, library) -> None:
    text = SNIPPET + "\n@article{broken,\n  title = {no end,\n" + "\n"
    result = run("import", "-", input=text)
    assert result.exit_code == 1
    assert "<stdin>:8: syntax error: a '{' never closes (unbalanced braces) (line 9)" \
        in result.stderr
    assert not (library / "refs" / "doe2024.bib").exists()


def test_import_dry_run_writes_nothing(run, library) -> None:
    result = run("import", "--dry-run", "-", input=SNIPPET)
    assert result.exit_code == 0 and "would write 1 new source," in result.stderr
    assert not (library / "refs" / "doe2024.bib").exists()


def test_update_merges_changed_fields_and_keeps_curated_ones(run, library) -> None:
    assert run("import", "-", input=SNIPPET.replace("}\n", "  note = {mine},\n}\n", 1)
               ).exit_code == 0
    newer = SNIPPET.replace("A trial", "A trial, revised").replace(
        "}\n", "  volume = {3},\n  note = {theirs},\n}\n", 1)
    again = run("import", "-", input=newer)
    assert again.exit_code == 1 and "already exists as refs/doe2024.bib" in again.stderr
    result = run("import", "--update", "-", input=newer)
    assert result.exit_code == 0, result.output
    assert result.stdout == "refs/doe2024.bib\n"
    assert "~ title: {A trial} -> {A trial, revised}" in result.stderr
    assert "+ volume = {3}" in result.stderr
    assert ("'note' is curated (the library's own) and the export differs; kept (--force note "
            "to replace it)") in result.stderr
    text = (library / "refs" / "doe2024.bib").read_text()
    assert "title = {A trial, revised}," in text and "note = {mine}," in text
    forced = run("import", "--update", "--force", "note", "-", input=newer)
    assert forced.exit_code == 0 and "~ note: {mine} -> {theirs}" in forced.stderr
    assert "note = {theirs}," in (library / "refs" / "doe2024.bib").read_text()
    skipped = run("import", "--skip-existing", "-", input=newer.replace("revised", "again"))
    assert skipped.exit_code == 0 and "read 1 entry; wrote 0 new sources" in skipped.stderr
    assert "<stdin>:1: 'doe2024' matches refs/doe2024.bib by key; left as it is" \
        in skipped.stderr
    assert "again" not in (library / "refs" / "doe2024.bib").read_text()


def test_update_matches_by_doi_then_pmid(run, library, tmp_path) -> None:
    source = (library / "refs" / "lee2021learn.bib").read_text()
    doi = next(line for line in source.splitlines() if "doi =" in line)
    entry = SNIPPET.replace("}\n", f"{doi}\n  pmid = {{123}},\n}}\n", 1)
    result = run("import", "--update", "-", input=entry)
    assert result.exit_code == 0, result.output
    assert result.stdout == "refs/lee2021learn.bib\n"
    assert "~ pmid: {34526815} -> {123}" in result.stderr
    by_pmid = SNIPPET.replace("doe2024", "x9").replace("}\n", "  pmid = {123},\n"
                                                        "  volume = {9},\n}\n", 1)
    result = run("import", "--skip-existing", "-", input=by_pmid)
    assert "'x9' matches refs/lee2021learn.bib by pmid; left as it is" in result.stderr


def test_interrupted_import_leaves_refs_as_it_was(run, library, monkeypatch) -> None:
    import reflib.formats.commit as commit

    real = commit.os.link
    calls = []

    def interrupted(source, path):  # the third file: as if Ctrl-C came while writing
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(source, path)

    monkeypatch.setattr(commit.os, "link", interrupted)
    before = {p.name: p.read_bytes() for p in (library / "refs").iterdir()}
    text = "".join(SNIPPET.replace("doe2024", f"k{n}") for n in range(5))
    result = run("import", "-", input=text)
    assert result.exit_code == 130
    assert "interrupted (Ctrl-C): nothing was imported; refs/ is as it was" in result.stderr
    assert {p.name: p.read_bytes() for p in (library / "refs").iterdir()} == before


def test_not_a_bibliography_is_an_error_naming_the_file(run, library, tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Shopping list\n- milk\n")
    result = run("import", str(notes))
    assert result.exit_code == 1
    assert f"{notes}: is not a bibliography reflib reads; expected BibTeX" in result.stderr
    comments = FIXTURES / "import" / "manubot.bib"
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    result = run("import", str(empty), str(comments))
    assert f"{empty}: holds no entries (read as csl-json)" in result.stderr
    assert result.exit_code == 1


def test_macros_are_shared_across_files_and_bounded(run, library, tmp_path) -> None:
    strings = tmp_path / "definitions.bib"
    strings.write_text('@string{jtr = "J Trials"}\n')
    papers = tmp_path / "papers.bib"
    papers.write_text(SNIPPET.replace("{J Trials}", "jtr"))
    result = run("import", str(papers), str(strings))
    assert result.exit_code == 0, result.output
    assert "journal = {J Trials}," in (library / "refs" / "doe2024.bib").read_text()

    bomb = ['@string{m0 = "xxxxxxxxxx"}']
    bomb += [f"@string{{m{n} = {' # '.join([f'm{n - 1}'] * 10)}}}" for n in range(1, 11)]
    papers.write_text("\n".join(bomb) + "\n" + SNIPPET.replace("doe2024", "b").replace(
        "{J Trials}", "m10"))
    started = time.monotonic()
    result = run("import", str(papers))
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert (f"{papers}:12: entry 'b': @string 'm5' ({papers}:6) expands to over 100,000 "
            "characters") in result.stderr


def test_init_and_commands_outside_a_library(run, tmp_path) -> None:
    root = tmp_path / "article"
    result = run("init", str(root), root=tmp_path)
    assert result.exit_code == 0
    assert result.stdout.split() == ["refs/", "refs/order.txt", ".gitignore"]
    assert "db/" in (root / ".gitignore").read_text()
    assert run("build", root=root).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for command in (["import", str(IMPORT / "manubot.ris")], ["build"], ["list"]):
        result = run(*command, root=elsewhere)
        assert result.exit_code == 1, command
        assert "is not a reflib library (it has no refs/ folder); run `refs init`" \
            in result.stderr
    assert list(elsewhere.iterdir()) == []


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
    ("biblatex/biblatex-examples.bib", 92, 31),
    ("large/tugboat.bib", 3644, 3644),
]


@pytest.mark.skipif(not (SHARED / "corpora" / "bibtex").is_dir(),
                    reason="../shared/corpora is not here (it exists on developer machines and "
                           "in CI, not in a user's clone)")
@pytest.mark.parametrize(("name", "kept", "unsafe"), CORPORA)
def test_corpora_round_trip(run, tmp_path, name, kept, unsafe) -> None:
    """Every entry of real bibliographies survives import and build with every field."""
    source = SHARED / "corpora" / "bibtex" / name
    count, refused = import_and_compare(run, tmp_path / "plain", source)
    assert len(refused) == unsafe
    if not unsafe:
        assert count == kept
        return
    count, renamed = import_and_compare(run, tmp_path / "rekeyed", source, "--rekey")
    assert (count, len(renamed)) == (kept, unsafe)
    assert all("/" in key or ":" in key for key in renamed)


@pytest.mark.parametrize("name", sorted(p.name for p in IMPORT.iterdir()
                                        if p.name not in ("SOURCES.md", "encoding-mixed.bib")))
def test_every_format_and_encoding_imports_and_builds(run, tmp_path, name) -> None:
    root = new_library(run, tmp_path / "lib")
    result = run("import", "--rekey", str(IMPORT / name), root=root)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip(), "nothing imported"
    assert build(Layout(root)).sources == len(result.stdout.split())


def test_non_utf8_input_is_a_message_never_a_traceback(run, library) -> None:
    mixed = (IMPORT / "encoding-mixed.bib").read_bytes()
    for command in (["import", str(IMPORT / "encoding-mixed.bib")], ["add"]):
        result = CliRunner().invoke(cli, ["--root", str(library), *command], input=mixed)
        assert result.exit_code == 1, command
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "cannot be read as utf-8: byte 0xe9 at offset 166" in result.stderr
    latin = (IMPORT / "encoding-latin1.bib").read_bytes()
    result = CliRunner().invoke(cli, ["--root", str(library), "add"], input=latin)
    assert result.exit_code == 0, result.output
    assert "Jean César" in (library / "refs" / "Cesar_2013.bib").read_text(encoding="utf-8")


def test_a_crossref_naming_its_parent_by_an_ids_alias_resolves(run, tmp_path) -> None:
    """biber's crossref_cascading_aliases test: ccr2's crossref is ccr1's `ids` alias."""
    root = new_library(run, tmp_path / "lib")
    aliases = IMPORT / "crossref-aliases.bib"
    result = run("import", str(aliases), root=root)
    assert result.exit_code == 0, result.output
    assert (f"{aliases}:14: warning: entry 'ccr2': crossref 'ccr1alias' is an alias (ids) of "
            "'ccr1'; written as 'ccr1', since BibTeX does not read ids") in result.stderr
    assert "crossref = {ccr1}," in (root / "refs" / "ccr2.bib").read_text(encoding="utf-8")
    assert run("build", root=root).exit_code == 0
    shown = json.loads(run("show", "ccr3", "--format", "json", root=root).stdout)
    # ccr3 -> ccr2 (its book) -> ccr1 (the multi-volume book) by the alias
    assert shown["fields"]["booktitle"] == "Misc etc."
    assert shown["fields"]["maintitle"] == "Stuff Concerning Varia"
    assert shown["authors"] == ["Various, Vince"] and shown["inherited"]["author"] == "ccr1"


def test_an_alias_of_a_source_already_in_the_library_resolves(run, tmp_path) -> None:
    root = new_library(run, tmp_path / "lib")
    text = (IMPORT / "crossref-aliases.bib").read_text(encoding="utf-8")
    parent, children = text.split("% using alias")
    first = tmp_path / "parent.bib"
    first.write_text(parent, encoding="utf-8")
    assert run("import", str(first), root=root).exit_code == 0
    second = tmp_path / "children.bib"
    second.write_text(children, encoding="utf-8")
    result = run("import", str(second), root=root)
    assert result.exit_code == 0, result.output
    assert "crossref 'ccr1alias' is an alias (ids) of 'ccr1'" in result.stderr
    assert run("build", root=root).exit_code == 0
    unknown = tmp_path / "orphan.bib"
    unknown.write_text(children.replace("ccr1alias", "nosuchkey").replace("ccr2", "ccr4")
                       .replace("ccr3", "ccr5"), encoding="utf-8")
    refused = run("import", str(unknown), root=root)
    assert refused.exit_code == 1
    assert "inherits from 'nosuchkey', which is neither in the library" in refused.stderr
