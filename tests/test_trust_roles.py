"""Who may use what, where: the authorisation matrix, the docs' table, and strangers.

Every command (and sub-command with its own rule) is tried by every role in every
kind of chat, through the console. The matrix is generated from the rules the
commands declare (handlers/registry.py); what each cell should answer is worked out
here from who each person really is, not by asking the rule. A cell is either
allowed (minga answers, and not with a refusal about roles or chats) or refused with
exactly the refusal the rule declares, and then nothing changed. The same rules
render the table in docs/commands.md and decide what /help lists.

Issue 10, case 11 (roles declared in one place, checked in another, drifted) and the
part of case 10 where a refused stranger still left person and account rows.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import DOMAIN_TABLES, ConsoleChat, domain_snapshot, says
from sqlalchemy import text

import handlers.commands  # noqa: F401  (registers the commands)
from handlers import access
from handlers.access import Rule, Where, Who
from handlers.command_table import MARKER, markdown_table
from handlers.registry import BARE, COMMANDS, listed_commands
from handlers.rendering import render

ROOT = Path(__file__).resolve().parent.parent
COMMANDS_PAGE = ROOT / "docs" / "commands.md"
UPDATE = os.environ.get("MINGA_UPDATE_DOCS") == "1"

# Terra: ana founded it (admin and treasurer, not used below); mia is a member, tom its
# treasurer only, ada an admin only, fay has left. Other is a second commune, in the
# chat "other"; "new" is a group with no commune. pat is a group admin of the chat
# platform in every group, and a member of no commune.
SCENE = """
:now 2026-12-01T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
mia@group: /join Tierra
tom@group: /join
ada@group: /join
ana@group: /role tom treasurer
ana@group: /role ada admin
fay@group: /join
fay@group: /leave
:admin oli other
oli@other: /setup Other EUR
:admin pat group
:admin pat other
:admin pat new
"""

STRANGER, MEMBER, TREASURER, ADMIN = "stranger", "member", "treasurer", "admin"
PLATFORM_ADMIN, FORMER = "platform admin", "former member"
ROLES = (STRANGER, MEMBER, TREASURER, ADMIN, PLATFORM_ADMIN, FORMER)
USERS = {MEMBER: "mia", TREASURER: "tom", ADMIN: "ada", PLATFORM_ADMIN: "pat", FORMER: "fay"}
TERRA_MEMBERS = {MEMBER, TREASURER, ADMIN}

GROUP, DM, OTHER, NEW = "group", "dm", "other", "new"
CHATS = (GROUP, DM, OTHER, NEW)  # the commune's group, a DM, another's group, no commune's
COMMUNE_OF = {GROUP: "Terra", OTHER: "Other", NEW: None}

# One line per command and rule, chosen to get past the rule and then stop at an
# argument (an unknown bond, a bad currency…), so that an allowed cell rarely changes
# anything. A cell that does change the commune is rolled back before the next one.
PROBES: dict[tuple[str, str | None], str] = {
    ("absent", None): "/absent 99 nobody",
    ("assemblies", None): "/assemblies",
    ("assembly", None): "/assembly 99",
    ("assembly", BARE): "/assembly",
    ("assembly", "new"): "/assembly new",
    ("bond", None): "/bond 99",
    ("bonds", None): "/bonds",
    ("cancel", None): "/cancel",
    ("coop", None): "/coop",
    ("coop", "new"): "/coop new Tierra",
    ("delegate", None): "/delegate nobody",
    ("help", None): "/help pledge",
    ("join", None): "/join Nowhere",
    ("lang", None): "/lang xx",
    ("lang", "group"): "/lang group xx",
    ("leave", None): "/leave",
    ("ledger", None): "/ledger",
    ("export", None): "/export 13",
    ("chart", None): "/chart 0",
    ("link", None): "/link ZZZZ9999",
    ("motion", None): "/motion 99 Something",
    ("pledge", None): "/pledge 99 1",
    ("policy", None): "/policy nothing 1",
    ("policy", BARE): "/policy",
    ("present", None): "/present 99 nobody",
    ("propose", None): "/propose Van 0 1 2030-01-31",
    ("rent", None): "/rent 99 1",
    ("paid", None): "/paid 99 mia 1",
    ("refunded", None): "/refunded 99 mia",
    ("sold", None): "/sold 99 1",
    ("payout", None): "/payout nobody 1",
    ("role", None): "/role nobody admin",
    ("setup", None): "/setup X ZZZZ",
    ("start", None): "/start",
    ("statement", None): "/statement",
    ("support", None): "/support 99",
    ("undelegate", None): "/undelegate",
    ("unsupport", None): "/unsupport 99",
    ("unpledge", None): "/unpledge 99",
    ("vote", None): "/vote 99 yes",
    ("withdraw", None): "/withdraw 99",
}

# What minga answers when the rule says no: the refusals a rule can give.
ROLE_REFUSALS = (
    access.ROLE_REFUSALS
    | {rule.elsewhere for c in COMMANDS.values() for rule in c.rules() if rule.elsewhere}
    | {rule.denied for c in COMMANDS.values() for rule in c.rules() if rule.denied}
)


def declared() -> list[tuple[str, str | None, Rule]]:
    """Every (command, sub-command, rule), from the declarations."""
    return [
        (c.name, key, rule)
        for c in COMMANDS.values()
        for key, rule in [(None, c.rule), *c.variants.items()]
    ]


def expected(rule: Rule, role: str, chat: str) -> tuple[str, dict[str, Any]] | None:
    """The refusal this role gets in this chat, or None when the rule lets them."""
    private = chat == DM
    if (rule.where is Where.GROUP and private) or (rule.where is Where.DM and not private):
        return rule.elsewhere, {}
    if rule.who is Who.ANYONE:
        return None
    if rule.who is Who.PLATFORM_ADMIN:
        if COMMUNE_OF[chat] is not None:
            return "already_setup", {"commune": COMMUNE_OF[chat]}
        return None if role == PLATFORM_ADMIN else ("setup_not_admin", {})
    # By DM, minga knows a commune only through the sender's membership.
    commune = ("Terra" if role in TERRA_MEMBERS else None) if private else COMMUNE_OF[chat]
    if commune is None:
        return ("no_commune_private", {}) if private else ("no_commune_here", {})
    if rule.who is Who.PUBLIC:
        return None
    if not (role in TERRA_MEMBERS and commune == "Terra"):
        return "not_member", {"commune": commune}
    if rule.who is Who.TREASURER and role != TREASURER:
        return rule.denied or "not_treasurer", {}
    if rule.who is Who.ADMIN and role != ADMIN:
        return "not_admin", {}
    return None


def refusal_lines(prefix: str, code: str, params: dict[str, Any]) -> list[str]:
    return [f"{prefix} {line}" for line in render(f"refusal/{code}", "en", params).splitlines()]


def any_role_refusal(prefix: str) -> set[str]:
    """Every line a role refusal could print here, whichever commune it names."""
    return {
        line
        for code in ROLE_REFUSALS
        for commune in ("Terra", "Other", "")
        for line in refusal_lines(prefix, code, {"commune": commune})
    }


class Matrix:
    """The scene on one database, each cell tried on it and undone when it changed it."""

    def __init__(self, url: str, base: Path | None) -> None:
        self.url, self.base = url, base
        self.chat = ConsoleChat(url)
        self.chat.script(SCENE)
        self.strangers = itertools.count(1)
        if base is not None:
            self._copy(self._file(), base)
        self.state = self.snapshot()

    def _file(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    @staticmethod
    def _copy(source: Path, target: Path) -> None:
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)

    def snapshot(self) -> dict[str, list[tuple]]:
        state = domain_snapshot(self.chat.database, DOMAIN_TABLES)
        with self.chat.database.engine.connect() as connection:
            for table in ("person", "account"):
                count = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                state[table] = [(count,)]
        return state

    def who(self, role: str) -> str:
        """A stranger is someone minga has never seen: a new name every time."""
        return f"s{next(self.strangers)}" if role == STRANGER else USERS[role]

    @staticmethod
    def prefix(user: str, chat: str) -> str:
        return f"[dm {user}]" if chat == DM else f"[{chat}]"

    def say(self, user: str, chat: str, line: str) -> list[str]:
        return self.chat.say(f"{user}@{chat}: {line}")

    def undo(self) -> None:
        """Put the scene back after an allowed cell changed it (SQLite only)."""
        assert self.base is not None, "a probe changed the commune: use one that does not"
        self.chat.close()
        self._copy(self.base, self._file())
        self.chat = ConsoleChat(self.url)
        assert self.snapshot() == self.state

    def cell(self, name: str, key: str | None, rule: Rule, role: str, chat: str) -> None:
        user = self.who(role)
        where = f"/{name}{'' if key is None else ' ' + (key or '(bare)')} by {role} in {chat}"
        printed = self.say(user, chat, PROBES[(name, key)])
        prefix = self.prefix(user, chat)
        refusal = expected(rule, role, chat)
        after = self.snapshot()
        if refusal is not None:
            assert printed == refusal_lines(prefix, *refusal), where
            assert after == self.state, f"{where}: the refusal changed something"
            return
        assert printed, f"{where}: no answer"
        wrong = any_role_refusal(prefix) & set(printed)
        assert not wrong, f"{where}: allowed by its rule, yet answered {wrong}"
        if after == self.state:
            return
        if {t: rows for t, rows in after.items() if t not in ("person", "account")} == {
            t: rows for t, rows in self.state.items() if t not in ("person", "account")
        }:
            self.state = after  # a stranger minga answered is known from now on
            if self.base is not None:
                self._copy(self._file(), self.base)
            return
        self.undo()

    def close(self) -> None:
        self.chat.close()


@pytest.fixture
def matrix(tmp_path: Path) -> Iterator[Matrix]:
    """On tmpfs when there is one: some 1,500 commits, each a sync to disk elsewhere."""
    shm = Path("/dev/shm")
    directory = Path(tempfile.mkdtemp(dir=shm)) if os.access(shm, os.W_OK) else tmp_path
    built = Matrix(f"sqlite:///{directory}/minga.sqlite", directory / "scene.sqlite")
    try:
        yield built
    finally:
        built.close()
        if directory != tmp_path:
            shutil.rmtree(directory, ignore_errors=True)


# --- the declarations ------------------------------------------------------------------


def test_every_declared_rule_has_a_probe() -> None:
    assert {(name, key) for name, key, _ in declared()} == set(PROBES)


def test_every_rule_refusing_in_one_kind_of_chat_says_which() -> None:
    for name, _, rule in declared():
        assert (rule.where is Where.BOTH) == (rule.elsewhere == ""), name


# --- the matrix ------------------------------------------------------------------------


def test_every_command_by_every_role_in_every_chat(matrix: Matrix) -> None:
    for name, key, rule in declared():
        for role, chat in itertools.product(ROLES, CHATS):
            matrix.cell(name, key, rule, role, chat)


SAMPLE = [("pledge", None), ("bonds", None), ("coop", "new"), ("setup", None), ("rent", None)]


@pytest.mark.postgres
def test_a_sample_of_the_matrix_on_postgresql(postgres) -> None:  # type: ignore[no-untyped-def]
    url = postgres.create_database("t_trust_roles")
    built = Matrix(url, None)
    try:
        rules = {(name, key): rule for name, key, rule in declared()}
        for name, key in SAMPLE:
            for role, chat in itertools.product(ROLES, CHATS):
                built.cell(name, key, rules[(name, key)], role, chat)
    finally:
        built.close()
        postgres.drop_database("t_trust_roles")


def listed_by_help(printed: list[str]) -> list[str]:
    return [m[1] for line in printed if (m := re.match(r"^\[[^\]]+\] /(\w+)", line))]


def test_help_lists_exactly_what_the_asker_may_use_there(matrix: Matrix) -> None:
    for role, chat in itertools.product(ROLES, CHATS):
        user = matrix.who(role)
        printed = matrix.say(user, chat, "/help")
        may = [
            c.name
            for c in listed_commands()
            if any(expected(rule, role, chat) is None for rule in c.rules())
        ]
        assert listed_by_help(printed) == may, f"/help by {role} in {chat}"
        shown = "\n".join(printed)
        for c in listed_commands():
            for key, rule in c.variants.items():
                if key != BARE and c.name in may:
                    allowed = expected(rule, role, chat) is None
                    assert (f"/{c.name} {key}" in shown) == allowed, f"/{c.name} {key}: {role}"


# --- the docs --------------------------------------------------------------------------


def page_table(lines: list[str]) -> tuple[int, int]:
    """(first line, line after the last) of the table after the page's marker."""
    start = [line.strip() for line in lines].index(MARKER) + 1
    while not lines[start].startswith("|"):
        start += 1
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return start, end


