"""``pip install .`` without the dev extras gives a working ``minga`` (README's production install).

The project is copied as the Dockerfile copies it (pyproject.toml, README.md, LICENSE
and the five packages), installed into a fresh virtual environment, and run from
outside the checkout: ``minga --version`` and the demo, which needs the templates,
the translations, the migrations and the demo script to have been installed with it.
pip's own cache is used, and nothing is byte-compiled ahead (``--no-compile``): about
50 seconds here, most of it pip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
#: What the Dockerfile copies into its build stage: all `pip install .` may need.
SHIPPED_FILES = ("pyproject.toml", "README.md", "LICENSE")
PACKAGES = ("bot", "domain", "handlers", "storage", "templates")
#: Run by the installed Python: where the migrations are, and a message in Spanish.
WHERE = """
from storage.migrate import MIGRATIONS
from handlers.rendering import render
print(MIGRATIONS, render("button_expired", "es", {}).split()[1])
"""


def copy_project(target: Path) -> Path:
    target.mkdir()
    for name in SHIPPED_FILES:
        shutil.copy2(REPO / name, target / name)
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, target / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target


@pytest.mark.slow
def test_pip_install_without_dev_extras_gives_a_working_minga(tmp_path: Path) -> None:
    source = copy_project(tmp_path / "minga-src")
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env = {k: v for k, v in env.items() if not k.startswith("MINGA_")}
    env["MINGA_CONFIG"] = str(tmp_path / "absent.toml")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--no-compile", str(source)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    minga = venv / "bin/minga"
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    shown = subprocess.run(
        [str(minga), "--version"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert shown.stdout.strip() == f"minga {version}", shown.stderr
    demo = subprocess.run(
        [str(minga), "demo", "--db", f"sqlite:///{tmp_path}/demo.sqlite"],
        input="ben@group: /bonds\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert demo.returncode == 0 and demo.stderr == "", demo.stderr
    out = demo.stdout.splitlines()
    assert "[group] Dividend: €83.33 each to 4 members · carried to May 2027: €0.00" in out
    # Not the checkout's modules: the installed ones, with their data files.
    where = subprocess.run(
        [str(venv / "bin/python"), "-c", WHERE],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    migrations, spanish = where.stdout.split()
    assert migrations.startswith(str(venv)), where.stderr
    assert spanish == "Este", where.stderr  # "⌛ Este botón ya no sirve; …"
    dev_only = subprocess.run(
        [str(venv / "bin/python"), "-c", "import pytest"], env=env, capture_output=True
    )
    assert dev_only.returncode != 0  # the dev extras stayed out
