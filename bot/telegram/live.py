"""The live bond message of each group: edited as pledges arrive, a burst as one edit.

When a new bond issue's message reaches a group, it is remembered; a delivered
pledge (or clearing, expiry, withdrawal) marks it dirty (bot/telegram/delivery.py).
Each delivery pass edits the dirty ones with the figures of that moment, at most
once per ``edit_interval`` and within the group's limit. An edit sent twice shows
the same thing, so a failed one is simply tried again later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.clock import real_now
from bot.telegram.keyboards import pledge_keyboard
from bot.telegram.limits import Limiter, retry_after_seconds
from bot.telegram.settings import TelegramSettings
from bot.telegram.updates import PLATFORM
from bot.transactions import committed
from domain.bonds import IssueStatus
from handlers.bond_views import issue_view
from handlers.outbound import commune_context
from handlers.rendering import render
from storage.repositories.messaging import PendingMessage
from storage.repositories.telegram import BondMessage
from storage.uow import Database, SqlUnitOfWork

log = logging.getLogger("minga.telegram")


def _keyboard_json(markup: InlineKeyboardMarkup | None) -> object:
    return markup.to_dict() if markup is not None else None


def _live_keyboard(shown: PendingMessage, context: dict[str, Any]) -> InlineKeyboardMarkup | None:
    issue = context.get("issue") or {}
    if issue.get("status") != IssueStatus.OPEN.value:
        return None
    message = PendingMessage(
        0, PLATFORM, shown.address, False, None, "bond_live", shown.locale, context
    )
    return pledge_keyboard(message, issue)


class LiveBondMessages:
    def __init__(
        self,
        database: Database,
        bot: Bot,
        settings: TelegramSettings,
        clock: Callable[[], datetime],
        limiter: Limiter,
        turn: Callable[[str, bool], Awaitable[None]],
    ) -> None:
        """``clock`` is the commune's (days left on a bond); ``limiter`` and ``turn``
        are the deliverer's, so edits and messages share the group's limits."""
        self.database = database
        self.bot = bot
        self.settings = settings
        self.clock = clock
        self.limiter = limiter
        self.turn = turn

    def _fresh(self, uow: SqlUnitOfWork, message: BondMessage) -> dict[str, Any] | None:
        chat = uow.communes.chat(PLATFORM, message.chat_id)
        if chat is None or chat.commune_id is None:
            return None
        commune = uow.communes.get(chat.commune_id)
        issue = uow.bonds.get(commune.id, message.issue_number)
        if issue is None:
            return None
        return {**commune_context(commune), "issue": issue_view(uow, issue, self.clock())}

    async def _forget(self, message: BondMessage) -> None:
        await committed(self.database, lambda uow: uow.telegram.forget_bond_message(message.id))

    async def _edited(self, bond_message_id: int, shown: dict[str, Any] | None) -> None:
        await committed(
            self.database,
            lambda uow: uow.telegram.bond_edited(bond_message_id, shown, real_now()),
        )

    async def edit_dirty(self) -> float | None:
        """Edit what may be edited now; seconds until the rest may, None if nothing waits."""
        due: list[float] = []
        dirty = await committed(self.database, lambda uow: uow.telegram.dirty_bond_messages())
        for message in dirty:
            chat = message.chat_id
            since = (real_now() - message.edited_at).total_seconds()
            wait = max(
                self.settings.limits.edit_interval - since,
                self.limiter.delay(chat, True),
            )
            if wait > 0:
                due.append(wait)
                continue
            fresh = await committed(self.database, lambda uow, m=message: self._fresh(uow, m))
            if fresh is None:
                await self._forget(message)
                continue
            shown = PendingMessage(0, PLATFORM, chat, False, None, "bond_live", message.locale, {})
            old_text = render("bond_live", message.locale, message.context, html=True)
            new_text = render("bond_live", message.locale, fresh, html=True)
            old_markup = _live_keyboard(shown, message.context)
            new_markup = _live_keyboard(shown, fresh)
            if old_text == new_text and _keyboard_json(old_markup) == _keyboard_json(new_markup):
                await self._edited(message.id, None)
                continue
            await self.turn(chat, True)
            try:
                await self.bot.edit_message_text(
                    new_text,
                    chat_id=int(chat),
                    message_id=message.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=new_markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            except RetryAfter as error:
                seconds = retry_after_seconds(error)
                self.limiter.pause(seconds)
                due.append(seconds)
                continue
            except BadRequest as error:
                reason = str(error).lower()
                if "not modified" not in reason:
                    log.info("cannot edit bond message in %s: %s", chat, error)
                    await self._forget(message)
                    continue
            except (NetworkError, TelegramError) as error:
                # An edit sent twice shows the same thing: safe to try again later.
                log.info("editing bond message in %s failed (%s); later", chat, error)
                due.append(self.settings.limits.edit_interval)
                continue
            await self._edited(message.id, fresh)
        return min(due) if due else None
