"""Delivering the outbox: render each pending message for its platform and hand it over."""

from __future__ import annotations

from collections.abc import Callable

from handlers.attachments import Attachment, attachment_of
from handlers.rendering import render
from storage.repositories.messaging import PendingMessage
from storage.uow import Database

Send = Callable[[PendingMessage, str], None]
SendFile = Callable[[PendingMessage, str, Attachment], None]

BATCH = 1000  # messages rendered, sent and marked delivered per transaction


def deliver_pending(
    database: Database,
    platform: str,
    send: Send,
    html: bool = False,
    now_factory: Callable[[], object] | None = None,
    send_file: SendFile | None = None,
) -> int:
    """Send everything pending for ``platform`` in outbox order; returns how many.

    Everything, not one batch: a clearing queues a statement per member, and the
    console must print all of them (and the replies queued after them) before it
    reads the next line. A batch at a time, each marked delivered as it commits,
    so a federation's statements never sit in memory together and a crash repeats
    at most the batch it was in. A message that carries a file (/export, /chart)
    goes to ``send_file`` with its text as the caption, the file made here.
    """
    from bot.clock import real_now

    now = (now_factory or real_now)()
    sent = 0
    while True:
        with database.unit_of_work() as uow:
            pending = uow.outbox.pending(platform, BATCH)
            for message in pending:
                text = render(message.template, message.locale, message.context, html=html)
                attachment = attachment_of(uow, message.context, message.locale)
                if attachment is not None and send_file is not None:
                    send_file(message, text, attachment)
                else:
                    send(message, text)
            uow.outbox.mark_delivered([m.id for m in pending], now)
            uow.commit()
        sent += len(pending)
        if len(pending) < BATCH:
            return sent
