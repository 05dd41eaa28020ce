"""Telegram's text limit: 4096 characters after entities are parsed, in UTF-16 units.

minga sends HTML in which every character was escaped (handlers/rendering.py), so
the only entities are ``&amp;``, ``&lt;``, ``&gt;`` (and quotes): a message is cut
into parts at line ends, and a line longer than a whole part is cut at a space,
never inside an entity.
"""

from __future__ import annotations

import html
import re

LIMIT = 4096
_TOKEN = re.compile(r"&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);|.", re.DOTALL)


def parsed_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units of the text the HTML shows."""
    return len(html.unescape(text).encode("utf-16-le")) // 2


def split_message(text: str, limit: int = LIMIT) -> list[str]:
    """Parts of at most ``limit``, cut at line boundaries; no empty parts."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        length = parsed_length(line)
        if length > limit:
            if current:
                parts.append("\n".join(current))
                current, size = [], 0
            parts.extend(_cut_line(line, limit))
            continue
        needed = length if not current else size + 1 + length
        if needed > limit:
            parts.append("\n".join(current))
            current, size = [line], length
        else:
            current.append(line)
            size = needed
    if current:
        parts.append("\n".join(current))
    return [part for part in parts if part.strip()]


def _cut_line(line: str, limit: int) -> list[str]:
    tokens = _TOKEN.findall(line)
    pieces: list[str] = []
    start = 0
    while start < len(tokens):
        size, end, last_space = 0, start, None
        while end < len(tokens):
            width = parsed_length(tokens[end])
            if size + width > limit:
                break
            if tokens[end] == " ":
                last_space = end
            size += width
            end += 1
        if end < len(tokens) and last_space is not None and last_space > start:
            end = last_space + 1  # cut after a space rather than in a word
        pieces.append("".join(tokens[start:end]))
        start = end
    return pieces
