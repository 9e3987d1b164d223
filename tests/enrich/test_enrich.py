"""Crossref record -> BibTeX (golden pairs over real recorded responses), the merge policy,
write-back into refs/KEY.bib, kept records, and `refs enrich` end to end against the fake
Crossref server."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from fake_crossref import BUILT, RECORDED, FakeCrossref, load_message

from reflib.enrich.mapping import map_work
from reflib.enrich.merge import FILL, FORCE, REFRESH, merge
from reflib.enrich.writeback import (
    ENRICHED,
    INVALID,
    NO_DOI,
    NOT_FOUND,
    NOT_KEPT,
    UNAVAILABLE,
    UNCHANGED,
    enrich_sources,
    render_source,
)
from reflib.library.bibtex import format_entry, parse_source_text, read_source_file
from reflib.library.latex import field_text
from reflib.library.layout import Layout
from reflib.library.markup import escape_latex, jats_abstract_to_latex, markup_to_latex, squeeze
from reflib.library.model import Reference
from reflib.library.records import load_kept_record
from reflib.registries.crossref.gateway import CrossrefClient
from reflib.registries.throttle import RetryPolicy

GOLDEN = RECORDED / "golden"
MAILTO = "editor@example.org"
NOW = "2026-06-01T09:30:00Z"
DOI_SOURCES = ("lee2021learn", "janapala2021efficacy", "manchikanti2023neck",
               "sayed2022lowback", "cohen2020lumbar", "hurley2022cervical")

# fixture file -> golden file; what each one covers
GOLDEN_PAIRS = {
    RECORDED / "works_10.1371_journal.pone.0033693.json": "journal-article-updated-by.bib",
    RECORDED / "works_10.1136_jclinpath-2020-206745.json": "journal-article-bmj.bib",
    RECORDED / "works_10.7554_elife.01567.json": "journal-article-article-number.bib",
    RECORDED / "works_10.1002_jor.1100150407.json": "journal-article-suffix.bib",
    RECORDED / "works_10.1017_9781108348843_book.json": "book.bib",
    RECORDED / "works_10.1007_978-3-662-46370-3_13_book-chapter.json": "book-chapter.bib",
    BUILT / "built-bvn-chapter.json": "book-chapter-with-editors.bib",
    RECORDED / "works_10.1145_3448016.3452841_proceedings.json": "proceedings-article.bib",
    RECORDED / "works_10.1109_icdcsw.2003.1203662.json": "proceedings-article-no-date.bib",
    RECORDED / "works_10.1101_2020.12.01.406702_posted-content.json": "preprint-unicode.bib",
    RECORDED / "works_10.26434_chemrxiv.5406907.v5.json": "preprint-redirect-target.bib",
    RECORDED / "works_10.14264_uql.2020.791_dissertation.json": "dissertation.bib",
    RECORDED / "works_10.2210_pdb4hhb_pdb_dataset.json": "dataset.bib",
    BUILT / "sayed2022lowback-with-built-erratum.json": "built-erratum.bib",
}


def mapped_entry(path: Path) -> str:
    work = map_work(load_message(path))
    return format_entry(Reference(path.stem, work.entry_type, work.fields))


@pytest.mark.parametrize("fixture", list(GOLDEN_PAIRS), ids=lambda p: GOLDEN_PAIRS[p])
def test_golden_mapping(fixture: Path) -> None:
    golden = GOLDEN / GOLDEN_PAIRS[fixture]
    entry = mapped_entry(fixture)
    if os.environ.get("REFLIB_WRITE_GOLDEN"):  # to add a pair; review the result by hand
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(entry, encoding="utf-8")
    assert entry == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fixture", list(GOLDEN_PAIRS), ids=lambda p: GOLDEN_PAIRS[p])
def test_mapped_entries_read_back_as_written(fixture: Path) -> None:
    entry = mapped_entry(fixture)
    ref, problems = parse_source_text(entry, f"refs/{fixture.stem}.bib", fixture.stem)
    assert problems == [] and ref is not None
    assert format_entry(ref) == entry
    work = map_work(load_message(fixture))
    assert ref.fields == work.fields


def test_journal_article_fields() -> None:
    work = map_work(load_message(RECORDED / "works_10.1136_jclinpath-2020-206745.json"))
    fields = work.fields
    assert work.entry_type == "article"
    assert fields["pages"] == "{314--320}" and field_text(fields["pages"]) == "314–320"
    assert fields["issn"] == "{0021-9746}" and fields["eissn"] == "{1472-4146}"
    assert fields["year"] == "{2021}" and fields["month"] == "may"  # the print issue
    assert fields["onlinedate"] == "{2020-08-17}"  # and the online date, both kept
    assert work.dates["issued"][0] == 2020
    assert fields["author+an:orcid"] == '{14="0000-0002-3513-6501"}'
    assert fields["language"] == "{english}" and fields["publisher"] == "{BMJ}"
    abstract = field_text(fields["abstract"])
    assert abstract.startswith("Background: The absence of high-quality next-generation")
    assert "<jats" not in abstract and "Abstract" not in abstract[:20]
    assert r"\textit{{KRAS}}" in fields["title"]
    assert field_text(fields["title"]).startswith("Construction of a reference material panel "
                                                  "for detecting KRAS / NRAS")


def test_updated_by_is_mapped_and_noticed() -> None:
    work = map_work(load_message(RECORDED / "works_10.1371_journal.pone.0033693.json"))
    assert work.fields["updatedby"] == ("{correction: 10.1371/annotation/c76da2c1-ccb8-4797-"
                                        "94c1-359d3ceceeda (2012-05-08)}")
    assert "editor" not in work.fields  # PLOS ONE's academic editor (issue 11)
    assert work.notices[1:] == ("Crossref lists a correction of this work on 2012-05-08: "
                                "doi:10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda",)


def test_self_referencing_updates_are_left_out() -> None:
    listing = load_message(RECORDED / "prefixes_10.1371_works_query.editor_cooper.json")
    by_doi = {item["DOI"]: item for item in listing["items"]}
    self_update = map_work(by_doi["10.1371/journal.ppat.1006930"])
    assert "updatedby" not in self_update.fields and "updateto" not in self_update.fields
    corrected = map_work(by_doi["10.1371/journal.pbio.0050002"])
    assert corrected.fields["updatedby"].startswith("{correction: 10.1371/journal.pbio.0060304")


def test_a_retraction_is_a_warning() -> None:
    message = dict(load_message(BUILT / "lee2021learn.json"))
    message["updated-by"] = [{"DOI": "10.5555/built.retraction", "type": "retraction",
                              "updated": {"date-parts": [[2024, 2, 1]]}}]
    assert map_work(message).notices[0].startswith("WARNING: Crossref lists a retraction")
    erratum = map_work(load_message(BUILT / "sayed2022lowback-with-built-erratum.json"))
    assert erratum.notices == ("Crossref lists an erratum of this work on 2023-01-10: "
                               "doi:10.5555/built.erratum.jpr.s386879",)


def test_preprint_with_unicode_names_and_orcids() -> None:
    work = map_work(load_message(RECORDED /
                                 "works_10.1101_2020.12.01.406702_posted-content.json"))
    assert work.entry_type == "misc"
    assert work.fields["type"] == "{Preprint}" and work.fields["howpublished"] == "{bioRxiv}"
    assert "Mendonça, Jéssica da C." in work.fields["author"]
    assert work.fields["author+an:orcid"].startswith('{1="0000-0002-9346-671X"; ')
    assert work.people["author"][2].family == "Mendonça"
    assert field_text(work.fields["title"]) == ("Identification of a novel cationic glycolipid "
                                                "in Streptococcus agalactiae that contributes "
                                                "to brain entry and meningitis")


def test_book_chapter_proceedings_and_book() -> None:
    chapter = map_work(load_message(BUILT / "built-bvn-chapter.json"))
    assert chapter.entry_type == "incollection"
    assert chapter.fields["booktitle"] == "{Vertebral Augmentation Techniques}"
    assert chapter.fields["editor"] == "{Abd-Elsayed, Alaa}" and "author" not in chapter.fields
    springer = map_work(load_message(RECORDED /
                                     "works_10.1007_978-3-662-46370-3_13_book-chapter.json"))
    assert (springer.fields["isbn"], springer.fields["eisbn"]) == ("{9783662463697}",
                                                                   "{9783662463703}")
    paper = map_work(load_message(RECORDED / "works_10.1145_3448016.3452841_proceedings.json"))
    assert paper.entry_type == "inproceedings"
    assert paper.fields["subtitle"] == "{Overcoming the Time/Space Trade-Off in Filter Design}"
    assert paper.fields["booktitle"].startswith("{Proceedings of the 2021 International")
    book = map_work(load_message(RECORDED / "works_10.1017_9781108348843_book.json"))
    assert book.entry_type == "book" and book.crossref_type == "monograph"
    assert book.fields["isbn"] == "{9781108425728}"  # print first, electronic apart
    assert book.fields["eisbn"] == "{9781108348843}"


def test_title_case_protection_spares_shouting_titles() -> None:
    dataset = map_work(load_message(RECORDED / "works_10.2210_pdb4hhb_pdb_dataset.json"))
    assert "{" not in dataset.fields["title"][1:-1]
    learn = map_work(load_message(BUILT / "lee2021learn.json"))
    assert "({LEARN})" in learn.fields["title"] and "({ASPN})" in learn.fields["title"]


# -- LaTeX: what is written reads back as the same text -----------------------------------


def test_escaped_text_reads_back_identical() -> None:
    rng = random.Random(2026)
    alphabet = "aZ 09&%$#_{}~^\\-`'\"<>/:;.,é–ßΔ漢"
    samples = ["R&D 100% of $5 for C# (snake_case)", "a--b, a---b, ``quoted''", "{braces}",
               "back\\slash", "x^2 ~ y", "Müller–Lüdenscheidt"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
                for _ in range(500)]
    for text in samples:
        raw = "{" + escape_latex(text) + "}"
        assert field_text(raw) == squeeze(text), text
        entry = f"@misc{{k,\n  note = {raw},\n}}\n"  # and BibTeX sees one balanced value
        ref, problems = parse_source_text(entry, "refs/k.bib", "k")
        assert problems == [] and ref.fields["note"] == raw, text


def test_markup_reads_back_as_its_text() -> None:
    cases = {
        "H<sub>2</sub>O &amp; CO<sub>2</sub>": "H2O & CO2",
        "<jats:italic>In vivo</jats:italic> 50% <b>gain</b>": "In vivo 50% gain",
        "Unclosed <i>tag and </b> stray": "Unclosed tag and stray",
        "<mml:math><mml:mi>x</mml:mi></mml:math> is #1": "x is #1",
    }
    for markup, text in cases.items():
        assert field_text("{" + markup_to_latex(markup) + "}") == text
    abstract = "<jats:sec><jats:title>Methods</jats:title><jats:p>We 100%</jats:p></jats:sec>"
    assert field_text("{" + jats_abstract_to_latex(abstract) + "}") == "Methods: We 100%"


# -- the merge policy ---------------------------------------------------------------------


def curated(key: str) -> Reference:
    ref, problems = read_source_file(ROOT / "refs" / f"{key}.bib", ROOT)
    assert ref is not None and problems == []
    return ref


@pytest.mark.parametrize("key", DOI_SOURCES)
def test_the_curated_sources_agree_with_the_verified_facts(key: str) -> None:
    """Built from the same facts: no conflict, whatever the year, ISSN or case traps."""
    plan = merge(curated(key), map_work(load_message(BUILT / f"{key}.json")))
    assert plan.conflicts == ()
    assert {c.field for c in plan.changes} == {"publisher"}
    assert all(c.reason == FILL for c in plan.changes)


def test_print_year_is_kept_when_crossref_issued_online_first() -> None:
    ref = curated("manchikanti2023neck")  # cites the Feb 2023 issue; issued 2022-11-24
    work = map_work(load_message(BUILT / "manchikanti2023neck.json"))
    assert work.fields["year"] == "{2023}" and work.fields["month"] == "feb"
    online_cited = Reference(ref.key, ref.entry_type,
                             {**ref.fields, "year": "{2022}", "month": "nov"})
    assert merge(online_cited, work).conflicts == ()  # the online year is a Crossref year too
    wrong = Reference(ref.key, ref.entry_type, {**ref.fields, "year": "{2020}"})
    assert [(c.field, c.ours, c.crossref) for c in merge(wrong, work).conflicts] == [
        ("year", "2020", "2023")]


def test_fill_missing_never_overwrite_and_report_conflicts() -> None:
    ref = curated("cohen2020lumbar")
    fields = dict(ref.fields)
    del fields["pages"], fields["eissn"]
    fields["volume"] = "{44}"
    fields["journal"] = "{Regional Anesthesia and Pain Medicine}"  # & vs and: the same
    mine = Reference(ref.key, ref.entry_type, fields)
    plan = merge(mine, map_work(load_message(BUILT / "cohen2020lumbar.json")))
    assert [(c.field, c.old, c.new) for c in plan.changes] == [
        ("publisher", None, "{BMJ}"), ("pages", None, "{424--467}"),
        ("eissn", None, "{1532-8651}")]
    assert [(c.field, c.ours, c.crossref) for c in plan.conflicts] == [("volume", "44", "45")]
    assert plan.fields["volume"] == "{44}"
    assert list(plan.fields).index("pages") == list(plan.fields).index("number") + 1
    assert list(plan.fields).index("eissn") == list(plan.fields).index("issn") + 1
    assert "! volume: ours '44', Crossref '45'" in plan.diff_lines()[-1]


def test_force_takes_crossrefs_value_and_refresh_updates_its_own() -> None:
    ref = curated("cohen2020lumbar")
    mine = Reference(ref.key, ref.entry_type, {**ref.fields, "volume": "{44}"})
    work = map_work(load_message(BUILT / "cohen2020lumbar.json"))
    forced = merge(mine, work, force=["volume"])
    assert ("volume", "{44}", "{45}", FORCE) in [(c.field, c.old, c.new, c.reason)
                                                 for c in forced.changes]
    assert forced.conflicts == () and forced.fields["volume"] == "{45}"
    # a value enrichment wrote earlier, still unedited, is Crossref's: a refresh updates it
    refreshed = merge(mine, work, applied={"volume": "{44}"})
    assert ("volume", REFRESH) in [(c.field, c.reason) for c in refreshed.changes]
    edited = merge(mine, work, applied={"volume": "{43}"})  # a person changed it since
    assert [c.field for c in edited.conflicts] == ["volume"]


def test_merging_twice_changes_nothing() -> None:
    for key in DOI_SOURCES:
        ref = curated(key)
        work = map_work(load_message(BUILT / f"{key}.json"))
        once = merge(ref, work)
        again = merge(Reference(ref.key, once.entry_type, once.fields), work)
        assert again.changes == () and again.conflicts == ()


def test_names_agree_on_family_order_and_others() -> None:
    ref = curated("benzon2023radiofrequency")  # Benzon, Honorio T. and others
    chapter = load_message(BUILT / "built-pmp6-book.json")
    plan = merge(ref, map_work({**chapter, "type": "book-chapter",
                                "editor": chapter["editor"] + [{"family": "Rathmell",
                                                                "given": "James P."}]}))
    assert "editor" not in [c.field for c in plan.conflicts]
    swapped = dict(load_message(BUILT / "lee2021learn.json"))
    swapped["author"] = list(reversed(swapped["author"]))
    plan = merge(curated("lee2021learn"), map_work(swapped))
    assert [c.field for c in plan.conflicts] == ["author"]


def test_orcids_are_only_added_when_the_author_lists_agree() -> None:
    message = dict(load_message(BUILT / "lee2021learn.json"))
    message["author"] = [dict(a) for a in message["author"]]
    message["author"][1]["ORCID"] = "http://orcid.org/0000-0002-1825-0097"
    plan = merge(curated("lee2021learn"), map_work(message))
    assert plan.fields["author+an:orcid"] == '{2="0000-0002-1825-0097"}'
    message["author"][0]["family"] = "Someone"
    plan = merge(curated("lee2021learn"), map_work(message))
    assert "author+an:orcid" not in plan.fields


def test_entry_type_disagreement_is_a_conflict_unless_forced() -> None:
    ref = curated("lee2021learn")
    message = {**load_message(BUILT / "lee2021learn.json"), "type": "posted-content"}
    plan = merge(ref, map_work(message))
    assert plan.entry_type == "article" and plan.conflicts[0].field == "entrytype"
    plan = merge(ref, map_work(message), force=["entrytype"])
    assert plan.entry_type == "misc"


def test_a_redirected_doi_is_a_conflict_with_a_notice() -> None:
    work = map_work(load_message(RECORDED / "works_10.26434_chemrxiv.5406907.v5.json"))
    source = Reference("gill2018", "misc", {"title": "{Binding Modes}",
                                            "doi": "{10.26434/chemrxiv.5406907}"})
    plan = merge(source, work)
    assert ("doi", "10.26434/chemrxiv.5406907") in [(c.field, c.ours) for c in plan.conflicts]
    assert any("redirected" in n for n in plan.notices)
    assert merge(source, work, force=["doi"]).fields["doi"] == "{10.26434/chemrxiv.5406907.v5}"


def test_render_keeps_other_layouts_byte_for_byte() -> None:
    text = "@Article{k,\n  title={A}, % no comma issue\n  journal = \"J\"\n}\n% trailing note\n"
    ref, problems = parse_source_text(text, "refs/k.bib", "k")
    assert ref is not None
    work = map_work({"DOI": "10.5555/k", "type": "journal-article", "title": ["A"],
                     "container-title": ["J"], "volume": "3"})
    plan = merge(ref, work)
    new, relaid = render_source(text, ref, plan)
    assert not relaid
    assert new.startswith("@Article{k,\n  title={A}, % no comma issue\n  journal = \"J\",\n")
    assert new.endswith("  volume = {3},\n  doi = {10.5555/k},\n}\n% trailing note\n")


# -- refs enrich end to end -------------------------------------------------------------


@pytest.fixture
def crossref_server():
    with FakeCrossref() as server:
        for key in DOI_SOURCES:
            server.add_fixture(BUILT / f"{key}.json")
        yield server


def client(server: FakeCrossref):
    return lambda: CrossrefClient(base_url=server.url, mailto=MAILTO, timeout=2.0,
                                  retry=RetryPolicy(attempts=2, base=0.01), now=lambda: NOW)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "refs").iterdir())}


def test_enrich_fills_writes_back_and_keeps_records(library: Path, crossref_server) -> None:
    layout = Layout(library)
    before = snapshot(library)
    report = enrich_sources(layout, crossref=client(crossref_server), now=lambda: NOW)
    assert report.exit_code == 0
    statuses = {o.key: o.status for o in report.outcomes}
    assert [statuses[k] for k in DOI_SOURCES] == [ENRICHED] * 6
    assert list(statuses.values()).count(NO_DOI) == 6
    assert len(crossref_server.requests) == 1  # six DOIs, one batch
    after = snapshot(library)
    for key in DOI_SOURCES:
        old = before[f"{key}.bib"].decode().splitlines()
        new = after[f"{key}.bib"].decode().splitlines()
        assert [line for line in new if line not in old] == [
            "  publisher = {" + ("BMJ" if key.startswith(("cohen", "hurley")) else
                                 "Springer Science and Business Media LLC"
                                 if key.startswith("manchikanti") else
                                 "Informa UK Limited") + "},"]
        assert all(line in new for line in old)  # nothing else changed
        kept = json.loads(after[f"{key}.crossref.json"])
        assert list(kept) == ["doi", "source", "fetched", "applied", "message"]
        assert kept["message"] == load_message(BUILT / f"{key}.json")
        assert kept["fetched"] == NOW and kept["source"].startswith(crossref_server.url)
        assert list(kept["applied"]) == ["publisher"]
    assert not any(name.endswith(".crossref.json") and name[:-14] not in DOI_SOURCES
                   for name in after)
    # the same run again changes nothing and asks nothing
    crossref_server.reset_log()
    again = enrich_sources(layout, crossref=client(crossref_server), now=lambda: "later")
    assert snapshot(library) == after
    assert {o.status for o in again.outcomes if o.key in DOI_SOURCES} == {UNCHANGED}
    assert crossref_server.requests == []


def test_refresh_fetches_again_but_keeps_an_unchanged_record(library: Path,
                                                            crossref_server) -> None:
    layout = Layout(library)
    enrich_sources(layout, ["lee2021learn"], crossref=client(crossref_server), now=lambda: NOW)
    after = snapshot(library)
    crossref_server.works["10.2147/jpr.s325665"]["indexed"] = {"date-parts": [[2026, 7, 1]]}
    report = enrich_sources(layout, ["lee2021learn"], refresh=True,
                            crossref=client(crossref_server), now=lambda: "later")
    assert report.outcomes[0].status == UNCHANGED and report.requests == 1
    assert snapshot(library) == after  # only a volatile key moved: the file stays
    crossref_server.works["10.2147/jpr.s325665"]["publisher"] = "Dove Medical Press"
    report = enrich_sources(layout, ["lee2021learn"], refresh=True,
                            crossref=client(crossref_server), now=lambda: "later")
    change = report.outcomes[0].plan.changes[0]
    assert (change.field, change.reason, change.new) == ("publisher", REFRESH,
                                                         "{Dove Medical Press}")
    kept = load_kept_record(layout, "lee2021learn")
    assert kept.applied["publisher"] == {"value": "{Dove Medical Press}", "when": "later"}


def test_dry_run_writes_nothing(library: Path, crossref_server) -> None:
    before = snapshot(library)
    report = enrich_sources(Layout(library), dry_run=True, crossref=client(crossref_server))
    assert report.count(ENRICHED) == 6 and snapshot(library) == before


def test_offline_uses_kept_records_only(library: Path, crossref_server) -> None:
    layout = Layout(library)

    def no_network():
        raise AssertionError("offline must not make a client")

    report = enrich_sources(layout, offline=True, crossref=no_network)
    assert report.nothing_kept() and report.exit_code == 0
    assert report.count(NOT_KEPT) == 6
    enrich_sources(layout, ["cohen2020lumbar"], dry_run=False,
                   crossref=client(crossref_server))
    # a person edits a field that Crossref filled: it is curated from now on
    path = layout.source_path("cohen2020lumbar")
    path.write_text(path.read_text().replace("{BMJ}", "{BMJ Publishing Group}"))
    report = enrich_sources(layout, offline=True, crossref=no_network)
    cohen = next(o for o in report.outcomes if o.key == "cohen2020lumbar")
    assert cohen.status == UNCHANGED and cohen.record_source == "kept"
    assert [c.field for c in cohen.plan.conflicts] == ["publisher"]
    assert not report.nothing_kept()


def test_failures_set_the_exit_code(library: Path, crossref_server) -> None:
    layout = Layout(library)
    del crossref_server.works["10.2147/jpr.s323362"]
    report = enrich_sources(layout, crossref=client(crossref_server))
    janapala = next(o for o in report.outcomes if o.key == "janapala2021efficacy")
    assert janapala.status == NOT_FOUND and "no such work" in janapala.detail
    assert report.exit_code == 1
    assert not layout.crossref_path("janapala2021efficacy").exists()
    with FakeCrossref() as down:
        url = down.url
    report = enrich_sources(layout, ["janapala2021efficacy", "hurley2022cervical"],
                            refresh=True, crossref=lambda: CrossrefClient(
                                base_url=url, mailto=MAILTO, timeout=0.5,
                                retry=RetryPolicy(attempts=2, base=0.01)))
    assert {o.status for o in report.outcomes} == {UNAVAILABLE}
    assert report.exit_code == 3  # only the network


def test_an_unreadable_source_or_record_is_reported(library: Path, crossref_server) -> None:
    layout = Layout(library)
    layout.crossref_path("lee2021learn").write_text("{not json")
    path = layout.source_path("cohen2020lumbar")
    path.write_text(path.read_text().replace("volume = {45},", "volume = {45"))
    report = enrich_sources(layout, crossref=client(crossref_server))
    outcome = {o.key: o for o in report.outcomes}
    assert outcome["lee2021learn"].status == INVALID
    assert "refs/lee2021learn.crossref.json:1: not valid JSON" in outcome["lee2021learn"].detail
    assert outcome["cohen2020lumbar"].status == INVALID
    assert report.exit_code == 1
    report = enrich_sources(layout, ["lee2021learn"], refresh=True,
                            crossref=client(crossref_server))
    assert report.outcomes[0].status == ENRICHED  # --refresh replaces a broken record


def test_the_repository_ships_without_kept_records() -> None:
    assert list((ROOT / "refs").glob("*.crossref.json")) == []


# -- the command ----------------------------------------------------------------------------


def test_cli_enrich_text_and_json(run, library: Path, crossref_server) -> None:
    url = ["--crossref-url", crossref_server.url, "--mailto", MAILTO]
    result = run("enrich", "--dry-run", *url, "cohen2020lumbar", "chou-uptodate-lbp")
    assert result.exit_code == 0
    assert "cohen2020lumbar: enriched (1 field, 0 conflicts) from Crossref" in result.stdout
    assert "  + publisher = {BMJ}" in result.stdout
    assert "chou-uptodate-lbp: no-doi" in result.stdout
    assert "2 sources: 1 enriched (would change 1 field)" in result.stderr
    assert "mailto" in crossref_server.requests[0].user_agent
    result = run("enrich", "--format", "json", *url, "cohen2020lumbar")
    data = json.loads(result.stdout)
    assert data["exit_code"] == 0 and data["sources"][0]["changes"][0]["field"] == "publisher"
    assert data["sources"][0]["wrote"] == ["refs/cohen2020lumbar.bib",
                                           "refs/cohen2020lumbar.crossref.json"]
    assert "run `refs build`" in result.stderr


def test_cli_offline_says_nothing_is_kept(run) -> None:
    result = run("enrich", "--offline", "--force", "jornal")
    assert "note: --force jornal: Crossref gives no field 'jornal'" in result.stderr
    assert result.exit_code == 0
    assert "no Crossref record is kept" in result.stderr
    assert "6 without a DOI, 6 without a kept record" in result.stderr


def test_cli_exit_codes(run, library: Path, crossref_server, monkeypatch) -> None:
    import reflib.registries.crossref.gateway

    monkeypatch.setattr(reflib.registries.crossref.gateway, "RetryPolicy",
                        lambda: RetryPolicy(attempts=2, base=0.01))  # a quick give-up
    assert run("enrich", "--offline", "--refresh").exit_code == 2
    assert run("enrich", "nosuchkey", "--offline").exit_code == 1
    with FakeCrossref() as down:
        url = down.url
    result = run("enrich", "--crossref-url", url, "--timeout", "0.5", "lee2021learn")
    assert result.exit_code == 3 and "lee2021learn: unavailable" in result.stdout
    assert "cannot connect" in result.stdout



# -- kept records and provenance in the index ----------------------------------------------


def crossref_tables(db: Path) -> dict[str, list]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return {table: sorted(map(repr, conn.execute(f"SELECT * FROM {table}")))
                for table in ("crossref_records", "crossref_applied", "provenance")} | {
            "record_files": sorted(map(repr, conn.execute(
                "SELECT path, key, sha1 FROM record_files")))}
    finally:
        conn.close()


def test_build_loads_records_and_provenance(library: Path, crossref_server) -> None:
    import sqlite3

    from reflib.library.build import build

    layout = Layout(library)
    enrich_sources(layout, crossref=client(crossref_server), now=lambda: NOW)
    build(layout)
    conn = sqlite3.connect(library / "db" / "library.db")
    rows = conn.execute("SELECT key, field, value, recorded FROM provenance "
                        "WHERE origin = 'crossref' ORDER BY key").fetchall()
    assert rows[0] == ("cohen2020lumbar", "publisher", "{BMJ}", NOW) and len(rows) == 6
    curated = conn.execute("SELECT count(*) FROM provenance WHERE origin = 'curated' "
                           "AND key = 'cohen2020lumbar'").fetchone()[0]
    assert curated == len(read_source_file(layout.source_path("cohen2020lumbar"),
                                           library)[0].fields) - 1
    record = conn.execute("SELECT doi, type, json_extract(message, '$.volume') "
                          "FROM crossref_records WHERE key = 'hurley2022cervical'").fetchone()
    assert record == ("10.1136/rapm-2021-103031", "journal-article", "47")
    conn.close()


def test_incremental_record_changes_equal_a_full_build(library: Path, crossref_server,
                                                       tmp_path_factory) -> None:
    from reflib.library.build import build

    layout = Layout(library)
    enrich_sources(layout, crossref=client(crossref_server), now=lambda: NOW)
    build(layout)
    assert build(layout, check=True).stale == []
    layout.crossref_path("lee2021learn").touch()  # same content: nothing to redo
    assert build(layout, check=True).stale == []
    build(layout)
    # a person edits a Crossref value: it becomes curated; a record is dropped; one moves
    path = layout.source_path("cohen2020lumbar")
    path.write_text(path.read_text().replace("{BMJ}", "{BMJ Publishing}"))
    layout.crossref_path("janapala2021efficacy").unlink()
    kept = json.loads(layout.crossref_path("hurley2022cervical").read_text())
    kept["applied"] = {}
    layout.crossref_path("hurley2022cervical").write_text(json.dumps(kept))
    stale = build(layout, check=True).stale
    assert "db/library.db: refs/hurley2022cervical.crossref.json changed since the last " \
           "build" in stale
    assert "db/library.db: refs/janapala2021efficacy.crossref.json was removed since the " \
           "last build" in stale
    build(layout)
    assert build(layout, check=True).stale == []
    incremental = crossref_tables(library / "db" / "library.db")
    full = tmp_path_factory.mktemp("full")
    shutil.copytree(library / "refs", full / "refs")
    build(Layout(full))
    assert incremental == crossref_tables(full / "db" / "library.db")
    origins = {row for row in incremental["provenance"] if "'crossref'" in row}
    assert len(origins) == 3  # lee, manchikanti, sayed keep their Crossref publisher


def test_build_reports_broken_and_orphan_records(library: Path) -> None:
    from reflib.errors import InvalidLibrary
    from reflib.library.build import build

    layout = Layout(library)
    (library / "refs" / "gone2020.crossref.json").write_text(
        (BUILT / "lee2021learn.json").read_text())
    report = build(layout)
    assert [str(w) for w in report.warnings] == [
        "refs/gone2020.crossref.json:1: warning: a kept Crossref record without a source: "
        "no refs/gone2020.bib; delete it, or rename it with its source"]
    layout.crossref_path("lee2021learn").write_text('{"doi": "10.2147/JPR.S325665",\n')
    with pytest.raises(InvalidLibrary) as caught:
        build(layout)
    assert any(str(p).startswith("refs/lee2021learn.crossref.json:2: not valid JSON")
               for p in caught.value.problems)


def test_people_organisations_particles_suffixes_and_braces() -> None:
    message = {"DOI": "10.5555/people", "type": "journal-article", "title": ["T"],
               "author": [
                   {"name": "World Health Organization & Partners"},
                   {"given": "Jan", "family": "Zundert", "non-dropping-particle": "van"},
                   {"given": "Martin Luther", "family": "King", "suffix": "Jr."},
                   {"given": "Vinicius", "family": "Tieppo Francio"},
                   {"family": "Tieppo Francio"},
                   {"given": "Ana", "family": "Smith, Jones"},
                   {"given": "Øyvind", "family": "Ødegård",
                    "ORCID": "https://orcid.org/0000-0002-1825-009X"},
               ]}
    work = map_work(message)
    assert work.fields["author"] == (
        "{{World Health Organization \\& Partners} and van Zundert, Jan and "
        "King, Jr., Martin Luther and Tieppo Francio, Vinicius and {Tieppo Francio} and "
        "{Smith, Jones}, Ana and Ødegård, Øyvind}")
    assert work.fields["author+an:orcid"] == '{7="0000-0002-1825-009X"}'
    ref = Reference("k", "article", {"author": work.fields["author"]})
    assert [n.display() for n in ref.authors] == [
        "World Health Organization & Partners", "van Zundert, Jan",
        "King, Jr., Martin Luther", "Tieppo Francio, Vinicius", "Tieppo Francio",
        "Smith, Jones, Ana", "Ødegård, Øyvind"]


def test_a_redirected_doi_end_to_end(library: Path, crossref_server) -> None:
    crossref_server.add_fixture(RECORDED / "works_10.26434_chemrxiv.5406907.v5.json")
    crossref_server.redirect("10.26434/chemrxiv.5406907", "10.26434/chemrxiv.5406907.v5")
    layout = Layout(library)
    layout.source_path("gill2018").write_text(
        "@misc{gill2018,\n  title = {Binding Modes of Ligands Using Enhanced Sampling "
        "({BLUES})},\n  doi = {10.26434/chemrxiv.5406907},\n}\n")
    report = enrich_sources(layout, ["gill2018"], crossref=client(crossref_server))
    outcome = report.outcomes[0]
    assert [(c.field, c.crossref) for c in outcome.plan.conflicts if c.field == "doi"] == [
        ("doi", "10.26434/chemrxiv.5406907.v5")]
    assert any("redirected" in n for n in outcome.plan.notices)
    kept = load_kept_record(layout, "gill2018")
    assert (kept.doi, kept.work_doi) == ("10.26434/chemrxiv.5406907",
                                         "10.26434/chemrxiv.5406907.v5")
    assert [r.status for r in crossref_server.requests] == [301, 200]
    forced = enrich_sources(layout, ["gill2018"], force=["doi"], offline=True,
                            crossref=client(crossref_server))
    assert forced.outcomes[0].status == ENRICHED
    assert "doi = {10.26434/chemrxiv.5406907.v5}" in layout.source_path("gill2018").read_text()
    again = enrich_sources(layout, ["gill2018"], offline=True, crossref=client(crossref_server))
    assert again.outcomes[0].status == UNCHANGED and again.outcomes[0].record_source == "kept"
