"""PROTOCOL.md's worked example on a real homeserver, from !setup to the clearings.

Ana, Ben, Cai and Dee are matrix-nio clients, as their apps would be. The group
room is encrypted, as Element makes private rooms; every statement reaches each
member in one encrypted direct room that the bot created, and their client
decrypts it. The test moves the handlers' clock and runs the scheduler's due
work itself, as tests/test_reliability.py does.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from synapse import BotUnderTest, Homeserver, Person, run


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_worked_example_from_setup_to_the_clearings(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_user, *users = homeserver.fresh_users("minga", "ana", "ben", "cai", "dee")
    bot = BotUnderTest(
        homeserver,
        bot_user,
        f"sqlite:///{tmp_path}/minga.sqlite",
        tmp_path / "store",
        now=at("2026-12-01T09:00:00"),
    )
    ana, ben, cai, dee = people = [Person(homeserver, u, tmp_path / u.name) for u in users]

    async def scenario() -> None:
        await bot.start()
        for person, name in zip(people, ("Ana", "Ben", "Cai", "Dee"), strict=True):
            await person.start(display_name=name)
        try:
            group = await ana.create_room(
                "Terra", invite=[bot_user.user_id] + [p.user_id for p in people[1:]], encrypted=True
            )
            await bot.joined(group, *(u.user_id for u in users))

            async def says(person: Person, text: str) -> None:
                await bot.handled(await person.say(group, text))

            await says(ana, "!setup Terra EUR Europe/Madrid")
            await says(ana, "!coop new Tierra")
            await says(ana, "!coop new Pan")
            await says(ana, "!join Tierra")
            await says(ben, "!join Tierra")
            await says(cai, "!join Pan")
            await says(dee, "!join Pan")
            await says(ben, "!propose Tractor 1000 333.33 2026-12-31")
            await says(ana, "!pledge 1 500")
            await says(cai, "!pledge 1 300")
            await says(dee, "!pledge 1 200")
            for month in ("01", "02", "03", "04"):
                await bot.advance(at(f"2027-{month}-15T10:00:00"))
                await says(ana, "!rent 1 333.33")
            await bot.advance(at("2027-05-01T09:00:00"))
            await bot.drained()

            await ana.wait_notice("Bond #1 cleared", room_id=group)
            expected = {
                ana: ["€166.66 repaid to you, €333.34 still owed", "Dividend: €83.33"],
                ben: ["Tierra paid rent €333.33 (€166.67 per Tierra member)", "Dividend: €83.33"],
                cai: ["€100.00 repaid to you, €200.00 still owed", "Dividend: €83.33"],
                dee: ["€66.67 repaid to you, €133.33 still owed", "Dividend: €83.33"],
            }
            for person, lines in expected.items():
                await person.until(
                    lambda p=person: len(_statements(p, bot_user.user_id)) == 5,
                    what="five statements (December to April)",
                )
                statements = _statements(person, bot_user.user_id)
                rooms = {s.room_id for s in statements}
                assert len(rooms) == 1, "one direct room per member, reused"
                (dm,) = rooms
                assert dm != group
                assert all(s.encrypted for s in statements), "decrypted by the member's client"
                january = next(s for s in statements if "January 2027" in s.body)
                april = next(s for s in statements if "April 2027" in s.body)
                assert lines[0] in january.body
                assert lines[1] in april.body
                # The bot created it as a direct room and says so in m.direct.
                direct = homeserver.request(
                    "GET",
                    f"/_matrix/client/v3/user/{bot_user.user_id}/account_data/m.direct",
                    token=bot.adapter.client.access_token,
                )
                assert dm in direct[person.user_id]
                assert bot.adapter.client.rooms[dm].encrypted
            # On the server the DM holds only ciphertext; Ana's client read it above.
            dm = dm_of(ana, bot_user.user_id)
            history = homeserver.request(
                "GET",
                f"/_matrix/client/v3/rooms/{dm}/messages?dir=b&limit=100",
                token=ana.user.access_token,
            )
            kinds = [e["type"] for e in history["chunk"] if "state_key" not in e]
            assert "m.room.encrypted" in kinds and "m.room.message" not in kinds
            # Ana asks in her encrypted DM; the bot decrypts, answers there.
            await bot.handled(await ana.say(dm, "!statement 2027-03"))
            march = await ana.wait_notice("Your statement — March 2027", room_id=dm)
            assert "€166.66 repaid to you, €0.01 still owed" in march.body
            # Holders heard of their holding in the same room, before any statement.
            held = [s for s in ana.notices(sender=bot_user.user_id) if "You hold" in s.body]
            assert [s.room_id for s in held] == [dm_of(ana, bot_user.user_id)]
            # Nothing was sent twice: each group post reaches all four, each DM one.
            await bot.drained()
            sent = bot.scalar("SELECT count(*) FROM outbox WHERE platform = 'matrix'")
            group_posts = bot.scalar(
                "SELECT count(*) FROM outbox WHERE platform = 'matrix' AND is_private = false"
            )

            def seen() -> int:
                return sum(len(p.notices(sender=bot_user.user_id)) for p in people)

            await ana.until(lambda: seen() >= sent + 3 * group_posts, what="every notice")
            await asyncio.sleep(0.5)  # a duplicate would arrive about now
            assert seen() == sent + 3 * group_posts
        finally:
            for person in people:
                await person.stop()
            await bot.stop()

    run(scenario())


def _statements(person: Person, bot_id: str) -> list:
    return [s for s in person.notices(sender=bot_id) if s.body.startswith("Your statement")]


def dm_of(person: Person, bot_id: str) -> str:
    (room,) = {s.room_id for s in _statements(person, bot_id)}
    return room
