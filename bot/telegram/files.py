"""Sending a file minga made for a message (/export's journal, /chart's picture).

The file is made here, by the delivery worker, from the message's context
(handlers/attachments.py), in a thread: reading a year of the journal or drawing a
chart must not stall the event loop that sends everyone else's messages. Pictures
go as photos, everything else as documents; the message's text is the caption.

A file Telegram refuses as too large (the Bot API takes documents up to 50 MB and
photos up to 10 MB from a bot, and answers 413 "Request Entity Too Large") can
never go. Instead the member is told so in the same chat, with how to ask for a
smaller one (handlers/attachments.py), and the row is finished. Once, as a long
message's parts are (bot/telegram/delivery.py): the refusal is recorded as the
row's first part (``FILE_REFUSED``) before the notice is sent, so a retry (a 429
on the notice) sends only the notice, and a crash while sending it leaves the row
``uncertain``, never sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, InputFile, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.transactions import committed
from handlers.attachments import TOO_LARGE, Attachment, attachment_of, too_large_context
from handlers.rendering import render
from storage.repositories.messaging import PendingMessage
from storage.uow import Database

log = logging.getLogger("minga.telegram")

CAPTION_LIMIT = 1024  # characters Telegram takes in a caption
FILE_REFUSED = 1  # parts_sent of a file's row: Telegram refused the file as too large
TOLD_TOO_LARGE = "the file was too large for Telegram; the member was told"


def too_large(error: TelegramError) -> bool:
    """Telegram's 413 on an upload. python-telegram-bot raises it as a NetworkError
    whose message is Telegram's description ("Request Entity Too Large"), or the
    status's phrase and "(413)" when the answer is not JSON (a proxy's page)."""
    text = error.message.lower()
    return "(413)" in text or "too large" in text or "file is too big" in text


def _make(database: Database, row: PendingMessage) -> Attachment:
    with database.unit_of_work() as uow:
        attachment = attachment_of(uow, row.context, row.locale)
    if attachment is None:
        raise ValueError(f"outbox message {row.id} carries no file")
    return attachment


async def send_file(
    bot: Bot,
    database: Database,
    row: PendingMessage,
    caption: str,
    reply: ReplyParameters | None,
    done: int,
    turn: Callable[[], Awaitable[None]],
) -> tuple[Message, bool]:
    """The file with its caption; or, when Telegram will never take it (now, or on an
    earlier try: ``done``), the notice saying so. Returns what was sent, and whether
    it was the notice. Any other refusal is raised, as for a message."""
    if done < FILE_REFUSED:
        attachment = await asyncio.to_thread(_make, database, row)
        try:
            return await _upload(bot, row, attachment, caption, reply), False
        except TelegramError as error:
            if not too_large(error):
                raise
            log.error(
                "telegram takes no file as large as %s (%d bytes): outbox #%s goes without it",
                attachment.filename,
                len(attachment.data),
                row.id,
            )
        await committed(database, lambda uow: uow.telegram.part_sent(row.id, FILE_REFUSED))
        await turn()  # the notice is a message of its own
    notice = render(TOO_LARGE, row.locale, too_large_context(row.context), html=True)
    sent = await bot.send_message(
        chat_id=int(row.address),
        text=notice,
        parse_mode=ParseMode.HTML,
        reply_parameters=reply,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    return sent, True


async def _upload(
    bot: Bot,
    row: PendingMessage,
    attachment: Attachment,
    caption: str,
    reply: ReplyParameters | None,
) -> Message:
    upload = InputFile(attachment.data, filename=attachment.filename)
    common = {
        "chat_id": int(row.address),
        "caption": caption[:CAPTION_LIMIT],
        "parse_mode": ParseMode.HTML,
        "reply_parameters": reply,
    }
    if attachment.is_image:
        return await bot.send_photo(photo=upload, **common)
    return await bot.send_document(document=upload, **common)
