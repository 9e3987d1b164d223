"""The index holds what children inherit by crossref/xdata; their files and library.bib
do not. On biber's own crossref test file (tests/fixtures/bibtex/crossref_entries.bib)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES, SHARED

from reflib.library.build import build
from reflib.library.inherited import comment
from reflib.library.layout import Layout
from reflib.library.query import load_references

BIBER = FIXTURES / "bibtex" / "crossref_entries.bib"


def imported(run, root: Path) -> Path:
    assert run("init", str(root)).exit_code == 0
    result = run("import", str(BIBER), root=root)
    assert result.exit_code == 0, result.output
    assert run("build", root=root).exit_code == 0
    return root


def listed(run, root: Path, *args: str) -> dict[str, dict]:
    result = run("list", "--format", "json", *args, root=root)
    assert result.exit_code == 0, result.output
    return {row["key"]: row for row in json.loads(result.stdout)}


def index_dump(root: Path) -> dict[str, list]:
    conn = sqlite3.connect(root / "db" / "library.db")
    try:
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in ("sources", "authors", "identifiers", "fields", "inherited",
                              "inherited_fields")}
    finally:
        conn.close()


def test_list_search_and_filters_see_what_a_chapter_inherits(run, tmp_path: Path) -> None:
    root = imported(run, tmp_path / "lib")
    rows = listed(run, root)
    # cr1 has an author and an origdate of its own; year, editor, booktitle come from cr_m
    assert rows["cr1"]["year"] == 1974 and rows["cr1"]["editors"] == ["Erbriss, Edgar"]
    assert rows["cr1"]["authors"] == ["Gullam, Graham"]
    assert rows["cr1"]["journal"] == "Graphs of the Continent"
    assert set(listed(run, root, "--year", "1974")) == {"cr1", "cr2", "cr_m"}
    # cr6 has its own booktitle and year: its own values win over the parent's
    assert rows["cr6"]["journal"] == "Manual booktitle"
    found = run("search", "--format", "json", "Continent", root=root)
    assert {r["key"] for r in json.loads(found.stdout)} == {"cr1", "cr2", "cr_m"}


def test_show_marks_inherited_fields_and_the_file_is_not_rewritten(run, tmp_path: Path
                                                                   ) -> None:
    root = imported(run, tmp_path / "lib")
    own = (root / "refs" / "cr7.bib").read_text(encoding="utf-8")
    assert "booktitle" not in own and "publisher" not in own
    shown = run("show", "cr7", root=root)
    assert shown.exit_code == 0
    assert shown.stdout.startswith(own)
    assert "%   booktitle = Book Title  [from cr7i]" in shown.stdout
    assert "%   bookauthor = Brian Bookauthor  [from cr7i]" in shown.stdout
    data = json.loads(run("show", "cr7", "--format", "json", root=root).stdout)
    assert data["inherited"]["publisher"] == "cr7i" and "title" not in data["inherited"]
    assert data["fields"]["booksubtitle"] == "Book Subtitle"
    assert data["fields"]["title"] == "Title of Book bit"
    # library.bib keeps BibTeX's own mechanism: the child as written, its parent after it
    library = (root / "library.bib").read_text(encoding="utf-8")
    child = library[library.index("@inbook{cr7,"):]
    child = child[:child.index("\n}\n")]
    assert "crossref" in child and "booktitle" not in child
    assert library.index("{cr7,") < library.index("{cr7i,")


def test_every_reader_of_the_index_gets_the_inherited_view(run, tmp_path: Path) -> None:
    root = imported(run, tmp_path / "lib")
    (ref,) = load_references(Layout(root), keys=["cr3"])
    assert ref.text("booktitle") == "Beasts of the Burbling Burns"
    assert ref.text("publisher") == "Rancour"
    assert ref.text("title") == "Arrangements of All Articles"
    exported = run("export", "--format", "csl-json", "cr3", root=root)
    assert exported.exit_code == 0, exported.output
    (item,) = json.loads(exported.stdout)
    assert item["container-title"].lower() == "beasts of the burbling burns"
    assert item["publisher"] == "Rancour"


def test_editing_a_parent_re_derives_its_children(run, tmp_path: Path) -> None:
    root = imported(run, tmp_path / "lib")
    parent = root / "refs" / "cr_m.bib"
    parent.write_text(parent.read_text(encoding="utf-8").replace("Grimble", "Gromble"),
                      encoding="utf-8")
    # a read command refreshes the index only; cr1 and cr2 did not change on disk
    data = json.loads(run("show", "cr1", "--format", "json", root=root).stdout)
    assert data["fields"]["publisher"] == "Gromble"
    assert run("build", root=root).exit_code == 0
    incremental = index_dump(root)
    assert run("build", "--full", root=root).exit_code == 0
    assert index_dump(root) == incremental


def test_a_child_that_stops_inheriting_keeps_nothing_stale(run, tmp_path: Path) -> None:
    root = imported(run, tmp_path / "lib")
    child = root / "refs" / "cr4.bib"
    child.write_text("\n".join(line for line in child.read_text(encoding="utf-8").splitlines()
                               if "crossref" not in line) + "\n", encoding="utf-8")
    (root / "refs" / "cr1.bib").unlink()  # a child removed
    assert run("build", root=root).exit_code == 0
    assert "cr1" not in {key for key, _ in index_dump(root)["inherited"]}
    rows = listed(run, root)
    assert rows["cr4"]["year"] is None and rows["cr4"]["editors"] == []
    assert rows["cr5"]["year"] == 1945  # its sibling still inherits
    data = json.loads(run("show", "cr4", "--format", "json", root=root).stdout)
    assert data["inherited"] == {} and "publisher" not in data["fields"]
    incremental = index_dump(root)
    assert run("build", "--full", root=root).exit_code == 0
    assert index_dump(root) == incremental


def test_a_removed_parent_is_the_builds_error_and_leaves_no_inherited_values(
        run, tmp_path: Path) -> None:
    root = imported(run, tmp_path / "lib")
    (root / "refs" / "crn.bib").unlink()
    result = run("build", root=root)
    assert result.exit_code == 1
    assert "refs/cr4.bib:1: crossref 'crn' names no source in the library" in result.stderr
    assert "name it by its key: BibTeX does not read a source's old keys in ids" \
        in result.stderr
    rows = listed(run, root)  # the read commands' index-only refresh indexes what it can
    assert "crn" not in rows and rows["cr4"]["year"] is None
    assert rows["cr4"]["editors"] == [] and rows["cr1"]["year"] == 1974


def test_a_full_build_and_incremental_ones_agree(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "order.txt").write_text("", encoding="utf-8")
    texts = BIBER.read_text(encoding="utf-8").split("\n@")
    from reflib.library.bibtex import parse_text

    for ref in parse_text(BIBER.read_text(encoding="utf-8"), "x").references:
        block = next(t for t in texts if t.lower().split("{", 1)[-1].startswith(ref.key.lower()
                                                                                 + ","))
        (root / "refs" / f"{ref.key}.bib").write_text("@" + block.strip() + "\n",
                                                      encoding="utf-8")
    layout = Layout(root)
    # children first, parents in a later build: the children are re-derived then
    parents = ["cr_m", "crt", "crn", "cr6i", "cr7i", "cr8i"]
    held = {key: (root / "refs" / f"{key}.bib").read_bytes() for key in parents}
    for key in parents:
        (root / "refs" / f"{key}.bib").unlink()
    build(layout, index_only=True)
    for key, data in held.items():
        (root / "refs" / f"{key}.bib").write_bytes(data)
    build(layout)
    incremental = index_dump(root)
    assert len(incremental["inherited"]) == 8
    build(layout, full=True)
    assert index_dump(root) == incremental


def test_comment_lines() -> None:
    assert comment({}, {}) == ""
    assert comment({"year": "p"}, {"year": "2001"}).splitlines()[1] == "%   year = 2001  [from p]"


@pytest.mark.skipif(not (SHARED / "corpora" / "bibtex").is_dir(),
                    reason="../shared/corpora is not here (it exists on developer machines and "
                    "in CI, not in a user's clone)")
def test_biblatex_own_example_of_a_crossref(run, tmp_path: Path) -> None:
    """biblatex-examples.bib: westfahl:space (@incollection) crossrefs westfahl:frontier."""
    root = tmp_path / "lib"
    assert run("init", str(root)).exit_code == 0
    source = SHARED / "corpora" / "bibtex" / "biblatex" / "biblatex-examples.bib"
    result = run("import", "--rekey", str(source), root=root)
    assert result.exit_code == 0, result.output[-2000:]
    renamed = {line.split(": '", 1)[1].split("'")[0]: line.split("imported as '")[1].split("'")[0]
               for line in result.stderr.splitlines() if "imported as '" in line}
    child, parent = renamed["westfahl:space"], renamed["westfahl:frontier"]
    assert run("build", root=root).exit_code == 0
    data = json.loads(run("show", child, "--format", "json", root=root).stdout)
    assert data["editors"] == ["Westfahl, Gary"] and data["year"] == 2000
    assert data["fields"]["booktitle"] == "Space and Beyond"
    assert data["fields"]["publisher"] == "Greenwood"
    assert data["inherited"]["booktitle"] == parent
    assert "indextitle" not in data["inherited"]  # its own, and never inherited
    assert data["fields"]["title"] == "The True Frontier"
