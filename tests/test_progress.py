"""One progress bar (reflib.progress) for the long commands: on stderr when stderr is a
terminal, silent in pipes and CI, no colour. The commands run as real processes with
stderr on a pseudo-terminal (pty), as a person at a terminal would run them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fake_crossref import BUILT, FakeCrossref

from reflib import progress as progress_module

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, str(ROOT / "cli.py")]
SGR = re.compile(r"\x1b\[[0-9;]*m")  # a colour or other text attribute
pty = pytest.importorskip("pty")  # a POSIX terminal


def on_terminal(args: list[str], cwd: Path, **env: str) -> tuple[int, str, str]:
    """Run `refs ARGS` with stderr on a pseudo-terminal: (exit code, stdout, stderr)."""
    master, slave = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "REFS_PROGRESS")}
    out_path = cwd / "stdout.txt"
    with out_path.open("wb") as out:
        proc = subprocess.Popen([*CLI, *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=slave, env={**environ, **env})
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=120)
    os.close(master)
    return code, out_path.read_text(encoding="utf-8"), b"".join(chunks).decode("utf-8")


def in_a_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "REFS_PROGRESS")}
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True,
                          env=environ, timeout=120)


@pytest.fixture(scope="module")
def big_library(tmp_path_factory) -> Path:
    """250 sources: enough for the formatting bar (200 entries or more)."""
    root = tmp_path_factory.mktemp("progress")
    (root / "refs").mkdir()
    for i in range(250):
        (root / "refs" / f"src{i:03d}.bib").write_text(
            f"@article{{src{i:03d},\n  author = {{Lee, Dong Woo and Chen, Anna}},\n"
            f"  title = {{Radiofrequency ablation of the genicular nerves, trial {i}}},\n"
            f"  journal = {{Pain Physician}},\n  year = {{{2000 + i % 24}}},\n"
            f"  volume = {{{i % 30 + 1}}},\n  pages = {{{i + 1}--{i + 9}}},\n}}\n",
            encoding="utf-8")
    assert in_a_pipe(["build", "-q"], root).returncode == 0
    return root


def test_a_long_export_shows_a_bar_on_a_terminal(big_library: Path) -> None:
    code, out, err = on_terminal(["export"], big_library)
    assert code == 0 and out.count("\n") == 250
    assert "formatting" in err and "100%" in err
    assert not SGR.search(err)  # no colour for NO_COLOR to break


def test_no_bar_in_a_pipe_in_ci_or_when_turned_off(big_library: Path) -> None:
    piped = in_a_pipe(["export", "--style", "vancouver"], big_library)
    assert piped.returncode == 0 and piped.stdout.count("\n") == 250
    assert "formatting" not in piped.stderr
    for env in ({"CI": "true"}, {"REFS_PROGRESS": "0"}):
        code, out, err = on_terminal(["export", "--style", "vancouver"], big_library, **env)
        assert code == 0 and out.count("\n") == 250
        assert "formatting" not in err and "%" not in err


def test_no_colour_with_no_color(big_library: Path) -> None:
    code, _, err = on_terminal(["export", "--style", "ama", "--format", "html"], big_library,
                               NO_COLOR="1")
    assert code == 0 and "formatting" in err and not SGR.search(err)


def test_add_shows_crossref_settling_the_dois(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    (root / "refs").mkdir(parents=True)
    keys = ("lee2021learn", "janapala2021efficacy", "manchikanti2023neck",
            "sayed2022lowback", "cohen2020lumbar", "hurley2022cervical")
    with FakeCrossref() as crossref:
        dois = [crossref.add_fixture(BUILT / f"{key}.json")["DOI"]
                for key in keys]
        (tmp_path / "ids.txt").write_text("\n".join(dois) + "\n", encoding="utf-8")
        code, out, err = on_terminal(
            ["--root", str(root), "add", "--registry", "crossref", "--crossref-url",
             crossref.url, "--mailto", "t@example.org", "--from", str(tmp_path / "ids.txt")],
            tmp_path)
    assert code == 0, err
    assert len(list((root / "refs").glob("*.bib"))) == len(keys)
    assert out.count("refs/") == len(keys)
    assert "Crossref" in err and "100%" in err


def test_wanted(monkeypatch) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    for name in ("CI", "REFS_PROGRESS"):
        monkeypatch.delenv(name, raising=False)
    assert progress_module.wanted(Terminal())
    assert not progress_module.wanted(open(os.devnull, "w"))  # noqa: SIM115
    monkeypatch.setenv("CI", "1")
    assert not progress_module.wanted(Terminal())
    monkeypatch.setenv("REFS_PROGRESS", "1")
    assert progress_module.wanted(open(os.devnull, "w"))  # noqa: SIM115
    monkeypatch.setenv("REFS_PROGRESS", "0")
    assert not progress_module.wanted(Terminal())
