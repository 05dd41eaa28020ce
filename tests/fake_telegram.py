"""A loopback Telegram Bot API server for the tests, and a world to drive minga through it.

``FakeTelegram`` is an aiohttp server on 127.0.0.1 that answers the Bot API as
documented at https://core.telegram.org/bots/api, for the methods minga uses:
``getMe``, ``getUpdates`` (``offset`` confirms, ``timeout`` long-polls, ``limit``,
``allowed_updates``), ``sendMessage`` (HTML parse mode checked and parsed into
what a person sees, 4096-character limit, inline keyboards with <= 64-byte
callback data), ``editMessageText``, ``answerCallbackQuery``,
``getChatAdministrators``, ``setMyCommands``/``getMyCommands``,
``setWebhook``/``deleteWebhook``. A message may reply to another
(``reply_parameters`` or ``reply_to_message_id``) and carry a ``force_reply``
markup. With ``privacy=True`` it behaves like Telegram for a bot in privacy mode
(the default): in a group the bot gets only commands (``/x``, ``/x@its_name``)
and replies to its own messages; the rest is seen by people, never by the bot
(``unseen``). Like Telegram it answers 403 to a private
message for a user who never pressed Start (or blocked the bot), 400 with
``migrate_to_chat_id`` for a group that became a supergroup, and 429 with
``retry_after`` or a late answer (a read timeout for the client, after the
message was delivered) when a test injects them with ``fail``.

python-telegram-bot talks to it unchanged, over HTTP, through ``base_url``.

The test side plays the people: ``user``, ``group``, ``say``, ``press``,
``start`` (pressing Start, maybe through a deep link), ``migrate``, and reads
what they see: ``texts``, ``dm``, ``alerts``. Every message the bot sends is
timed, so ``violations`` can check Telegram's limits afterwards.

``LoopThread`` runs an event loop in a background thread for the server (and
for an in-process adapter), so tests stay synchronous. ``TelegramWorld`` puts a
fake server, a database and minga's Telegram adapter together with a clock the
test moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")

TOKEN = "123456789:minga-test-token"
BOT_ID = 123456789
MAX_TEXT = 4096
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
ADMIN_RIGHTS = (
    "can_be_edited",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
_HTML_TOKEN = re.compile(r"<(/?)([a-zA-Z-]*)([^<>]*)>|&([^;&<>\s]*);|[^<&]+|[<&]")
_ENTITY = re.compile(r"lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+")


class LoopThread:
    """An asyncio loop in a daemon thread; ``run`` a coroutine on it and wait."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, function: Callable[[], Any]) -> None:
        self.loop.call_soon_threadsafe(function)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Fault:
    method: str
    kind: str  # "429", "late" (answer after the client's read timeout), "500", "413"
    times: int
    retry_after: int = 1
    delay: float = 3.0
    when: Callable[[dict[str, Any]], bool] | None = None


