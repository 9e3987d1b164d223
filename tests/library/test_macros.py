"""@string macros: shared across files, resolved once each, bounded in depth and size."""

from __future__ import annotations

import time

import pytest

from reflib.library.macros import MAX_CHARS, MacroError, MacroTable


def table(*definitions: tuple[str, str]) -> MacroTable:
    macros = MacroTable()
    for line, (name, raw) in enumerate(definitions, start=1):
        macros.define(name, raw, "defs.bib", line)
    return macros


def test_resolves_order_free_and_keeps_months_and_unknown_names() -> None:
    macros = table(("jgg", '"J. " # name # " Gen."'), ("NAME", "{Gut}"))
    assert macros.resolve("jgg") == "{J. Gut Gen.}"
    assert macros.resolve('jgg # " 5"') == "{J. Gut Gen. 5}"
    assert macros.resolve("jan") == "jan"
    assert macros.resolve("jgg # undefined") == "{J. Gut Gen.} # undefined"
    assert table(("jun93", 'jun # " 1993"')).resolve("jun93") == "{June 1993}"


def test_a_redefinition_is_reported_and_wins() -> None:
    macros = MacroTable()
    assert macros.define("a", "{1}", "one.bib", 1) is None
    notice = macros.define("A", "{2}", "two.bib", 9)
    assert "redefines the one at one.bib:1" in str(notice)
    assert macros.resolve("a") == "{2}"


def test_an_expansion_bomb_stops_fast_naming_the_macro_and_line() -> None:
    # Ten levels, each ten copies of the one before: 10**10 characters if expanded.
    defs = [("m0", '"xxxxxxxxxx"')]
    for level in range(1, 11):
        defs.append((f"m{level}", " # ".join([f"m{level - 1}"] * 10)))
    macros = table(*defs)
    started = time.monotonic()
    with pytest.raises(MacroError) as caught:
        macros.resolve("m10")
    assert time.monotonic() - started < 1
    assert caught.value.name == "m5" and caught.value.line == 6
    assert f"over {MAX_CHARS:,} characters" in str(caught.value)
    assert "defs.bib:6" in str(caught.value)


def test_loops_and_depth_are_errors() -> None:
    with pytest.raises(MacroError, match=r"'a' \(defs.bib:1\) refers to itself \(a -> b -> a\)"):
        table(("a", "b"), ("b", "a")).resolve("a")
    chain = [(f"d{i}", f"d{i + 1}") for i in range(40)] + [("d40", "{end}")]
    with pytest.raises(MacroError, match="nests macros more than 20 deep"):
        table(*chain).resolve("d0")
