"""The layering rules (import-linter contracts in pyproject.toml) and ruff both hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / args[0]), *args[1:]],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_contracts_hold() -> None:
    r = _run("lint-imports", "--no-cache")
    assert r.returncode == 0, f"lint-imports failed:\n{r.stdout}{r.stderr}"


def test_ruff_is_clean() -> None:
    r = _run("ruff", "check", "--no-cache", ".")
    assert r.returncode == 0, f"ruff check failed:\n{r.stdout}{r.stderr}"


def _graph():  # type: ignore[no-untyped-def]
    import grimp

    return grimp.build_graph(*PACKAGES, cache_dir=None)


PACKAGES = ("bot", "handlers", "domain", "storage")

#: Imports let through while a reshaping is under way: none now; keep it empty.
PENDING: frozenset[tuple[str, str]] = frozenset()


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(imports[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles() -> None:
    """Each module can be understood from what it imports, never from what imports it.

    Every import counts, also those inside functions (a late import only hides a cycle).
    """
    graph = _graph()
    imports = {
        module: {
            imported
            for imported in graph.find_modules_directly_imported_by(module)
            if (module, imported) not in PENDING
        }
        for module in graph.modules
    }
    assert _cycles(imports) == []


def test_only_the_registry_imports_the_command_modules() -> None:
    """A command module is an entry point, never a library: what two commands share
    lives in its own module (handlers/bond_views.py, handlers/members.py…)."""
    graph = _graph()
    commands = graph.find_children("handlers.commands")
    importers = {
        (importer, module)
        for module in commands
        for importer in graph.find_modules_that_directly_import(module)
        if importer != "handlers.commands"
    }
    assert importers - PENDING == set()
