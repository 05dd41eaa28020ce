"""``minga demo``: the worked example, then the person's own turn in the same commune."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MINGA = Path(sys.executable).parent / "minga"


def test_the_demo_runs_the_worked_example_then_takes_input(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(MINGA), "demo", "--db", f"sqlite:///{tmp_path}/demo.sqlite"],
        input="ben@group: /bonds\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = result.stdout.splitlines()
    assert "> ana@group: /setup Terra EUR Europe/Madrid" in out
    assert "[group] 📒 Clearing for January 2027 — Terra" in out
    assert "[group] Dividend: €83.33 each to 4 members · carried to May 2027: €0.00" in out
    turn = out.index("# Your turn: the same commune, with its clock where the demo left it.")
    assert out[turn + 2] == (
        "[group] No bond issues are open. A member of a cooperative floats one with /propose."
    )
    assert result.stderr == ""
