"""What an adapter hands the handlers: one message, already platform-neutral."""

from __future__ import annotations

from dataclasses import dataclass

#: The outbox address of the answer on a pressed button: this prefix, then its id.
BUTTON_ADDRESS_PREFIX = "button:"


@dataclass(frozen=True)
class Incoming:
    """A message someone sent to the bot.

    ``message_id`` is the platform's own id (the console's run and line number,
    Telegram's update_id, Matrix's event_id): the inbox is unique on it, so a
    redelivered message changes nothing. ``sender_is_platform_admin`` is what the
    platform says of the sender in this chat; only ``/setup`` relies on it.

    ``button_id`` is set when the message stands for a pressed button (a Telegram
    callback query): the platform wants one short answer on the button itself,
    a refusal as an alert or a plain acknowledgement (see ``Turn.button``).

    ``reply_to`` is the id a platform that threads answers gives this very message
    (Telegram's message_id): answers in a group then reply to it (see ``Turn.reply``),
    so it is clear which command they answer and whom a form's question asks.
    """

    platform: str
    message_id: str
    chat_id: str
    chat_is_private: bool
    user_id: str
    user_name: str
    text: str
    chat_title: str = ""
    user_language: str | None = None
    sender_is_platform_admin: bool = False
    button_id: str | None = None
    reply_to: str | None = None
