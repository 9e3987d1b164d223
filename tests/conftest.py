"""Shared fixtures: a copy of the real library in a temporary folder, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True, scope="session")
def _cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Caches kept in the user's folder (pyiso4's journal abbreviations) go to a temporary
    folder during the tests, never to the home of whoever runs them."""
    os.environ["REFS_CACHE_DIR"] = str(tmp_path_factory.mktemp("user-cache"))


@pytest.fixture(autouse=True)
def _crossref_only_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands ask both registries by default; a test that serves only a fake Crossref
    must not reach for the real PubMed. PubMed's tests pass --registry or set it back."""
    monkeypatch.setenv("REFS_REGISTRIES", "crossref")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A fresh copy of the repository's refs/ (the twelve sources), not yet built."""
    shutil.copytree(ROOT / "refs", tmp_path / "refs",
                    ignore=shutil.ignore_patterns("*.crossref.json", "*.pubmed.json"))
    return tmp_path


@pytest.fixture
def run(library: Path):
    """Run `refs ARGS...` on the `library` fixture; returns click's Result."""
    from cli import cli

    def invoke(*args: str, input: str | None = None, root: Path | None = None):
        return CliRunner().invoke(cli, ["--root", str(root or library), *args], input=input,
                                  catch_exceptions=False)

    return invoke


def write_source(root: Path, key: str, text: str) -> Path:
    path = root / "refs" / f"{key}.bib"
    path.write_text(text, encoding="utf-8")
    return path


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
