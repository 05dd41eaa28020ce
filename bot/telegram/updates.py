"""A Telegram update as what minga does with it.

- a text message -> ``Said`` (an ``Incoming`` for the dispatcher, with the
  message's id so answers in a group reply to it); a command addressed to another
  bot (``/pledge@other_bot``) is for that bot, not us. With privacy mode on (the
  default) Telegram gives a bot only commands and replies to its own messages from
  a group, which is why a form's questions there ask for a reply (ForceReply);
  a reply is read as any other message;
- a pressed inline button -> ``Pressed`` (validated in the adapter, then an
  ``Incoming`` standing for the line the button means);
- a group that became a supergroup -> ``Migrated`` (the commune moves along);
- someone opening or blocking the bot's private chat -> ``PrivateChat``;
- anything else -> ``Ignored``.

Pure: no I/O here, so it is tested without a server.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Message, Update, User

from handlers.incoming import Incoming

PLATFORM = "telegram"
#: Telegram's stand-in for an anonymous group admin: not a person minga can know.
ANONYMOUS_ADMIN = 1087968824
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


@dataclass(frozen=True)
class Said:
    incoming: Incoming
    is_group: bool


@dataclass(frozen=True)
class Pressed:
    update_id: int
    query_id: str
    data: str | None
    chat_id: str | None  # None when Telegram no longer gives the message
    chat_is_private: bool
    chat_title: str
    user: User


@dataclass(frozen=True)
class Migrated:
    old: str
    new: str


@dataclass(frozen=True)
class PrivateChat:
    user_id: str
    open: bool  # True: they started (or unblocked) the bot; False: they blocked it


@dataclass(frozen=True)
class Ignored:
    why: str


Event = Said | Pressed | Migrated | PrivateChat | Ignored


def display_name(user: User) -> str:
    return user.full_name.strip() or (user.username or str(user.id))


def addressed_elsewhere(text: str, bot_username: str) -> bool:
    """``/cmd@other_bot …`` in a group is meant for another bot."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return False
    head = stripped.split(maxsplit=1)[0]
    _, at, mention = head.partition("@")
    return bool(at) and mention.lower() != bot_username.lower()


def incoming(
    update_id: int,
    chat_id: str,
    is_private: bool,
    title: str,
    user: User,
    text: str,
    button_id: str | None = None,
    message_id: int | None = None,
) -> Incoming:
    return Incoming(
        platform=PLATFORM,
        message_id=str(update_id),
        chat_id=chat_id,
        chat_is_private=is_private,
        user_id=str(user.id),
        user_name=display_name(user),
        text=text,
        chat_title=title,
        user_language=user.language_code,
        button_id=button_id,
        reply_to=str(message_id) if message_id is not None else None,
    )


def _message(update: Update, message: Message, bot_username: str) -> Event:
    chat = message.chat
    if message.migrate_to_chat_id:
        return Migrated(str(chat.id), str(message.migrate_to_chat_id))
    if message.migrate_from_chat_id:
        return Migrated(str(message.migrate_from_chat_id), str(chat.id))
    user = message.from_user
    if user is None or user.is_bot or user.id == ANONYMOUS_ADMIN or message.sender_chat:
        return Ignored("not from a person")
    text = message.text
    if not text:
        return Ignored("no text")
    is_private = chat.type == chat.PRIVATE
    if chat.type not in (chat.PRIVATE, chat.GROUP, chat.SUPERGROUP):
        return Ignored("a channel")
    if not is_private and addressed_elsewhere(text, bot_username):
        return Ignored("for another bot")
    return Said(
        incoming(
            update.update_id,
            str(chat.id),
            is_private,
            chat.title or "",
            user,
            text,
            message_id=message.message_id,
        ),
        is_group=not is_private,
    )


def _pressed(update: Update, query: CallbackQuery) -> Event:
    message = query.message
    chat = message.chat if message is not None else None
    if query.from_user.is_bot:
        return Ignored("a bot pressed it")
    return Pressed(
        update_id=update.update_id,
        query_id=query.id,
        data=query.data,
        chat_id=str(chat.id) if chat is not None else None,
        chat_is_private=chat is not None and chat.type == chat.PRIVATE,
        chat_title=(chat.title or "") if chat is not None else "",
        user=query.from_user,
    )


def classify(update: Update, bot_username: str) -> Event:
    if update.message is not None:
        return _message(update, update.message, bot_username)
    if update.callback_query is not None:
        return _pressed(update, update.callback_query)
    member = update.my_chat_member
    if member is not None and member.chat.type == member.chat.PRIVATE:
        status = member.new_chat_member.status
        return PrivateChat(str(member.chat.id), open=status == "member")
    return Ignored("not for minga")
