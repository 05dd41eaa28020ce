"""The Telegram adapter's pure parts: callback data, keyboards, updates, limits, parts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from telegram import ForceReply, Update

from bot.telegram.formatting import parsed_length, split_message
from bot.telegram.keyboards import (
    FormAnswer,
    Pledge,
    Support,
    Vote,
    keyboard_for,
    parse_callback,
    pledge_amounts,
)
from bot.telegram.limits import Limiter
from bot.telegram.menus import ADMINS, MEMBERS, PRIVATE, command_menu
from bot.telegram.settings import Limits
from bot.telegram.updates import Ignored, Migrated, Pressed, PrivateChat, Said, classify
from storage.repositories.messaging import PendingMessage

BASE = {"commune": "Terra", "currency": "EUR", "tz": "Europe/Madrid"}
ISSUE = {"number": 3, "price": 100000, "remaining": 100000, "status": "open"}


@pytest.mark.parametrize(
    ("data", "press"),
    [
        ("p:3:250", Pledge(3, 250)),
        ("v:12:a", Vote(12, "abstain")),
        ("s:4", Support(4)),
        ("f:7001:setup:2:EUR", FormAnswer("7001", "setup", 2, "EUR")),
        ("f:7001:propose:1:x", FormAnswer("7001", "propose", 1, "x")),
        ("p:0:250", None),
        ("p:3:-5", None),
        ("p:3:250:extra", None),
        ("v:1:maybe", None),
        ("s:0", None),
        ("s:4:y", None),
        ("f:me:setup:2:EUR", None),
        ("f:1:setup:2:EUR; DROP", None),
        ("", None),
        (None, None),
        ("p:3:" + "9" * 70, None),
    ],
)
def test_callback_data_is_read_strictly(data: str | None, press: Any) -> None:
    assert parse_callback(data) == press


def test_a_cancel_button_stands_for_cancel_and_an_answer_for_itself() -> None:
    assert FormAnswer("1", "setup", 2, "x").text == "/cancel"
    assert FormAnswer("1", "setup", 2, "EUR").text == "EUR"
    assert Pledge(3, 250).text == "/pledge 3 250"
    assert Vote(1, "no").text == "/vote 1 no"
    assert Support(4).text == "/support 4"


def test_pledge_amounts_are_whole_and_never_above_what_remains() -> None:
    assert pledge_amounts(100000, 100000, "EUR") == [10000, 25000, 50000, 100000]
    assert pledge_amounts(100000, 30000, "EUR") == [10000, 25000, 30000]
    assert pledge_amounts(100000, 33333, "EUR") == [10000, 25000, 33300]
    assert pledge_amounts(1200, 1200, "JPY") == [120, 300, 600, 1200]
    assert pledge_amounts(100000, 50, "EUR") == []


def message(template: str, is_private: bool = False, **context: Any) -> PendingMessage:
    context = {**BASE, **context}
    return PendingMessage(1, "telegram", "-5", is_private, None, template, "es", context)


def buttons(markup: Any) -> list[tuple[str, str]]:
    return [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]


def test_a_new_bond_in_a_group_offers_quick_pledges_in_the_readers_format() -> None:
    found = buttons(keyboard_for(message("bond_new", issue=ISSUE)))
    assert found[0] == ("✋ 100,00\xa0€", "p:3:100")
    assert keyboard_for(message("bond_new", is_private=True, issue=ISSUE)) is None
    assert keyboard_for(message("bond_new", issue={**ISSUE, "status": "cleared"})) is None


def test_an_open_public_ballot_offers_yes_no_abstain_per_motion() -> None:
    assembly = {"secret": False, "motions": [{"number": 4}, {"number": 5}]}
    found = buttons(keyboard_for(message("assembly_open", assembly=assembly)))
    assert [data for _, data in found] == ["v:4:y", "v:4:n", "v:4:a", "v:5:y", "v:5:n", "v:5:a"]
    assert found[0][0] == "4 · sí"
    assert keyboard_for(message("assembly_open", assembly={**assembly, "secret": True})) is None


def test_a_members_proposal_in_a_group_offers_a_support_button() -> None:
    proposal = {"motion": 4, "text": "Community garden", "supporters": 1, "needed": 3}
    found = buttons(keyboard_for(message("proposal_added", proposal=proposal)))
    assert found == [("👍 Apoyar la moción 4", "s:4")]
    assert keyboard_for(message("proposal_added", is_private=True, proposal=proposal)) is None


def test_a_form_question_offers_its_answerer_quick_answers_and_cancel() -> None:
    asked = message("ask_currency", True, step=2, steps=3, form="setup", answerer="7001")
    found = buttons(keyboard_for(asked))
    assert found == [
        ("EUR", "f:7001:setup:2:EUR"),
        ("USD", "f:7001:setup:2:USD"),
        ("GBP", "f:7001:setup:2:GBP"),
        ("✖ Cancelar", "f:7001:setup:2:x"),
    ]
    console_user = message("ask_currency", True, step=2, steps=3, form="setup", answerer="ana")
    assert keyboard_for(console_user) is None  # not a Telegram user id: no buttons
    assert keyboard_for(message("ask_price", True, step=2, steps=4)) is None


def test_a_form_question_in_a_group_asks_its_answerer_for_a_reply() -> None:
    """Privacy mode: a group's plain messages never reach the bot, replies to it do."""
    asked = message("ask_currency", step=2, steps=3, form="setup", answerer="7001")
    assert keyboard_for(asked) == ForceReply(selective=True)
    assert keyboard_for(message("ask_price", step=2, steps=4)) is None  # not a form's


