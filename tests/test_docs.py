"""The README documents every command and the exit codes; --help is fast to start."""

from __future__ import annotations

import re
import subprocess
import sys

from click.testing import CliRunner
from conftest import ROOT

from cli import cli


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    headings = re.findall(r"^##.*$", readme, re.M)
    missing = [name for name in cli.commands
               if not any(re.search(rf"\brefs {name}\b", h) for h in headings)]
    assert missing == [], "commands without a README section"


def test_readme_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```sh") + 1: lines.index("```sh") + 3]
    assert "refs build" in block[0] and "refs list" in block[0]
    assert "scripts/test.sh" in block[1]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_help_documents_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for code in ("0  success", "1  invalid data", "2  usage error", "3  some checks"):
        assert code in result.output


def test_help_does_not_import_heavy_modules() -> None:
    code = ("import sys, cli; cli.cli.main(['--help'], standalone_mode=False); "
            "heavy = {'habanero', 'sqlite_utils', 'citeproc', 'bibtexparser', 'httpx'}; "
            "print(sorted(heavy & set(m.split('.')[0] for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
