"""Sending a file minga made for a message (/export's journal, /chart's picture).

The file is made here, by the delivery worker, from the message's context
(handlers/attachments.py), in a thread: reading a year of the journal or drawing a
chart must not stall the event loop that sends everyone else's messages. Pictures
go as photos, everything else as documents; the message's text is the caption.
"""

from __future__ import annotations

import asyncio

from telegram import Bot, InputFile, Message, ReplyParameters
from telegram.constants import ParseMode

from handlers.attachments import Attachment, attachment_of
from storage.repositories.messaging import PendingMessage
from storage.uow import Database

CAPTION_LIMIT = 1024  # characters Telegram takes in a caption


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
) -> Message:
    attachment = await asyncio.to_thread(_make, database, row)
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
