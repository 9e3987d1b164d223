"""Writing BibTeX: the layout of every entry we write."""

from __future__ import annotations

from real_entries import real_references

from reflib.library.bibtex import format_entry, format_value
from reflib.library.model import Reference


def test_format_entry_lays_out_each_value_as_format_value_does() -> None:
    """On every real entry: format_entry's short cut for one braced value gives the
    layout format_value gives (`"x"` braced, month macros in lower case, rest as is)."""
    refs = real_references()
    assert sum(1 for ref in refs for raw in ref.fields.values() if raw.startswith("{")) > 200
    for ref in refs:
        lines = [f"@{ref.entry_type}{{{ref.key},",
                 *(f"  {name} = {format_value(raw)}," for name, raw in ref.fields.items()), "}"]
        assert format_entry(ref) == "\n".join(lines) + "\n", ref.key


def test_format_entry() -> None:
    ref = Reference("a", "article", {"title": '"A {B}"', "month": "JAN", "year": "2001",
                                     "note": "{x} # jan", "pages": " {1--2} "})
    assert format_entry(ref) == ("@article{a,\n  title = {A {B}},\n  month = jan,\n"
                                 "  year = 2001,\n  note = {x} # jan,\n  pages = {1--2},\n}\n")


def test_format_value_short_cut_is_its_general_path() -> None:
    """On every real value: the one-step layout of one braced or quoted value is what
    the general path (split, strip, months) gives."""
    from reflib.library.bibtex import _format_any_value

    values = [raw for ref in real_references() for raw in ref.fields.values()]
    assert sum(1 for raw in values if raw[:1] in "{\"" and "#" not in raw) > 200
    assert [format_value(raw) for raw in values] == [_format_any_value(raw) for raw in values]
