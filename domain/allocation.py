"""Splitting an amount of minor units without losing or inventing a cent."""

from __future__ import annotations

from collections.abc import Sequence


def largest_remainder(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` pro rata to ``weights`` by the largest-remainder method.

    Each part gets the floor of its exact share; the cents left over go one each
    to the parts with the largest fractional remainders, ties to the earlier part.
    The protocol orders holdings by pledge, so "earlier" means earlier pledge.
    Requires ``0 <= amount <= sum(weights)`` so that no part exceeds its weight.
    """
    total = sum(weights)
    if amount < 0 or any(w < 0 for w in weights):
        raise ValueError("amount and weights must not be negative")
    if total == 0:
        if amount:
            raise ValueError("cannot split a positive amount over zero weights")
        return [0 for _ in weights]
    if amount > total:
        raise ValueError("amount exceeds the total weight")
    parts: list[int] = []
    remainders: list[tuple[int, int]] = []
    for index, weight in enumerate(weights):
        quotient, remainder = divmod(amount * weight, total)
        parts.append(quotient)
        remainders.append((-remainder, index))
    left = amount - sum(parts)
    for _, index in sorted(remainders)[:left]:
        parts[index] += 1
    return parts


def equal_split(pool: int, count: int) -> tuple[int, int]:
    """Return (each, carried): every one of ``count`` gets ``pool // count``."""
    if pool < 0:
        raise ValueError("pool must not be negative")
    if count <= 0:
        return 0, pool
    return divmod(pool, count)
