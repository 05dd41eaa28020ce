"""Fuzzing every command, every form's answer and every console directive (issue 10).

Hypothesis builds each command's arguments from the kinds of value it takes (issue
numbers, amounts in each language's notation, dates, moments, names, quoted text)
mixed with hostile text (huge and negative numbers, NaN, unicode digits, zero-width
and bidi characters, markup, very long strings, unbalanced quotes, newlines,
@mentions, another commune's numbers), spoken by a stranger, members, a treasurer,
an admin and a platform admin, in the commune's group, in DMs, in another commune's
group and in a group with no commune, against a commune in a known state: bond #1
leased and cleared once, bond #2 open with a pledge, an assembly voting and one
scheduled, and three forms half filled in.

For every message:
- no unhandled exception: nothing logged at ERROR and no ``internal_error`` reply;
- a refusal changes nothing (``domain_snapshot`` before and after);
- every reply rendered as HTML is escaped (unescaping it gives back the plain text,
  so no ``<``, ``>`` or entity came from the input) and fits one Telegram message;
- a refusal's lines stay short even when what was typed is long.

The commune is built once per database kind and restored after each example that
changed it (SQLite's backup API; a template database on PostgreSQL), so an example
costs one message, not one commune. Examples are derandomised: the same run every
time. How many were tried is printed at the end of the run (tests/conftest.py).
"""

from __future__ import annotations

import html
import io
import itertools
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import TALLY
from harness import DOMAIN_TABLES, ConsoleChat, domain_snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.console import Console
from bot.delivery import deliver_pending
from bot.telegram.formatting import LIMIT, parsed_length
from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming
from handlers.registry import COMMANDS
from handlers.rendering import render
from storage.uow import Database

# Plus who minga knows: a refused stranger must leave no person or account behind
# (issue 10, case 10); an account's language or display name may be refreshed.
KNOWN = ("person", "account")
TABLES = (*DOMAIN_TABLES, *KNOWN)
EXAMPLES_PER_COMMAND = 25
EXAMPLES_PER_FORM = 20
EXAMPLES_OF_DIRECTIVES = 100
REFUSAL_LINE_LIMIT = 400  # a usage line is ~180; a typed value must be shortened

