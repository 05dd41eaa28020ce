"""Delivering the outbox: render each pending message for its platform and hand it over."""

from __future__ import annotations

from collections.abc import Callable

from handlers.rendering import render
from storage.repositories.messaging import PendingMessage
from storage.uow import Database

Send = Callable[[PendingMessage, str], None]


def deliver_pending(
    database: Database,
    platform: str,
    send: Send,
    html: bool = False,
    now_factory: Callable[[], object] | None = None,
) -> int:
    """Send everything pending for ``platform`` in outbox order; returns how many."""
    from bot.clock import real_now

    now = (now_factory or real_now)()
    with database.unit_of_work() as uow:
        pending = uow.outbox.pending(platform)
        for message in pending:
            send(message, render(message.template, message.locale, message.context, html=html))
        uow.outbox.mark_delivered([m.id for m in pending], now)
        uow.commit()
    return len(pending)
