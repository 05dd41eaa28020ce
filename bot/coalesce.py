"""Coalescing a group's waiting messages into one delivery, for every chat adapter.

A burst of pledges queues one announcement each; a platform that caps messages
per group (Telegram: 20 a minute) would take many minutes to post them one by
one, and every later message to that group would wait behind them. So when
several outbox rows to the same group are waiting, an adapter delivers them as
one message: their rendered texts joined by a blank line, cut into as few
messages as the platform's length limit allows, each cut between whole rows.

Only group rows merge. A private message is always delivered on its own (it must
never be read in a group, and its recipient may not be reachable yet), and so is
any row the adapter says must stand alone (one that carries buttons, or becomes
a message the bot edits later).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from storage.repositories.messaging import PendingMessage

SEPARATOR = "\n\n"  # between two merged messages: a blank line


def runs(
    rows: Sequence[PendingMessage], alone: Callable[[PendingMessage], bool] = lambda _: False
) -> list[list[PendingMessage]]:
    """What may go to each chat now, in the order of each chat's oldest waiting row.

    A chat's run starts with its oldest row. A private row, or one that must go
    ``alone``, is a run by itself; otherwise the run takes that group's later rows
    up to (not including) the next one that must go alone, so order is kept.
    """
    found: dict[tuple[str, bool], list[PendingMessage]] = {}
    closed: set[tuple[str, bool]] = set()
    for row in rows:
        chat = (row.address, row.is_private)
        run = found.get(chat)
        if run is None:
            found[chat] = [row]
            if row.is_private or alone(row):
                closed.add(chat)
            continue
        if chat in closed:
            continue
        if alone(row):
            closed.add(chat)  # it waits for the run before it
            continue
        run.append(row)
    return list(found.values())


def pack(
    texts: Sequence[str], limit: int, length: Callable[[str], int] = len
) -> list[tuple[int, int]]:
    """Cut consecutive texts into messages of at most ``limit``: (start, stop) index
    ranges. A text longer than ``limit`` is a message by itself (the adapter then
    splits it as it splits any long message); no message is empty."""
    messages: list[tuple[int, int]] = []
    start, size = 0, 0
    gap = length(SEPARATOR)
    for index, text in enumerate(texts):
        width = length(text)
        if index > start and size + gap + width > limit:
            messages.append((start, index))
            start, size = index, width
        else:
            size = width if index == start else size + gap + width
    if texts:
        messages.append((start, len(texts)))
    return messages


def joined(texts: Sequence[str]) -> str:
    return SEPARATOR.join(texts)
