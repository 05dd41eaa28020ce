"""Refusals: the one way the domain says "no".

A refusal carries a stable code (the name of the template that explains it to a
person) and the values that template needs, so the domain never formats text.

Refusals often quote what was typed ("xyz" is not a bond number). Text in a refusal
is cut to ``ECHO_LIMIT`` characters here, where every refusal passes, so a line
pasted 5,000 characters long is not sent back whole (nor past a chat's message
limit). The limit is the longest name minga stores and names (an assembly's
title), so a name it quotes back is never cut.
"""

from __future__ import annotations

from typing import Any

ECHO_LIMIT = 200


def shortened(value: Any) -> Any:
    """Text longer than ECHO_LIMIT, cut with an ellipsis; any other value as it is."""
    if isinstance(value, str) and len(value) > ECHO_LIMIT:
        return value[: ECHO_LIMIT - 1] + "…"
    return value


class Refusal(Exception):
    """A request the rules do not allow; nothing has been changed."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = {name: shortened(value) for name, value in params.items()}

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, {self.params!r})"
