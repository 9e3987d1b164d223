"""The BibTeX scanner reads exactly what BibTeX reads: braces counted, comments skipped."""

from __future__ import annotations

from reflib.library.bibscan import scan
from reflib.library.bibtex import parse_text


def entries(text: str) -> dict[str, dict[str, str]]:
    parsed = parse_text(text, "t.bib")
    return {ref.key: ref.fields for ref in parsed.references}


def test_backslash_never_escapes_a_brace_or_a_quote() -> None:
    text = ('@article{a, title = "{$ \\{ $Meta$ \\} $Font}", author = {Smith, J. \\{Templar\\}},\n'
            ' note = "M{\\"u}ller", year = 1999}\n')
    got = entries(text)["a"]
    assert got["title"] == '"{$ \\{ $Meta$ \\} $Font}"'
    assert got["author"] == "{Smith, J. \\{Templar\\}}"
    assert got["note"] == '"M{\\"u}ller"'
    assert got["year"] == "1999"


def test_a_quote_outside_braces_ends_a_quoted_value_as_in_bibtex() -> None:
    # BibTeX reads `"M\"` as the whole value; what follows is a syntax error, not a merge.
    parsed = parse_text('@misc{q, author = "M\\"uller", title = {T}}\n@misc{r, title={R}}\n',
                        "t.bib")
    assert [ref.key for ref in parsed.references] == ["r"]
    assert parsed.problems and parsed.problems[0].line == 1
    assert "expected ',' or '}'" in parsed.problems[0].message


def test_percent_lines_and_comment_blocks_are_not_entries() -> None:
    text = ("%@BOOK{commented, title = {No}}\n"
            "  % @article{indented, title={No}}\n"
            "@Comment{jabref-meta: @article{inside, title = {No}} }\n"
            "@comment{\n@book{alsoinside, title={No}}\n}\n"
            "@preamble{ \"\\newcommand{\\x}{}\" }\n"
            "@book{real, title = {Yes}}\n")
    parsed = parse_text(text, "t.bib")
    assert [ref.key for ref in parsed.references] == ["real"]
    assert [(n.line, n.message.split()[0]) for n in parsed.notices] == [
        (3, "@comment"), (4, "@comment"), (7, "@preamble")]
    assert not parsed.problems


def test_parentheses_concatenation_numbers_and_lines() -> None:
    text = '\n@Article(k,\n  Month = jan # "~1",\n  pages = 12,\n  Title = {A} # " and " # b\n)\n'
    [block] = scan(text)
    assert (block.kind, block.entry_type, block.key, block.line) == ("entry", "article", "k", 2)
    assert [(f.name, f.raw, f.line) for f in block.fields] == [
        ("Month", 'jan # "~1"', 3), ("pages", "12", 4), ("Title", '{A} # " and " # b', 5)]


def test_a_broken_entry_is_reported_and_the_next_one_still_read() -> None:
    text = "@article{broken,\n  title = {no end,\n\n@book{next, title = {Fine}}\n"
    parsed = parse_text(text, "t.bib")
    assert [ref.key for ref in parsed.references] == ["next"]
    [problem] = parsed.problems
    assert (problem.line, problem.message.startswith("syntax error: a '{' never closes")) == (
        1, True)
    assert "(line 2)" in problem.message


def test_at_signs_in_text_between_entries_are_not_commands() -> None:
    text = "Mail me at someone@example.org please.\n@misc{m, title={T}}\n"
    assert list(entries(text)) == ["m"]


def test_duplicate_keys_and_fields_are_problems_with_lines() -> None:
    text = "@misc{d, title={A}, Title={B}}\n@misc{d, title={C}}\n"
    parsed = parse_text(text, "t.bib")
    messages = sorted(str(p) for p in parsed.problems)
    assert messages == [
        "t.bib:1: entry 'd' has field 'title' twice (names differ only in case); keep one",
        "t.bib:2: citekey 'd' is used by an earlier entry too (line 1); give each entry "
        "its own key"]


def test_the_plain_field_fast_path_reads_what_the_general_path_reads(monkeypatch) -> None:
    """On real bibliographies: the blocks (fields, raw values, lines, errors) are the same
    with the one-match path for plain fields and without it (the general path alone)."""
    import re

    from real_entries import real_texts

    from reflib.library import bibscan

    texts = real_texts()
    fast = [scan(text) for _, text in texts]
    plain = sum(1 for blocks in fast for block in blocks for field in block.fields
                if bibscan._PLAIN_FIELD.match(f", {field.name}={field.raw}}}"))
    assert plain > 300  # the fast path is taken on real data, not only the general one
    monkeypatch.setattr(bibscan, "_PLAIN_FIELD", re.compile(r"(?!)"))  # never matches
    for (name, text), blocks in zip(texts, fast, strict=True):
        assert scan(text) == blocks, name


def test_the_layout_fast_path_reads_what_the_general_path_reads(monkeypatch) -> None:
    """Real entries laid out as reflib writes them (format_entry: one field a line), and
    the real bibliographies as they are: the blocks are the same whether an entry in that
    layout is read in one match or by the general path alone."""
    import re

    from real_entries import real_references, real_texts

    from reflib.library import bibscan
    from reflib.library.bibtex import format_entry

    written = "".join(format_entry(ref) + "\n" for ref in real_references())
    texts = [text for _, text in real_texts()] + [written]
    taken = [layout for m in re.finditer("@", written)
             if (layout := bibscan._LAYOUT_ENTRY.match(written, m.end()))]
    assert len(taken) > 50  # (the others have `#` or braces two deep: the general path)
    # Values over several lines, whose fields' lines are counted one by one, are there too.
    assert sum(1 for layout in taken
               if layout[3].count("\n") > len(bibscan._LAYOUT_FIELD.findall(layout[3]))) > 5
    fast = [scan(text) for text in texts]
    monkeypatch.setattr(bibscan, "_LAYOUT_ENTRY", re.compile(r"(?!)"))  # never matches
    monkeypatch.setattr(bibscan, "_PLAIN_FIELD", re.compile(r"(?!)"))
    for text, blocks in zip(texts, fast, strict=True):
        assert scan(text) == blocks
