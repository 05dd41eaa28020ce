"""Nothing lost, nothing done twice: the bot killed mid-sync, gaps, a homeserver restart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from synapse import BotUnderTest, Homeserver, Person, run

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def make_bot(homeserver: Homeserver, tmp_path: Path, user, **settings) -> BotUnderTest:  # type: ignore[no-untyped-def]
    return BotUnderTest(
        homeserver, user, f"sqlite:///{tmp_path}/minga.sqlite", tmp_path / "store", NOON, **settings
    )


def cooperatives(bot: BotUnderTest) -> list[str]:
    from sqlalchemy import text

    with bot.database.engine.connect() as connection:
        return [
            name for (name,) in connection.execute(text("SELECT name FROM cooperative ORDER BY id"))
        ]


@pytest.mark.parametrize("point", ["synced", "stored", "handled"])
def test_killed_mid_sync_then_restarted_loses_nothing_and_repeats_nothing(
    homeserver: Homeserver, tmp_path: Path, point: str
) -> None:
    """Killed after nio took the sync in, after the inbox commit, after one handling."""
    bot_user, ana_user = homeserver.fresh_users("minga", "ana")
    bot = make_bot(homeserver, tmp_path, bot_user)
    ana = Person(homeserver, ana_user, tmp_path / "a")

    async def scenario() -> None:
        await bot.start()
        await ana.start("Ana")
        try:
            room = await ana.create_room("Terra", invite=[bot_user.user_id], encrypted=True)
            await bot.joined(room, ana.user_id)
            await bot.handled(await ana.say(room, "!setup Terra EUR"))
            bot.kill_at = point
            first = await ana.say(room, "!coop new Tierra")
            await bot.until(lambda: bot.kills == 1, what=f"the kill at {point}")
            second = await ana.say(room, "!coop new Pan")  # while the bot is dead
            device = bot.adapter.client.device_id
            await bot.restart()
            await bot.handled(first)
            await bot.handled(second)
            await bot.drained()
            await ana.wait_notice("Cooperative Pan created", room_id=room)
            assert cooperatives(bot) == ["Tierra", "Pan"]
            assert bot.adapter.client.device_id == device  # the login was restored
            created = [s.body for s in ana.notices(room) if s.body.startswith("🧑‍🌾 Cooperative")]
            assert len(created) == 2, created
            assert bot.scalar("SELECT count(*) FROM inbox WHERE processed_at IS NULL") == 0
        finally:
            await ana.stop()
            await bot.stop()

    run(scenario())


def test_a_gap_longer_than_the_timeline_is_fetched_in_full(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_user, ana_user = homeserver.fresh_users("minga", "ana")
    bot = make_bot(homeserver, tmp_path, bot_user, timeline_limit=3)
    ana = Person(homeserver, ana_user, tmp_path / "a")
    names = [f"C{n}" for n in range(1, 11)]

    async def scenario() -> None:
        await bot.start()
        await ana.start("Ana")
        try:
            room = await ana.create_room("Terra", invite=[bot_user.user_id])
            await bot.joined(room, ana.user_id)
            await bot.handled(await ana.say(room, "!setup Terra EUR"))
            await bot.stop()
            events = [await ana.say(room, f"!coop new {name}") for name in names]
            await bot.start()
            for event in events:
                await bot.handled(event)
            assert cooperatives(bot) == names
        finally:
            await ana.stop()
            await bot.stop()

    run(scenario())


def test_a_homeserver_restart_loses_nothing(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_user, ana_user = homeserver.fresh_users("minga", "ana")
    bot = make_bot(homeserver, tmp_path, bot_user)
    ana = Person(homeserver, ana_user, tmp_path / "a")

    async def scenario() -> None:
        await bot.start()
        await ana.start("Ana")
        try:
            room = await ana.create_room("Terra", invite=[bot_user.user_id])
            await bot.joined(room, ana.user_id)
            await bot.handled(await ana.say(room, "!setup Terra EUR"))
            await bot.drained()
            homeserver.stop()
            # The December clearing runs while the homeserver is down: a summary for
            # the group and a statement for Ana wait in the outbox.
            await bot.advance(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
            await bot.until(
                lambda: (
                    bot.scalar(
                        "SELECT count(*) FROM outbox WHERE attempts > 0 AND delivered_at IS NULL"
                    )
                    > 0
                ),
                what="a failed delivery",
            )
            homeserver.start()
            await bot.drained()
            statement = await ana.wait_notice("Your statement — December 2026")
            assert statement.room_id != room and statement.encrypted
            await bot.handled(await ana.say(room, "!coop new Tierra"))
            await ana.wait_notice("Cooperative Tierra created", room_id=room)
            summaries = [s for s in ana.notices(room) if "Clearing for December 2026" in s.body]
            assert len(summaries) == 1
        finally:
            if homeserver.process is None:
                homeserver.start()
            await ana.stop()
            await bot.stop()

    run(scenario())
