"""The four readers on real exports: every field mapped or kept, lines for every record."""

from __future__ import annotations

from conftest import FIXTURES

from reflib.formats.csljson import read_csl_json
from reflib.formats.endnote import read_endnote_xml
from reflib.formats.fields import braced, person
from reflib.formats.medline import read_medline
from reflib.formats.reading import Reading
from reflib.formats.ris import read_ris
from reflib.library.latex import latex_to_text
from reflib.library.model import doi_key

IMPORT = FIXTURES / "import"


def read(name: str):
    return (IMPORT / name).read_text(encoding="utf-8")


def test_ris_maps_tags_and_keeps_the_rest() -> None:
    parsed = read_ris(read("manubot.ris"), "m.ris")
    article, page = parsed.references
    assert (article.entry_type, article.line, page.entry_type, page.line) == (
        "article", 1, "online", 22)
    assert article.fields["author"].startswith("{Himmelstein, Daniel S and Romero, Ariel")
    assert (article.fields["journal"], article.fields["year"], article.fields["month"],
            article.fields["date"]) == ("{eLife}", "{2018}", "mar", "{2018-03-01}")
    assert article.fields["urldate"] == "{2019-03-12}"
    assert article.fields["ris-y2"] == "{2019/03/12/T20:12:22Z}"  # the time is kept
    assert article.fields["ris-dp"] == "{Crossref}"
    assert not parsed.problems


def test_ris_problems_name_their_lines() -> None:
    parsed = read_ris("TY  - JOUR\nTI  - A\nTY  - BOOK\nTI  - B\nER  - \nAU  - X\n", "x.ris")
    assert [(p.line, p.message.split(";")[0]) for p in parsed.problems] == [
        (1, "record has no ER line before the next TY"), (6, "tag AU outside a record")]


def test_csl_json_forms_and_variables() -> None:
    [item, page] = read_csl_json(read("manubot.json"), "m.json").references
    assert (item.key, item.line, page.line) == ("doi:10.7554/elife.32822", 2, 56)
    assert item.fields["pmid"] == "{29424689}" and item.fields["pmcid"] == "{PMC5832410}"
    assert item.fields["csl-source"] == "{Crossref}"
    assert page.fields["urldate"] == "{2019-03-12}"
    zotero = read_csl_json('{"items": [{"id": "k", "type": "chapter", "title": "T",'
                           ' "container-title": "B", "page": "3-9", "author": [{"family": '
                           '"Zundert", "non-dropping-particle": "van", "given": "J"}, '
                           '{"literal": "WHO and partners"}], "custom": {"a": 1}}]}', "z.json")
    [chapter] = zotero.references
    assert chapter.entry_type == "incollection" and chapter.fields["booktitle"] == "{B}"
    assert chapter.fields["pages"] == "{3--9}"
    assert chapter.fields["author"] == "{van Zundert, J and {WHO and partners}}"
    assert chapter.fields["csl-custom"] == '{\\{"a": 1\\}}'.replace("\\{", "\\textbraceleft{}") \
        .replace("\\}", "\\textbraceright{}")
    bad = read_csl_json('{"title": 3}', "b.json")
    assert "JSON but not CSL-JSON" in bad.problems[0].message


def test_medline_tags() -> None:
    first, second = read_medline(read("manubot.nbib"), "m.nbib").references
    assert (first.line, second.line) == (1, 94)
    assert first.fields["title"] == "{Sci-Hub provides access to nearly all scholarly literature}"
    assert first.fields["eissn"] == "{2050-084X}" and first.fields["issnl"] == "{2050-084X}"
    assert first.fields["language"] == "{en}" and first.fields["medline-la"] == "{eng}"
    assert first.fields["medline-au"].startswith("{Himmelstein DS ; Romero AR")
    assert second.fields["pages"] == "{342--346}" and second.fields["number"] == "{4}"
    assert second.fields["mesh"].startswith("{Computational Biology/*methods; ")
    assert second.fields["medline-pt"] == ("{Journal Article ; Research Support, Non-U.S. "
                                           "Gov't ; Research Support, N.I.H., Extramural}")


def test_endnote_xml_elements() -> None:
    [ref] = read_endnote_xml(read("endnote-jabref-article.xml"), "e.xml").references
    assert ref.entry_type == "article" and ref.line == 4
    assert ref.fields["author"] == "{Ahmad, AS and Ormiston-Smith, N and Sasieni, PD}"
    assert ref.fields["journal"] == "{Br J Cancer}" and ref.fields["pages"] == "{943--7}"
    assert ref.fields["doi"] == "{10.1038/bjc.2014.606}"
    assert (ref.fields["eissn"], ref.fields["issnl"]) == ("{1532-1827}", "{0007-0920}")
    assert ref.fields["keywords"].startswith("{Age Factors, Aged, {Aged, 80 and over}, ")
    assert ref.fields["endnote-accession-num"] == "{25647015}"
    assert ref.fields["endnote-pub-dates"] == "{Mar 3}" and ref.fields["month"] == "mar"
    assert "not well-formed XML" in read_endnote_xml("<xml><records>", "x.xml"
                                                     ).problems[0].message


def test_plain_text_is_escaped_so_latex_gives_it_back() -> None:
    text = "50% of R&D {costs} $5 #1 a_b ~x^2 C:\\temp"
    assert latex_to_text(braced(text)[1:-1]) == text
    assert person("Greshake Tzovaras", "Bastian") == "Greshake Tzovaras, Bastian"
    assert person("Smith, Jr", "J") == "{Smith, Jr}, J"


def test_the_four_manubot_formats_give_the_same_sources() -> None:
    """One library exported by four tools: every field carried by several formats agrees,
    except where the exports themselves differ (named below)."""
    sources: dict[str, dict[str, dict[str, str]]] = {}
    for name in ("manubot.bib", "manubot.json", "manubot.ris", "manubot.nbib"):
        reading = Reading.of([(name, (IMPORT / name).read_bytes())])
        for ref, _ in reading.references():
            if ref.doi:
                fields = {n: ref.text(n) for n in ref.fields}
                fields["doi"] = doi_key(ref.doi)
                sources.setdefault(fields["doi"], {})[name] = fields
        assert not reading.problems
    scihub = sources["10.7554/elife.32822"]
    assert set(scihub) == {"manubot.bib", "manubot.json", "manubot.ris", "manubot.nbib"}
    # The exports differ here (not the readers): JSON's url is a short DOI link, MEDLINE
    # has no url; Zotero's BibTeX wrote urldate `2019-03-12TZ`; the abstracts differ
    # (JATS in JSON, MEDLINE's own); the ISSN is `issn` in three and `eissn` in MEDLINE.
    differ = {"url", "urldate", "abstract"}
    compared = 0
    for field in set().union(*(set(f) for f in scihub.values())) - differ:
        values = {name: f[field] for name, f in scihub.items() if field in f}
        if len(values) > 1:
            compared += 1
            assert len(set(values.values())) == 1, (field, values)
    assert compared >= 9  # title, author, journal, year, month, volume, doi, issn, ...
    assert scihub["manubot.nbib"]["eissn"] == scihub["manubot.bib"]["issn"]
