"""Motions that act: rent, end lease, role and policy, decided by an assembly."""

from __future__ import annotations

import pytest
from harness import ConsoleChat

LEASED = """
:now 2026-12-01T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /join Tierra
ben@group: /join Tierra
cai@group: /join Tierra
ben@group: /propose Tractor 1000 300 2026-12-31
ana@group: /pledge 1 600
ben@group: /pledge 1 400
:now 2026-12-03T09:00:00Z
ana@group: /assembly new "December assembly" 2026-12-10T18:00 2026-12-10T20:00
"""


@pytest.fixture
def leased(rules_chat: ConsoleChat) -> ConsoleChat:
    rules_chat.script(LEASED)
    return rules_chat


def test_smoke(leased: ConsoleChat) -> None:
    for line in [
        "ana@group: /motion 1 rent 1 350",
        'ana@group: /motion 1 end lease 1 "The cooperative closes" two-thirds',
        "ana@group: /motion 1 role ben treasurer",
        "ana@group: /motion 1 policy approval assembly",
        "ana@group: /motion 1 role ben treasurer majority",
        "ana@group: /motion 1 rent 1",
        "ana@group: /motion 1 rent 7 100",
        "ana@group: /assembly 1",
        ":now 2026-12-10T17:00:00Z",
        "ana@group: /vote 1 yes",
        "ben@group: /vote 1 yes",
        "ana@group: /vote 3 yes",
        "ben@group: /vote 3 yes",
        "cai@group: /vote 3 yes",
        "ana@group: /vote 4 yes",
        "ben@group: /vote 4 yes",
        "cai@group: /vote 4 yes",
        ":now 2026-12-10T19:00:00Z",
        "ben@group: /bond 1",
    ]:
        print(">>", line)
        for out in leased.say(line):
            print(out)
    assert 0
