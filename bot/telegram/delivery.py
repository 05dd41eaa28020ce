"""The outbox to Telegram: in order per chat, within the limits, each message once.

Each pass reads the pending Telegram rows (bot/storage ``uow.telegram.pending``),
answers pressed buttons first, then sends to each chat, as many chats as the
limits allow (``limits.Limiter``), several at once to different chats. What waits
for a group goes as one message (bot/coalesce.py): a burst of pledges reaches the
group as one post, not twenty, and the group's cap is left for what comes next.
Rows with buttons (a new bond issue, an assembly's ballot, a form) go alone.
An answer in a group replies to the message it answers (``reply_to`` in its
context, handlers/turn.py; a merged message to its first row's), and a form's
question there asks its answerer for a reply (bot/telegram/keyboards.py).

What a send can end in, and what happens to the row:

- **sent**: delivered; a new bond issue's message is remembered for live edits.
- **429** (``RetryAfter``): Telegram did not take it. Everything pauses for
  ``retry_after`` and the row is tried again after it: nothing lost, nothing twice.
- **no connection** (connect error or timeout, a full pool): the request never left,
  so it is tried again later, with backoff. These are the only errors retried.
- **read or write timeout, a dropped connection, a 5xx, a crash mid-send**: Telegram
  may have the message and sendMessage has no idempotency key, so the row is
  recorded as ``uncertain`` (the attempt was written down *before* the request)
  and never sent again. ``/statement`` shows a statement again on demand.
- **403 on a private chat** (never pressed Start, or blocked the bot): the row
  waits in the outbox with all later ones to that person; their groups get one
  short message with a deep link (bot/telegram/deeplinks.py), and the rows go
  once they open the chat.
- **supergroup migration** (``ChatMigrated``): the commune and the pending rows
  move to the new chat id, and the row is sent there.
- **413 on a file** (/export's journal, /chart's picture too large for a bot): it
  never goes; the member is told so instead, once (bot/telegram/files.py), and
  the row is ``failed``, with that reason.
- **anything else** (400 and the like): ``failed``, with Telegram's reason.

The live bond message of each group is edited by the same loop
(bot/telegram/live.py): a delivered pledge (or clearing, expiry, withdrawal)
marks it dirty, and a dirty message is edited with the figures of that moment at
most once per ``edit_interval`` and within the group's limit, so a burst of
pledges becomes one edit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from telegram import Bot, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot import coalesce
from bot.clock import real_now
from bot.telegram.deeplinks import notify_blocked
from bot.telegram.files import TOLD_TOO_LARGE, send_file
from bot.telegram.formatting import LIMIT, parsed_length, split_message
from bot.telegram.keyboards import keyboard_for
from bot.telegram.limits import Limiter, retry_after_seconds
from bot.telegram.live import LiveBondMessages
from bot.telegram.settings import TelegramSettings
from bot.telegram.updates import PLATFORM
from bot.transactions import committed
from handlers import observe
from handlers.attachments import carries_file
from handlers.incoming import BUTTON_ADDRESS_PREFIX
from handlers.rendering import render
from storage.repositories.messaging import PendingMessage
from storage.uow import Database, SqlUnitOfWork

log = logging.getLogger("minga.telegram")

#: Templates whose delivery means a bond issue changed: its live message needs an edit.
PROGRESS = frozenset({"pledged", "unpledged", "bond_cleared", "bond_expired", "bond_withdrawn"})
LEASE = timedelta(minutes=5)  # a send in flight longer than this died with its process
IDLE = 5.0  # seconds between passes when nothing asks for one sooner
SWEEP_EVERY = 60.0
ALERT_LIMIT = 200  # characters in a button's answer


def replying(row: PendingMessage) -> ReplyParameters | None:
    """An answer in a group replies to the message it answers (handlers/turn.py); a
    merged message to the first one's. Gone meanwhile? Then it goes as it is."""
    reply_to = row.context.get("reply_to")
    if row.is_private or not str(reply_to or "").isdigit():
        return None
    return ReplyParameters(message_id=int(str(reply_to)), allow_sending_without_reply=True)


def _alone(row: PendingMessage) -> bool:
    """Messages with buttons or a file are never merged with others."""
    return keyboard_for(row) is not None or carries_file(row.context)


def _count_failed(states: list[str]) -> None:
    """Tell the metrics (handlers/observe.py) of rows finished without being delivered."""
    for state in states:
        if state in ("failed", "uncertain"):
            observe.delivery_failed(PLATFORM, state)