KNOWN_STATE = """
:now 2026-12-01T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /coop new Pan
ana@group: /join Tierra
ben@group: /join Tierra
cai@group: /join Pan
dee@group: /join Pan
ana@group: /role dee treasurer
ben@group: /propose Tractor 1000 333.33 2026-12-31
ana@group: /pledge 1 500
cai@group: /pledge 1 300
dee@group: /pledge 1 200
:now 2027-01-15T10:00:00Z
dee@group: /rent 1 333.33
:now 2027-02-01T09:00:00Z
ben@group: /propose Oven 2000 50 2027-03-31
cai@group: /pledge 2 100
ana@group: /assembly new "Spring assembly" 2027-02-01T10:00 2027-02-08T10:00 quorum 50%
ana@group: /motion 1 "Buy a tractor"
ana@group: /motion 1 "Adopt the charter" consensus
ana@group: /assembly new "Autumn assembly" 2027-09-01T18:00 2h
ana@group: /motion 2 "Raise rent"
ben@group: /motion 2 "Plant trees"
cai@group: /support 4
dee@group: /delegate ben
:admin zoe other
zoe@other: /setup Mar USD America/New_York
yan@other: /join
zoe@other: /coop new Pesca
zoe@other: /join Pesca
zoe@other: /propose Barca 7000 70 2027-06-30
:now 2027-02-01T10:30:00Z
ben@group: /vote 1 yes
:admin fay newgroup
fay@newgroup: /setup
ana@group: /assembly
ana@group: Summer assembly
ben@group: /propose
cai@dm: /propose Bread
"""
NOW = datetime(2027, 2, 1, 10, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Speaker:
    user: str
    chat: str  # "dm" for their private chat
    admin_of_chat: bool = False

    @property
    def private(self) -> bool:
        return self.chat == "dm"


ROLES = {
    "stranger": ["eve"],
    "member": ["ben", "cai"],
    "treasurer": ["dee"],
    "admin": ["ana"],
    "other commune's admin": ["zoe"],
    "platform admin": ["fay"],
}
CHATS = ["group", "dm", "other", "newgroup"]
PLATFORM_ADMINS = {("ana", "group"), ("zoe", "other"), ("fay", "newgroup")}


# --- the commune, built once and restored -------------------------------------------------


class Commune:
    """The known state on one database, and a way back to it after an example."""

    def __init__(self, database: Database, restore: Callable[[], None]) -> None:
        self.database = database
        self._restore = restore
        self.golden = snapshot(database)
        self.restored = 0
        self._ids = itertools.count(1)
        self.dispatcher = Dispatcher(database.unit_of_work, lambda: NOW)

    def snapshot(self) -> dict[str, list[tuple]]:
        return snapshot(self.database)

    def back_to_known_state(self, now: dict[str, list[tuple]] | None) -> None:
        """``now`` is the state the example left, None when it failed before knowing it."""
        if now != self.golden:
            self._restore()
            self.restored += 1

    def says(self, speaker: Speaker, text: str, language: str | None) -> None:
        self.dispatcher.handle(
            Incoming(
                platform="console",
                message_id=f"fuzz:{next(self._ids)}",
                chat_id=speaker.user if speaker.private else speaker.chat,
                chat_is_private=speaker.private,
                chat_title="" if speaker.private else speaker.chat,
                user_id=speaker.user,
                user_name=speaker.user,
                text=text,
                user_language=language,
                sender_is_platform_admin=(speaker.user, speaker.chat) in PLATFORM_ADMINS,
            )
        )


def snapshot(database: Database) -> dict[str, list[tuple]]:
    state = domain_snapshot(database)
    for table, ids in domain_snapshot(database, KNOWN).items():
        state[table] = [row[:1] for row in ids]
    return state


def _build(url: str) -> None:
    chat = ConsoleChat(url)
    chat.script(KNOWN_STATE)
    errors = chat.err.getvalue()
    chat.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory in memory when the machine has one: every example commits, and
    SQLite syncs each commit to disk (synchronous=FULL)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="minga-fuzz-") as directory:
            yield Path(directory)
    else:
        yield tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def sqlite_commune(scratch: Path) -> Iterator[Commune]:
    directory = scratch
    golden_path, work_path = directory / "golden.sqlite", directory / "work.sqlite"
    _build(f"sqlite:///{golden_path}")
    database = Database(f"sqlite:///{work_path}")
    golden = sqlite3.connect(golden_path)
    _copy(golden, work_path)

    def restore() -> None:
        database.engine.dispose()
        _copy(golden, work_path)

    yield Commune(database, restore)
    database.dispose()
    golden.close()


def _copy(source: sqlite3.Connection, target: Path) -> None:
    with sqlite3.connect(target) as destination:
        source.backup(destination)
    destination.close()


@pytest.fixture(scope="module")
def postgres_commune(postgres) -> Iterator[Commune]:  # type: ignore[no-untyped-def]
    golden_url = postgres.create_database("fuzz_golden")
    _build(golden_url)
    work_url = _from_template(postgres, "fuzz_work", "fuzz_golden")
    database = Database(work_url)

    def restore() -> None:
        database.engine.dispose()
        postgres.drop_database("fuzz_work")
        _from_template(postgres, "fuzz_work", "fuzz_golden")

    yield Commune(database, restore)
    database.dispose()
    postgres.drop_database("fuzz_work")
    postgres.drop_database("fuzz_golden")


