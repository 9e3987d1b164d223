"""The cache of pyiso4's answers (reflib.formats.journals): a later process reads the
journal abbreviations back from the file instead of loading the LTWA again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reflib.formats import journals


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new cache folder and this process's caches emptied (as in a new process)."""
    monkeypatch.setenv("REFS_CACHE_DIR", str(tmp_path))

    def forget() -> None:
        journals._known.cache_clear()
        journals._abbreviator.cache_clear()
        journals.iso4_abbreviation.cache_clear()
        journals._LEARNED.clear()

    forget()
    yield tmp_path
    forget()


def new_process() -> None:
    journals._known.cache_clear()
    journals._abbreviator.cache_clear()
    journals.iso4_abbreviation.cache_clear()


def test_a_second_process_reads_the_answer_without_loading_the_ltwa(fresh: Path) -> None:
    assert journals.iso4_abbreviation("Journal of Pain Research") == "J Pain Res"
    assert journals._abbreviator.cache_info().currsize == 1  # the LTWA was loaded
    journals.save_learned()
    saved = json.loads(journals.cache_file().read_text(encoding="utf-8"))
    assert saved == {"Journal of Pain Research": "J. Pain Res."}
    assert journals.cache_file().parent == fresh
    new_process()
    assert journals.iso4_abbreviation("Journal of Pain Research") == "J Pain Res"
    assert journals.iso4_abbreviation("Journal of Pain Research", periods=True) == "J. Pain Res."
    assert journals._abbreviator.cache_info().currsize == 0  # answered from the file


def test_answers_are_the_same_with_and_without_the_file(fresh: Path) -> None:
    titles = ["Regional Anesthesia & Pain Medicine", "The Spine Journal", "Pain",
              "Zeitschrift für Rheumatologie", "J. Foo Bar"]
    first = [journals.iso4_abbreviation(t, p) for t in titles for p in (False, True)]
    journals.save_learned()
    new_process()
    assert [journals.iso4_abbreviation(t, p) for t in titles for p in (False, True)] == first
    assert journals._abbreviator.cache_info().currsize == 0


def test_saves_merge_with_what_another_process_saved(fresh: Path) -> None:
    journals.iso4_abbreviation("Pain Medicine")
    journals.save_learned()
    new_process()
    journals._LEARNED["The Spine Journal"] = "Spine J."  # what a second process made
    journals.save_learned()
    saved = json.loads(journals.cache_file().read_text(encoding="utf-8"))
    assert saved == {"Pain Medicine": "Pain Med.", "The Spine Journal": "Spine J."}


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"Pain Medicine": 3}'])
def test_a_corrupt_file_is_ignored_and_replaced(fresh: Path, content: str) -> None:
    journals.cache_file().write_text(content, encoding="utf-8")
    assert journals.iso4_abbreviation("Pain Medicine") == "Pain Med"
    journals.save_learned()
    saved = json.loads(journals.cache_file().read_text(encoding="utf-8"))
    assert saved["Pain Medicine"] == "Pain Med."


def test_an_unwritable_cache_folder_is_no_error(fresh: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = fresh / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("REFS_CACHE_DIR", str(blocker / "sub"))
    assert journals.iso4_abbreviation("Pain Medicine") == "Pain Med"
    journals.save_learned()  # cannot create the folder under a file: nothing raised
    assert journals._LEARNED == {"Pain Medicine": "Pain Med."}
