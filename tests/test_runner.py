"""``minga run``: APScheduler ticks, the database decides, a killed worker resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness import ConsoleChat
from pauses import pause_clearing
from sqlalchemy import text

from storage.uow import Database

MINGA = Path(sys.executable).parent / "minga"
PAST = """
:now 2025-01-05T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /join Tierra
ben@group: /join
ana@group: /propose Tractor 100 30 2025-01-31
ana@group: /pledge 1 100
"""


def periods(url: str) -> list[str]:
    database = Database(url)
    with database.engine.connect() as connection:
        found = [p for (p,) in connection.execute(text("SELECT period FROM clearing"))]
    database.dispose()
    return sorted(found)


def start(url: str, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(MINGA), "run", "--db", url, "--tick", "0.2", "--scheduler-only"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )


def wait_for(condition, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_run_clears_missed_periods_and_survives_a_kill(sqlite_url: str, tmp_path: Path) -> None:
    chat = ConsoleChat(sqlite_url)
    chat.script(PAST)
    chat.close()
    marker = tmp_path / "paused"
    worker = start(sqlite_url, **pause_clearing("2025-06", marker))
    wait_for(marker.exists)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    done = periods(sqlite_url)
    assert done[0] == "2025-01" and done[-1] == "2025-05"  # June died with the worker

    worker = start(sqlite_url)
    wait_for(lambda: "2026-01" in periods(sqlite_url))
    time.sleep(0.5)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(20) == 0, worker.stderr.read() if worker.stderr else ""
    done = periods(sqlite_url)
    assert len(done) == len(set(done))
    assert done[:7] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]
