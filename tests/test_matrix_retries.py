"""Retrying a homeserver that cannot be reached leaves no HTTP session open behind it."""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path

import aiohttp
import pytest
from synapse import free_port

from bot.matrix.adapter import MatrixAdapter
from bot.matrix.settings import MatrixSettings
from storage.uow import Database


def test_logging_in_to_a_closed_port_closes_the_session_of_every_try(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = MatrixSettings(
        homeserver=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        user_id="@minga:minga.test",
        password="secret",
        token=None,
        store=tmp_path / "store",
        pickle_key="test-pickle-key",
        allow=("minga.test",),
    )
    adapter = MatrixAdapter(Database(f"sqlite:///{tmp_path}/minga.sqlite"), settings)
    adapter.first_retry = 0.01

    def tries() -> int:
        return sum("cannot reach" in r.getMessage() for r in caplog.records)

    async def scenario() -> None:
        await adapter.start()
        for _ in range(500):
            if tries() >= 4:
                break
            await asyncio.sleep(0.02)
        await adapter.stop()
        gc.collect()  # an unclosed aiohttp session complains when it is collected
        await asyncio.sleep(0)
        open_sessions.extend(
            o for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession) and not o.closed
        )

    open_sessions: list[aiohttp.ClientSession] = []

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    assert tries() >= 4
    assert adapter.failure is None  # a network error is retried, never fatal
    assert open_sessions == []
    assert not [r for r in caplog.records if "Unclosed" in r.getMessage()]
