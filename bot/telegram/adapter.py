"""The Telegram adapter: updates into the inbox, the inbox through the dispatcher.

**Why not python-telegram-bot's Updater/Application?** Its Updater asks for the
next updates (``getUpdates`` with ``offset`` = last id + 1, which tells Telegram
to forget everything before) as soon as it has *queued* the previous ones, before
any handler ran, and once more when it stops: a crash in between loses those
updates. minga keeps python-telegram-bot's Bot (its request stack, types and
errors, and its AIORateLimiter) but runs its own loop over ``Bot.get_updates``:

1. **Receive.** ``getUpdates(offset, timeout)`` brings raw updates; each is
   stored in the inbox as it came (``InboxRepository.receive``, unique on
   ``update_id``, unhandled) and committed.
2. **Confirm.** Only then does the offset move past them, so Telegram forgets an
   update only once it is in the database. A redelivered update hits the
   unique key and is dropped.
3. **Process.** A separate task takes the inbox's unhandled updates in order and
   hands each to the dispatcher, which claims the inbox row in the same
   transaction as the update's effects and replies. A crash anywhere loses
   nothing (step 1 committed) and changes nothing twice (the claim).

Webhook mode does steps 1-2 in the HTTP handler: the update is committed before
minga answers 200, and Telegram redelivers anything not answered 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
    TimedOut,
)

import handlers.commands  # noqa: F401  (registers the commands)
from bot.clock import real_now
from bot.config import PlatformFailed
from bot.hooks import AfterReceive
from bot.telegram.client import make_bot
from bot.telegram.delivery import Deliverer
from bot.telegram.keyboards import FormAnswer, parse_callback
from bot.telegram.menus import register_commands
from bot.telegram.settings import TelegramSettings
from bot.telegram.updates import (
    ALLOWED_UPDATES,
    PLATFORM,
    Ignored,
    Migrated,
    Pressed,
    PrivateChat,
    Said,
    classify,
    incoming,
)
from bot.transactions import committed
from handlers import locales
from handlers.dispatch import Dispatcher
from handlers.forms import engine as forms
from handlers.incoming import Incoming
from handlers.rendering import render
from storage.uow import Database, SqlUnitOfWork

if TYPE_CHECKING:
    from aiohttp.web import AppRunner

log = logging.getLogger("minga.telegram")

ADMINS_FRESH_FOR = 60.0  # seconds a getChatAdministrators answer is trusted
RECEIVE_BATCH = 100


def token_refused(error: InvalidToken, token: str) -> PlatformFailed:
    """What ``minga run`` stops with when Telegram answers 401 (bot/runner.py), without
    the token (python-telegram-bot's message for a refused getMe has it)."""
    reason = str(error.__cause__ or error).replace(token, "…")
    return PlatformFailed(
        f"telegram: the Bot API refused the token ({reason}); check telegram_token "
        "(MINGA_TELEGRAM_TOKEN): it is BotFather's whole token, like 123456789:AAE…"
    )


class TelegramAdapter:
    name = "telegram"

    def __init__(
        self,
        database: Database,
        settings: TelegramSettings,
        clock: Callable[[], datetime] = real_now,
        after_receive: AfterReceive | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.after_receive = after_receive  # a test's pause (bot/hooks.py); None in production
        self.bot = make_bot(settings)
        self.dispatcher = Dispatcher(database.unit_of_work, clock, settings.flood)
        self.deliverer = Deliverer(database, self.bot, settings, clock)
        self.received = asyncio.Event()
        self.stopping = asyncio.Event()
        self.ready = asyncio.Event()  # set once connected and running
        self.failure: PlatformFailed | None = None  # a refused token: minga run stops
        self.poll_failures = 0  # getUpdates failures in a row (the health check, the backoff)
        self._admins: dict[str, tuple[float, frozenset[str]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._webhook_runner: AppRunner | None = None

    # plumbing --------------------------------------------------------------------------
    @property
    def username(self) -> str:
        return self.bot.username

    @property
    def connected(self) -> bool:
        """Running, and (when polling) the last getUpdates was answered."""
        return self.ready.is_set() and not self.poll_failures and self.failure is None

    def wake(self) -> None:
        """Something new may be in the outbox (a command, a clearing): deliver it."""
        self.deliverer.wake.set()

    # lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Begin in the background: an unreachable Telegram must not stop ``minga run``."""
        self._tasks.append(asyncio.create_task(self._begin(), name="telegram-start"))

    async def _begin(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                await self.bot.initialize()  # getMe: who we are, for /cmd@name and deep links
                break
            except InvalidToken as error:
                self.failure = token_refused(error, self.settings.token)
                return
            except TelegramError as error:
                failures += 1
                log.warning("telegram: cannot reach the Bot API yet (%s)", error)
                await asyncio.sleep(min(60.0, 2.0 ** min(failures, 6)))
        log.info("telegram: running as @%s", self.username)
        await register_commands(self.bot)
        if self.settings.webhook:
            await self._start_webhook()
        else:
            try:
                await self.bot.delete_webhook(drop_pending_updates=False)
            except TelegramError as error:
                log.warning("telegram: deleteWebhook failed: %s", error)
            self._tasks.append(asyncio.create_task(self._poll(), name="telegram-poll"))
        self._tasks.append(asyncio.create_task(self._process_forever(), name="telegram-process"))
        self._tasks.append(
            asyncio.create_task(self.deliverer.run(self.stopping), name="telegram-deliver")
        )
        self.ready.set()

    async def stop(self) -> None:
        self.stopping.set()
        self.received.set()
        while self._tasks:  # _begin may have added some meanwhile
            tasks = list(self._tasks)
            self._tasks.clear()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._webhook_runner is not None:
            await self._webhook_runner.cleanup()
        await self.bot.shutdown()

    # 1-2: receive and confirm ---------------------------------------------------------
    def _store(self, uow: SqlUnitOfWork, updates: list[dict[str, Any]]) -> int:
        now = real_now()
        stored = 0
        for raw in updates:
            payload = json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
            stored += uow.inbox.receive(PLATFORM, str(raw["update_id"]), payload, now)
        return stored

    async def store(self, updates: list[dict[str, Any]]) -> int:
        """Commit raw updates to the inbox; only after this may Telegram forget them."""
        stored = await committed(self.database, lambda uow: self._store(uow, updates))
        if self.after_receive is not None:
            self.after_receive()
        self.received.set()
        return stored

    async def _poll(self) -> None:
        offset: int | None = None
        while not self.stopping.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    timeout=self.settings.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
            except TimedOut:
                continue  # a long poll that outlived the connection: ask again
            except InvalidToken as error:
                self.failure = token_refused(error, self.settings.token)
                return
            except Conflict as error:
                log.error("telegram: %s (another minga, or a webhook, uses this token)", error)
                await asyncio.sleep(5)
                continue
            except (NetworkError, TelegramError) as error:
                self.poll_failures += 1
                log.warning("telegram: getUpdates failed (%s)", error)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(self.poll_failures, 6)))
                continue
            self.poll_failures = 0
            if not updates:
                if self.settings.poll_interval:
                    await asyncio.sleep(self.settings.poll_interval)
                continue
            try:
                await self.store([update.to_dict() for update in updates])
            except Exception:
                log.exception("telegram: could not store updates; they will come again")
                await asyncio.sleep(1)
                continue  # the offset stays: Telegram keeps them
            offset = updates[-1].update_id + 1

    async def _start_webhook(self) -> None:
        from bot.telegram.webhook import start_webhook, webhook_secret  # aiohttp, when asked

        secret = await webhook_secret(self.database, self.settings)
        self._webhook_runner = await start_webhook(self.bot, self.settings, self.store, secret)

    # 3: process -------------------------------------------------------------------------
    async def _process_forever(self) -> None:
        while not self.stopping.is_set():
            self.received.clear()
            try:
                busy = await self.process_pending()
            except Exception:
                log.exception("telegram: processing stopped on an error; retrying")
                busy = False
                await asyncio.sleep(1)
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.received.wait(), timeout=5)

    async def process_pending(self) -> bool:
        """Handle every stored update not handled yet, oldest first; True if any."""
        any_done = False
        while True:
            batch = await committed(
                self.database, lambda uow: uow.inbox.unprocessed(PLATFORM, RECEIVE_BATCH)
            )
            if not batch:
                return any_done
            for update_id, payload in batch:
                await self.process(update_id, payload or "{}")
                any_done = True
            self.wake()

    async def process(self, update_id: str, payload: str) -> None:
        try:
            update = Update.de_json(json.loads(payload), self.bot)
            event = classify(update, self.username) if update else Ignored("unreadable")
        except Exception:  # one unreadable update must not hold up the ones after it
            log.exception("telegram: cannot read update %s; skipping it", update_id)
            event = Ignored("unreadable")
        if isinstance(event, Said):
            await self._said(event)
        elif isinstance(event, Pressed):
            await self._pressed(event)
        elif isinstance(event, Migrated):
            await committed(self.database, lambda uow: self._migrate(uow, update_id, event))
        elif isinstance(event, PrivateChat):
            await committed(self.database, lambda uow: self._private_chat(uow, update_id, event))
        else:
            await self._done(update_id)

    async def _done(self, update_id: str) -> None:
        await committed(
            self.database, lambda uow: uow.inbox.mark_processed(PLATFORM, update_id, real_now())
        )

    def _migrate(self, uow: SqlUnitOfWork, update_id: str, event: Migrated) -> None:
        if uow.telegram.migrate_chat(event.old, event.new):
            log.info("telegram: group %s became supergroup %s", event.old, event.new)
        uow.inbox.mark_processed(PLATFORM, update_id, real_now())

    def _private_chat(self, uow: SqlUnitOfWork, update_id: str, event: PrivateChat) -> None:
        if event.open:
            uow.telegram.release(event.user_id)
        uow.inbox.mark_processed(PLATFORM, update_id, real_now())

    async def _release(self, user_id: str) -> None:
        """They wrote to the bot in private: whatever waited for them may go."""
        if await committed(self.database, lambda uow: uow.telegram.release(user_id)):
            log.info("telegram: user %s opened the private chat; pending messages go", user_id)
            self.wake()

    async def _dispatch(self, msg: Incoming) -> None:
        await asyncio.to_thread(self.dispatcher.handle, msg)

    async def _said(self, event: Said) -> None:
        msg = event.incoming
        if msg.chat_is_private:
            await self._release(msg.user_id)
        elif await self._unbound(msg.chat_id):
            admins = await self._chat_admins(msg.chat_id)
            msg = replace(msg, sender_is_platform_admin=msg.user_id in admins)
        await self._dispatch(msg)

    async def _unbound(self, chat_id: str) -> bool:
        chat = await committed(self.database, lambda uow: uow.communes.chat(PLATFORM, chat_id))
        return chat is None or chat.commune_id is None

    async def _chat_admins(self, chat_id: str) -> frozenset[str]:
        """Who Telegram says administers the group (only /setup asks), briefly cached."""
        cached = self._admins.get(chat_id)
        if cached is not None and time.monotonic() - cached[0] < ADMINS_FRESH_FOR:
            return cached[1]
        try:
            members = await self.bot.get_chat_administrators(int(chat_id))
        except (Forbidden, BadRequest):  # not in the chat (any more): nobody is an admin
            members = ()
        admins = frozenset(str(m.user.id) for m in members if not m.user.is_bot)
        self._admins[chat_id] = (time.monotonic(), admins)
        return admins

    # pressed buttons ------------------------------------------------------------------------
    async def _pressed(self, event: Pressed) -> None:
        update_id = str(event.update_id)
        user_id = str(event.user.id)
        press = parse_callback(event.data)
        if event.chat_is_private:
            await self._release(user_id)
        if press is None or event.chat_id is None:
            await self._alert(event, "button_expired")
            await self._done(update_id)
            return
        if isinstance(press, FormAnswer):
            problem = await committed(
                self.database, lambda uow: self._form_problem(uow, event, press)
            )
            if problem is not None:
                await self._alert(event, problem)
                await self._done(update_id)
                return
        msg = incoming(
            event.update_id,
            event.chat_id,
            event.chat_is_private,
            event.chat_title,
            event.user,
            press.text,
            button_id=event.query_id,
        )
        if not event.chat_is_private and await self._unbound(event.chat_id):
            admins = await self._chat_admins(event.chat_id)
            msg = replace(msg, sender_is_platform_admin=msg.user_id in admins)
        await self._dispatch(msg)

    @staticmethod
    def _form_problem(uow: SqlUnitOfWork, event: Pressed, press: FormAnswer) -> str | None:
        """A form's buttons are its answerer's, and only while it waits at that step."""
        if press.answerer != str(event.user.id):
            return "button_not_yours"
        state = forms.waiting(uow, PLATFORM, event.chat_id, press.answerer)
        if state is None or state.form.name != press.form or state.position != press.step:
            return "button_expired"
        return None

    async def _alert(self, event: Pressed, template: str) -> None:
        """A short alert on the button; nothing else happens."""

        def locale(uow: SqlUnitOfWork) -> str:
            account = uow.communes.account(PLATFORM, str(event.user.id))
            chosen = account.person_locale if account else None
            return locales.choose(chosen, event.user.language_code, None)

        text = render(template, await committed(self.database, locale), {})
        try:
            await self.bot.answer_callback_query(event.query_id, text=text, show_alert=True)
        except TelegramError as error:
            log.info("telegram: could not answer a button press: %s", error)


def from_settings(
    database: Database, settings: TelegramSettings, after_receive: AfterReceive | None = None
) -> TelegramAdapter:
    """The adapter ``minga run`` starts when MINGA_TELEGRAM_TOKEN (or the file) has a token."""
    return TelegramAdapter(database, settings, after_receive=after_receive)
