"""Citing: CSL styles (shipped in styles/) and their fixes, formatted bibliographies, and
numbering a manuscript's citations."""
