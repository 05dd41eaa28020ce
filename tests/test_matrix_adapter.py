"""The Matrix adapter against a real Synapse: who may /setup, markup, invites, limits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from synapse import BotUnderTest, Homeserver, Person, run

from bot.matrix.adapter import retry_after_header
from bot.matrix.messages import bang_commands, notice_content

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def make_bot(homeserver: Homeserver, tmp_path: Path, user, **settings) -> BotUnderTest:  # type: ignore[no-untyped-def]
    return BotUnderTest(
        homeserver, user, f"sqlite:///{tmp_path}/minga.sqlite", tmp_path / "store", NOON, **settings
    )


def test_only_a_room_moderator_or_admin_may_set_up(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_user, ana_user, ben_user = homeserver.fresh_users("minga", "ana", "ben")
    bot = make_bot(homeserver, tmp_path, bot_user)
    ana, ben = (
        Person(homeserver, ana_user, tmp_path / "a"),
        Person(homeserver, ben_user, tmp_path / "b"),
    )

    async def scenario() -> None:
        await bot.start()
        await ana.start("Ana")
        await ben.start("Ben")
        try:
            room = await ana.create_room("Garden", invite=[bot_user.user_id, ben.user_id])
            await bot.joined(room, ana.user_id, ben.user_id)
            await bot.handled(await ben.say(room, "!setup Garden EUR"))
            refusal = await ben.wait_notice("Only an admin", room_id=room)
            assert "!setup" in refusal.body  # Matrix readers are told the ! form
            assert bot.scalar("SELECT count(*) FROM commune") == 0
            # Ana (who made the room) makes Ben a moderator: power level 50.
            levels = await ana.client.room_get_state_event(room, "m.room.power_levels")
            content = dict(levels.content)
            content["users"] = {**content.get("users", {}), ben.user_id: 50}
            await ana.client.room_put_state(room, "m.room.power_levels", content)
            await bot.until(
                lambda: (
                    bot.adapter.client.rooms[room].power_levels.get_user_level(ben.user_id) == 50
                ),
                what="the new power level",
            )
            await bot.handled(await ben.say(room, "!setup Garden EUR"))
            await ben.wait_notice("Garden is set up", room_id=room)
        finally:
            await ana.stop()
            await ben.stop()
            await bot.stop()

    run(scenario())


def test_markup_in_a_name_is_shown_literally(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_user, ana_user, eve_user = homeserver.fresh_users("minga", "ana", "eve")
    bot = make_bot(homeserver, tmp_path, bot_user)
    ana, eve = (
        Person(homeserver, ana_user, tmp_path / "a"),
        Person(homeserver, eve_user, tmp_path / "e"),
    )

    async def scenario() -> None:
        await bot.start()
        await ana.start("Ana")
        await eve.start('<b>Eve & co</b><a href="https://evil.example">x</a>')
        try:
            room = await ana.create_room("Terra", invite=[bot_user.user_id, eve.user_id])
            await bot.joined(room, ana.user_id, eve.user_id)
            await bot.handled(await ana.say(room, "!setup Terra EUR"))
            await bot.handled(await eve.say(room, "!join"))
            welcome = await ana.wait_notice("Welcome to Terra", room_id=room)
            assert '<b>Eve & co</b><a href="https://evil.example">x</a>' in welcome.body
            assert welcome.formatted is not None
            assert "<b>" not in welcome.formatted and "<a " not in welcome.formatted
            assert "&lt;b&gt;Eve &amp; co&lt;/b&gt;&lt;a href=" in welcome.formatted
        finally:
            await ana.stop()
            await eve.stop()
            await bot.stop()

    run(scenario())


def test_invites_are_accepted_only_from_the_allow_list(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_user, ana_user, mal_user = homeserver.fresh_users("minga", "ana", "mallory")
    bot = make_bot(homeserver, tmp_path, bot_user, allow=(ana_user.user_id,))
    ana, mal = (
        Person(homeserver, ana_user, tmp_path / "a"),
        Person(homeserver, mal_user, tmp_path / "m"),
    )

    async def scenario() -> None:
        await bot.start()
        await ana.start()
        await mal.start()
        try:
            shady = await mal.create_room("Shady", invite=[bot_user.user_id])
            room = await ana.create_room("Terra", invite=[bot_user.user_id])
            await bot.joined(room, ana.user_id)
            await mal.until(
                lambda: bot_user.user_id not in mal.client.rooms[shady].invited_users,
                what="the invite declined",
            )
            assert bot_user.user_id not in mal.client.rooms[shady].users
            assert shady not in bot.adapter.client.rooms
        finally:
            await ana.stop()
            await mal.stop()
            await bot.stop()

    run(scenario())


def test_the_backlog_before_the_first_start_is_ignored(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_user, ana_user = homeserver.fresh_users("minga", "ana")
    bot = make_bot(homeserver, tmp_path, bot_user)
    ana = Person(homeserver, ana_user, tmp_path / "a")

    async def scenario() -> None:
        await ana.start()
        try:
            room = await ana.create_room("Old", invite=[bot_user.user_id])
            homeserver.request(
                "POST", f"/_matrix/client/v3/join/{room}", {}, token=bot_user.access_token
            )
            old = await ana.say(room, "!setup Old EUR")  # before minga ever ran
            await bot.start()
            await bot.joined(room, ana.user_id)
            await bot.handled(await ana.say(room, "!help"))
            assert bot.scalar("SELECT count(*) FROM inbox WHERE external_id = :e", e=old) == 0
            assert bot.scalar("SELECT count(*) FROM commune") == 0
        finally:
            await ana.stop()
            await bot.stop()

    run(scenario())


def test_rate_limits_are_waited_out_and_nothing_is_sent_twice(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_user, ana_user = homeserver.fresh_users("minga", "ana")
    admin = homeserver.register(f"root-{bot_user.name}", admin=True)  # to tighten limits
    homeserver.request(
        "POST",
        f"/_synapse/admin/v1/users/{bot_user.user_id}/override_ratelimit",
        {"messages_per_second": 2, "burst_count": 2},
        token=admin.access_token,
    )
    bot = make_bot(homeserver, tmp_path, bot_user)
    ana = Person(homeserver, ana_user, tmp_path / "a")

    async def scenario() -> None:
        await bot.start()
        await ana.start("Ana")
        try:
            room = await ana.create_room("Terra", invite=[bot_user.user_id])
            await bot.joined(room, ana.user_id)
            await bot.handled(await ana.say(room, "!setup Terra EUR"))
            for name in ("Tierra", "Pan", "Forja", "Huerta", "Molino", "Telar"):
                await ana.say(room, f"!coop new {name}")
            # Ana's client sees the last answer a sync after minga sent it: wait for it,
            # then everything sent must be there exactly once, in order.
            await ana.wait_notice("Cooperative Telar created", room_id=room, timeout=60)
            await bot.drained()
            created = [s.body for s in ana.notices(room) if "Cooperative" in s.body]
            assert len(created) == 6
            assert [body.split()[2] for body in created] == [
                "Tierra",
                "Pan",
                "Forja",
                "Huerta",
                "Molino",
                "Telar",
            ]
            retried = bot.scalar("SELECT count(*) FROM outbox WHERE attempts > 1")
            assert retried > 0, "the homeserver never said M_LIMIT_EXCEEDED"
        finally:
            await ana.stop()
            await bot.stop()

    run(scenario())


def test_an_access_token_instead_of_a_password(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_user, ana_user = homeserver.fresh_users("minga", "ana")
    bot = make_bot(homeserver, tmp_path, bot_user, password=None, token=bot_user.access_token)
    ana = Person(homeserver, ana_user, tmp_path / "a")

    async def scenario() -> None:
        await bot.start()
        await ana.start()
        try:
            room = await ana.create_room("Terra", invite=[bot_user.user_id])
            await bot.joined(room, ana.user_id)
            await bot.handled(await ana.say(room, "!help"))
            await ana.wait_notice("What you can do here", room_id=room)
            assert bot.adapter.client.device_id == bot_user.device_id
        finally:
            await ana.stop()
            await bot.stop()

    run(scenario())


def test_notices_carry_plain_text_and_escaped_html() -> None:
    content = notice_content(
        "Pledge with /pledge 1 <amount>", "Pledge with /pledge 1 &lt;amount&gt;"
    )
    assert content == {
        "msgtype": "m.notice",
        "body": "Pledge with !pledge 1 <amount>",
        "format": "org.matrix.custom.html",
        "formatted_body": "Pledge with !pledge 1 &lt;amount&gt;",
    }
    assert bang_commands("a/b, 1/2, https://x.org/pledge, /pledges") == (
        "a/b, 1/2, https://x.org/pledge, /pledges"
    )
    assert retry_after_header("3") == 3000
    assert retry_after_header(None) is None
    assert retry_after_header("Wed, 21 Oct 2015 07:28:00 GMT") == 0
