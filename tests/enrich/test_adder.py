"""`refs add --doi/--pmid/--pmcid/--isbn/--from`: complete entries from identifiers,
against fake Crossref, PubMed and Open Library servers on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from fake_books import FakeBooks
from fake_crossref import BUILT, FakeCrossref
from fake_pubmed import PUBMED_BUILT, FakePubMed

from reflib.enrich.adder import Wanted, classify
from reflib.library.bibtex import parse_source_text

DOI_SOURCES = ("lee2021learn", "janapala2021efficacy", "manchikanti2023neck",
               "sayed2022lowback", "cohen2020lumbar", "hurley2022cervical")


@pytest.fixture
def servers():
    with FakeCrossref() as crossref, FakePubMed() as pubmed, FakeBooks() as books:
        for key in DOI_SOURCES:
            crossref.add_fixture(BUILT / f"{key}.json")
        for path in PUBMED_BUILT.glob("efetch_pmid*.xml"):
            pubmed.add_file(path)
        yield crossref, pubmed, books


@pytest.fixture
def empty(tmp_path):
    root = tmp_path / "new"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "order.txt").write_text("# order\n", encoding="utf-8")
    return root


def add(run, root, servers, *args, stdin=None):
    crossref, pubmed, books = servers
    return run("add", "--registry", "crossref", "--registry", "pubmed", "--crossref-url",
               crossref.url, "--pubmed-url", pubmed.url, "--idconv-url", pubmed.idconv_url,
               "--books-url", books.url, "--mailto", "t@example.org", *args, root=root,
               input=stdin)


def entry(root, key):
    path = root / "refs" / f"{key}.bib"
    ref, problems = parse_source_text(path.read_text(encoding="utf-8"), path.name, key)
    assert ref is not None and not problems
    return ref


@pytest.mark.parametrize("text,expected", [
    ("10.2147/JPR.S325665", Wanted("doi", "10.2147/JPR.S325665", "10.2147/JPR.S325665")),
    ("https://doi.org/10.1136/x", Wanted("doi", "10.1136/x", "https://doi.org/10.1136/x")),
    ("PMID: 34526815", Wanted("pmid", "34526815", "PMID: 34526815")),
    ("pmc8436449", Wanted("pmcid", "PMC8436449", "pmc8436449")),
    ("ISBN 0-306-40615-2", Wanted("isbn", "9780306406157", "ISBN 0-306-40615-2")),
])
def test_classify(text, expected):
    assert classify(text) == expected


@pytest.mark.parametrize("text", ["10.x/y", "PMC", "978-0-306-40615-8", "hello"])
def test_classify_refuses(text):
    assert isinstance(classify(text), str)


def test_add_by_pmid_and_doi_with_cite(run, empty, servers):
    crossref, pubmed, _ = servers
    result = add(run, empty, servers, "--pmid", "36422818", "--doi", "10.2147/JPR.S325665",
                 "--cite")
    assert result.exit_code == 0, result.stderr
    files = result.stdout.split()
    assert files == ["refs/lee2021latest.bib", "refs/manchikanti2023systematic.bib"]
    neck = entry(empty, "manchikanti2023systematic")
    assert neck.entry_type == "article"
    assert neck.text("journal") == "Pain and Therapy"  # Crossref leads for the journal
    assert neck.text("shortjournal") == "Pain Ther" and neck.text("pmid") == "36422818"
    assert neck.text("evidence") == "systematic-review"
    assert neck.doi == "10.1007/s40122-022-00455-0"
    assert (empty / "refs" / "manchikanti2023systematic.crossref.json").is_file()
    assert (empty / "refs" / "manchikanti2023systematic.pubmed.json").is_file()
    lee = entry(empty, "lee2021latest")
    assert lee.text("pmcid") == "PMC8436449" and lee.text("evidence") == "guideline"
    order = (empty / "refs" / "order.txt").read_text(encoding="utf-8")
    assert order.endswith("lee2021latest\nmanchikanti2023systematic\n")
    assert "appended to refs/order.txt" in result.stderr
    # PubMed: esearch for the DOI + one efetch for all; Crossref: one batch of both DOIs
    assert pubmed.count(endpoint="efetch") == 1 and pubmed.count(endpoint="esearch") == 1
    assert len(crossref.requests) == 1
    assert run("build", root=empty).exit_code == 0


def test_add_by_pmcid(run, empty, servers):
    result = add(run, empty, servers, "--pmcid", "PMC8639967")
    assert result.exit_code == 0, result.stderr
    ref = entry(empty, result.stdout.split()[0].split("/")[1][:-4])
    assert ref.text("pmid") == "34764220" and ref.authors[0].family == "Hurley"


def test_already_in_library_and_unknown_refused(run, library, servers):
    result = add(run, library, servers, "--doi", "10.1136/RAPM-2021-103031", "--pmid",
                 "99999999", "--pmid", "36510616")
    assert result.exit_code == 1
    assert "error: doi:10.1136/RAPM-2021-103031 is already in the library as " \
           "refs/hurley2022cervical.bib" in result.stderr
    assert "error: PMID 99999999: no registry knows it (asked: PubMed)" in result.stderr
    assert "PMID 36510616 is already in the library as refs/sayed2022lowback.bib" \
        in result.stderr
    assert result.stdout == ""


def test_add_from_file_with_a_bad_line(run, empty, servers, tmp_path):
    listing = tmp_path / "ids.txt"
    listing.write_text("# to add\nPMID: 32245841\n\nnot-an-id\n10.1136/rapm-2021-103031\n",
                       encoding="utf-8")
    result = add(run, empty, servers, "--from", str(listing))
    assert result.exit_code == 1
    assert "'not-an-id' is neither a DOI" in result.stderr
    assert len(result.stdout.split()) == 2  # the good ones are added all the same


def test_isbn_through_open_library(run, empty, servers):
    _, _, books = servers
    result = add(run, empty, servers, "--isbn", "0-306-40615-2")
    assert result.exit_code == 0, result.stderr
    ref = entry(empty, "abdelsayed2024radiofrequency")
    assert ref.entry_type == "book" and ref.text("publisher") == "Elsevier"
    assert ref.text("isbn") == "9780306406157"
    kept = json.loads((empty / "refs" / "abdelsayed2024radiofrequency.openlibrary.json")
                      .read_text(encoding="utf-8"))
    assert kept["record"]["title"] == "Radiofrequency Ablation Techniques"
    assert books.requests[0]["query"]["bibkeys"] == "ISBN:9780306406157"
    assert "mailto:t@example.org" in books.requests[0]["headers"]["User-Agent"]


def test_open_library_retries_then_adds(run, empty, servers):
    _, _, books = servers
    books.fail_next = 1
    result = add(run, empty, servers, "--isbn", "9780306406157")
    assert result.exit_code == 0, result.stderr
    assert [r["status"] for r in books.requests] == [503, 200]


def test_dry_run_writes_nothing(run, empty, servers):
    result = add(run, empty, servers, "--pmid", "34526815", "--dry-run", "--cite")
    assert result.exit_code == 0
    assert "would add 1 source" in result.stderr
    assert sorted(p.name for p in (empty / "refs").iterdir()) == ["order.txt"]


def test_snippet_mode_still_works(run, empty):
    result = run("add", root=empty, input="@misc{note2024,\n  title = {A note},\n}\n")
    assert result.exit_code == 0 and result.stdout.strip() == "refs/note2024.bib"


def test_pubmed_down_is_exit_3(run, empty, servers):
    from conftest import closed_port_url

    crossref, _, books = servers
    result = run("add", "--registry", "pubmed", "--pubmed-url", closed_port_url(),
                 "--pmid", "34526815", root=empty)
    assert result.exit_code == 3
    assert "error: PubMed could not be asked" in result.stderr
