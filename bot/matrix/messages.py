"""What the bot posts on Matrix: an ``m.notice`` with a plain body and escaped HTML.

Templates name commands with ``/`` (``/pledge 1 <amount>``); Element takes a line
starting with ``/`` as one of its own commands, so on Matrix every command a
message names reads ``!pledge``. Only the names of minga's commands change: a
date, a fraction or a URL keeps its slash.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import handlers.commands  # noqa: F401  (registers the commands)
from handlers.registry import COMMANDS
from handlers.rendering import render

HTML_FORMAT = "org.matrix.custom.html"


@cache
def _command_pattern() -> re.Pattern[str]:
    names = "|".join(sorted((re.escape(name) for name in COMMANDS), key=len, reverse=True))
    return re.compile(rf"(?<![\w/:.&;!<])/({names})(?![\w/])")


def bang_commands(text: str) -> str:
    """'/pledge 1 300' -> '!pledge 1 300'; '1/2', 'a/pledge', 'http://x/pledge' unchanged."""
    return _command_pattern().sub(r"!\1", text)


def notice_content(plain: str, html: str) -> dict[str, Any]:
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
