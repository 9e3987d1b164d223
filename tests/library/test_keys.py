from __future__ import annotations

from reflib.library.keys import ascii_fold, base_key, make_key
from reflib.library.model import is_safe_key


def test_rule_is_family_year_first_significant_word():
    fields = {"author": "{van Zundert}, Jan and Lee, A.", "year": "2021",
              "title": "{The} Analgesic effect of {X}"}
    assert make_key(fields, set()) == "vanzundert2021analgesic"


def test_latex_accents_and_unicode_fold_to_ascii():
    fields = {"author": 'M{\\"u}ller, Hans', "year": "{2021}", "title": "{Über} die Wirkung"}
    assert make_key(fields, set()) == "muller2021uber"
    assert ascii_fold("Łódź Ærø Straße") == "lodz aero strasse"


def test_clash_takes_suffixes_ignoring_case():
    fields = {"author": "Lee, Ann", "year": "2020", "title": "Pain"}
    assert make_key(fields, {"LEE2020PAIN"}) == "lee2020paina"
    assert make_key(fields, {"lee2020pain", "lee2020paina"}) == "lee2020painb"
    taken = {"lee2020pain"} | {"lee2020pain" + c for c in "abcdefghijklmnopqrstuvwxyz"}
    assert make_key(fields, taken) == "lee2020painaa"


def test_organisation_editor_date_and_missing_parts():
    assert base_key({"author": "{{World Health Organization}}", "date": "2019-02-01",
                     "title": "On guidelines"}) == "world2019guidelines"
    assert base_key({"editor": "Smith, J.", "title": "The"}) == "smiththe"
    assert make_key({}, {"anon"}) == "anona"


def test_keys_are_always_safe_file_names():
    hostile = [{"author": "../../etc, x", "title": "../passwd", "year": "1/2/3"},
               {"author": "{\\relax}", "title": "$\\alpha$"},
               {"author": "李, 小龙", "title": "研究"}]
    for fields in hostile:
        key = make_key(fields, set())
        assert is_safe_key(key), key
        assert key == key.lower() and key.isascii()


def test_former_keys_are_read_and_written_as_typed() -> None:
    from reflib.library.keys import id_aliases, ids_value

    fields = {"ids": "{smith--2020, x~y, Caf{\\'e}, , lee\\_2021 }"}
    aliases = id_aliases(fields)
    assert aliases == ("smith--2020", "x~y", "Caf{\\'e}", "lee\\_2021")  # no LaTeX read
    assert id_aliases({"ids": ids_value(aliases)}) == aliases
    assert id_aliases({"title": "T"}) == ()
