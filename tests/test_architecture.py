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
