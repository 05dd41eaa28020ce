"""An open assembly run through Matrix: set up, voting opens, !vote, voting closes, results."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from synapse import BotUnderTest, Homeserver, Person, Seen, run


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def bot_and_three(homeserver: Homeserver, tmp_path: Path) -> tuple[BotUnderTest, Any, list[Person]]:
    """minga on 25 January 2027, its Matrix user, and Ana, Ben and Cai (not started)."""
    bot_user, *users = homeserver.fresh_users("minga", "ana", "ben", "cai")
    bot = BotUnderTest(
        homeserver,
        bot_user,
        f"sqlite:///{tmp_path}/minga.sqlite",
        tmp_path / "store",
        now=at("2027-01-25T09:00:00"),
    )
    return bot, bot_user, [Person(homeserver, u, tmp_path / u.name) for u in users]


def test_an_assembly_votes_with_bang_commands(homeserver: Homeserver, tmp_path: Path) -> None:
    bot, bot_user, people = bot_and_three(homeserver, tmp_path)
    ana, ben, cai = people

    async def scenario() -> None:
        await bot.start()
        for person, name in zip(people, ("Ana", "Ben", "Cai"), strict=True):
            await person.start(name)
        try:
            room = await ana.create_room(
                "Terra", invite=[bot_user.user_id, ben.user_id, cai.user_id]
            )
            await bot.joined(room, *(p.user_id for p in people))

            async def says(person: Person, text: str) -> None:
                await bot.handled(await person.say(room, text))

            await says(ana, "!setup Terra EUR Europe/Madrid")
            await says(ben, "!join")
            await says(cai, "!join")
            await says(
                ana,
                '!assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00 quorum 50%',
            )
            await says(ana, '!motion 1 "Buy a tractor"')
            await bot.advance(at("2027-02-01T17:00:00"))  # 18:00 in Madrid: voting opens
            opened = await cai.wait_notice("!vote 1 yes", room_id=room)
            assert "/vote" not in opened.body
            await says(ana, "!vote 1 yes")
            await says(ben, "!vote 1 yes")
            await says(cai, "!vote 1 no")
            await bot.advance(at("2027-02-01T19:00:00"))  # 20:00 in Madrid: voting closes
            results = await ana.wait_notice("results", room_id=room)
            assert "1. Buy a tractor — CARRIED: yes 2 · no 1 · abstain 0" in results.body
        finally:
            for person in people:
                await person.stop()
            await bot.stop()

    run(scenario())


def test_a_members_proposals_are_supported_voted_and_carried_out_with_bang_commands(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot, bot_user, people = bot_and_three(homeserver, tmp_path)
    ana, ben, cai = people

    async def scenario() -> None:
        await bot.start()
        for person, name in zip(people, ("Ana", "Ben", "Cai"), strict=True):
            await person.start(name)
        try:
            room = await ana.create_room(
                "Terra", invite=[bot_user.user_id, ben.user_id, cai.user_id]
            )
            await bot.joined(room, *(p.user_id for p in people))

            async def says(person: Person, text: str) -> None:
                await bot.handled(await person.say(room, text))

            await says(ana, "!setup Terra EUR Europe/Madrid")
            await says(ben, "!join")
            await says(cai, "!join")
            await says(ana, "!policy support 2")
            await says(ana, '!assembly new "Spring" 2027-02-01T18:00 2027-02-01T20:00')
            await says(ben, '!motion 1 "Community garden"')
            proposed = await cai.wait_notice("!support 1", room_id=room)
            assert "1 of 2 supporters" in proposed.body
            await says(cai, "!support 1")
            joined = await ana.wait_notice("is on the agenda", room_id=room)
            assert "Motion 1 is on the agenda of Spring" in joined.body
            await says(ben, "!motion 1 policy support 3")  # an action, proposed by a member
            await ana.wait_notice("Set the policy support to 3", room_id=room)
            await says(ana, "!support 2")
            await ana.wait_notice("Motion 2 is on the agenda of Spring", room_id=room)
            await bot.advance(at("2027-02-01T17:00:00"))  # 18:00 in Madrid: voting opens
            await cai.wait_notice("!vote 1 yes", room_id=room)
            for person in people:
                await says(person, "!vote 2 yes")
            await says(cai, "!vote 1 no")
            await bot.advance(at("2027-02-01T19:00:00"))  # 20:00 in Madrid: voting closes
            results = await ana.wait_notice("results", room_id=room)
            assert "2. Set the policy support to 3 — CARRIED: yes 3 · no 0" in results.body
            assert "→ carried out: the policy support is now 3 (it was 2)" in results.body
        finally:
            for person in people:
                await person.stop()
            await bot.stop()

    run(scenario())


def test_members_vote_by_reacting_to_each_motions_notice_and_withdraw_by_removing_it(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot, bot_user, people = bot_and_three(homeserver, tmp_path)
    ana, ben, cai = people

    def votes(number: int) -> list[tuple[str, str]]:
        from sqlalchemy import text

        with bot.database.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT member.name, vote.choice FROM vote"
                    " JOIN motion ON motion.id = vote.motion_id"
                    " JOIN member ON member.id = vote.member_id"
                    " WHERE motion.number = :n ORDER BY member.name"
                ),
                {"n": number},
            ).all()
        return [(name, choice) for name, choice in rows]

    async def scenario() -> None:
        await bot.start()
        for person, name in zip(people, ("Ana", "Ben", "Cai"), strict=True):
            await person.start(name)
        try:
            room = await ana.create_room(
                "Terra", invite=[bot_user.user_id, ben.user_id, cai.user_id]
            )
            await bot.joined(room, *(p.user_id for p in people))

            async def says(person: Person, text: str) -> None:
                await bot.handled(await person.say(room, text))

            async def reacts(person: Person, notice: str, key: str) -> str:
                reaction = await person.react(room, notice, key)
                await bot.handled(reaction)
                return reaction

            await says(ana, "!setup Terra EUR Europe/Madrid")
            await says(ben, "!join")
            await says(cai, "!join")
            await says(
                ana,
                '!assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00 quorum 50%',
            )
            await says(ana, '!motion 1 "Buy a tractor"')
            await says(ana, '!motion 1 "Adopt the charter" consensus')
            await bot.advance(at("2027-02-01T17:00:00"))  # 18:00 in Madrid: voting opens
            await cai.wait_notice("!vote 1 yes", room_id=room)  # the agenda, then one per motion

            def ballots() -> list[Seen]:
                return [s for s in cai.notices(room) if "React to this message" in s.body]

            await cai.until(lambda: len(ballots()) == 2, what="a notice per motion")
            first, second = ballots()
            assert first.body == (
                "🗳 Motion 1: Buy a tractor — majority\n"
                "React to this message to vote: 👍 yes · 👎 no · 🤷 abstain. "
                "Remove your reaction to withdraw your vote."
            )
            assert second.body.startswith("🗳 Motion 2: Adopt the charter — consensus\n")
            await bot.drained()  # the deliverer has kept which event carries which motion

            await reacts(ana, first.event_id, "👍")
            await ana.wait_notice("Ana voted on motion 1: in favour.", room_id=room)
            await reacts(ben, second.event_id, "👎\ufe0f")  # with the variation selector
            await ben.wait_notice("Ben voted on motion 2: against.", room_id=room)
            await reacts(cai, first.event_id, "🤷")
            await cai.wait_notice("Cai voted on motion 1: abstains.", room_id=room)
            heart = await ana.react(room, first.event_id, "❤️")  # not a vote: nothing
            await says(ana, "!assembly 1")  # handled after the heart came in
            assert bot.scalar("SELECT count(*) FROM inbox WHERE external_id = :e", e=heart) == 0

            # Ben changes his mind with a second reaction, then takes it back: his first
            # reaction is his vote again; taking that back too withdraws it.
            changed = await reacts(ben, second.event_id, "👍")
            await ben.wait_notice("Ben changed their vote on motion 2: in favour.", room_id=room)
            await bot.handled(await ben.redact(room, changed))
            await ben.wait_notice("Ben changed their vote on motion 2: against.", room_id=room)
            assert votes(1) == [("Ana", "yes"), ("Cai", "abstain")]
            assert votes(2) == [("Ben", "no")]

            ana_yes = next(
                r for r in await _reactions(bot) if r[0] == ana.user_id and r[1] == "yes"
            )[2]
            await bot.handled(await ana.redact(room, ana_yes))
            await ana.wait_notice("Ana withdrew their vote on motion 1.", room_id=room)
            assert votes(1) == [("Cai", "abstain")]

            await bot.advance(at("2027-02-01T19:00:00"))  # 20:00 in Madrid: voting closes
            results = await ana.wait_notice("results", room_id=room)
            assert "1. Buy a tractor — no quorum: yes 0 · no 0 · abstain 1" in results.body
            assert "2. Adopt the charter — no quorum: yes 0 · no 1 · abstain 0" in results.body
            await reacts(ana, first.event_id, "👍")
            await ana.wait_notice("Voting in Spring assembly has closed.", room_id=room)
            assert votes(1) == [("Cai", "abstain")]
        finally:
            for person in people:
                await person.stop()
            await bot.stop()

    run(scenario())


async def _reactions(bot: BotUnderTest) -> list[tuple[str, str, str]]:
    from sqlalchemy import text

    with bot.database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sender, choice, event_id FROM matrix_reaction ORDER BY id")
        ).all()
    return [(sender, choice, event_id) for sender, choice, event_id in rows]
