"""What happens, told to whoever listens: ``minga run --metrics`` counts it (bot/metrics.py).

The handlers and the adapters call ``command`` and ``delivery_failed``; nothing here
knows Prometheus. With no listener (the console, the tests) each call is a no-op.
A listener must be quick and must not raise: it runs inside the handling of a message.
"""

from __future__ import annotations

from typing import Protocol


class Listener(Protocol):
    def command(self, platform: str, outcome: str, reason: str) -> None:
        """A message addressed to minga: ``outcome`` "handled", "refused" (``reason``: the
        refusal, e.g. "unknown_bond" or "slow_down") or "failed" (a bug, answered with an
        apology)."""

    def delivery_failed(self, platform: str, state: str) -> None:
        """A message of the outbox the platform did not take (``state``: "failed",
        "uncertain", or "refused" when it is tried again later)."""


_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    _listeners.append(listener)


def stop_listening(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def listening() -> bool:
    return bool(_listeners)


def command(platform: str, outcome: str, reason: str = "") -> None:
    for listener in _listeners:
        listener.command(platform, outcome, reason)


def delivery_failed(platform: str, state: str) -> None:
    for listener in _listeners:
        listener.delivery_failed(platform, state)
