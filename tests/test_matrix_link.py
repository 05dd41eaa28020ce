"""/link: one person with a Telegram and a Matrix account is one member, one statement.

The rules run through the console (on SQLite and PostgreSQL); the last test links
a console account with a real Matrix account on Synapse.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from harness import TERRA_SETUP, ConsoleChat
from sqlalchemy import text
from synapse import BotUnderTest, Homeserver, Person, run

CODE = re.compile(r"Your link code: ([A-Z0-9]{8})")


def code_from(lines: list[str]) -> str:
    (code,) = {m[1] for line in lines if (m := CODE.search(line))}
    return code


def persons(chat: ConsoleChat, *users: str) -> set[int]:
    with chat.database.engine.connect() as connection:
        return {
            connection.execute(
                text("SELECT person_id FROM account WHERE platform_user_id = :u"), {"u": u}
            ).scalar_one()
            for u in users
        }


def test_a_code_joins_a_second_account_to_the_member(terra: ConsoleChat) -> None:
    code = code_from(terra.say("ana@dm: /link"))
    assert terra.say(f"ana2@dm: /link {code.lower()}") == [
        "[dm ana2] ✅ Linked: this account and your Console account are now one member. "
        "Private messages go to whichever of them you used last."
    ]
    assert persons(terra, "ana", "ana2") == persons(terra, "ana")
    # ana2 now pledges as Ana: the same member, the same pledge.
    assert terra.say("ana2@group: /pledge 1 400")[0] == "[group] ✋ ana pledged €400.00 to bond #1."
    assert terra.say("ana@group: /pledge 1 100")[0] == "[group] ✋ ana pledged €100.00 to bond #1."
    with terra.database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM pledge")).scalar_one() == 1
    # A code works once.
    assert "not a valid link code" in terra.say(f"zoe@dm: /link {code}")[0]


def test_link_refusals(terra: ConsoleChat) -> None:
    assert "private chat" in terra.say("ana@group: /link")[0]
    assert "not a valid link code" in terra.say("ana@dm: /link NOPE2345")[0]
    code = code_from(terra.say("ana@dm: /link"))
    assert "this same account" in terra.say(f"ana@dm: /link {code}")[0]
    code = code_from(terra.say("ben@dm: /link"))
    assert terra.say(f"ana@dm: /link {code}") == [
        "[dm ana] Both accounts are members of Terra, so they can't become one member. "
        "Leave Terra with /leave on one of them first, then link."
    ]
    assert len(persons(terra, "ana", "ben")) == 2
    # The refused code was not used up: an account with no membership can still use it.
    assert "Linked" in terra.say(f"ben2@dm: /link {code}")[0]


def test_an_expired_code_is_refused(terra: ConsoleChat) -> None:
    code = code_from(terra.say("ana@dm: /link"))
    terra.say(":advance 16m")
    assert "not a valid link code" in terra.say(f"ana2@dm: /link {code}")[0]


def test_linked_console_and_matrix_accounts_get_one_statement(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/minga.sqlite"
    console = ConsoleChat(url)
    console.script(TERRA_SETUP)
    console.say("ana@group: /pledge 1 500", "cai@group: /pledge 1 500")
    console.close()
    bot_user, ana_user = homeserver.fresh_users("minga", "ana")
    bot = BotUnderTest(
        homeserver, bot_user, url, tmp_path / "store", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    )
    ana = Person(homeserver, ana_user, tmp_path / "ana")

    async def scenario() -> None:
        await bot.start()
        await ana.start("Ana on Matrix")
        try:
            # Ana opens a direct chat with the bot, as Element does.
            answer = await ana.client.room_create(is_direct=True, invite=[bot_user.user_id])
            dm = answer.room_id
            await bot.joined(dm, ana.user_id)
            await bot.handled(await ana.say(dm, "!link"))
            shown = await ana.wait_notice("Your link code", room_id=dm)
            code = code_from([shown.body])
            assert "!link " + code in shown.body
            chat = ConsoleChat(url)  # the console stands in for her other platform
            assert "Linked" in chat.say(f"ana@dm: /link {code}")[0]
            chat.close()
            # Back on Matrix: she is Terra's member there too.
            await bot.handled(await ana.say(dm, "!bonds"))
            await bot.advance(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
            await bot.drained()
            await ana.wait_notice("Your statement — December 2026", room_id=dm)
            assert (
                bot.scalar("SELECT count(*) FROM member m JOIN commune c ON c.id = m.commune_id")
                == 4
            )
            statements = bot.scalar(
                "SELECT count(*) FROM outbox o JOIN account a ON a.person_id = o.person_id"
                " WHERE o.template = 'statement' AND a.platform_user_id = 'ana'"
            )
            assert statements == 1
            assert (
                bot.scalar(
                    "SELECT address FROM outbox WHERE template = 'statement' AND person_id = "
                    "(SELECT person_id FROM account WHERE platform_user_id = 'ana')"
                )
                == ana.user_id
            )
        finally:
            await ana.stop()
            await bot.stop()

    run(scenario())