def test_the_docs_table_is_the_declared_rules() -> None:
    lines = COMMANDS_PAGE.read_text(encoding="utf-8").splitlines(keepends=True)
    start, end = page_table(lines)
    if UPDATE:
        lines[start:end] = [markdown_table()]
        COMMANDS_PAGE.write_text("".join(lines), encoding="utf-8")
        return
    assert "".join(lines[start:end]) == markdown_table(), (
        "docs/commands.md's command table differs from the commands' rules; rewrite it with"
        " MINGA_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_trust_roles.py -k table"
    )


def test_the_docs_table_says_what_the_matrix_checks() -> None:
    """Each row names the role and the chats the matrix tries the command with."""
    lines = COMMANDS_PAGE.read_text(encoding="utf-8").splitlines()
    start, end = page_table(lines)
    rows = {
        cells[0].strip("`/"): cells[1:]
        for cells in (
            [c.strip() for c in line.strip("|").split("|")] for line in lines[start + 2 : end]
        )
    }
    assert set(rows) == {c.name for c in listed_commands()}
    for c in listed_commands():
        who, where = rows[c.name]
        assert who.startswith(c.rule.label()), c.name
        assert where.startswith(c.rule.place()), c.name
        for key, rule in c.variants.items():
            assert f"{rule.label()}: " in who and f"`/{c.name}{' ' + key if key else ''}`" in who
    # The open books: anyone in the group, members by DM (issue 10, case 11).
    for name in ("bonds", "bond", "ledger", "coop", "assemblies", "assembly"):
        assert COMMANDS[name].rule == Rule(Who.PUBLIC), name
        assert rows[name][0].startswith("anyone (by DM: member)"), name


