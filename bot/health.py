"""The health check: ``GET /healthz`` while ``minga run`` runs, and ``minga health``.

With ``health_listen = "127.0.0.1:9464"`` (or ``minga run --health ADDRESS``) the
running process answers ``GET http://ADDRESS/healthz`` with a JSON object, status
200 when it is healthy and 503 when not:

    {"healthy": true, "scheduler": {"healthy": true, "last_tick_seconds_ago": 12.1},
     "platforms": {"telegram": "connected"}}

Healthy means: the scheduler finished a tick recently (within three ticks, and
never less than a minute), or one is running that began less than
``LONG_TICK`` ago (a big clearing takes a while); and every configured platform is
connected. ``minga health`` (same setting) asks that address and prints one line,
exit status 0 when healthy, 1 when not or when nothing answers: what a container's
HEALTHCHECK or a monitoring script runs.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.adapters import Adapter

LONG_TICK = 900.0  # seconds a tick in progress still counts as the scheduler alive


@dataclass
class Health:
    """What the health check knows of this process: its ticks and its adapters."""

    tick_seconds: float
    adapters: Sequence[Adapter] = ()
    clock: Callable[[], float] = time.monotonic
    last_tick_done: float | None = None
    tick_began: float | None = None

    def began(self) -> None:
        self.tick_began = self.clock()

    def ended(self, ok: bool) -> None:
        if ok:
            self.last_tick_done = self.clock()
        self.tick_began = None

    def report(self) -> dict[str, Any]:
        now = self.clock()
        stale_after = max(3 * self.tick_seconds, 60.0)
        scheduler: dict[str, Any] = {}
        if self.last_tick_done is not None:
            scheduler["last_tick_seconds_ago"] = round(now - self.last_tick_done, 1)
        if self.tick_began is not None:
            scheduler["tick_running_for_seconds"] = round(now - self.tick_began, 1)
        scheduler["healthy"] = (
            self.last_tick_done is not None and now - self.last_tick_done <= stale_after
        ) or (self.tick_began is not None and now - self.tick_began <= LONG_TICK)
        platforms = {
            adapter.name: "connected" if getattr(adapter, "connected", True) else "not connected"
            for adapter in self.adapters
        }
        healthy = scheduler["healthy"] and all(v == "connected" for v in platforms.values())
        return {"healthy": healthy, "scheduler": scheduler, "platforms": platforms}


#: What ``GET /metrics`` answers: the page and its content type (bot/metrics.py).
MetricsPage = Callable[[], tuple[bytes, str]]


async def serve(health: Health, host: str, port: int, metrics: MetricsPage | None = None) -> Any:
    """Answer ``GET /healthz`` on host:port, and ``GET /metrics`` when given ``metrics``;
    the aiohttp runner, to clean up."""
    import asyncio

    from aiohttp import web  # only when a health address is configured

    async def healthz(request: web.Request) -> web.Response:
        found = health.report()
        return web.json_response(found, status=200 if found["healthy"] else 503)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    if metrics is not None:

        async def scrape(request: web.Request) -> web.Response:
            body, content_type = await asyncio.to_thread(metrics)  # it reads the database
            return web.Response(body=body, headers={"Content-Type": content_type})

        app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def summary(found: dict[str, Any]) -> str:
    """One line for ``minga health``: the scheduler, then each platform."""
    scheduler = found.get("scheduler", {})
    if "tick_running_for_seconds" in scheduler:
        parts = [f"a tick running for {scheduler['tick_running_for_seconds']}s"]
    elif "last_tick_seconds_ago" in scheduler:
        parts = [f"last tick {scheduler['last_tick_seconds_ago']}s ago"]
    else:
        parts = ["no tick yet"]
    parts += [f"{name} {state}" for name, state in sorted(found.get("platforms", {}).items())]
    return ("healthy: " if found.get("healthy") else "not healthy: ") + ", ".join(parts)


def ask(host: str, port: int, timeout: float = 5.0) -> tuple[bool, str]:
    """(healthy?, one line) from a running ``minga run`` listening on host:port."""
    url = f"http://{host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            found = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        try:
            found = json.loads(error.read())
        except ValueError:
            return False, f"not healthy: {url} answered {error.code}"
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return False, f"nothing answers at {url} ({reason}); is minga run running with it?"
    return bool(found.get("healthy")), summary(found)
