"""pandoc's citeproc as an independent oracle: no difference where reflib is wrong."""

from __future__ import annotations

import oracle_support
import pytest

PANDOC = oracle_support.pandoc_path()


@pytest.mark.skipif(PANDOC is None, reason="pandoc (pypandoc-binary, the test extra) is "
                                           "not installed")
def test_every_difference_from_pandoc_is_classified_and_none_is_ours() -> None:
    result = oracle_support.tally(PANDOC)
    assert result["compared"] >= 3 * (12 + 20)
    unclassified = [(d.set_name, d.style, d.key, d.ours, d.pandoc)
                    for d in result["unclassified"]]
    assert unclassified == []
    assert result["counts"]["ours-wrong"] == 0


def test_the_crossref_set_has_twenty_works_of_varied_types() -> None:
    refs = oracle_support.crossref_records()
    assert len(refs) >= 20
    assert len({ref.entry_type for ref in refs}) >= 5
