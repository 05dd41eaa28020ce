"""TEST ONLY: hold a real ``minga`` process still in the middle of a clearing.

``MINGA_TEST_PAUSE_CLEARING=<period>:<file>``: just before committing the clearing
of <period> the process writes <file> and sleeps, so a test can SIGKILL it
mid-clearing and check that a restart clears once, exactly as an uninterrupted run
would (tests/test_runner.py, test_reliability.py, test_multiprocess.py,
test_trust_console.py). Both ``minga console`` and ``minga run`` pass it to
``handlers.jobs.run_due`` as ``before_commit``. Never set it in a deployment.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from domain.due import DueWork, PeriodClearing
from domain.periods import Period


def pause_before_clearing() -> Callable[[DueWork], None] | None:
    """The ``before_commit`` hook the environment asks for, or None (always, in production)."""
    setting = os.environ.get("MINGA_TEST_PAUSE_CLEARING")
    if not setting:
        return None
    period_text, _, marker = setting.partition(":")
    period = Period.parse(period_text)

    def pause(item: DueWork) -> None:
        if isinstance(item, PeriodClearing) and item.period == period:
            Path(marker).write_text(str(item.period))
            time.sleep(3600)

    return pause