def test_an_assembly_summary_offers_yes_no_and_cancel_to_whoever_set_it_up() -> None:
    asked = message("assembly_summary", True, summary={}, step=9, form="assembly", answerer="7001")
    found = [data for _, data in buttons(keyboard_for(asked))]
    assert found == ["f:7001:assembly:9:yes", "f:7001:assembly:9:no", "f:7001:assembly:9:x"]


def update(**fields: Any) -> Update:
    result = Update.de_json({"update_id": 9, **fields}, None)
    assert result is not None
    return result


USER = {"id": 7001, "is_bot": False, "first_name": "Ana", "last_name": "Soler",
        "language_code": "es"}  # fmt: skip
GROUP = {"id": -100, "type": "group", "title": "Terra"}


def said(text: str, chat: dict[str, Any] = GROUP, **extra: Any) -> Any:
    fields = {"message_id": 1, "date": 1700000000, "chat": chat, "from": USER, "text": text}
    return classify(update(message={**fields, **extra}), "minga_bot")


def test_a_message_becomes_an_incoming_for_the_dispatcher() -> None:
    event = said("/pledge@minga_bot 1 500")
    assert isinstance(event, Said) and event.is_group
    msg = event.incoming
    assert (msg.platform, msg.message_id, msg.chat_id, msg.user_id) == ("telegram", "9", "-100",
                                                                        "7001")  # fmt: skip
    assert (msg.user_name, msg.user_language, msg.chat_title) == ("Ana Soler", "es", "Terra")
    assert msg.text == "/pledge@minga_bot 1 500" and not msg.chat_is_private


def test_what_is_not_for_minga_is_ignored() -> None:
    assert isinstance(said("/pledge@other_bot 1 500"), Ignored)
    assert isinstance(said("/PLEDGE@MINGA_BOT 1 500"), Said)
    assert isinstance(said("hello", from_={}), Said)
    bot = {**USER, "is_bot": True}
    assert isinstance(classify(update(message={"message_id": 1, "date": 1, "chat": GROUP,
                                               "from": bot, "text": "/bonds"}), "minga_bot"),
                      Ignored)  # fmt: skip
    assert isinstance(said("", photo=[]), Ignored)
    channel = {"id": -200, "type": "channel", "title": "News"}
    assert isinstance(said("/bonds", chat=channel), Ignored)