def never_sent(error: Exception) -> bool:
    """Did the request certainly not reach Telegram? (no connection, or no free one)"""
    cause = error.__cause__
    return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def _untried(uow: SqlUnitOfWork, outbox_ids: list[int]) -> None:
    """Claimed for a merged send that stopped before them: due again at once."""
    now = real_now()
    for outbox_id in outbox_ids:
        uow.telegram.retry_later(outbox_id, now, "not sent: an earlier message failed", now)


def _migrated(uow: SqlUnitOfWork, outbox_ids: list[int], old: str, new: str) -> None:
    uow.telegram.migrate_chat(old, new)
    for outbox_id in outbox_ids:
        uow.telegram.retry_later(outbox_id, real_now(), f"moved to {new}", real_now())


def _forbidden(uow: SqlUnitOfWork, row: PendingMessage, reason: str) -> None:
    now = real_now()
    if row.is_private:
        uow.telegram.block(row.id, row.address, row.person_id, now)
    else:  # the bot was removed from the group
        uow.telegram.finish(row.id, "failed", reason, now)


def _delivered(uow: SqlUnitOfWork, row: PendingMessage, message_id: int | None) -> None:
    now = real_now()
    uow.telegram.sent(row.id, row.address, message_id, now)
    issue = row.context.get("issue")
    if not isinstance(issue, dict) or "number" not in issue:
        return
    if row.template == "bond_new" and not row.is_private and message_id is not None:
        # Dirty from the start: pledges delivered elsewhere before it are caught up.
        uow.telegram.save_bond_message(
            row.address, issue["number"], message_id, row.locale, row.context, now, dirty=True
        )
    elif row.template in PROGRESS:
        commune = uow.communes.by_name(str(row.context.get("commune", "")))
        if commune is not None:
            chats = [
                a.address
                for a in uow.communes.group_addresses(commune.id)
                if a.platform == PLATFORM
            ]
            uow.telegram.bond_progress(chats, issue["number"])


