"""Other tools' formats in and out: bibliographies imported into refs/, and the data
exports (BibTeX, biblatex, RIS, CSL-JSON)."""
