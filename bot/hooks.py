"""The seams where a test may hold a real ``minga`` process still.

A deployment leaves every hook None. Tests fill them only through a test plugin
that the composition root loads (bot/bootstrap.py, ``MINGA_TEST_PLUGINS``); the
pauses themselves live in tests/pauses.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.due import DueWork

#: Called with each item of due work just before its transaction commits.
BeforeCommit = Callable[[DueWork], None]
#: Called by a chat adapter right after it committed received updates to the inbox,
#: before any of them is handled.
AfterReceive = Callable[[], None]


@dataclass(frozen=True)
class Hooks:
    before_commit: BeforeCommit | None = None
    after_receive: AfterReceive | None = None


#: A deployment's hooks: none.
NO_HOOKS = Hooks()