def _from_template(postgres, name: str, template: str) -> str:  # type: ignore[no-untyped-def]
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres.dsn("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return postgres.url(name)


# PostgreSQL doubles the run; CI fuzzes SQLite (the handlers are the same code), and
# MINGA_FUZZ_POSTGRES=1 fuzzes PostgreSQL too.
KINDS = ["sqlite"]
if os.environ.get("MINGA_FUZZ_POSTGRES") == "1":
    KINDS.append(pytest.param("postgres", marks=pytest.mark.postgres))


@pytest.fixture(params=KINDS)
def commune(request: pytest.FixtureRequest) -> Commune:
    return request.getfixturevalue(f"{request.param}_commune")


# --- what the examples are made of --------------------------------------------------------

HOSTILE_VALUES = [
    "",
    " ",
    "0",
    "-1",
    "-0",
    "1e999",
    "-1e999",
    "NaN",
    "nan",
    "inf",
    "Infinity",
    "9" * 40,
    "-" + "9" * 30,
    "99999999999999999999.99",
    "0.000000001",
    "١٢٣",  # Arabic-Indic digits
    "१२३",  # Devanagari digits
    "１２３",  # fullwidth
    "²",
    "½",
    "1\u200b0",
    "\u200b",
    "\u202etxet\u202c",
    "\u2066x\u2069",
    "\u061c",
    "\ufeff",
    "<b>bold</b>",
    "&amp;",
    "&lt;b&gt;",
    '<a href="https://evil.example">x</a>',
    "<script>alert(1)</script>",
    "x" * 5000,
    "é" * 3000,
    "😀" * 1500,
    '"',
    "'",
    '"unbalanced',
    "“curly”",
    "a\nb",
    "\r\n",
    "\t",
    "@ana",
    "@eve",
    "@",
    "#1",
    "#0",
    "#-1",
    "#99999999999",
    "1",
    "2",
    "3",
    "999999999",
    "1000000000",
    "Terra",
    "Mar",
    "Ｔｅｒｒａ",
    "%s%n{}{{x}}",
    "{{ 7*7 }}",
    "{% raw %}",
    "\\",
    "--",
    "/help",
    "null",
    "None",
    "\x7f",
    "\x1b[31m",
    "\ud7ff",
]
HOSTILE = st.sampled_from(HOSTILE_VALUES)
# Text in general: anything printable hypothesis likes, and the hostile values.
TEXT = st.one_of(HOSTILE, st.text(max_size=30), st.text(min_size=200, max_size=600))
NUMBER = st.one_of(
    st.sampled_from(["1", "2", "3", "#1", "#2"]),
    st.integers(-(10**30), 10**30).map(str),
    HOSTILE,
)
AMOUNT = st.one_of(
    st.sampled_from(
        [
            "100",
            "1.000",
            "1,000",
            "1.000,50",
            "1,000.50",
            "1.5",
            "1,5",
            "0,01",
            "333.33",
            "1 000",
            "1\u00a0000",
            "1'000",
            "300,00 €",
            "€ 300",
            "300 EUR",
            "€5",
            "5 €",
            "$5",
            "5EUR",
            "10000000000000",
            "92233720368547758.07",
            "1e3",
            "0x10",
            "+5",
            "5-",
            "(5)",
        ]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**25), 10**25).map(str),
    HOSTILE,
)
DAY = st.one_of(
    st.sampled_from(
        [
            "2027-03-01",
            "2027-02-31",
            "9999-12-31",
            "0001-01-01",
            "10000-01-01",
            "2027-2-1",
            "2027-W05",
            "20270301",
            "2026-12-31",
            "2027-13-01",
            "04/02/2027",
            "4 de febrero",
            "dijous vinent",
            "31/02/2027",
        ]
    ),
    st.dates().map(str),
    HOSTILE,
)
MOMENT = st.one_of(
    st.sampled_from(
        [
            "2027-02-01T18:00",
            "2027-03-28T02:30",
            "2027-10-31T02:30",
            "tomorrow 18:00",
            "next monday 18:00",
            "jueves 18:00",
            "dijous 18:00",
            "jueves a las 18h",
            "dijous a les 6 de la tarda",
            "próximo jueves 25h",
            "04/02/2027 18:00",
            "in 2h",
            "2h",
            "90m",
            "99999999d",
            "-2h",
            "0h",
            "9999-12-31T23:59",
            "2027-02-01T25:00",
            "now",
        ]
    ),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
    HOSTILE,
)
PERIOD = st.one_of(
    st.sampled_from(["2027-01", "2026-12", "2027-02", "2027-13", "0000-01", "9999-12", "2027-1"]),
    HOSTILE,
)
NAME = st.one_of(
    st.sampled_from(
        [
            "ana",
            "ben",
            "cai",
            "dee",
            "eve",
            "zoe",
            "Tierra",
            "Pan",
            "Pesca",
            "@ben",
            "BEN",
            "ｂｅｎ",
            "b\u200ben",
        ]
    ),
    TEXT,
)
ROLE = st.one_of(
    st.sampled_from(["admin", "treasurer", "member", "ADMIN", "tesorería", "membre", "tesor"]),
    TEXT,
)
LANG = st.one_of(st.sampled_from(["en", "es", "ca", "ES", "fr", "es-ES", "català"]), TEXT)
CURRENCY = st.one_of(st.sampled_from(["EUR", "eur", "USD", "XXX", "XAU", "JPY", "€"]), TEXT)
ZONE = st.one_of(
    st.sampled_from(
        [
            "Europe/Madrid",
            "UTC",
            "localtime",
            "Factory",
            "posix/Europe/Madrid",
            "../../etc/passwd",
            "Etc/GMT+14",
        ]
    ),
    TEXT,
)
THRESHOLD = st.one_of(
    st.sampled_from(
        ["majority", "two-thirds", "consensus", "dos tercios", "2/3", "66%", "Mayoría"]
    ),
    TEXT,
)
CHOICE = st.one_of(
    st.sampled_from(
        ["yes", "no", "abstain", "sí", "abstención", "withdraw", "retirar", "maybe", "a favor"]
    ),
    TEXT,
)
COMMAND_NAME = st.one_of(st.sampled_from(sorted(COMMANDS)), TEXT)
CODE = st.one_of(st.sampled_from(["ABCDEF", "123456", "0"]), TEXT)
ASSEMBLY_OPTIONS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                *("quorum", "50%", "every", "2", "weeks", "secret", "binding", "101%", "remote"),
                *("0%", "quórum", "cada", "semanas", "secreta", "vinculant", "remoto", "budget"),
            ]
        ),
        TEXT,
    ),
    max_size=4,
)


