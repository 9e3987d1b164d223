"""`refs list`, `show`, `search` and `sql` through the CLI, on a built copy of the twelve."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest


@pytest.fixture
def built(run):
    result = run("build")
    assert result.exit_code == 0, result.output
    return run


def test_list_json_in_citation_order(built) -> None:
    result = built("list", "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert [r["order"] for r in records] == list(range(1, 13))
    first = records[0]
    assert {"key", "type", "title", "year", "doi", "authors", "evidence", "order"} <= set(first)
    assert first["doi"] == "10.2147/JPR.S325665" and first["year"] == 2021
    assert first["authors"][:2] == ["Lee, David W.", "Pritzlaff, Scott"]
    assert len(records[3]["authors"]) == 29
    assert records[9]["key"] == "mauck2024expert" and records[9]["doi"] is None


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        (["--evidence", "systematic-review"], ["janapala2021efficacy", "manchikanti2023neck"]),
        (["--year", "2020"], ["cohen2020lumbar", "nass2020lbp"]),
        (["--since", "2024"], ["mauck2024expert", "abdelsayed2024rfa", "abdelsayed2024bvn"]),
        (["--author", "zundert"], ["cohen2020lumbar", "hurley2022cervical"]),
        (["--author", "Benzon"], ["benzon2023radiofrequency"]),
        (["--journal", "regional"], ["cohen2020lumbar", "hurley2022cervical"]),
        (["--type", "incollection"], ["benzon2023radiofrequency", "abdelsayed2024bvn"]),
        (["--has-doi", "--since", "2022"],
         ["manchikanti2023neck", "sayed2022lowback", "hurley2022cervical"]),
        (["--no-doi", "--evidence", "guideline"], ["nass2020lbp"]),
        (["--author", "100%_"], []),
    ],
)
def test_list_filters(built, args, keys) -> None:
    result = built("list", *args, "--format", "keys")
    assert result.exit_code == 0
    assert result.stdout.split() == keys


def test_list_csv_and_table(built) -> None:
    rows = list(csv.reader(io.StringIO(built("list", "--format", "csv").stdout)))
    assert rows[0] == ["order", "key", "type", "year", "evidence", "authors", "title"]
    assert rows[1][1] == "lee2021learn" and rows[1][5].startswith("Lee, David W.; Pritzlaff")
    table = built("list").stdout.splitlines()
    assert table[0].split() == ["order", "key", "type", "year", "evidence", "authors", "title"]
    assert "Lee, David W. et al." in table[1]


@pytest.mark.parametrize("args", [[], ["--since", "1980"], ["--author", "a"],
                                  ["lee2021learn", "whole-set", "inbook-full"]])
def test_list_table_and_keys_are_those_of_the_full_records(library, built, args) -> None:
    """The table and the keys come from lean queries (the first two authors only); they
    must say what the full records say, on the twelve and xampl.bib (its crossref
    children list the authors they inherit)."""
    from reflib.formats.importer import import_bibliography
    from reflib.library.layout import Layout
    from reflib.output import to_table

    xampl = Path(__file__).parents[1] / "fixtures" / "bibtex" / "xampl.bib"
    import_bibliography(Layout(library), xampl.read_text(encoding="utf-8"), "xampl.bib")
    assert built("build").exit_code == 0
    records = json.loads(built("list", *args, "--format", "json").stdout)
    assert len(records) >= 3
    assert any(len(r["authors"]) > 2 for r in records) or "whole-set" in args
    columns = ("order", "key", "type", "year", "evidence", "authors", "title")
    table = to_table(columns, [[r[c] for c in columns] for r in records])
    assert built("list", *args).stdout == table
    assert built("list", *args, "--format", "keys").stdout.split() == [
        r["key"] for r in records]


def test_show_bibtex_and_json(built, library) -> None:
    result = built("show", "benzon2023radiofrequency")
    assert result.stdout == (library / "refs" / "benzon2023radiofrequency.bib").read_text()
    record = json.loads(built("show", "benzon2023radiofrequency", "--format", "json").stdout)
    assert record["order"] == 8 and record["editors"] == ["Benzon, Honorio T.", "others"]
    assert record["fields"]["edition"] == "6"


@pytest.mark.parametrize("key", ["nope", "../refs/lee2021learn", "/etc/passwd", "a/b", ""])
def test_show_unknown_or_hostile_key(built, key) -> None:
    result = built("show", key)
    assert result.exit_code == 1
    assert "no source with key" in result.stderr


def test_search_ranks_and_marks(built) -> None:
    records = json.loads(built("search", "cervical facet", "--format", "json").stdout)
    assert records[0]["key"] == "hurley2022cervical"
    assert "[cervical]" in records[0]["title"] and "[facet]" in records[0]["title"]
    doi = json.loads(built("search", "10.2147/JPR.S325665", "--format", "json").stdout)
    assert [r["key"] for r in doi] == ["lee2021learn"]
    accents = json.loads(built("search", "Zündert", "--format", "json").stdout)
    assert {r["key"] for r in accents} == {"cohen2020lumbar", "hurley2022cervical"}


@pytest.mark.parametrize(
    "query",
    ["C++", "O'Brien", "state-of-the-art", "AND", "OR NOT", '"unbalanced', "pain*", "NEAR(",
     "title:pain", "-", "'; DROP TABLE sources; --", "\\", "(", "^pain", "💊"],
)
def test_search_survives_any_typed_text(built, query) -> None:
    result = built("search", query, "--format", "json")
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout), list)


def test_search_operator_words_are_plain_words(built) -> None:
    found = json.loads(built("search", "pain AND neuroscience", "--format", "json").stdout)
    assert {r["key"] for r in found} == {"lee2021learn", "sayed2022lowback"}


def test_sql_reads_and_refuses_writes(built, library) -> None:
    result = built("sql", "SELECT key, year FROM sources WHERE ord = 3", "--format", "json")
    assert json.loads(result.stdout) == [{"key": "manchikanti2023neck", "year": 2023}]
    db = library / "db" / "library.db"
    before = db.read_bytes()
    for statement in ["DELETE FROM sources", "DROP TABLE sources",
                      "UPDATE sources SET year = 1", "PRAGMA query_only = OFF"]:
        result = built("sql", statement)
        if statement.startswith("PRAGMA"):
            continue
        assert result.exit_code == 1
        assert "read-only" in result.stderr and "nothing was changed" in result.stderr
    assert db.read_bytes() == before
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM sources").fetchone() == (12,)


def test_sql_error_is_clear(built) -> None:
    result = built("sql", "SELEC nonsense")
    assert result.exit_code == 1 and result.stderr.startswith("error: SQL error:")


def test_queries_without_index_say_build_first(run) -> None:
    result = run("list")
    assert result.exit_code == 1
    assert "db/library.db does not exist; run `refs build` first" in result.stderr


def test_usage_error_exit_code(built) -> None:
    result = built("list", "--format", "xml")
    assert result.exit_code == 2


def test_a_long_list_shows_progress_on_a_terminal_only(built, monkeypatch) -> None:
    """Lists of PROGRESS_FROM sources or more (20,000: about a second) show a bar on
    stderr; stdout is the same with or without it. Here the threshold is lowered to 5."""
    from reflib.library import query

    monkeypatch.setattr(query, "PROGRESS_FROM", 5)
    for fmt in ("table", "json", "keys", "csv"):
        monkeypatch.setenv("REFS_PROGRESS", "0")  # as in a pipe or CI
        quiet = built("list", "--format", fmt)
        assert quiet.exit_code == 0 and quiet.stderr == ""
        monkeypatch.setenv("REFS_PROGRESS", "1")  # as on a terminal
        shown = built("list", "--format", fmt)
        assert shown.exit_code == 0
        assert "reading db/library.db" in shown.stderr  # (click prints the label off a tty)
        assert ("writing JSON" in shown.stderr) == (fmt == "json")
        assert shown.stdout == quiet.stdout
    few = built("list", "--year", "2020")  # two sources: under the threshold
    assert few.stderr == ""
