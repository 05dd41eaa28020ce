"""Messages the commune sends: a template name and the values it needs.

The text is rendered at delivery, by the adapter, in the recipient's language and
the platform's markup; so the outbox stores only JSON-serialisable values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.model import Address


@dataclass(frozen=True)
class Outgoing:
    address: Address
    template: str
    locale: str
    context: dict[str, Any] = field(default_factory=dict)
    dedup_key: str | None = None
