"""`refs cite` on hostile manuscripts (issue 15 item 7): every pattern is linear, so a
line of 20,000 backticks or `[` and 50,000 `@` takes milliseconds, not minutes."""

from __future__ import annotations

import time

import pytest

from reflib.cite.manuscript import code_spans, number_citations

HOSTILE = {
    "backticks": "see [@lee2021learn] " + "`" * 20_000,
    "at-signs": "see [@lee2021learn] [" + "@" * 50_000,
    "at-signs closed": "see [@lee2021learn] [" + "@" * 50_000 + "]",
    "open brackets": "see [@lee2021learn] " + "[" * 50_000 + "@x",
    "odd backtick runs": "see [@lee2021learn] " + "`a``b" * 10_000,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_lines_take_milliseconds(name: str) -> None:
    line = HOSTILE[name]
    started = time.monotonic()
    cited = number_citations(line * 3, {"lee2021learn"})
    assert time.monotonic() - started < 2.0, name
    assert cited.order == ["lee2021learn"]
    assert cited.text.startswith("see [1] ")


def test_code_spans_pair_runs_of_equal_length() -> None:
    assert code_spans("a `b` ``c`d`` ``` e") == [(2, 5), (6, 13)]
    assert code_spans("`" * 20_000) == []  # one run, no partner: text
    line = "``x`` [@a] `y`"
    assert code_spans(line) == [(0, 5), (11, 14)]


def test_citations_inside_code_are_left_alone() -> None:
    cited = number_citations("`[@lee2021learn]` and [@lee2021learn]", {"lee2021learn"})
    assert cited.text == "`[@lee2021learn]` and [1]"
