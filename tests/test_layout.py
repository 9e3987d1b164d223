"""The house's shape: each package imports only the ground floor and the stages before it,
no module imports itself round a circle, and `import reflib` costs no third-party import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reflib"

# The data flow, in order. A module may import from its own stage, the ground floor and
# any earlier stage; never from a later one.
STAGES = ("library", "formats", "registries", "enrich", "cite", "checks", "report", "serve")
GROUND = ("errors", "fsutil", "gcpause", "output", "progress", "crash", "__init__")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def stage_of(module: str) -> int:
    """-1 for the ground floor, else the index of the module's stage."""
    part = module.split(".")[1] if "." in module else "__init__"
    return -1 if part in GROUND else STAGES.index(part)


def imports_of(path: Path) -> set[str]:
    """Every reflib module `path` imports, at module level or inside a function."""
    found: set[str] = set()
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" \
        else module_name(path)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if not base.startswith("reflib"):
                continue
            for alias in node.names:  # `from reflib.x import y` may name a module y
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _is_module(candidate) else base)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("reflib")}
    return {m for m in found if _is_module(m)} - {module_name(path)}


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def test_every_module_belongs_to_a_stage() -> None:
    for module in graph():
        assert module == "reflib" or stage_of(module) >= -1, module


def test_no_package_imports_a_later_stage() -> None:
    backwards = [f"{module} imports {target}"
                 for module, targets in graph().items() for target in targets
                 if stage_of(target) > stage_of(module)]
    assert backwards == []


def test_no_circular_imports() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, set())):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_import_reflib_needs_no_third_party_package() -> None:
    code = ("import sys, reflib; "
            "print(sorted(m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
            "{'click','bibtexparser','habanero','httpx2','sqlite_utils','citeproc'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
