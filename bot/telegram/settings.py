"""The Telegram adapter's settings: from ``MINGA_TELEGRAM_*`` or minga.toml, never git."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.config import ConfigError, Settings
from domain.flood import FloodLimit


@dataclass(frozen=True)
class Limits:
    """Telegram's published limits on what a bot sends, and how minga paces edits.

    Tests scale the windows down; the defaults are Telegram's own numbers.
    """

    overall_per_second: int = 30
    per_chat_interval: float = 1.0  # seconds between two messages to one chat
    group_per_window: int = 20
    group_window: float = 60.0  # seconds: at most group_per_window messages per group
    edit_interval: float = 5.0  # seconds between two edits of one live bond message
    #: Seconds added to every window and wait: a request may reach Telegram a little
    #: later than minga counted it, and two late ones must not make a window too full.
    margin: float = 0.15


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    #: python-telegram-bot's convention: the token is appended, e.g. http://127.0.0.1:8081/bot
    base_url: str | None = None
    poll_timeout: int = 30  # long-polling seconds of getUpdates
    poll_interval: float = 0.0  # pause after a poll that brought nothing
    #: Webhook mode (behind a reverse proxy): Telegram posts updates to this public URL.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1:8443"  # where minga listens for the proxy
    #: Checked on every webhook request; None: minga makes one and keeps it (webhook.py).
    webhook_secret: str | None = None
    limits: Limits = field(default_factory=Limits)
    concurrency: int = 16  # sends in flight at once (to different chats)
    retry_backoff: float = 2.0  # seconds before the first retry when Telegram is unreachable
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    #: Per member and chat (domain/flood.py); Settings.flood_limit(), None is off.
    flood: FloodLimit | None = None

    @property
    def webhook(self) -> bool:
        return bool(self.webhook_url)


#: What Telegram accepts as a webhook's secret_token: 1-256 of these characters.
VALID_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def telegram_settings(settings: Settings) -> TelegramSettings | None:
    """None when no token is configured: then minga runs without Telegram."""
    token = settings.get("telegram_token")
    if not token:
        return None
    secret = settings.get("telegram_webhook_secret")
    if secret and not VALID_SECRET.match(secret):
        raise ConfigError(
            "telegram_webhook_secret: only A-Z, a-z, 0-9, _ and - (at most 256), as Telegram "
            "requires; or leave it out and minga makes one"
        )
    return TelegramSettings(
        token=token,
        base_url=settings.get("telegram_base_url"),
        poll_timeout=int(settings.get("telegram_poll_timeout") or 30),
        webhook_url=settings.get("telegram_webhook_url"),
        webhook_listen=settings.get("telegram_webhook_listen") or "127.0.0.1:8443",
        webhook_secret=secret,
        flood=settings.flood_limit(),
    )
