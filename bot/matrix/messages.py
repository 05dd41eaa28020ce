"""What the bot posts on Matrix: an ``m.notice`` with a plain body and escaped HTML.

With ``matrix_merge_notices``, a group's waiting rows go as one notice
(bot/coalesce.py), within ``NOTICE_LIMIT``, but a motion's notice always goes alone
(a reaction to it is a vote: bot/matrix/reactions.py), and so does a file's caption
(bot/matrix/files.py); each notice has a transaction id of
its own, the same on every retry.

Templates name commands with ``/`` (``/pledge 1 <amount>``); Element takes a line
starting with ``/`` as one of its own commands, so on Matrix every command a
message names reads ``!pledge``. Only the names of minga's commands change: a
date, a fraction or a URL keeps its slash.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from typing import Any

import handlers.commands  # noqa: F401  (registers the commands)
from bot import coalesce
from handlers.attachments import carries_file
from handlers.ballots import TEMPLATE as BALLOT
from handlers.registry import COMMANDS
from handlers.rendering import render
from storage.repositories.messaging import PendingMessage

HTML_FORMAT = "org.matrix.custom.html"


@cache
def _command_pattern() -> re.Pattern[str]:
    names = "|".join(sorted((re.escape(name) for name in COMMANDS), key=len, reverse=True))
    return re.compile(rf"(?<![\w/:.&;!<])/({names})(?![\w/])")


def bang_commands(text: str) -> str:
    """'/pledge 1 300' -> '!pledge 1 300'; '1/2', 'a/pledge', 'http://x/pledge' unchanged."""
    return _command_pattern().sub(r"!\1", text)


def notice_content(plain: str, html: str) -> dict[str, str]:
    """The event content: every value in ``html`` is already escaped by render()."""
    return {
        "msgtype": "m.notice",
        "body": bang_commands(plain),
        "format": HTML_FORMAT,
        "formatted_body": bang_commands(html).replace("\n", "<br>"),
    }


def render_both(template: str, locale: str, context: dict[str, Any]) -> tuple[str, str]:
    """(plain, escaped HTML): the two bodies of one notice."""
    return render(template, locale, context), render(template, locale, context, html=True)


#: Characters in one merged notice (plain and HTML bodies together): well under the
#: homeserver's 64 KiB event limit, once encrypted.
NOTICE_LIMIT = 16_000


def alone(message: PendingMessage) -> bool:
    """A motion's notice (a reaction to it is a vote) and a file's caption (the file
    follows it) are never merged with others."""
    return message.template == BALLOT or carries_file(message.context)


def coalesced(claimed: list[PendingMessage]) -> list[PendingMessage]:
    """The first claimed row and the rows that go in one notice with it: the rest of
    its group's run (bot/coalesce.py), as many as fit within ``NOTICE_LIMIT``."""
    run = coalesce.runs(claimed, alone=alone)[0]
    bodies = [render_both(m.template, m.locale, m.context) for m in run]
    start, stop = coalesce.pack([plain + html for plain, html in bodies], NOTICE_LIMIT)[0]
    return run[start:stop]


def merged_notice(batch: list[PendingMessage]) -> dict[str, str]:
    bodies = [render_both(m.template, m.locale, m.context) for m in batch]
    return notice_content(
        coalesce.joined([plain for plain, _ in bodies]),
        coalesce.joined([html for _, html in bodies]),
    )


def batch_transaction_id(batch: list[PendingMessage]) -> str:
    """A row's own id alone; a merged notice's from every row in it, so a retry of the
    same rows is deduplicated by the homeserver and a different batch never is."""
    if len(batch) == 1:
        return transaction_id(batch[0])
    digest = hashlib.sha256(" ".join(transaction_id(m) for m in batch).encode()).hexdigest()
    return f"minga-{batch[0].id}-{batch[-1].id}-{digest[:12]}"


def transaction_id(message: PendingMessage) -> str:
    """The same for every try of one outbox row, different for any other message.

    The row id alone would do until a database is restored from a backup and hands
    out the same ids again: the homeserver would take a new message for a retry of
    the old one. A digest of what the row says tells them apart.
    """
    what = json.dumps(
        [message.address, message.template, message.locale, message.context], sort_keys=True
    )
    return f"minga-{message.id}-{hashlib.sha256(what.encode()).hexdigest()[:12]}"
