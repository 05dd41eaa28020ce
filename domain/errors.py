"""Refusals: the one way the domain says "no".

A refusal carries a stable code (the name of the template that explains it to a
person) and the values that template needs, so the domain never formats text.
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A request the rules do not allow; nothing has been changed."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, {self.params!r})"
