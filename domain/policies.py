"""A commune's policies: the few rules a commune sets for itself, by name.

Each policy has one spelling of each value (what ``/policy`` shows and stores), so
that "Assembly", "assembly" and "ASSEMBLY" are one value and a stored value never
needs a second parse. A policy's kind says which values it takes; later policies
(payments, the common fund) add rows to ``POLICIES`` and nothing else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import Refusal


class Kind(StrEnum):
    WORD = "word"  # one of a few words
    COUNT = "count"  # a whole number in a range
    PERCENT = "percent"  # N% in a range
    COUNT_OR_PERCENT = "count or percent"  # N, or N% of the members


@dataclass(frozen=True)
class Policy:
    name: str
    kind: Kind
    default: str
    words: tuple[str, ...] = ()
    low: int = 0
    high: int = 0

    def allowed(self) -> str:
        """The values it takes, as the refusal shows them."""
        if self.kind is Kind.WORD:
            return ", ".join(self.words)
        if self.kind is Kind.COUNT:
            return f"{self.low}–{self.high}"
        if self.kind is Kind.PERCENT:
            return f"{self.low}%–{self.high}%"
        return f"{self.low}–{self.high}, {self.low}%–100%"

    def parse(self, text: str) -> str:
        """The value's one spelling; a refusal naming the values it takes."""
        typed = unicodedata.normalize("NFKC", text).strip().lower()
        if self.kind is Kind.WORD:
            if typed in self.words:
                return typed
            raise self._refusal(text)
        percent = typed.endswith("%")
        digits = typed.removesuffix("%").strip()
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 6:
            raise self._refusal(text)
        number = int(digits)
        if self.kind is Kind.COUNT and not percent and self.low <= number <= self.high:
            return str(number)
        if self.kind is Kind.PERCENT and percent and self.low <= number <= self.high:
            return f"{number}%"
        if self.kind is Kind.COUNT_OR_PERCENT:
            if percent and 1 <= number <= 100:
                return f"{number}%"
            if not percent and self.low <= number <= self.high:
                return str(number)
        raise self._refusal(text)

    def _refusal(self, text: str) -> Refusal:
        return Refusal("bad_policy_value", name=self.name, text=text, allowed=self.allowed())


DECIDE = "decide"
APPROVAL = "approval"
SUPPORT = "support"
PAYMENT_DAYS = "payment-days"
DEFAULT_MONTHS = "default-months"
FUND = "fund"

POLICIES: dict[str, Policy] = {
    policy.name: policy
    for policy in (
        Policy(DECIDE, Kind.WORD, "admins", words=("admins", "assembly")),
        Policy(APPROVAL, Kind.WORD, "none", words=("none", "assembly")),
        Policy(SUPPORT, Kind.COUNT_OR_PERCENT, "3", low=1, high=10_000),
        Policy(PAYMENT_DAYS, Kind.COUNT, "0", low=0, high=60),
        Policy(DEFAULT_MONTHS, Kind.COUNT, "3", low=1, high=24),
        Policy(FUND, Kind.PERCENT, "0%", low=0, high=100),
    )
}


def policy_named(text: str) -> Policy:
    found = POLICIES.get(unicodedata.normalize("NFKC", text).strip().lower())
    if found is None:
        raise Refusal("unknown_policy", name=text, known=", ".join(POLICIES))
    return found


def with_defaults(stored: Mapping[str, str]) -> dict[str, str]:
    """Every policy's value, in the table's order: what was set, else the default."""
    return {name: stored.get(name, policy.default) for name, policy in POLICIES.items()}


def by_assembly(values: Mapping[str, str]) -> bool:
    """Once ``decide`` is ``assembly``, only a carried motion changes a policy."""
    return values.get(DECIDE, POLICIES[DECIDE].default) == "assembly"


def needs_approval(values: Mapping[str, str]) -> bool:
    return values.get(APPROVAL, POLICIES[APPROVAL].default) == "assembly"


def payment_days(values: Mapping[str, str]) -> int:
    """Days pledgers have to pay a fully pledged bond; 0: a pledge counts as paid."""
    return int(values.get(PAYMENT_DAYS, POLICIES[PAYMENT_DAYS].default))


def fund_percent(values: Mapping[str, str]) -> int:
    """The share (0–100) of each period's dividend pool the common fund keeps."""
    return int(values.get(FUND, POLICIES[FUND].default).removesuffix("%"))


def supporters_needed(value: str, members: int) -> int:
    """``support``'s number for a commune of ``members``: N, or N% rounded up, at least 1."""
    if value.endswith("%"):
        percent = int(value[:-1])
        return max(1, -(-percent * members // 100))
    return int(value)