@dataclass
class Sent:
    """A message the bot sent, as the people in the chat see it now."""

    chat_id: int
    message_id: int
    text: str  # parsed: what a person sees
    html: str  # what the bot sent
    bold: list[str]
    reply_markup: dict[str, Any] | None
    at: float
    edits: list[str] = field(default_factory=list)
    first_markup: dict[str, Any] | None = None  # the buttons it was sent with
    reply_to: int | None = None  # the message it answers, in the same chat
    #: A file sent with sendDocument or sendPhoto: (method's field, file name, bytes);
    #: ``text`` is then its caption.
    file: tuple[str, str, bytes] | None = None

    def __post_init__(self) -> None:
        self.first_markup = self.reply_markup

    @property
    def first_text(self) -> str:
        """What it said when it was sent, before any edit."""
        return self.edits[0] if self.edits else self.text

    def buttons(self, first: bool = False) -> list[tuple[str, str]]:
        markup = self.first_markup if first else self.reply_markup
        rows = (markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


#: What a person's message replies to: the bot's (``Sent``) or a person's (``say``'s result).
Reply = Sent | dict[str, Any] | None


def parse_html(text: str) -> tuple[str, list[str]]:
    """What Telegram shows for an HTML message, and the bold parts; ApiError if malformed."""
    shown: list[str] = []
    bold: list[str] = []
    stack: list[str] = []
    bold_start: list[int] = []
    for match in _HTML_TOKEN.finditer(text):
        token = match.group(0)
        if match.group(2) is not None and token.startswith("<"):
            closing, tag = match.group(1), match.group(2).lower()
            if tag not in ALLOWED_TAGS:
                raise ApiError(
                    400,
                    f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}" '
                    f"at byte offset {match.start()}",
                )
            if closing:
                if not stack or stack[-1] != tag:
                    raise ApiError(400, "Bad Request: can't parse entities: unmatched end tag")
                stack.pop()
                if tag in ("b", "strong"):
                    start = bold_start.pop()
                    bold.append("".join(shown)[start:])
            else:
                stack.append(tag)
                if tag in ("b", "strong"):
                    bold_start.append(len("".join(shown)))
        elif token.startswith("&") and match.group(4) is not None:
            if not _ENTITY.fullmatch(match.group(4)):
                raise ApiError(400, "Bad Request: can't parse entities: unsupported entity")
            shown.append(unescape(token))
        elif token in ("<", "&"):
            raise ApiError(
                400,
                f"Bad Request: can't parse entities: Character '{token}' is reserved "
                f"and must be escaped with the preceding '\\'",
            )
        else:
            shown.append(token)
    if stack:
        raise ApiError(400, "Bad Request: can't parse entities: unclosed start tag")
    return "".join(shown), bold


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _param(value: Any) -> Any:
    """Form values arrive as strings; objects and arrays as JSON."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise ApiError(400, f"Bad Request: invalid integer {value!r}") from error


class FakeTelegram:
    def __init__(
        self, token: str = TOKEN, username: str = "minga_test_bot", privacy: bool = False
    ) -> None:
        self.token = token
        self.privacy = privacy  # Telegram's privacy mode: see ``passes``
        self.unseen: list[dict[str, Any]] = []  # group messages the bot was not given
        self.said: dict[tuple[int, int], dict[str, Any]] = {}  # people's messages by id
        self.me = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "minga",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": not privacy,
            "supports_inline_queries": False,
        }
        self.lock = threading.RLock()
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.admins: dict[int, list[int]] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.updates: list[dict[str, Any]] = []  # not yet confirmed by an offset
        self.created: list[int] = []  # every update id ever made
        self.returned: set[int] = set()  # update ids getUpdates handed out
        self.sent: list[Sent] = []
        self.by_id: dict[tuple[int, int], Sent] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[dict[str, Any]] = []
        self.queries: dict[str, bool] = {}  # callback query id -> answered
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.refused: list[tuple[str, int, str]] = []  # (method, code, description)
        self.faults: list[Fault] = []
        self.webhook: str = ""
        self.webhook_secret: str = ""
        self._ids = itertools.count(1001)
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._queries = itertools.count(1)
        self._new_update: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # server ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """python-telegram-bot's base_url: the token is appended."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def serve(self, port: int = 0) -> FakeTelegram:
        """Listen on 127.0.0.1 (a free port, or ``port`` again after ``stop``)."""
        self._new_update = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Stop listening: from now on the bot's connections are refused."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(await request.post())
        return {key: _param(value) for key, value in params.items()}

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        with self.lock:
            self.calls.append((method, params))
        fault = self._fault(method, params)
        try:
            if fault is not None and fault.kind == "429":
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    retry_after=fault.retry_after,
                )
            if fault is not None and fault.kind == "500":
                raise ApiError(500, "Internal Server Error")
            if fault is not None and fault.kind == "413":  # a file above the Bot API's limit
                raise ApiError(413, "Request Entity Too Large")
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as error:
            with self.lock:
                self.refused.append((method, error.code, error.description))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.code)
        if fault is not None and fault.kind == "late":
            await asyncio.sleep(fault.delay)  # done, but the answer comes too late
        return web.json_response({"ok": True, "result": result})

    def _fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.times > 0:
                    if fault.when is not None and not fault.when(params):
                        continue
                    fault.times -= 1
                    return fault
        return None

    def fail(self, method: str, kind: str, times: int = 1, **options: Any) -> Fault:
        """Make the next ``times`` calls of ``method`` fail: ``429``, ``late``, ``500``
        or ``413`` (too large)."""
        fault = Fault(method, kind, times, **options)
        with self.lock:
            self.faults.append(fault)
        return fault

    # the Bot API ---------------------------------------------------------------------------
    async def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.me

    async def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = ""
        return True

    async def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = str(params.get("url", ""))
        self.webhook_secret = str(params.get("secret_token", ""))
        with self.lock:
            waiting = list(self.updates)
        for update in waiting:
            self._loop.create_task(self._post_webhook(update))  # type: ignore[union-attr]
        return True

    async def _post_webhook(self, update: dict[str, Any]) -> None:
        """Telegram's side of a webhook: POST the update until it is answered 200."""
        from aiohttp import ClientSession

        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret}
        for _attempt in range(20):
            try:
                async with (
                    ClientSession() as session,
                    session.post(self.webhook, json=update, headers=headers) as response,
                ):
                    if response.status == 200:
                        with self.lock:
                            self.returned.add(update["update_id"])
                            self.updates = [u for u in self.updates if u is not update]
                        return
            except OSError:
                pass
            await asyncio.sleep(0.2)

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = _int(params.get("offset", 0))
        limit = min(100, max(1, _int(params.get("limit", 100))))
        timeout = max(0, _int(params.get("timeout", 0)))
        allowed = params.get("allowed_updates") or None
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                ready = [
                    u for u in self.updates if allowed is None or any(kind in u for kind in allowed)
                ][:limit]
                self.returned.update(u["update_id"] for u in ready)
            if ready or time.monotonic() >= deadline:
                return ready
            assert self._new_update is not None
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._new_update.wait(), timeout=max(0.0, deadline - time.monotonic())
                )

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        number = _int(chat_id)
        if number in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[number],
            )
        chat = self.chats.get(number)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat["type"] == "private":
            if number in self.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if number not in self.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if not markup:
            return None
        if isinstance(markup, dict) and "force_reply" in markup:
            if markup["force_reply"] is not True:
                raise ApiError(400, "Bad Request: force_reply must be True")
            return markup
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            raise ApiError(400, "Bad Request: unsupported reply markup")
        for row in markup["inline_keyboard"]:
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed here")
                data = button.get("callback_data", "")
                if len(data.encode()) > 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _render(self, params: dict[str, Any]) -> tuple[str, str, list[str]]:
        source = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            text, bold = parse_html(source)
        elif params.get("parse_mode"):
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        else:
            text, bold = source, []
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_length(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return source, text, bold

    def _message(self, sent: Sent) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "from": self.me,
            "chat": self.chats[sent.chat_id],
            "date": int(time.time()),
            "text": sent.text,
        }
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        if sent.reply_to is not None:
            message["reply_to_message"] = self.said.get((sent.chat_id, sent.reply_to)) or {
                "message_id": sent.reply_to,
                "chat": self.chats[sent.chat_id],
                "date": int(time.time()),
            }
        return message

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> int | None:
        """The message this one answers; 400 if it is not there (unless allowed)."""
        reply = params.get("reply_parameters") or {}
        if not reply and params.get("reply_to_message_id"):
            reply = {"message_id": params["reply_to_message_id"]}
        if not reply:
            return None
        if _int(reply.get("chat_id", chat_id)) != chat_id:
            raise ApiError(400, "Bad Request: replies to other chats are not taken here")
        message_id = _int(reply.get("message_id"))
        if (chat_id, message_id) in self.said or (chat_id, message_id) in self.by_id:
            return message_id
        if reply.get("allow_sending_without_reply") in (True, "true", "True"):
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            chat = self._chat(params.get("chat_id"))
            source, text, bold = self._render(params)
            markup = self._check_markup(params.get("reply_markup"))
            reply_to = self._reply_to(chat["id"], params)
            counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
            sent = Sent(chat["id"], next(counter), text, source, bold, markup, time.monotonic())
            sent.reply_to = reply_to
            self.sent.append(sent)
            self.by_id[(sent.chat_id, sent.message_id)] = sent
            return self._message(sent)

    async def api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(params, "document")

    async def api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(params, "photo")

    def _send_file(self, params: dict[str, Any], field_name: str) -> dict[str, Any]:
        """A file uploaded as multipart form data, with its caption (at most 1024)."""
        upload = params.get(field_name)
        if not hasattr(upload, "file"):
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        data = upload.file.read()
        caption = str(params.get("caption", ""))
        if utf16_length(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        with self.lock:
            chat = self._chat(params.get("chat_id"))
            source, text, bold = self._render({**params, "text": caption or "-"})
            reply_to = self._reply_to(chat["id"], params)
            counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
            sent = Sent(chat["id"], next(counter), text, source, bold, None, time.monotonic())
            sent.reply_to = reply_to
            sent.file = (field_name, str(upload.filename), data)
            self.sent.append(sent)
            self.by_id[(sent.chat_id, sent.message_id)] = sent
            return self._message(sent)

    async def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            chat_id = _int(params.get("chat_id"))
            sent = self.by_id.get((chat_id, _int(params.get("message_id"))))
            if sent is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            source, text, bold = self._render(params)
            markup = self._check_markup(params.get("reply_markup"))
            if text == sent.text and markup == sent.reply_markup:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            sent.edits.append(sent.text)
            sent.text, sent.html, sent.bold, sent.reply_markup = text, source, bold, markup
            sent.at = time.monotonic()
            return self._message(sent)

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        with self.lock:
            query_id = str(params.get("callback_query_id"))
            if query_id not in self.queries or self.queries[query_id]:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID "
                    "is invalid",
                )
            text = str(params.get("text", ""))
            if utf16_length(text) > 200:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
            self.queries[query_id] = True
            self.answers.append(
                {
                    "id": query_id,
                    "text": text,
                    "show_alert": params.get("show_alert") in (True, "true", "True", "1"),
                }
            )
            return True

    async def api_getChatAdministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.lock:
            chat = self._chat(params.get("chat_id"))
            if chat["type"] == "private":
                raise ApiError(400, "Bad Request: there are no administrators in the private chat")
            members = []
            for index, user_id in enumerate(self.admins.get(chat["id"], [])):
                user = self.users[user_id]
                if index == 0:
                    members.append({"status": "creator", "user": user, "is_anonymous": False})
                else:
                    rights = dict.fromkeys(ADMIN_RIGHTS, True)
                    members.append(
                        {"status": "administrator", "user": user, "is_anonymous": False, **rights}
                    )
            return members

    async def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands:
            raise ApiError(400, "Bad Request: commands must be a non-empty list")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = (params.get("scope") or {"type": "default"})["type"]
        with self.lock:
            self.commands[(scope, str(params.get("language_code") or ""))] = commands
        return True

    async def api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = (params.get("scope") or {"type": "default"})["type"]
        return self.commands.get((scope, str(params.get("language_code") or "")), [])

    # the people's side -------------------------------------------------------------------
    def user(
        self, first_name: str, last_name: str = "", language_code: str = "en", username: str = ""
    ) -> dict[str, Any]:
        with self.lock:
            user_id = next(self._ids)
            user: dict[str, Any] = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "language_code": language_code,
            }
            if last_name:
                user["last_name"] = last_name
            if username:
                user["username"] = username
            self.users[user_id] = user
            self.chats[user_id] = {
                "id": user_id,
                "type": "private",
                "first_name": first_name,
                **({"last_name": last_name} if last_name else {}),
            }
            return user

    def group(self, title: str, admins: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        with self.lock:
            chat_id = -next(self._ids)
            self.chats[chat_id] = {"id": chat_id, "type": "group", "title": title}
            self.admins[chat_id] = [a["id"] for a in admins or []]
            return self.chats[chat_id]

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            update = {"update_id": next(self._update_ids), **update}
            self.updates.append(update)
            self.created.append(update["update_id"])
        self._notify()
        return update

    def _notify(self) -> None:
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
            if self.webhook:
                with self.lock:
                    waiting = [u for u in self.updates if u["update_id"] not in self.returned]
                for update in waiting:
                    asyncio.run_coroutine_threadsafe(self._post_webhook(update), self._loop)

    def say(
        self,
        user: dict[str, Any],
        chat: dict[str, Any],
        text: str,
        reply_to: Reply = None,
    ) -> dict[str, Any]:
        """``user`` sends ``text`` in ``chat`` (a group, or their private chat with the bot),
        maybe as a reply to one of the bot's messages (a ``Sent``) or a person's (the
        message ``say`` returned). Returns the update, or (when privacy mode keeps it
        from the bot) the message the people saw."""
        with self.lock:
            counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
            message: dict[str, Any] = {
                "message_id": next(counter),
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                "text": text,
            }
            if text.startswith("/"):
                length = len(text.split(maxsplit=1)[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            if isinstance(reply_to, Sent):
                assert reply_to.chat_id == chat["id"], "a reply is in the same chat"
                message["reply_to_message"] = self._message(reply_to)
            elif reply_to is not None:
                message["reply_to_message"] = reply_to.get("message", reply_to)
            self.said[(chat["id"], message["message_id"])] = dict(message)
            if not self.passes(message):
                self.unseen.append(message)
                return message
        return self._push({"message": message})

    def passes(self, message: dict[str, Any]) -> bool:
        """Does the bot get this message? Always, unless privacy mode is on and it is a
        group message that is neither a command (``/x``, ``/x@bot``; not ``/x@other``)
        nor a reply to one of the bot's own messages."""
        if not self.privacy or message["chat"]["type"] == "private":
            return True
        text = message.get("text", "")
        if text.startswith("/"):
            _, at, name = text.split(maxsplit=1)[0].partition("@")
            return not at or name.lower() == self.me["username"].lower()
        replied = message.get("reply_to_message") or {}
        return (replied.get("from") or {}).get("id") == self.me["id"]

    def private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        return self.chats[user["id"]]

    def start(self, user: dict[str, Any], code: str | None = None) -> dict[str, Any]:
        """The user presses Start in the bot's private chat (maybe via a deep link)."""
        with self.lock:
            self.started.add(user["id"])
            self.blocked.discard(user["id"])
        return self.say(user, self.private_chat(user), "/start" + (f" {code}" if code else ""))

    def press(self, user: dict[str, Any], sent: Sent, data: str) -> str:
        """The user presses the button with ``data`` under ``sent``; returns the query id."""
        with self.lock:
            query_id = str(next(self._queries))
            self.queries[query_id] = False
            message = self._message(sent)
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": str(sent.chat_id),
                    "data": data,
                }
            }
        )
        return query_id

    def migrate(self, group: dict[str, Any]) -> dict[str, Any]:
        """The group becomes a supergroup with a new id, as Telegram does it."""
        with self.lock:
            new_id = -1_000_000_000_000 - next(self._ids)
            supergroup = {"id": new_id, "type": "supergroup", "title": group["title"]}
            self.chats[new_id] = supergroup
            self.admins[new_id] = self.admins.get(group["id"], [])
            self.migrated[group["id"]] = new_id
            someone = self.users[self.admins[new_id][0]] if self.admins[new_id] else self.me
            base = {"from": someone, "date": int(time.time())}
        self._push(
            {
                "message": {
                    "message_id": 10_000,
                    "chat": group,
                    "migrate_to_chat_id": new_id,
                    **base,
                }
            }
        )
        self._push(
            {
                "message": {
                    "message_id": 1,
                    "chat": supergroup,
                    "migrate_from_chat_id": group["id"],
                    **base,
                }
            }
        )
        return supergroup

    def redeliver(self, update: dict[str, Any]) -> None:
        """Telegram hands an update out again (its confirmation was lost)."""
        with self.lock:
            self.updates.append(update)
            self.updates.sort(key=lambda u: u["update_id"])
        self._notify()

    # what people see ---------------------------------------------------------------------
    def messages(self, chat: dict[str, Any] | int) -> list[Sent]:
        chat_id = chat if isinstance(chat, int) else chat["id"]
        with self.lock:
            return [s for s in self.sent if s.chat_id == chat_id]

    def texts(self, chat: dict[str, Any] | int) -> list[str]:
        return [s.text for s in self.messages(chat)]

    def dm(self, user: dict[str, Any]) -> list[str]:
        return self.texts(user["id"])

    def last(self, chat: dict[str, Any] | int) -> Sent:
        return self.messages(chat)[-1]

    def alerts(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.answers)

    def count(self, method: str) -> int:
        with self.lock:
            return sum(1 for name, _ in self.calls if name == method)

    def violations(
        self,
        overall_per_second: int = 30,
        per_chat_interval: float = 1.0,
        group_per_window: int = 20,
        group_window: float = 60.0,
    ) -> list[str]:
        """Where the bot broke Telegram's limits, judged by when its messages arrived."""
        with self.lock:
            times = sorted((s.at, s.chat_id) for s in self.sent)
        found: list[str] = []
        start = 0
        for end, (moment, _chat) in enumerate(times):
            while times[start][0] <= moment - 1.0:
                start += 1
            if end - start + 1 > overall_per_second:
                found.append(f"{end - start + 1} messages within 1 s at {moment:.3f}")
                break
        last: dict[int, float] = {}
        windows: dict[int, list[float]] = {}
        for moment, chat_id in times:
            if chat_id in last and moment - last[chat_id] < per_chat_interval:
                found.append(f"chat {chat_id}: {moment - last[chat_id]:.3f}s apart")
            last[chat_id] = moment
            if chat_id < 0:
                window = [t for t in windows.get(chat_id, []) if t > moment - group_window]
                window.append(moment)
                windows[chat_id] = window
                if len(window) > group_per_window:
                    found.append(f"group {chat_id}: {len(window)} in {group_window}s")
        return found


