"""minga on Telegram, end to end: python-telegram-bot over HTTP to the fake Bot API server.

The worked example of PROTOCOL.md from /setup to the January clearing with the
statements delivered by DM, a member who never pressed Start, escaping, buttons
pressed by the wrong person, a group that becomes a supergroup, long messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fake_telegram import TelegramWorld, wait_for


@pytest.fixture
def world(sqlite_url: str) -> Iterator[TelegramWorld]:
    made = TelegramWorld(sqlite_url)
    yield made
    made.close()


@pytest.fixture
def world_on_both(database_url: str) -> Iterator[TelegramWorld]:
    made = TelegramWorld(database_url)
    yield made
    made.close()


def people(world: TelegramWorld) -> tuple[dict[str, Any], ...]:
    fake = world.fake
    return (
        fake.user("Ana", "Soler", language_code="en"),
        fake.user("Ben"),
        fake.user("Cai"),
        fake.user("Dee"),
    )


def terra(world: TelegramWorld, started: bool = True) -> tuple[Any, ...]:
    """Terra set up in a Telegram group, Ana and Ben in Tierra, Cai and Dee in Pan."""
    ana, ben, cai, dee = people(world)
    group = world.fake.group("Terra", admins=[ana])
    if started:
        for person in (ana, ben, cai, dee):
            world.fake.start(person)
        world.settle()
    for person, line in [
        (ana, "/setup Terra EUR Europe/Madrid"),
        (ana, "/coop new Tierra"),
        (ana, "/coop new Pan"),
        (ana, "/join Tierra"),
        (ben, "/join Tierra"),
        (cai, "/join Pan"),
        (dee, "/join Pan"),
    ]:
        world.fake.say(person, group, line)
    world.settle()
    return group, ana, ben, cai, dee


def january_cleared(
    world: TelegramWorld, group: Any, ana: Any, ben: Any, cai: Any, dee: Any
) -> None:
    """The worked example's bond pledged by typing, January's rent paid, January cleared."""
    world.say(ben, group, "/propose Tractor 1000 333.33 2026-12-31")
    for person, amount in [(ana, 500), (cai, 300), (dee, 200)]:
        world.fake.say(person, group, f"/pledge 1 {amount}")
    world.settle()
    world.advance(datetime(2027, 1, 10, 10, tzinfo=UTC))
    world.say(ana, group, "/rent 1 333.33")
    world.advance(datetime(2027, 2, 1, 6, tzinfo=UTC))  # January has ended in Madrid


def test_the_worked_example_from_setup_to_statements_by_dm(world_on_both: TelegramWorld) -> None:
    world, fake = world_on_both, world_on_both.fake
    group, ana, ben, cai, dee = terra(world)
    assert fake.texts(group)[0].startswith("🌱 Terra is set up: money in EUR")

    world.say(ben, group, "/propose Tractor 1000 333.33 2026-12-31")
    bond = fake.last(group)
    assert bond.text.startswith("🏗 Bond #1 — Tractor for Tierra")
    assert ("✋ €500.00", "p:1:500") in bond.buttons()

    world.press(ana, bond, "p:1:500")  # a quick amount: no typing
    assert "✋ Ana Soler pledged €500.00 to bond #1." in fake.texts(group)[-1]
    assert fake.alerts()[-1] == {"id": "1", "text": "✓", "show_alert": False}
    world.say(cai, group, "/pledge@minga_test_bot 1 300")
    world.say(dee, group, "/pledge 1 200")
    cleared = "✅ Bond #1 cleared: €1,000.00 from 3 members"
    assert any(cleared in t for t in fake.texts(group))  # merged with the pledge
    assert any("holding" in t.lower() or "bond #1" in t.lower() for t in fake.dm(dee))

    # The bond's own message was edited as pledges came (batched): now full, no buttons.
    wait_for(lambda: "Fully pledged" in fake.messages(group)[fake.messages(group).index(bond)].text)
    assert bond.edits and "€1,000.00 of €1,000.00 (100%)" in bond.text
    assert bond.buttons() == []

    world.advance(datetime(2027, 1, 10, 10, tzinfo=UTC))
    world.say(ana, group, "/rent 1 333.33")
    world.advance(datetime(2027, 2, 1, 6, tzinfo=UTC))  # January has ended in Madrid

    summary = [t for t in fake.texts(group) if t.startswith("📒")]
    assert summary and "January 2027" in summary[0]
    statements = {
        name: [t for t in fake.dm(person) if t.startswith("Your statement — January 2027")]
        for name, person in [("ana", ana), ("ben", ben), ("cai", cai), ("dee", dee)]
    }
    assert all(len(found) == 1 for found in statements.values()), statements
    assert "€166.66 repaid to you, €333.34 still owed" in statements["ana"][0]
    assert "€100.00 repaid to you, €200.00 still owed" in statements["cai"][0]
    assert "€66.67 repaid to you, €133.33 still owed" in statements["dee"][0]
    assert "Tierra paid rent €333.33" in statements["ben"][0]
    assert world.states().get("sent", 0) > 20 and set(world.states()) == {"sent"}


def test_a_member_who_never_pressed_start_gets_a_deep_link_then_the_statement(
    world: TelegramWorld,
) -> None:
    fake = world.fake
    group, ana, ben, cai, dee = terra(world, started=False)
    fake.start(ana)  # only Ana ever opened the private chat
    world.settle()

    january_cleared(world, group, ana, ben, cai, dee)

    # Cai and Dee have a holding message and a statement waiting; Ben a statement.
    # One short message per person (not per message waiting): Cai and Dee at the
    # clearing of the bond, Ben at his first statement.
    notices = [t for t in fake.texts(group) if t.startswith("📬")]
    assert len(notices) == 2, fake.texts(group)
    assert "Cai" in notices[0] and "Dee" in notices[0] and "Ben" not in notices[0]
    assert notices[1].startswith("📬 Ben: I have private messages for you.")
    link = notices[0].split("Open ", 1)[1].split(" ", 1)[0]
    assert link.startswith("https://t.me/minga_test_bot?start=c")
    assert fake.dm(cai) == [] and fake.dm(dee) == []
    assert any(t.startswith("Your statement") for t in fake.dm(ana))

    code = link.split("start=", 1)[1]
    world.start(dee, code)  # Dee follows the link and presses Start
    received = fake.dm(dee)
    assert received[0].startswith("🎉 Bond #1 (Tractor) cleared. You hold €200.00")  # oldest first
    assert received[-1].startswith("✅ All set, Dee")
    assert any("€66.67 repaid to you" in t for t in received), received
    january = "Your statement — January 2027"
    assert sum(t.startswith(january) for t in received) == 1
    assert fake.dm(cai) == []  # Cai still has not: still waiting, not lost

    world.start(cai)  # plain Start, no link: same effect for what waits
    assert sum(t.startswith(january) for t in fake.dm(cai)) == 1
    assert len([t for t in fake.texts(group) if t.startswith("📬")]) == 2


def test_start_through_the_link_makes_a_newcomer_a_member(world: TelegramWorld) -> None:
    fake = world.fake
    group, _ana, ben, _cai, _dee = terra(world)
    eve = fake.user("Eve")
    world.say(ben, group, "/statement")  # nothing cleared yet, so a refusal: no link here
    # A link made for Terra (the same one minga posts) lets Eve join from her private chat.
    from handlers.invites import invite_code

    with world.database.unit_of_work() as uow:
        code = invite_code(uow, 1)
        uow.commit()
    world.start(eve, code)
    assert fake.dm(eve)[0].startswith("👋 Welcome to Terra, Eve.")
    assert "👋 Welcome to Terra, Eve." in fake.texts(group)[-1]
    world.start(eve, "c1-forgedforgedforg")  # a made-up code joins nothing
    assert fake.dm(eve)[-1].startswith("👋 Hello again!")


def test_escaping_a_name_with_markup_shows_it_literally(world: TelegramWorld) -> None:
    fake = world.fake
    group, _ana, _ben, _cai, _dee = terra(world)
    eve = fake.user("<b>Eve & co</b>")
    world.say(eve, group, "/join Tierra")
    welcome = fake.last(group)
    assert welcome.text.startswith("👋 Welcome to Terra, <b>Eve & co</b> (Tierra).")
    assert welcome.bold == []  # not bold: the name was escaped, not interpreted
    assert "&lt;b&gt;Eve &amp; co&lt;/b&gt;" in welcome.html


def test_a_non_admin_pressing_an_admin_button_gets_an_alert_and_nothing_changes(
    world: TelegramWorld,
) -> None:
    fake = world.fake
    ana, ben, _cai, _dee = people(world)
    group = fake.group("Garden", admins=[ana])
    world.say(ana, group, "/setup")  # a platform admin starts the form
    world.say(ana, group, "Garden")
    question = fake.last(group)
    # In a group a question asks its answerer for a reply; a button pressed on it (as
    # questions had before privacy mode) is still checked: the form is Ana's.
    assert question.reply_markup == {"force_reply": True, "selective": True}
    before = fake.texts(group)

    eur = f"f:{ana['id']}:setup:2:EUR"
    world.press(ben, question, eur)  # Ben is not an admin; the form is Ana's
    assert fake.alerts()[-1]["show_alert"] is True
    assert "for whoever started this form" in fake.alerts()[-1]["text"]
    world.say(ben, group, "USD", reply_to=question)  # nor is his reply an answer
    assert fake.texts(group) == before
    with world.database.unit_of_work() as uow:
        assert uow.conversations.get("telegram", str(group["id"]), str(ana["id"])) is not None
        assert uow.communes.by_name("Garden") is None

    world.say(ben, group, "/setup Garden EUR")  # typing it is refused the same way
    assert "group admin" in fake.texts(group)[-1].lower() or "admin" in fake.texts(group)[-1]

    world.press(ana, question, eur)  # Ana's own press answers her question
    timezone = fake.last(group)
    assert timezone.text.startswith("Which time zone")
    world.say(ana, group, "UTC", reply_to=timezone)
    assert fake.texts(group)[-1].startswith("🌱 Garden is set up: money in EUR, time zone UTC.")
    world.press(ana, question, eur)  # an old button of a finished form changes nothing
    assert "no longer applies" in fake.alerts()[-1]["text"]


def test_pledge_buttons_follow_the_rules_and_refusals_come_as_alerts(world: TelegramWorld) -> None:
    fake = world.fake
    group, _ana, ben, cai, dee = terra(world)
    world.say(ben, group, "/propose Tractor 1000 333.33 2026-12-31")
    bond = fake.last(group)
    stranger = fake.user("Zoe")
    world.press(stranger, bond, "p:1:100")
    assert fake.alerts()[-1]["show_alert"] is True
    assert "Join" in fake.alerts()[-1]["text"] or "join" in fake.alerts()[-1]["text"]
    assert fake.last(group) is bond  # nothing said in the group

    world.press(cai, bond, "p:1:900")  # not a button minga made: refused as too much? no:
    assert fake.alerts()[-1]["text"] == "✓"  # 900 is a valid pledge; any typed line could
    world.press(dee, bond, "p:1:500")  # only 100 remains
    assert fake.alerts()[-1]["show_alert"] is True and "100" in fake.alerts()[-1]["text"]
    world.press(dee, bond, "nonsense")
    assert "no longer applies" in fake.alerts()[-1]["text"]
    with world.database.unit_of_work() as uow:
        issue = uow.bonds.get(1, 1)
        assert issue.pledged == 90000


def test_a_group_that_becomes_a_supergroup_keeps_its_commune(world: TelegramWorld) -> None:
    fake = world.fake
    group, _ana, ben, _cai, _dee = terra(world)
    supergroup = fake.migrate(group)
    world.settle()
    world.say(ben, supergroup, "/bonds")
    assert fake.texts(supergroup)  # answered in the new chat: the commune came along
    with world.database.unit_of_work() as uow:
        chat = uow.communes.chat("telegram", str(supergroup["id"]))
        assert chat is not None and chat.commune_id == 1


def test_a_message_for_the_old_group_id_follows_the_migration(world: TelegramWorld) -> None:
    fake = world.fake
    group, _ana, ben, _cai, _dee = terra(world)
    with fake.lock:  # Telegram upgrades the group before minga hears of it
        fake.migrated[group["id"]] = -1_000_000_009_999
        fake.chats[-1_000_000_009_999] = {
            "id": -1_000_000_009_999,
            "type": "supergroup",
            "title": "Terra",
        }
    world.say(ben, group, "/bonds")
    assert fake.texts(-1_000_000_009_999)


def test_long_messages_are_split_at_line_ends(world: TelegramWorld) -> None:
    from bot.telegram.formatting import parsed_length, split_message

    lines = [f"line {n} &amp; more" for n in range(900)]
    parts = split_message("\n".join(lines))
    assert len(parts) > 1 and "\n".join(parts) == "\n".join(lines)
    assert all(parsed_length(part) <= 4096 < len(part) for part in parts[:-1])


def test_motions_get_yes_no_abstain_buttons(world: TelegramWorld) -> None:
    fake = world.fake
    group, ana, ben, _cai, _dee = terra(world)
    world.say(ana, group, '/assembly new "Spring" 2027-02-01T18:00 2027-02-01T20:00')
    world.say(ana, group, '/motion 1 "Buy a tractor"')
    world.advance(datetime(2027, 2, 1, 17, 5, tzinfo=UTC))  # 18:05 in Madrid: voting opens
    opened = next(m for m in fake.messages(group) if "Voting is open" in m.text)
    assert [data for _text, data in opened.buttons()] == ["v:1:y", "v:1:n", "v:1:a"]
    world.press(ben, opened, "v:1:y")
    assert "Ben voted on motion 1" in fake.texts(group)[-1]
    stranger = fake.user("Zoe")
    world.press(stranger, opened, "v:1:n")  # not a member: an alert, no vote
    assert fake.alerts()[-1]["show_alert"] is True
    assert "Ben voted on motion 1" in fake.texts(group)[-1]


def test_a_members_proposal_gets_a_support_button(world: TelegramWorld) -> None:
    fake = world.fake
    group, ana, ben, cai, _dee = terra(world)
    world.say(ana, group, '/assembly new "Spring" 2027-02-01T18:00 2027-02-01T20:00')
    world.say(ben, group, '/motion 1 "Community garden"')
    proposed = next(m for m in fake.messages(group) if "proposes motion 1" in m.text)
    assert [data for _text, data in proposed.buttons()] == ["s:1"]
    world.press(cai, proposed, "s:1")
    assert "Cai supports motion 1 (Community garden): 2 of 3 supporters" in fake.texts(group)[-1]
    world.press(cai, proposed, "s:1")  # again: an answer on the button, nothing in the group
    assert "Cai supports motion 1" in fake.texts(group)[-1]
