"""Which language a person reads: their choice, else their platform's, else the commune's."""

from __future__ import annotations

SUPPORTED = ("en", "es", "ca")
DEFAULT = "en"


def normalise(tag: str | None) -> str | None:
    """'es-ES', 'ca_ES', 'ES' -> 'es'/'ca'; None for a language we have no catalog for."""
    if not tag:
        return None
    base = tag.replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED else None


def choose(chosen: str | None, reported: str | None, commune: str | None) -> str:
    return normalise(chosen) or normalise(reported) or normalise(commune) or DEFAULT