def wait_for(condition: Callable[[], Any], seconds: float = 20, every: float = 0.02) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {condition}")
        time.sleep(every)


# --- minga's adapter, in process, against the fake -----------------------------------------


def fast_limits() -> Any:
    """Telegram's limits scaled down so scenario tests do not wait a minute per group."""
    from bot.telegram.settings import Limits

    return Limits(
        overall_per_second=1000,
        per_chat_interval=0.0,
        group_per_window=1000,
        group_window=1.0,
        edit_interval=0.2,
        margin=0.0,
    )


class TelegramWorld:
    """A fake Telegram, a database and minga's Telegram adapter, with a movable clock."""

    def __init__(
        self,
        url: str,
        now: datetime = datetime(2026, 12, 1, 9, tzinfo=UTC),
        limits: Any = None,
        read_timeout: float = 2.0,
        loop: LoopThread | None = None,
        fake: FakeTelegram | None = None,
        privacy: bool = False,
        **settings: Any,
    ) -> None:
        from bot.telegram.adapter import TelegramAdapter
        from bot.telegram.settings import TelegramSettings
        from storage.uow import Database

        self.url = url
        self.now = now
        self.loop = loop or LoopThread()
        self.fake = fake or self.loop.run(FakeTelegram(privacy=privacy).serve())
        self.database = Database(url)
        self.settings = TelegramSettings(
            token=self.fake.token,
            base_url=self.fake.base_url,
            poll_timeout=1,
            limits=limits or fast_limits(),
            read_timeout=read_timeout,
            connect_timeout=2.0,
            retry_backoff=0.2,
            **settings,
        )
        self.adapter = TelegramAdapter(self.database, self.settings, clock=lambda: self.now)
        self.loop.run(self.adapter.start())
        self.loop.run(asyncio.wait_for(self.adapter.ready.wait(), 20))

    # driving ------------------------------------------------------------------------------
    def say(
        self, user: dict[str, Any], chat: dict[str, Any], text: str, reply_to: Reply = None
    ) -> None:
        self.fake.say(user, chat, text, reply_to)
        self.settle()

    def press(self, user: dict[str, Any], sent: Sent, data: str) -> str:
        query = self.fake.press(user, sent, data)
        self.settle()
        return query

    def start(self, user: dict[str, Any], code: str | None = None) -> None:
        self.fake.start(user, code)
        self.settle()

    def advance(self, moment: datetime) -> None:
        """Move the clock and run what falls due, as minga run's tick would."""
        from handlers.jobs import run_due

        self.now = moment
        run_due(self.database.unit_of_work, moment)
        self.loop.call(self.adapter.wake)
        self.settle()

    # waiting --------------------------------------------------------------------------------
    def _quiet(self) -> bool:
        from bot.clock import real_now

        with self.database.unit_of_work() as uow:
            unhandled = uow.inbox.unprocessed("telegram", 1)
            pending = uow.telegram.pending(real_now(), 1)
            dirty = uow.telegram.dirty_bond_messages()
        with self.fake.lock:
            made = set(self.fake.created)
            given = set(self.fake.returned)
        return made <= given and not unhandled and not pending and not dirty

    def settle(self, seconds: float = 20) -> None:
        """Wait until every update was handled and everything deliverable delivered."""
        deadline = time.monotonic() + seconds
        calm = 0
        while calm < 3:
            calm = calm + 1 if self._quiet() else 0
            if time.monotonic() > deadline:
                raise AssertionError("the adapter did not settle")
            time.sleep(0.03)

    def states(self) -> dict[str, int]:
        with self.database.unit_of_work() as uow:
            return uow.telegram.states()

    def close(self) -> None:
        try:
            self.loop.run(self.adapter.stop())
        finally:
            self.database.dispose()
