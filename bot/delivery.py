"""Delivering the outbox: render each pending message for its platform and hand it over."""

from __future__ import annotations

from collections.abc import Callable

from handlers.rendering import render
from storage.repositories.messaging import PendingMessage
from storage.uow import Database

Send = Callable[[PendingMessage, str], None]

BATCH = 1000  # messages rendered, sent and marked delivered per transaction


def deliver_pending(
    database: Database,
    platform: str,
    send: Send,
    html: bool = False,
    now_factory: Callable[[], object] | None = None,
) -> int:
    """Send everything pending for ``platform`` in outbox order; returns how many.

    Everything, not one batch: a clearing queues a statement per member, and the
    console must print all of them (and the replies queued after them) before it
    reads the next line. A batch at a time, each marked delivered as it commits,
    so a federation's statements never sit in memory together and a crash repeats
    at most the batch it was in.
    """
    from bot.clock import real_now

    now = (now_factory or real_now)()
    sent = 0
    while True:
        with database.unit_of_work() as uow:
            pending = uow.outbox.pending(platform, BATCH)
            for message in pending:
                send(message, render(message.template, message.locale, message.context, html=html))
            uow.outbox.mark_delivered([m.id for m in pending], now)
            uow.commit()
        sent += len(pending)
        if len(pending) < BATCH:
            return sent
