"""Changeset: several files changed together, or (on a failure) none."""

from __future__ import annotations

import pytest

from reflib.library.changes import Changeset


def test_a_failing_step_undoes_the_steps_before_it(tmp_path):
    kept = tmp_path / "kept.txt"
    kept.write_text("old\n")
    (tmp_path / "source").write_text("moved?\n")
    changes = Changeset()
    changes.create(tmp_path / "new.txt", "new\n")
    changes.move(tmp_path / "source", tmp_path / "target")
    changes.write(kept, "changed\n")
    changes.delete(tmp_path / "missing")  # the last step fails
    with pytest.raises(FileNotFoundError):
        changes.apply()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt", "source"]
    assert kept.read_text() == "old\n"


def test_all_steps_made(tmp_path):
    (tmp_path / "a").write_text("a\n")
    (tmp_path / "b").write_text("b\n")
    changes = Changeset()
    changes.create(tmp_path / "c", "c\n")
    changes.move(tmp_path / "a", tmp_path / "a2")
    changes.write(tmp_path / "b", "B\n")
    changes.apply()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a2", "b", "c"]
    assert (tmp_path / "b").read_text() == "B\n"
    with pytest.raises(FileExistsError):
        Changeset(creates=[(tmp_path / "c", "again\n")]).apply()
    assert (tmp_path / "c").read_text() == "c\n"
