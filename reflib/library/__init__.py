"""The store: where the library lives (layout), the Reference model, refs/*.bib read and
written, LaTeX to text, validation, the build of library.bib and the SQLite index, and
the one read path every command uses (query)."""