# --- strangers leave no trace (issue 10, case 10) -------------------------------------


def people(chat: ConsoleChat) -> tuple[int, int]:
    with chat.database.engine.connect() as connection:
        return (
            connection.execute(text("SELECT count(*) FROM person")).scalar_one(),
            connection.execute(text("SELECT count(*) FROM account")).scalar_one(),
        )


def test_a_refused_stranger_and_chatter_leave_no_person_behind(chat: ConsoleChat) -> None:
    chat.script(SCENE)
    before, state = people(chat), chat.snapshot()
    assert chat.say("zed@group: /pledge 1 5") == refusal_lines(
        "[group]", "not_member", {"commune": "Terra"}
    )
    assert chat.say("zed@dm: /pledge 1 5") == refusal_lines("[dm zed]", "no_commune_private", {})
    assert chat.say("zed@group: hello everyone, what is this bot?") == []
    assert chat.say("zed@group: /frobnicate") == refusal_lines(
        "[group]", "unknown_command", {"name": "frobnicate"}
    )
    assert people(chat) == before and chat.snapshot() == state
    # Reading the open books is allowed, so minga knows zed from then on.
    assert chat.say("zed@group: /bonds")
    assert people(chat) == (before[0] + 1, before[1] + 1)


def test_a_stranger_refused_past_the_rule_leaves_no_person_either(chat: ConsoleChat) -> None:
    """Allowed to try (the open books), refused on the argument: rolled back too."""
    chat.script(SCENE)
    before = people(chat)
    assert chat.say("zed@group: /bond 99")[0].startswith("[group] ")
    assert chat.say("zed@group: /join Nowhere")
    assert people(chat) == before


def test_a_redelivered_refusal_is_answered_once_and_leaves_nobody(chat: ConsoleChat) -> None:
    chat.script(SCENE)
    before = people(chat)
    dispatcher = chat.console.dispatcher
    assert dispatcher.handle(says("zed", "/pledge 1 5", "update-1")) is True
    assert dispatcher.handle(says("zed", "/pledge 1 5", "update-1")) is False
    chat.console.deliver()
    out = chat.out.getvalue().splitlines()
    assert out.count(refusal_lines("[group]", "not_member", {"commune": "Terra"})[0]) == 1
    assert people(chat) == before
    # The same for someone minga is about to meet: their first command counts once.
    assert dispatcher.handle(says("zed", "/join", "update-2")) is True
    assert dispatcher.handle(says("zed", "/join", "update-2")) is False
    assert people(chat) == (before[0] + 1, before[1] + 1)