class Deliverer:
    def __init__(
        self,
        database: Database,
        bot: Bot,
        settings: TelegramSettings,
        clock: Callable[[], datetime] = real_now,
    ) -> None:
        self.database = database
        self.bot = bot
        self.settings = settings
        self.clock = clock  # the commune's clock (days left on a bond); sends use real time
        self.limiter = Limiter(settings.limits)
        self.live = LiveBondMessages(database, bot, settings, clock, self.limiter, self._turn)
        self.wake = asyncio.Event()
        self._next_due: float | None = None
        self._last_sweep = 0.0
        self._sending = asyncio.Semaphore(settings.concurrency)
        self._unreachable = 0  # connection failures in a row, for the backoff

    # plumbing --------------------------------------------------------------------------
    async def _finish(self, outbox_id: int, state: str, reason: str | None) -> None:
        await committed(
            self.database, lambda uow: uow.telegram.finish(outbox_id, state, reason, real_now())
        )
        _count_failed([state])

    async def _retry(self, outbox_id: int, seconds: float, reason: str) -> None:
        def later(uow: SqlUnitOfWork) -> None:
            now = real_now()
            uow.telegram.retry_later(outbox_id, now + timedelta(seconds=seconds), reason, now)

        await committed(self.database, later)

    def _due_in(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self._next_due = seconds if self._next_due is None else min(self._next_due, seconds)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.wake.clear()
            try:
                pause = await self.deliver()
            except Exception:
                log.exception("telegram delivery pass failed")
                pause = IDLE
            if pause > 0:
                waiter = asyncio.ensure_future(self.wake.wait())
                stopper = asyncio.ensure_future(stop.wait())
                try:
                    await asyncio.wait(
                        {waiter, stopper}, timeout=pause, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    waiter.cancel()
                    stopper.cancel()

    # one pass --------------------------------------------------------------------------
    async def deliver(self) -> float:
        """Send what may go now; returns seconds until another pass is worth it."""
        self._next_due = None
        now = real_now()
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_sweep > SWEEP_EVERY:
            self._last_sweep = loop.time()
            lost = await committed(self.database, lambda uow: uow.telegram.sweep_interrupted(now))
            if lost:
                log.warning("%d message(s) were in flight when minga stopped: uncertain", len(lost))
        rows = await committed(self.database, lambda uow: uow.telegram.pending(now, limit=500))
        buttons = [r for r in rows if r.address.startswith(BUTTON_ADDRESS_PREFIX)]
        messages = [r for r in rows if not r.address.startswith(BUTTON_ADDRESS_PREFIX)]
        if buttons:
            await asyncio.gather(*(self._answer_button(row) for row in buttons))
        chosen = self._choose(messages)
        if chosen:
            await asyncio.gather(*(self._send(run) for run in chosen))
        wait = await self.live.edit_dirty()
        if wait is not None:
            self._due_in(wait)
        if await committed(self.database, lambda uow: notify_blocked(uow, self.bot.username)):
            self._due_in(0)
        if sum(map(len, chosen)) < len(messages) and self._next_due is None:
            self._due_in(0.05)
        return IDLE if self._next_due is None else self._next_due

    def _choose(self, rows: list[PendingMessage]) -> list[list[PendingMessage]]:
        """What goes in this pass: each chat's run (bot/coalesce.py), oldest first,
        within every limit; later rows of a chat wait for its earlier ones."""
        chosen: list[list[PendingMessage]] = []
        for run in coalesce.runs(rows, alone=_alone):
            chat, group = run[0].address, not run[0].is_private
            overall = self.limiter.global_delay()
            if overall > 0:
                self._due_in(overall)
                break
            wait = self.limiter.chat_delay(chat, group)
            if wait > 0:
                self._due_in(wait)
                continue
            if len(chosen) >= self.settings.concurrency:
                self._due_in(0)
                break
            chosen.append(run)  # counted when it really goes (_turn), not now
        return chosen

    async def _turn(self, chat: str, group: bool) -> None:
        """Wait until a message to ``chat`` may go, and count it as going now.

        Checking and counting happen with no await between them, so concurrent
        sends never squeeze more through than the limits allow.
        """
        while True:
            wait = self.limiter.delay(chat, group)
            if wait <= 0:
                self.limiter.sent(chat, group)
                return
            await asyncio.sleep(wait)

    # sending a message ----------------------------------------------------------------
    async def _send(self, run: list[PendingMessage]) -> None:
        """One chat's run: its rows as few messages as Telegram's length allows."""
        chat, group = run[0].address, not run[0].is_private
        texts: dict[int, str] = {}
        unsendable: dict[int, tuple[str, str | None]] = {}
        for row in run:
            try:
                text = render(row.template, row.locale, row.context, html=True)
            except Exception as error:  # a template bug must not block the queue
                log.exception("cannot render outbox message %s", row.id)
                unsendable[row.id] = ("failed", repr(error))
                continue
            if text.strip():
                texts[row.id] = text
            else:
                unsendable[row.id] = ("empty", None)

        def claim(uow: SqlUnitOfWork) -> tuple[list[int], int]:
            now = real_now()
            for outbox_id, (state, reason) in unsendable.items():
                if uow.telegram.start_sending(outbox_id, chat, now, now + LEASE):
                    uow.telegram.finish(outbox_id, state, reason, now)
            claimed = [i for i in texts if uow.telegram.start_sending(i, chat, now, now + LEASE)]
            return claimed, uow.telegram.parts_sent(claimed[0]) if len(claimed) == 1 else 0

        claimed, done = await committed(self.database, claim)
        _count_failed([state for state, _ in unsendable.values()])
        rows = [row for row in run if row.id in claimed]
        ordered = [texts[row.id] for row in rows]
        async with self._sending:
            for start, stop in coalesce.pack(ordered, LIMIT, parsed_length):
                text = coalesce.joined(ordered[start:stop])
                if not await self._send_message(chat, group, rows[start:stop], text, done):
                    untried = [row.id for row in rows[stop:]]
                    if untried:  # free to go in a later pass
                        await committed(self.database, lambda uow, ids=untried: _untried(uow, ids))
                    return
                done = 0

    async def _send_message(
        self, chat: str, group: bool, rows: list[PendingMessage], text: str, done: int
    ) -> bool:
        """Send one (maybe merged) message in parts; False when it did not all go."""
        lead = rows[0]
        markup = keyboard_for(lead) if len(rows) == 1 else None
        parts = split_message(text)
        message_id: int | None = None
        told = False  # that a file is too large to send, instead of sending it
        try:
            if carries_file(lead.context) and len(rows) == 1:
                await self._turn(chat, group)
                sent, told = await send_file(
                    self.bot,
                    self.database,
                    lead,
                    text,
                    replying(lead),
                    done,
                    lambda: self._turn(chat, group),
                )
                message_id = sent.message_id if sent is not None else None
                parts = []  # the caption went with the file, or never will
            for index in range(done, len(parts)):
                await self._turn(chat, group)
                last = index == len(parts) - 1
                sent = await self.bot.send_message(
                    chat_id=int(chat),
                    text=parts[index],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    reply_parameters=replying(lead) if index == 0 else None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
                message_id = sent.message_id if sent is not None else None
                if not last:
                    count = index + 1
                    await committed(
                        self.database, lambda uow, n=count: uow.telegram.part_sent(lead.id, n)
                    )
        except RetryAfter as error:
            seconds = retry_after_seconds(error)
            log.info("telegram flood control: pausing %.1fs", seconds)
            self.limiter.pause(seconds)
            self._due_in(seconds + self.settings.limits.margin)
            for row in rows:
                await self._retry(row.id, seconds, "429")
            return False
        except ChatMigrated as error:
            new = str(error.new_chat_id)
            log.info("telegram group %s is now supergroup %s", chat, new)
            await committed(
                self.database, lambda uow: _migrated(uow, [r.id for r in rows], chat, new)
            )
            self._due_in(0)
            return False
        except Forbidden as error:
            reason = str(error)
            await committed(
                self.database, lambda uow: [_forbidden(uow, row, reason) for row in rows]
            )
            return False
        except (TimedOut, NetworkError) as error:
            await self._network_error(rows, error)
            return False
        except TelegramError as error:  # 400 and the like: Telegram will not take it
            log.warning("telegram refused message %s to %s: %s", lead.id, chat, error)
            await self._finish_all(rows, "failed", str(error))
            return False
        except Exception as error:  # e.g. an answer we cannot read: it may have gone
            log.exception("telegram: sending message %s failed unexpectedly", lead.id)
            await self._finish_all(rows, "uncertain", f"{type(error).__name__}: {error}")
            return False
        self._unreachable = 0
        if told:  # the file never went (bot/telegram/files.py)
            await self._finish_all(rows, "failed", TOLD_TOO_LARGE)
            return True
        await committed(
            self.database, lambda uow: [_delivered(uow, row, message_id) for row in rows]
        )
        return True

    async def _finish_all(self, rows: list[PendingMessage], state: str, reason: str) -> None:
        def finish(uow: SqlUnitOfWork) -> None:
            for row in rows:
                uow.telegram.finish(row.id, state, reason, real_now())

        await committed(self.database, finish)
        _count_failed([state] * len(rows))

    async def _network_error(self, rows: list[PendingMessage], error: Exception) -> None:
        if never_sent(error):
            self._unreachable += 1
            backoff = min(60.0, self.settings.retry_backoff * 2 ** min(self._unreachable - 1, 5))
            log.info("telegram unreachable (%s): retrying in %.0fs", error, backoff)
            self.limiter.pause(1.0)
            self._due_in(backoff)
            for row in rows:
                await self._retry(row.id, backoff, f"not sent: {error}")
            return
        log.warning(
            "telegram may or may not have message %s (%s): recorded as uncertain, not resent",
            [row.id for row in rows],
            error,
        )
        await self._finish_all(rows, "uncertain", f"{type(error).__name__}: {error}")

    # answering pressed buttons --------------------------------------------------------
    async def _answer_button(self, row: PendingMessage) -> None:
        query_id = row.address[len(BUTTON_ADDRESS_PREFIX) :]
        text = render(row.template, row.locale, row.context)
        if len(text) > ALERT_LIMIT:
            text = text[: ALERT_LIMIT - 1] + "…"
        alert = row.template.startswith("refusal/")
        now = real_now()
        claimed = await committed(
            self.database,
            lambda uow: uow.telegram.start_sending(row.id, query_id, now, now + LEASE),
        )
        if not claimed:
            return
        try:
            async with self._sending:
                await self.bot.answer_callback_query(query_id, text=text, show_alert=alert)
        except RetryAfter as error:
            seconds = retry_after_seconds(error)
            self.limiter.pause(seconds)
            self._due_in(seconds)
            await self._retry(row.id, seconds, "429")
            return
        except TelegramError as error:  # too old, or gone: an answer is only a courtesy
            await self._finish(row.id, "failed", str(error))
            return
        await committed(
            self.database, lambda uow: uow.telegram.sent(row.id, query_id, None, real_now())
        )
