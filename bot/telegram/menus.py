"""The command menus Telegram shows beside the message box, set at startup.

Telegram picks a chat's menu by scope, the narrowest that has one: for a group's
administrators ``BotCommandScopeAllChatAdministrators``, for everyone else in a
group ``BotCommandScopeAllGroupChats``, in private chats
``BotCommandScopeAllPrivateChats``, else ``BotCommandScopeDefault``; each in the
user's language when there is a menu for it (``language_code``), else the one
without a language. So minga sets, in English without a language and in each other
language it speaks:

- groups (and the default): the commands any member may use in a group;
- a group's administrators: every command for a group, the roles' ones (and
  ``/setup``) too;
- private chats: the commands any member may use by DM, the DM-only ones such as
  ``/link`` among them.

Which command is which comes from the rules the commands declare
(handlers/registry.py); each description is the second line of its /help entry.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError
from telegram.ext import ExtBot

import handlers.commands  # noqa: F401  (registers the commands)
from handlers import locales
from handlers.registry import COMMANDS, Command
from handlers.rendering import render

log = logging.getLogger("minga.telegram")

MEMBERS, ADMINS, PRIVATE = "members", "admins", "private"


def shown(command: Command, menu: str) -> bool:
    """Does ``command`` belong in ``menu`` (MEMBERS, ADMINS or PRIVATE)?"""
    if not command.listed:
        return False
    if menu == ADMINS:
        return command.works_in(private=False)
    return command.for_members_in(private=menu == PRIVATE)


def command_menu(locale: str, menu: str) -> list[BotCommand]:
    """The command list for setMyCommands: the commands of ``menu``, each with its
    /help description, in ``locale``."""
    commands = []
    for name in sorted(COMMANDS):
        found = COMMANDS[name]
        if not shown(found, menu):
            continue
        lines = render("help_command", locale, {"name": name, "role": found.role}).splitlines()
        description = (lines[1] if len(lines) > 1 else lines[0]).strip()
        commands.append(BotCommand(name, description[:256]))
    return commands


#: Each scope minga sets, and the menu it shows.
SCOPES: tuple[tuple[BotCommandScope, str], ...] = (
    (BotCommandScopeDefault(), MEMBERS),
    (BotCommandScopeAllGroupChats(), MEMBERS),
    (BotCommandScopeAllChatAdministrators(), ADMINS),
    (BotCommandScopeAllPrivateChats(), PRIVATE),
)


async def register_commands(bot: ExtBot[Any]) -> None:
    """Every scope's menu in every language minga speaks; a failure is only logged
    (the menus are a convenience: commands work without them)."""
    for locale in locales.SUPPORTED:
        language = None if locale == locales.DEFAULT else locale
        for scope, menu in SCOPES:
            try:
                await bot.set_my_commands(
                    command_menu(locale, menu), scope=scope, language_code=language
                )
            except TelegramError as error:
                log.warning("telegram: setMyCommands (%s, %s) failed: %s", menu, locale, error)
                return
