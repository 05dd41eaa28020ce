"""``minga run --metrics HOST:PORT``: Prometheus metrics at ``/metrics``, ``/healthz`` beside.

What happens is counted in the process, as it happens (handlers/observe.py tells it):

- ``minga_commands_handled_total{platform}``: messages addressed to minga (a command,
  a pressed button, a form's answer) that it acted on;
- ``minga_commands_refused_total{platform,reason}``: those answered with a refusal
  (``reason`` is the refusal: ``unknown_bond``, ``not_allowed``, ``slow_down``…);
- ``minga_commands_failed_total{platform}``: those that met a bug (answered with an apology);
- ``minga_deliveries_failed_total{platform,state}``: outbox messages the platform did not
  take: ``failed`` or ``uncertain`` (Telegram: given up), ``refused`` (Matrix: tried again).

What is state is read from the database at each scrape (storage/observed.py):

- ``minga_outbox_pending{platform}`` and ``minga_outbox_oldest_pending_seconds{platform}``;
- ``minga_last_clearing_timestamp_seconds{commune,period}``: when each commune's last
  period was cleared (alert when ``time()`` minus it passes ~35 days);
- ``minga_database_up``: 0 when those reads failed.

And from the health check (bot/health.py): ``minga_healthy``,
``minga_platform_connected{platform}``, ``minga_scheduler_last_tick_age_seconds``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import real_now
from bot.health import Health
from handlers import observe
from storage.observed import last_clearings, outbox_backlog
from storage.uow import Database

log = logging.getLogger("minga")


class Metrics(observe.Listener):
    """One process's metrics: its counters, and what it reads at each scrape."""

    def __init__(
        self, database: Database, health: Health, clock: Callable[[], datetime] = real_now
    ) -> None:
        self.registry = CollectorRegistry()
        per_platform = {"labelnames": ["platform"], "registry": self.registry}
        self.handled = Counter(
            "minga_commands_handled", "Messages addressed to minga it acted on", **per_platform
        )
        self.refused = Counter(
            "minga_commands_refused",
            "Messages addressed to minga answered with a refusal, by refusal",
            labelnames=["platform", "reason"],
            registry=self.registry,
        )
        self.failed = Counter(
            "minga_commands_failed", "Messages addressed to minga that met a bug", **per_platform
        )
        self.deliveries_failed = Counter(
            "minga_deliveries_failed",
            "Outbox messages the platform did not take, by what became of them",
            labelnames=["platform", "state"],
            registry=self.registry,
        )
        for adapter in health.adapters:  # 0, not absent, for every platform that runs
            self.handled.labels(adapter.name)
            self.failed.labels(adapter.name)
        self.registry.register(_Stored(database, health, clock))

    def command(self, platform: str, outcome: str, reason: str) -> None:
        if outcome == "handled":
            self.handled.labels(platform).inc()
        elif outcome == "refused":
            self.refused.labels(platform, reason).inc()
        else:
            self.failed.labels(platform).inc()

    def delivery_failed(self, platform: str, state: str) -> None:
        self.deliveries_failed.labels(platform, state).inc()

    def page(self) -> tuple[bytes, str]:
        """The text a scrape gets, and its content type (reads the database: not in the loop)."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _Stored(Collector):
    """The gauges read at each scrape: the outbox, the clearings, the health check."""

    def __init__(self, database: Database, health: Health, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.health = health
        self.clock = clock

    def describe(self) -> list[GaugeMetricFamily]:
        return []  # registering must not read the database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._health()
        up = GaugeMetricFamily("minga_database_up", "1 when the scrape could read the database")
        try:
            backlog = outbox_backlog(self.database.engine)
            clearings = last_clearings(self.database.engine)
        except SQLAlchemyError as error:
            log.warning("metrics: cannot read the database: %s", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        now = self.clock()
        pending = GaugeMetricFamily(
            "minga_outbox_pending", "Outbox messages not yet delivered", labels=["platform"]
        )
        oldest = GaugeMetricFamily(
            "minga_outbox_oldest_pending_seconds",
            "Age of the oldest outbox message not yet delivered",
            labels=["platform"],
        )
        for found in backlog:
            pending.add_metric([found.platform], found.pending)
            queued = found.oldest if found.oldest.tzinfo else found.oldest.replace(tzinfo=UTC)
            oldest.add_metric([found.platform], max(0.0, (now - queued).total_seconds()))
        cleared = GaugeMetricFamily(
            "minga_last_clearing_timestamp_seconds",
            "When each commune's last cleared period was cleared (Unix time)",
            labels=["commune", "period"],
        )
        for commune, (period, at) in sorted(clearings.items()):
            cleared.add_metric([commune, period], at.timestamp())
        yield from (pending, oldest, cleared)

    def _health(self) -> Iterator[GaugeMetricFamily]:
        found = self.health.report()
        yield GaugeMetricFamily(
            "minga_healthy", "1 while /healthz answers 200", value=int(found["healthy"])
        )
        connected = GaugeMetricFamily(
            "minga_platform_connected", "1 while the platform is connected", labels=["platform"]
        )
        for name, state in sorted(found["platforms"].items()):
            connected.add_metric([name], int(state == "connected"))
        yield connected
        age = found["scheduler"].get("last_tick_seconds_ago")
        if age is not None:
            yield GaugeMetricFamily(
                "minga_scheduler_last_tick_age_seconds",
                "Seconds since the scheduler last finished a tick",
                value=age,
            )
