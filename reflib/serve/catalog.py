"""What `refs serve` tells Datasette about db/library.db: titles, column descriptions
(shown on one page, /columns, not above the rows), facets, and the canned queries that
librarians ask. Pure data; reflib/serve/__init__.py runs the server."""

from __future__ import annotations

from typing import Any

SOURCE_COLUMNS = {
    "key": "Citekey: the source's file is refs/KEY.bib",
    "type": "BibTeX entry type (article, book, incollection, online, misc)",
    "title": "Title as plain text (LaTeX decoded)",
    "year": "Year of publication",
    "month": "Month of publication, 1-12",
    "journal": "Journal, or the book's title for a chapter",
    "doi": "DOI in normal form, without https://doi.org/",
    "evidence": "Evidence type: guideline, systematic-review, rct, clinical-trial, "
                "observational, case-report, review, textbook-chapter, textbook, "
                "point-of-care, expert-opinion",
    "ord": "Position in the article's citation order (refs/order.txt); empty if not cited",
    "authors": "Authors (or editors when there are no authors), Family, Given; ...",
    "keywords": "Keywords",
    "notes": "Notes, annotations and abstract",
    "file": "The source file, relative to the library's folder",
    "line": "Line of the entry in its file",
}
FINDING_COLUMNS = {
    "run_id": "The run (check_runs.id)", "key": "Citekey; empty for the library as a whole",
    "check": "The check that found it", "severity": "error, warning, notice or skipped",
    "message": "What was found and what to do", "file": "File the finding points at",
    "line": "Line in that file", "data": "Details, as JSON",
}
# Column descriptions, table by table: the /columns page shows them.
COLUMNS: dict[str, dict[str, str]] = {
    "sources": SOURCE_COLUMNS,
    "latest_findings": FINDING_COLUMNS,
    "findings": FINDING_COLUMNS,
    "authors": {"key": "Citekey of the source", "role": "author or editor",
                "position": "1 for the first author", "family": "Family name",
                "given": "Given names", "suffix": "Jr, III, ...",
                "literal": "An organisation, or a name kept whole", "display": "Family, Given"},
    "identifiers": {"key": "Citekey of the source",
                    "scheme": "doi, pmid, pmcid, isbn, issn, eissn or url",
                    "value": "The identifier"},
    "fields": {"key": "Citekey of the source", "name": "Field name",
               "position": "Order in the entry", "raw": "Value as written in BibTeX",
               "line": "Line in the source file"},
}
_ORDERED = "ORDER BY s.ord IS NULL, s.ord, s.key"
QUERIES: dict[str, dict[str, str]] = {
    "retracted_or_corrected": {
        "title": "Retracted, under concern or corrected",
        "description": "Sources the last `refs check` found retracted, withdrawn, under an "
                       "expression of concern, or corrected.",
        "sql": "SELECT s.ord AS reference, s.key, s.title, f.severity, f.message\n"
               "FROM latest_findings f JOIN sources s ON s.key = f.key\n"
               "WHERE f.\"check\" = 'updates' AND f.severity IN ('error', 'warning', 'notice')"
               f"\n{_ORDERED}",
    },
    "without_doi_or_pmid": {
        "title": "Sources without a DOI or a PMID",
        "description": "Nothing a registry can check them by: find one (`refs find-doi`) "
                       "or check them by hand.",
        "sql": "SELECT s.ord AS reference, s.key, s.type, s.evidence, s.title FROM sources s\n"
               "WHERE NOT EXISTS (SELECT 1 FROM identifiers i WHERE i.key = s.key\n"
               "                  AND i.scheme IN ('doi', 'pmid'))\n" + _ORDERED,
    },
    "web_sources_accessed_over_a_year_ago": {
        "title": "Web sources accessed more than a year ago",
        "description": "Their `urldate` is over a year old: visit them again and update it.",
        "sql": "SELECT s.ord AS reference, s.key, s.title, i.value AS url,\n"
               "       trim(f.raw, '{}\" ') AS accessed\n"
               "FROM sources s JOIN fields f ON f.key = s.key AND f.name = 'urldate'\n"
               "LEFT JOIN identifiers i ON i.key = s.key AND i.scheme = 'url'\n"
               "WHERE date(trim(f.raw, '{}\" ')) < date('now', '-1 year')\n" + _ORDERED,
    },
    "sources_by_evidence_type": {
        "title": "Sources by evidence type",
        "description": "How many sources of each evidence type, and which.",
        "sql": "SELECT coalesce(evidence, '(none)') AS evidence, count(*) AS sources,\n"
               "       group_concat(key, ', ') AS keys\n"
               "FROM (SELECT * FROM sources ORDER BY ord IS NULL, ord, key)\n"
               "GROUP BY evidence ORDER BY sources DESC, evidence",
    },
}


def metadata(title: str = "reflib: the evidence library") -> dict[str, Any]:
    """Datasette metadata for db/library.db: titles, search, facets and canned queries.
    Column descriptions are left out on purpose: Datasette would list them above the
    rows; the /columns page has them."""
    tables: dict[str, Any] = {
        "sources": {
            "title": "Sources",
            "description_html": (
                "One row per refs/*.bib source, in citation order; “findings →” beside a "
                "title shows what the last check found. Search covers title, authors, "
                "journal, keywords, notes and DOI. "
                '<a href="/columns#sources">What the columns mean</a>.'),
            "fts_table": "sources_fts",
            "fts_pk": "rowid",
            "facets": ["evidence", "year", "journal"],
            "sort": "ord",
            "label_column": "title",
            "size": 20,
        },
        "latest_findings": {
            "title": "Findings of the last check",
            "description_html": ("What the last `refs check` found, per source (its key "
                                 'links to the source). <a href="/columns#latest_findings">'
                                 "Columns</a>."),
            "facets": ["severity", "check"],
        },
        "authors": {"title": "Authors and editors",
                    "description": "Each person or organisation of each source, in order.",
                    "facets": ["role"]},
        "identifiers": {"title": "Identifiers",
                        "description": "DOI, PMID, PMCID, ISBN, ISSN and URL of each source.",
                        "facets": ["scheme"]},
        "fields": {"title": "BibTeX fields",
                   "description": "Every field of every source, as written in BibTeX.",
                   "facets": ["name"]},
        "check_runs": {"title": "Check runs",
                       "description": "Each saved run of `refs check`: when, offline or "
                                      "not, which checks were made and which skipped."},
        "findings": {"title": "Findings of every check run",
                     "description": "Every run's findings; `latest_findings` has the last.",
                     "facets": ["severity", "check"]},
        "files": {"hidden": True},  # the build's cache of parsed files and their BibTeX
        "meta": {"hidden": True},
    }
    return {
        "title": title,
        "description_html": ("The article's sources, read-only: edit refs/*.bib and run "
                             "<code>refs build</code> to change them."),
        "databases": {"library": {"title": "Evidence library", "tables": tables,
                                  "queries": QUERIES}},
    }
