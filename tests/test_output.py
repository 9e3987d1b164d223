"""reflib.output: the renderings of rows for the terminal and for pipes."""

from __future__ import annotations

import json

import pytest

from reflib.output import json_pieces, to_json, to_table

COLUMNS = ("order", "key", "authors", "title")


def test_a_table_aligns_columns_shortens_names_and_cuts_to_the_width() -> None:
    rows = [[1, "lee2021learn", ["Lee, David W.", "Pritzlaff, Scott"], "Learn"],
            [None, "nass", ["NASS"], "Diagnosis and treatment of low back pain"],
            [12, "x", [], None]]
    assert to_table(COLUMNS, rows).splitlines() == [
        "order  key           authors               title",
        "1      lee2021learn  Lee, David W. et al.  Learn",
        "       nass          NASS                  Diagnosis and treatment of low back pain",
        "12     x",
    ]
    cut = to_table(COLUMNS, rows, max_width=60).splitlines()
    assert cut[2] == "       nass          NASS                  Diagnosis and tr…"
    assert max(map(len, cut)) == 60
    assert to_table(("key",), [["a"], ["bb"]]) == "key\na\nbb\n"


@pytest.mark.parametrize("size", [1, 2, 3, 5000])
def test_json_in_pieces_is_the_same_text(size: int) -> None:
    items = [{"key": f"k{i}", "authors": ["Ärger, Ö"] * (i % 3), "order": i or None,
              "nested": {"a": [1, {"b": None}]}} for i in range(7)]
    pieces = list(json_pieces(items, size))
    assert "".join(text for text, _ in pieces) == to_json(items)
    assert [n for _, n in pieces] == [len(items[i:i + size]) for i in range(0, 7, size)]
    assert json.loads("".join(text for text, _ in pieces)) == items
    assert list(json_pieces([], size)) == [("[]\n", 0)]


@pytest.mark.parametrize("items", [
    [{"key": "a\"b\\c\n\t\u2028é😀\x00", "order": None, "year": -5, "authors": [],
      "editors": ["Ärger, Ö", "\x1f"], "big": 10**20}, {}],
    [{"flag": True}],  # not a flat record of list's kinds: json's own encoder
    [{"score": 1.5, "key": "x"}],
    [{"nested": {"a": 1}}, {"key": "y"}],
    [{"names": [1, None]}],
    [["not", "a", "dict"]],
])
def test_json_of_flat_records_is_json_dumps_text(items) -> None:
    assert "".join(text for text, _ in json_pieces(items, 1)) == to_json(items)
    assert "".join(text for text, _ in json_pieces(items)) == to_json(items)
