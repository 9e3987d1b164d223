"""The people at the head of a printed reference (reflib/formats/reference_names.py)."""

from __future__ import annotations

import pytest

from reflib.formats.reference_names import read_people


@pytest.mark.parametrize("line, names, year", [
    ("Lee DW, Jung MJ, et al. Title. J Pain Res. 2021;14:1-2.", [("Lee", "DW"), ("Jung", "MJ")],
     None),
    ("van Zundert J, Lee DW. Title. Pain. 2020;1:2.", [("van Zundert", "J"), ("Lee", "DW")],
     None),
    ("Lee, D. W., & Jung, M. (2021). Title. Journal, 14(3), 1-2.",
     [("Lee", "DW"), ("Jung", "M")], 2021),
    # Chicago puts a particle after the given name when the family name leads
    ("Pluijm, Ingrid van der, Giannis A. Garinis, and Renata M. C. Brandt. 2006. “Impaired "
     "Genome Maintenance.” PLoS Biology 5 (1): e2.",
     [("van der Pluijm", "I"), ("Garinis", "GA"), ("Brandt", "RMC")], 2006),
    ("Zundert, Jan van. 2006. “A title.” Pain 5: 2.", [("van Zundert", "J")], 2006),
    ("Lee, David W., and Michael Jung. 2021. “Title.” Journal 14: 1-2.",
     [("Lee", "DW"), ("Jung", "M")], 2021),
])
def test_name_lists_in_each_style(line: str, names: list, year: int | None) -> None:
    people, rest = read_people(line)
    assert people.names == names and people.year == year
    assert rest and not rest.startswith(("Lee", "Pluijm", "Zundert", "van"))


def test_editors_and_et_al() -> None:
    people, _ = read_people("Benson HT, et al., eds. Radiofrequency treatment. In: Book.")
    assert people.names == [("Benson", "HT")] and people.et_al and people.editors == "eds"


def test_a_line_that_starts_with_no_names() -> None:
    people, rest = read_people("Diagnosis and treatment of low back pain (2020). NASS.")
    assert people.names == [] and rest.startswith("Diagnosis")
