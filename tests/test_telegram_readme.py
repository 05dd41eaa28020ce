"""The README's Telegram conversation is what minga really says, through the fake server.

Each person's line is said in the group (``[label]`` presses that button on the latest
message that has it; "(opens the link and presses Start)" follows the group's deep
link); each ``minga:`` line starts a message in the group and ``minga → Name:`` one in
Name's private chat, continued by the indented lines below it. Messages are compared
chat by chat, in order (across chats, Telegram gives no order either), with the
invitation code left out: it is made from a per-database secret.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fake_telegram import TelegramWorld

README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = "<!-- the Telegram conversation: tests/test_telegram_readme.py replays it -->"
INDENT = 14
LINK = re.compile(r"https://t\.me/\w+\?start=[\w…-]+")
BUTTONS = re.compile(r"^(\[[^\]]+\] ?)+$")


def conversation() -> list[str]:
    text = README.read_text(encoding="utf-8")
    assert MARKER in text, "the README lost its Telegram conversation"
    block = text.split(MARKER, 1)[1].split("```text\n", 1)[1].split("\n```", 1)[0]
    return block.splitlines()


def parse(lines: list[str]) -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """(who does what, in order), and per chat ("group" or a name) the messages shown."""
    actions: list[tuple[str, str]] = []
    messages: dict[str, list[list[str]]] = {}
    current: list[str] | None = None
    for line in lines:
        head, body = line[:INDENT].strip(), line[INDENT:]
        if not head:
            assert current is not None, f"a continued line with nothing to continue: {line}"
            current.append(body)
        elif head == "minga:" or head.startswith("minga → "):
            chat = "group" if head == "minga:" else head[len("minga → ") : -1]
            current = [body]
            messages.setdefault(chat, []).append(current)
        else:
            current = None
            actions.append((head.split()[0].rstrip(":"), body))
    return actions, {chat: [_message(m) for m in shown] for chat, shown in messages.items()}


def _message(lines: list[str]) -> tuple[str, str]:
    buttons = ""
    if len(lines) > 1 and BUTTONS.match(lines[-1]):
        buttons, lines = lines[-1], lines[:-1]
    return LINK.sub("LINK", "\n".join(lines)), buttons


def seen(world: TelegramWorld, chat: Any) -> list[tuple[str, str]]:
    return [
        (LINK.sub("LINK", m.first_text), " ".join(f"[{t}]" for t, _ in m.buttons(first=True)))
        for m in world.fake.messages(chat)
    ]


def test_the_readme_conversation_is_what_minga_says(sqlite_url: str) -> None:
    actions, expected = parse(conversation())
    world = TelegramWorld(sqlite_url)
    try:
        fake = world.fake
        people = {name: fake.user(name) for name in ("Ana", "Ben", "Cai", "Dee")}
        group = fake.group("Terra", admins=[people["Ana"]])
        for name in ("Ana", "Ben", "Cai"):  # Dee never pressed Start
            fake.start(people[name])
        world.settle()
        started = {name: len(fake.dm(person)) for name, person in people.items()}
        for name, said in actions:
            person = people[name]
            if said == "(opens the link and presses Start)":
                notice = [t for t in fake.texts(group) if t.startswith("📬")][-1]
                world.start(person, notice.split("start=", 1)[1].split()[0])
            elif said.startswith("[") and said.endswith("]"):
                label = said[1:-1]
                message = next(
                    m for m in reversed(fake.messages(group)) if label in dict(m.buttons())
                )
                world.press(person, message, dict(message.buttons())[label])
            else:
                world.say(person, group, said)
        assert seen(world, group) == expected["group"]
        for name, person in people.items():
            assert seen(world, person["id"])[started[name] :] == expected.get(name, [])
    finally:
        world.close()
