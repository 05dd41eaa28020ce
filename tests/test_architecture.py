"""The layering rules (import-linter contracts in pyproject.toml) and ruff both hold."""

from __future__ import annotations

import ast
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


MODULE_LINES, CLASS_LINES = 500, 300


def _oversized(root: Path = REPO) -> list[str]:
    """Modules over MODULE_LINES and classes over CLASS_LINES lines (migrations aside):
    past that a module or class does more than one job, and a newcomer gets lost in it."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            where = path.relative_to(root)
            if where.parts[:3] == ("storage", "migrations", "versions"):
                continue
            text = path.read_text()
            if (lines := len(text.splitlines())) > MODULE_LINES:
                found.append(f"{where}: {lines} lines")
            for node in ast.walk(ast.parse(text, str(path))):
                if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                    span = node.end_lineno - min(
                        [node.lineno, *(d.lineno for d in node.decorator_list)]
                    )
                    if span + 1 > CLASS_LINES:
                        found.append(f"{where}: class {node.name}: {span + 1} lines")
    return found


def test_modules_and_classes_stay_small() -> None:
    assert _oversized() == []


def test_the_size_check_sees_what_is_too_big(tmp_path: Path) -> None:
    """The check must see a difference, or the test above proves nothing."""
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    (tmp_path / "domain" / "long.py").write_text("x = 1\n" * (MODULE_LINES + 1))
    body = "".join(f"    a{i} = {i}\n" for i in range(CLASS_LINES - 2))
    (tmp_path / "bot" / "fits.py").write_text(f"@dataclass\nclass Fits:\n{body}")
    (tmp_path / "bot" / "big.py").write_text(f"@dataclass\nclass Big:\n{body}    more = 0\n")
    versions = tmp_path / "storage" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_long.py").write_text("x = 1\n" * (MODULE_LINES + 1))
    assert _oversized(tmp_path) == [
        f"bot/big.py: class Big: {CLASS_LINES + 1} lines",
        f"domain/long.py: {MODULE_LINES + 1} lines",
    ]