def _quoted(value: str) -> str:
    """An argument as a member would type it: quoted when it has a space."""
    return f'"{value}"' if " " in value and '"' not in value else value


def _line(name: str, parts: list[str]) -> str:
    return " ".join([f"/{name}", *(_quoted(part) for part in parts)]).rstrip()


def args(*kinds: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """The command's arguments, in order; sometimes one too few or one too many."""
    exact = st.tuples(*kinds).map(list) if kinds else st.just([])
    return st.one_of(
        exact,
        exact.map(lambda parts: parts[:-1]),
        st.tuples(exact, TEXT).map(lambda pair: [*pair[0], pair[1]]),
        st.lists(TEXT, max_size=5),
    )


ARGUMENTS: dict[str, st.SearchStrategy[list[str]]] = {
    "setup": args(NAME, CURRENCY, ZONE),
    "coop": st.one_of(args(), args(st.just("new"), NAME)),
    "join": st.one_of(args(), args(NAME)),
    "leave": args(),
    "role": args(NAME, ROLE),
    "propose": args(NAME, AMOUNT, AMOUNT, DAY),
    "pledge": args(NUMBER, AMOUNT),
    "unpledge": args(NUMBER),
    "withdraw": args(NUMBER),
    "bonds": args(),
    "bond": args(NUMBER),
    "rent": args(NUMBER, AMOUNT),
    "paid": st.one_of(args(NUMBER, NAME), args(NUMBER, NAME, AMOUNT)),
    "refunded": args(NUMBER, NAME),
    "sold": args(NUMBER, AMOUNT),
    "payout": st.one_of(
        args(NAME), args(NAME, AMOUNT), args(st.just("all")), args(st.just("all"), PERIOD)
    ),
    "statement": st.one_of(args(), args(PERIOD)),
    "ledger": args(),
    "export": st.one_of(args(), args(PERIOD), args(st.sampled_from(["2027", "1999", "0000"]))),
    "chart": st.one_of(args(), args(NUMBER)),
    "lang": st.one_of(args(LANG), args(st.sampled_from(["group", "grupo", "grup"]), LANG)),
    "cancel": args(),
    "start": st.one_of(args(), args(CODE)),
    "help": st.one_of(args(), args(COMMAND_NAME)),
    "link": st.one_of(args(), args(CODE)),
    "assembly": st.one_of(
        args(),
        args(NUMBER),
        st.tuples(args(st.just("new"), TEXT, MOMENT, MOMENT), ASSEMBLY_OPTIONS).map(
            lambda pair: [*pair[0], *pair[1]]
        ),
    ),
    "assemblies": args(),
    "motion": st.one_of(
        args(NUMBER, TEXT, THRESHOLD),
        args(NUMBER, st.just("fund"), AMOUNT, TEXT, st.sampled_from(["to", "To", "for"]), NAME),
    ),
    "vote": args(NUMBER, CHOICE),
    "support": args(NUMBER),
    "unsupport": args(NUMBER),
    "delegate": args(NAME),
    "undelegate": args(),
    "present": st.one_of(args(NUMBER, NAME), args(NAME), args(NUMBER, NAME, NAME)),
    "absent": st.one_of(args(NUMBER, NAME), args(NAME), args(NUMBER, NAME, NAME)),
    "policy": st.one_of(
        args(), args(st.sampled_from(["decide", "approval", "support", "fund", "quorum"]), TEXT)
    ),
}
SPEAKERS = st.builds(
    Speaker,
    user=st.sampled_from([user for users in ROLES.values() for user in users]),
    chat=st.sampled_from(CHATS),
)
LANGUAGE = st.sampled_from([None, "en", "es", "ca"])


def test_every_command_has_arguments_to_fuzz() -> None:
    assert set(ARGUMENTS) == set(COMMANDS)


# --- the checks ------------------------------------------------------------------------------


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logger = logging.getLogger("handlers")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def check_message(
    commune: Commune,
    speaker: Speaker,
    text: str,
    language: str | None,
    errors: ErrorLog,
    before: dict[str, list[tuple]],
) -> dict[str, list[tuple]]:
    """Say ``text``; check everything the issue asks of its answers; return the state after."""
    commune.says(speaker, text, language)
    replies: list[tuple[str, str, str]] = []

    def keep(message, rendered: str) -> None:  # type: ignore[no-untyped-def]
        plain = render(message.template, message.locale, message.context)
        replies.append((message.template, rendered, plain))

    deliver_pending(commune.database, "console", keep, html=True, now_factory=lambda: NOW)
    after = commune.snapshot()
    try:
        assert not errors.records, errors.records[0].getMessage()
        templates = [template for template, _, _ in replies]
        assert "internal_error" not in templates
        for template, rendered, plain in replies:
            assert html.unescape(rendered) == plain, f"{template}: not escaped"
            assert "<" not in rendered and ">" not in rendered, template
            assert parsed_length(rendered) <= LIMIT, f"{template}: {parsed_length(rendered)}"
            if template.startswith("refusal/"):
                longest = max((len(line) for line in plain.splitlines()), default=0)
                assert longest <= REFUSAL_LINE_LIMIT, f"{template} echoes {longest} characters"
        if any(template.startswith("refusal/") for template in templates):
            changed = [table for table in TABLES if after[table] != before[table]]
            assert not changed, f"refused, yet changed {changed}"
    finally:
        errors.records.clear()
    return after


FUZZ = settings(
    max_examples=EXAMPLES_PER_COMMAND,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
tried: dict[str, int] = {}


@pytest.fixture(autouse=True, scope="module")
def _count_examples(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    tally = request.config.stash.setdefault(TALLY, {})
    # One line at the end of the run: the total, and over how many commands and forms.
    tally[f"fuzz examples tried (over {len(tried)} commands, forms and directives)"] = sum(
        tried.values()
    )


@pytest.mark.parametrize("name", sorted(ARGUMENTS))
def test_command(name: str, commune: Commune, error_log: ErrorLog) -> None:
    @FUZZ
    @given(speaker=SPEAKERS, parts=ARGUMENTS[name], language=LANGUAGE, bang=st.booleans())
    def example(speaker: Speaker, parts: list[str], language: str | None, bang: bool) -> None:
        tried[name] = tried.get(name, 0) + 1
        line = _line(name, parts)
        text = "!" + line[1:] if bang else line
        after = None
        try:
            after = check_message(commune, speaker, text, language, error_log, commune.golden)
        finally:
            commune.back_to_known_state(after)

    example()


# The forms half filled in by KNOWN_STATE: who answers where, and what they are asked.
FORMS = {
    "setup": Speaker("fay", "newgroup"),  # the commune's name
    "assembly": Speaker("ana", "group"),  # when it opens
    "propose in the group": Speaker("ben", "group"),  # the asset
    "propose by DM": Speaker("cai", "dm"),  # the price
}
ANSWER = st.one_of(TEXT, AMOUNT, MOMENT, DAY, NAME, CURRENCY, ZONE, THRESHOLD, CHOICE)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_form_answer(form: str, commune: Commune, error_log: ErrorLog) -> None:
    @settings(FUZZ, max_examples=EXAMPLES_PER_FORM)
    @given(answers=st.lists(ANSWER, min_size=1, max_size=6), language=LANGUAGE)
    def example(answers: list[str], language: str | None) -> None:
        """A few answers in a row, so later questions of the form are reached too."""
        tried[f"form {form}"] = tried.get(f"form {form}", 0) + 1
        state: dict[str, list[tuple]] | None = commune.golden
        try:
            for answer in answers:
                before, state = state, None
                assert before is not None
                state = check_message(commune, FORMS[form], answer, language, error_log, before)
        finally:
            commune.back_to_known_state(state)

    example()


# A valid line of each command, by someone who may use it: every hostile value is
# tried in each argument's place in turn, so none depends on hypothesis reaching it.
VALID = {
    "setup": (Speaker("fay", "newgroup"), ["Luna", "EUR", "Europe/Madrid"]),
    "coop": (Speaker("ana", "group"), ["new", "Huerta"]),
    "join": (Speaker("eve", "group"), ["Pan"]),
    "leave": (Speaker("cai", "group"), []),
    "role": (Speaker("ana", "group"), ["ben", "treasurer"]),
    "propose": (Speaker("ben", "dm"), ["Mill", "500", "20", "2027-03-31"]),
    "pledge": (Speaker("ana", "group"), ["2", "10"]),
    "unpledge": (Speaker("cai", "group"), ["2"]),
    "withdraw": (Speaker("ben", "group"), ["2"]),
    "bonds": (Speaker("eve", "group"), []),
    "bond": (Speaker("eve", "group"), ["1"]),
    "rent": (Speaker("dee", "group"), ["1", "333.33"]),
    "paid": (Speaker("dee", "group"), ["2", "ana", "10"]),
    "refunded": (Speaker("dee", "group"), ["2", "ana"]),
    "sold": (Speaker("dee", "group"), ["1", "600"]),
    "payout": (Speaker("dee", "group"), ["ana", "10"]),
    "statement": (Speaker("ben", "group"), ["2027-01"]),
    "ledger": (Speaker("eve", "group"), []),
    "export": (Speaker("dee", "group"), ["2027"]),
    "chart": (Speaker("eve", "group"), ["12"]),
    "lang": (Speaker("ben", "dm"), ["es"]),
    "cancel": (Speaker("ana", "group"), []),
    "start": (Speaker("eve", "dm"), ["ABCDEF"]),
    "help": (Speaker("eve", "group"), ["pledge"]),
    "link": (Speaker("ben", "dm"), ["ABCDEF"]),
    "assembly": (
        Speaker("ana", "group"),
        ["new", "Winter assembly", "2027-03-01T18:00", "2h", "quorum", "50%", "secret"],
    ),
    "assemblies": (Speaker("eve", "group"), []),
    "motion": (Speaker("ana", "group"), ["2", "Buy seeds", "two-thirds"]),
    "vote": (Speaker("cai", "group"), ["1", "yes"]),
    "support": (Speaker("dee", "group"), ["4"]),
    "unsupport": (Speaker("cai", "group"), ["4"]),
    "delegate": (Speaker("cai", "group"), ["ana"]),
    "undelegate": (Speaker("dee", "group"), []),
    "present": (Speaker("ana", "group"), ["1", "ben", "cai"]),
    "absent": (Speaker("ana", "group"), ["1", "ben"]),
    "policy": (Speaker("ana", "group"), ["support", "25%"]),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_hostile_value_in_every_place(name: str, commune: Commune, error_log: ErrorLog) -> None:
    speaker, valid = VALID[name]
    lines = [_line(name, valid)]
    for place in range(len(valid) + 1):  # and one argument too many
        for value in HOSTILE_VALUES:
            lines.append(_line(name, [*valid[:place], value, *valid[place + 1 :]]))
    for line in lines:
        tried[name + " (hostile)"] = tried.get(name + " (hostile)", 0) + 1
        after = None
        try:
            after = check_message(commune, speaker, line, None, error_log, commune.golden)
        except AssertionError as error:
            raise AssertionError(f"{line[:200]!r}: {error}") from error
        finally:
            commune.back_to_known_state(after)


# --- console directives ----------------------------------------------------------------------

DIRECTIVE_VALUE = st.one_of(
    st.sampled_from(
        [
            "2027-03-01T00:00:00Z",
            "2027-03-01",
            "2026-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "10000-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "2027-03-28T02:30",
            "1d",
            "0d",
            "-1d",
            "99999999d",
            "1e9d",
            "NaNd",
            "1.5h",
            "١d",
            "１d",
            "3w",
            "d",
            "5",
            "2h 3m",
            "ana",
            "ana group",
            "ana dm",
            "ana group extra",
            "a@b",
            "ana g:x",
            "eve\u200b group",
            "\u202eana",
            "x" * 100,
        ]
    ),
    TEXT,
)
DIRECTIVE = st.sampled_from([":now", ":advance", ":admin", ":unknown", ":", "::", ":NOW"])


@pytest.fixture(scope="module")
def console_database(scratch: Path) -> Iterator[tuple[Database, Path]]:
    directory = scratch / "console"
    directory.mkdir()
    golden_path, work_path = directory / "golden.sqlite", directory / "work.sqlite"
    chat = ConsoleChat(f"sqlite:///{golden_path}")
    chat.script(":now 2027-02-20T09:00:00Z\n:admin ana group")  # no commune: no jobs
    chat.close()
    golden = sqlite3.connect(golden_path)
    _copy(golden, work_path)
    database = Database(f"sqlite:///{work_path}")
    yield database, work_path, golden  # type: ignore[misc]
    database.dispose()
    golden.close()


def test_console_directives(console_database) -> None:  # type: ignore[no-untyped-def]
    database, work_path, golden = console_database

    @settings(FUZZ, max_examples=EXAMPLES_OF_DIRECTIVES)
    @given(directive=DIRECTIVE, value=DIRECTIVE_VALUE, spacing=st.sampled_from([" ", "  ", "\t"]))
    def example(directive: str, value: str, spacing: str) -> None:
        tried["console directives"] = tried.get("console directives", 0) + 1
        out, err = io.StringIO(), io.StringIO()
        console = Console(database, out, err)
        before = (console.clock, set(console.admins))
        # A line of a script holds no line break; the rest is fair game.
        line = f"{directive}{spacing}{value}".replace("\n", " ").replace("\r", " ")
        try:
            console.feed(line, 7)  # must not raise
            after = Console(database, io.StringIO(), io.StringIO())
            complaint = err.getvalue()
            if complaint:
                assert complaint.startswith("line 7: "), complaint
                assert complaint.count("\n") == 1, complaint
                assert (after.clock, after.admins) == before, "refused, yet changed"
            elif directive == ":advance":
                assert after.clock != before[0], "advanced, yet the clock did not move"
        finally:
            database.engine.dispose()
            _copy(golden, work_path)

    example()
