"""Curated fields: what the library changed since the last import, and what is its own.
On a real Zotero export and a later one of the same library (manubot.bib, manubot-later.bib;
see tests/fixtures/import/SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FIXTURES

from reflib.formats.importrecord import (
    ImportRecord,
    curated_fields,
    parse_record,
)
from reflib.library.bibtex import parse_text
from reflib.library.records import RecordError

IMPORT = FIXTURES / "import"


def imported(run, root: Path) -> dict[str, str]:
    """Import manubot.bib with --rekey; old key -> new key."""
    assert run("init", str(root)).exit_code == 0
    result = run("import", "--rekey", str(IMPORT / "manubot.bib"), root=root)
    assert result.exit_code == 0, result.output
    return {line.split(": '", 1)[1].split("'")[0]: line.split("imported as '")[1].split("'")[0]
            for line in result.stderr.splitlines() if "imported as '" in line}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_import_keeps_what_it_wrote(run, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    keys = imported(run, root)
    key = keys["doi:10.7554/elife.32822"]
    record = parse_record((root / "refs" / f"{key}.import.json").read_text(encoding="utf-8"),
                          "x")
    source = parse_text((root / "refs" / f"{key}.bib").read_text(encoding="utf-8"), "x")
    assert record.fields == source.references[0].fields and record.entry_type == "article"
    assert record.source == f"{IMPORT / 'manubot.bib'}:1" and record.imported.endswith("Z")
    # the record files are not sources: the build reads refs/*.bib only
    assert run("build", root=root).exit_code == 0


def test_update_keeps_what_the_library_changed_since_the_import(run, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    keys = imported(run, root)
    sci, blog = keys["doi:10.7554/elife.32822"], keys["noauthor_techblog:_nodate"]
    source = root / "refs" / f"{sci}.bib"
    # the librarian's own work since the import: a journal corrected, a urldate dropped,
    # keywords added
    edit(source, "journal = {eLife},", "journal = {eLife Sciences},")
    edit(source, "  urldate = {2019-03-12TZ},\n", "")
    edit(source, "  year = {2018},", "  year = {2018},\n  keywords = {open access},")
    later = IMPORT / "manubot-later.bib"
    result = run("import", "--update", str(later), root=root)
    assert result.exit_code == 0, result.output
    assert sorted(result.stdout.split()) == sorted([f"refs/{sci}.bib", f"refs/{blog}.bib"])
    err = result.stderr
    assert ("~ title: {Sci-{Hub} provides access to nearly all scholarly literature} -> "
            "{Sci-{Hub} provides access to nearly all scholarly literature: a study}") in err
    assert "+ pages = {e32822}" in err and "+ note = {Zotero note}" in err
    assert (f"refs/{sci}.bib: 'journal' is curated (changed since the import of ") in err
    assert "kept (--force journal to replace it)" in err
    assert f"refs/{sci}.bib: 'urldate' is curated (removed since the import of " in err
    assert ("kept 2 curated fields that the export would change (journal, urldate); "
            "`--force FIELD` replaces one") in err
    text = source.read_text(encoding="utf-8")
    assert "journal = {eLife Sciences}," in text and "urldate" not in text
    assert "keywords = {open access}," in text and "pages = {e32822}," in text
    assert "(archived)" in (root / "refs" / f"{blog}.bib").read_text(encoding="utf-8")
    record = json.loads((root / "refs" / f"{sci}.import.json").read_text(encoding="utf-8"))
    assert record["fields"]["journal"] == "{eLife (Cambridge)}"  # what the export brought
    # the same export again: nothing changes, the curated fields are still kept
    again = run("import", "--update", str(later), root=root)
    assert again.exit_code == 0 and again.stdout == ""
    assert "updated 0" in again.stderr and "'journal' is curated" in again.stderr
    forced = run("import", "--update", "--force", "journal", str(later), root=root)
    assert forced.exit_code == 0
    assert "~ journal: {eLife Sciences} -> {eLife (Cambridge)}" in forced.stderr
    assert "journal = {eLife (Cambridge)}," in source.read_text(encoding="utf-8")
    assert run("build", root=root).exit_code == 0


def test_curated_fields_rules() -> None:
    (ref,) = parse_text("@article{k, title = {T}, journal = {J2}, volume = {3}, note = {n},"
                        " publisher = {P}}", "x").references
    record = ImportRecord("book", {"title": "{T}", "journal": "{J}", "pages": "{1}"}, "f:1",
                          "2026-01-01T00:00:00Z")
    why = curated_fields(ref, record, {}).why
    assert why == {"note": "the library's own",
                   "journal": "changed since the import of 2026-01-01T00:00:00Z",
                   "volume": "added since the import of 2026-01-01T00:00:00Z",
                   "publisher": "added since the import of 2026-01-01T00:00:00Z",
                   "pages": "removed since the import of 2026-01-01T00:00:00Z",
                   "entrytype": "changed since the import of 2026-01-01T00:00:00Z"}
    # no record: what enrichment wrote (value unchanged since) and the library's own
    why = curated_fields(ref, None, {"publisher": "{P}", "volume": "{4}"}).why
    assert set(why) == {"note", "publisher", "entrytype"}


def test_a_damaged_record_is_an_error_naming_it(run, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    keys = imported(run, root)
    path = root / "refs" / f"{keys['doi:10.7554/elife.32822']}.import.json"
    path.write_text("{not json", encoding="utf-8")
    result = run("import", "--update", str(IMPORT / "manubot-later.bib"), root=root)
    assert result.exit_code == 1
    assert f"refs/{path.name}:1: not valid JSON" in result.stderr
    try:
        parse_record('{"fields": {"a": 1}}', "r.json")
    except RecordError as exc:
        assert "not a kept import record" in str(exc)
    else:
        raise AssertionError("a record with a non-string value was read")


def test_an_old_key_matches_only_when_no_identifier_says_otherwise() -> None:
    """`refs rename lee2021 lee2021learn` keeps lee2021 in ids; a later export may give
    lee2021 to another Lee 2021 paper: its DOI decides, never the old key (review finding)."""
    from reflib.formats.update import Existing, match_existing
    from reflib.library.model import Reference

    existing = Existing(keys={"lee2021learn": "lee2021learn", "cohen2020": "cohen2020"},
                        dois={"10.2147/jpr.s325665": "lee2021learn",
                              "10.1136/rapm-2019-101243": "cohen2020"},
                        aliases={"lee2021": "lee2021learn", "shared": ""},
                        identified={"lee2021learn", "cohen2020"})

    def entry(key: str, **fields: str) -> Reference:
        return Reference(key, "article", {"title": "{T}", **fields})

    assert match_existing(entry("lee2021", doi="{10.2147/JPR.S325665}"), existing) == \
        ("lee2021learn", "doi")
    assert match_existing(entry("lee2021"), existing) == ("lee2021learn", "ids")
    assert match_existing(entry("lee2021", doi="{10.1000/another.lee}"), existing) is None
    assert match_existing(entry("lee2021", doi="{10.1136/rapm-2019-101243}"), existing) == \
        ("cohen2020", "doi")
    assert match_existing(entry("shared"), existing) is None  # an old key of two sources
