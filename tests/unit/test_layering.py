"""The README's "where things live": claims about the code's shape, checked on the tree."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "eventlake"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_mlflow_is_imported_by_io_registry_only() -> None:
    importers = sorted(
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if any(m == "mlflow" or m.startswith("mlflow.") for m in _imports(p))
    )
    assert importers == ["io/registry.py"]


def test_no_pipeline_module_imports_the_tools() -> None:
    """The pipeline (everything outside src/eventlake/tools/, but the CLI that dispatches to
    both) never imports the tooling: generator, bench, release, deploy, local harness."""
    importers = sorted(
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.relative_to(SRC).parts[0] != "tools"
        and any(m == "eventlake.tools" or m.startswith("eventlake.tools.") for m in _imports(p))
    )
    assert importers == []
