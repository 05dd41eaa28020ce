"""TEST ONLY: hold a real ``minga`` process still where a test will SIGKILL it.

A test plugin (bot/bootstrap.py, ``MINGA_TEST_PLUGINS=pauses:register``) that
fills the seams of bot/hooks.py from two test settings:

- ``MINGA_TEST_PAUSE_CLEARING=<period>:<file>``: just before committing the
  clearing of <period>, ``minga console`` or ``minga run`` writes <file> and
  sleeps, so a test can kill it mid-clearing and check that a restart clears once,
  exactly as an uninterrupted run would (test_runner.py, test_reliability.py,
  test_multiprocess.py, test_trust_console.py).
- ``MINGA_TEST_PAUSE_CLOSING=<assembly number>:<file>``: just before committing an
  assembly's close (its results and the actions its motions carried), the process
  writes <file> and sleeps, so a test can check that a restart carries each action
  out exactly once (test_action_motion_reliability.py, test_bond_approval.py).
- ``MINGA_TEST_PAUSE_UPDATES=<file>``: right after the Telegram adapter commits
  its first updates to the inbox (before any is handled), the process writes
  <file> and sleeps, so a test can check that a restart handles each update
  exactly once (test_telegram_reliability.py).

``pause_clearing``, ``pause_closing`` and ``pause_updates`` give a test the environment for each;
``console`` starts ``minga console`` on a script, and ``killed_when_paused`` kills it once
it has paused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from domain.due import AssemblyClosing, DueWork, PeriodClearing
from domain.periods import Period

if TYPE_CHECKING:
    from bot.bootstrap import Plugins

HERE = Path(__file__).resolve().parent
MINGA = Path(sys.executable).parent / "minga"


def plugins(*names: str) -> dict[str, str]:
    """The environment that loads these test plugins (``<module>:<function>``) from tests/."""
    path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, "MINGA_TEST_PLUGINS": ",".join(names)}


def pause_clearing(period: str, marker: Path) -> dict[str, str]:
    return {**plugins("pauses:register"), "MINGA_TEST_PAUSE_CLEARING": f"{period}:{marker}"}


def pause_closing(assembly: int, marker: Path) -> dict[str, str]:
    return {**plugins("pauses:register"), "MINGA_TEST_PAUSE_CLOSING": f"{assembly}:{marker}"}


def pause_updates(marker: Path) -> dict[str, str]:
    return {**plugins("pauses:register"), "MINGA_TEST_PAUSE_UPDATES": str(marker)}


def console(url: str, script: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A real ``minga console`` process playing ``script`` on the database at ``url``."""
    return subprocess.Popen(
        [str(MINGA), "console", "--db", url, "--script", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def killed_when_paused(victim: subprocess.Popen[str], marker: Path, what: str) -> str:
    """Wait until ``victim`` writes ``marker`` (it paused where a ``pause_*`` setting
    told it to), SIGKILL it there and return what it printed before."""
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert victim.poll() is None, victim.communicate()
        assert time.monotonic() < deadline, f"{what} never started"
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    printed, _ = victim.communicate(timeout=30)
    return printed


def _hang(marker: Path, text: str) -> None:
    marker.write_text(text)
    time.sleep(3600)


def register(found: Plugins) -> None:
    clearing = found.settings.get("test_pause_clearing")
    if clearing:
        period_text, _, marker = clearing.partition(":")
        period = Period.parse(period_text)

        def before_commit(item: DueWork) -> None:
            if isinstance(item, PeriodClearing) and item.period == period:
                _hang(Path(marker), str(item.period))

        found.before_commit(before_commit)
    closing = found.settings.get("test_pause_closing")
    if closing:
        number_text, _, closing_marker = closing.partition(":")

        def before_closing(item: DueWork) -> None:
            if isinstance(item, AssemblyClosing) and item.number == int(number_text):
                _hang(Path(closing_marker), f"assembly {item.number}")

        found.before_commit(before_closing)
    updates = found.settings.get("test_pause_updates")
    if updates:
        found.after_receive(lambda: _hang(Path(updates), "received"))
