"""Sending a file minga made for a message (/export's journal, /chart's picture).

The message's text goes first, as the notice it always is (its caption); then the
file is made from the message's context (handlers/attachments.py) in a thread,
uploaded to the homeserver's content repository (encrypted in an encrypted room,
as an attachment: the keys travel in the event, which is itself encrypted) and
posted as an ``m.image`` (pictures) or ``m.file`` event.

Exactly once: the file's event has a transaction id of its own, derived from the
row's (``+ "-file"``), so a retry after a crash between the notice and the file
posts neither twice; only the upload is repeated, which is harmless (an unused
copy in the media store). A file the homeserver refuses as too large (413,
``M_TOO_LARGE``) will never go: the member is told so in the same room, with how
to ask for a smaller one (handlers/attachments.py), as a notice with a transaction
id of its own (``+ "-too-large"``), so a retry tells them once; then the row is
finished.
"""

from __future__ import annotations

import io
import logging
import struct
from datetime import datetime
from typing import Any

from nio import AsyncClient, RoomSendResponse, UploadError

from bot.matrix.messages import notice_content, render_both
from bot.matrix.outcomes import Later, refused
from bot.transactions import committed
from handlers import observe
from handlers.attachments import TOO_LARGE as TOO_LARGE_TEMPLATE
from handlers.attachments import Attachment, attachment_of, too_large_context
from storage.repositories.messaging import PendingMessage
from storage.uow import Database

log = logging.getLogger("minga.matrix")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TOO_LARGE = "M_TOO_LARGE"


def file_transaction_id(notice_transaction_id: str) -> str:
    """The file's event: the same on every try of the row, never the notice's."""
    return f"{notice_transaction_id}-file"


def too_large_transaction_id(notice_transaction_id: str) -> str:
    """The notice that the file cannot go: the same on every try, its own."""
    return f"{notice_transaction_id}-too-large"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR, the chunk every PNG starts with."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def file_content(attachment: Attachment, uri: str, keys: dict[str, Any] | None) -> dict[str, Any]:
    """The event: ``url`` in a plain room, ``file`` (an EncryptedFile) in an encrypted one."""
    info: dict[str, Any] = {"mimetype": attachment.mime, "size": len(attachment.data)}
    size = png_size(attachment.data) if attachment.is_image else None
    if size is not None:
        info["w"], info["h"] = size
    content: dict[str, Any] = {
        "msgtype": "m.image" if attachment.is_image else "m.file",
        "body": attachment.filename,
        "filename": attachment.filename,
        "info": info,
    }
    if keys is None:
        content["url"] = uri
    else:
        content["file"] = {**keys, "url": uri}
    return content


def _too_large(answer: UploadError) -> bool:
    status = getattr(answer.transport_response, "status", None)
    return answer.status_code == TOO_LARGE or status == 413


async def send_file(
    client: AsyncClient,
    database: Database,
    row: PendingMessage,
    room_id: str,
    transaction_id: str,
    now: datetime,
) -> Later | None:
    """Upload the row's file and post it; None when done with it (sent, or never can be).
    A network failure is raised, as for the notice (bot/matrix/delivery.py)."""
    attachment = await committed(database, lambda uow: attachment_of(uow, row.context, row.locale))
    if attachment is None:
        log.error("outbox #%s asks for a file there is nothing to make of", row.id)
        return None
    encrypt = client.rooms[room_id].encrypted
    uploaded, keys = await client.upload(
        io.BytesIO(attachment.data),
        content_type=attachment.mime,
        filename=attachment.filename,
        encrypt=encrypt,
        filesize=len(attachment.data),
    )
    if isinstance(uploaded, UploadError):
        if not _too_large(uploaded):
            return refused(f"the upload of outbox #{row.id}", uploaded, now)
        log.error(
            "the homeserver takes no file as large as %s (%d bytes): outbox #%s goes without it",
            attachment.filename,
            len(attachment.data),
            row.id,
        )
        return await _tell_too_large(client, row, room_id, transaction_id, now)
    answer = await client.room_send(
        room_id,
        "m.room.message",
        file_content(attachment, uploaded.content_uri, keys if encrypt else None),
        tx_id=file_transaction_id(transaction_id),
        ignore_unverified_devices=True,  # the trust policy: bot/matrix/delivery.py
    )
    if isinstance(answer, RoomSendResponse):
        return None
    return refused(f"the file of outbox #{row.id}", answer, now)


async def _tell_too_large(
    client: AsyncClient, row: PendingMessage, room_id: str, transaction_id: str, now: datetime
) -> Later | None:
    """Tell the member the file cannot go, and how to ask for a smaller one; None once
    the homeserver has the notice (the row is then done)."""
    plain, html = render_both(TOO_LARGE_TEMPLATE, row.locale, too_large_context(row.context))
    answer = await client.room_send(
        room_id,
        "m.room.message",
        notice_content(plain, html),
        tx_id=too_large_transaction_id(transaction_id),
        ignore_unverified_devices=True,  # the trust policy: bot/matrix/delivery.py
    )
    if not isinstance(answer, RoomSendResponse):
        return refused(f"the too-large notice of outbox #{row.id}", answer, now)
    observe.delivery_failed("matrix", "failed")  # the file itself never went
    return None