def test_a_private_message_to_another_bot_name_is_still_ours() -> None:
    private = {"id": 7001, "type": "private", "first_name": "Ana"}
    event = said("/start c1-abc", chat=private)
    assert isinstance(event, Said) and event.incoming.chat_is_private


def test_a_supergroup_migration_is_seen_from_both_sides() -> None:
    assert said("", migrate_to_chat_id=-1001) == Migrated("-100", "-1001")
    super_chat = {"id": -1001, "type": "supergroup", "title": "Terra"}
    assert said("", chat=super_chat, migrate_from_chat_id=-100) == Migrated("-100", "-1001")


def test_a_pressed_button_and_a_private_chat_opened_or_blocked() -> None:
    pressed = classify(
        update(callback_query={
            "id": "77", "from": USER, "chat_instance": "1", "data": "p:1:100",
            "message": {"message_id": 5, "date": 1, "chat": GROUP, "text": "bond"},
        }),
        "minga_bot",
    )  # fmt: skip
    assert isinstance(pressed, Pressed)
    assert (pressed.query_id, pressed.data, pressed.chat_id) == ("77", "p:1:100", "-100")
    member = {
        "chat": {"id": 7001, "type": "private", "first_name": "Ana"},
        "from": USER,
        "date": 1,
        "old_chat_member": {"status": "left", "user": {"id": 1, "is_bot": True,
                                                       "first_name": "minga"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": 1, "is_bot": True, "first_name": "minga"}},
    }  # fmt: skip
    assert classify(update(my_chat_member=member), "minga_bot") == PrivateChat("7001", False)
    opened = {**member, "new_chat_member": {**member["old_chat_member"], "status": "member"}}
    assert classify(update(my_chat_member=opened), "minga_bot") == PrivateChat("7001", True)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_keeps_30_a_second_1_a_second_per_chat_and_20_a_minute_per_group() -> None:
    clock = Clock()
    limiter = Limiter(Limits(margin=0.0), clock)
    for n in range(30):
        assert limiter.delay(str(n), False) == 0
        limiter.sent(str(n), False)
    assert limiter.delay("31", False) == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.delay("31", False) == 0
    limiter.sent("31", False)
    assert limiter.delay("31", False) == pytest.approx(1.0)  # the same chat: a second apart

    for _ in range(20):
        clock.now += 1.0
        assert limiter.delay("-9", True) == 0
        limiter.sent("-9", True)
    clock.now += 1.0
    assert limiter.delay("-9", True) == pytest.approx(40.0)  # the group's 20 in a minute
    assert limiter.delay("-8", True) == 0  # another group is not held back

    limiter.pause(5)  # a 429
    assert limiter.delay("-8", True) == pytest.approx(5.0)


def test_long_lines_are_cut_between_entities_never_inside_one() -> None:
    line = "&lt;b&gt;" * 3000
    parts = split_message(line)
    assert "".join(parts) == line
    assert all(parsed_length(part) <= 4096 for part in parts)
    assert all("&" not in re.sub("&(?:lt|gt|amp);", "", part) for part in parts)  # all whole
    assert split_message("😀" * 3000)[0] == "😀" * 2048  # UTF-16: two units each


def test_the_command_menus_come_from_the_help_descriptions() -> None:
    described = {c.command: c.description for c in command_menu("en", MEMBERS)}
    group = set(described)
    admins = {c.command for c in command_menu("en", ADMINS)}
    private = {c.command for c in command_menu("en", PRIVATE)}
    assert described["pledge"].startswith("Pledge an amount to a bond issue.")
    assert "setup" in admins and "setup" not in group and "setup" not in private
    # The menus follow each command's declared rule (handlers/access.py): /join also
    # serves a member picking a cooperative by DM; /link works only by DM; a role's
    # commands are in the administrators' menu only.
    assert "join" in private and "link" in private and "link" not in group | admins
    assert {"rent", "role", "present"} <= admins - group - private
    assert group < admins and "coop" in group  # /coop lists for anyone
    assert "start" not in group | admins | private
    assert all(0 < len(d) <= 256 for d in described.values())
