"""Benchmark: 1,000 statements to 1,000 members through the fake Telegram server.

    .venv/bin/python bench/telegram_delivery.py [--members 1000] [--storm 0] [--db URL]

Builds a commune of N members with Telegram accounts directly in the database (a
fresh SQLite file unless --db is given), clears one month (N statements by DM and
one summary in the group), then starts minga's Telegram adapter with Telegram's
real limits against the loopback fake Bot API server of the tests
(tests/fake_telegram.py) and times the delivery. ``--storm K`` answers K private
messages with 429 (retry_after 1) on the way.

It reports the rate against the limits (30 messages/s overall, 1/s per chat,
20/min per group), judged by when the server received each message, and checks
that every member got exactly one statement. A benchmark, not a test: at
Telegram's 30 messages/s, 1,001 messages take a little over 33 seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_telegram import FakeTelegram, LoopThread  # noqa: E402

from bot.telegram.adapter import TelegramAdapter  # noqa: E402
from bot.telegram.settings import Limits, TelegramSettings  # noqa: E402
from handlers.jobs import run_due  # noqa: E402
from storage.tables import AccountRow, ChatRow, CommuneRow, MemberRow, PersonRow  # noqa: E402
from storage.uow import Database  # noqa: E402

JOINED = datetime(2026, 12, 1, tzinfo=UTC)
FOUNDED = datetime(2027, 1, 1, tzinfo=UTC)
CLEARING = datetime(2027, 2, 1, 0, 1, tzinfo=UTC)  # January 2027 has ended (UTC commune)


def build(database: Database, fake: FakeTelegram, members: int) -> None:
    """Commune "Bench" in one Telegram group, N members who all pressed Start."""
    users = [fake.user(f"m{n}") for n in range(1, members + 1)]
    group = fake.group("Bench", admins=[users[0]])
    with fake.lock:
        fake.started.update(u["id"] for u in users)
    with database.engine.begin() as connection:
        connection.execute(
            insert(CommuneRow.__table__),
            [{"id": 1, "name": "Bench", "name_key": "bench", "currency": "EUR", "timezone": "UTC",
              "locale": "en", "created_at": FOUNDED}],
        )  # fmt: skip
        connection.execute(
            insert(ChatRow.__table__),
            [{"platform": "telegram", "platform_chat_id": str(group["id"]), "is_private": False,
              "title": "Bench", "commune_id": 1}],
        )  # fmt: skip
        people = range(1, members + 1)
        connection.execute(
            insert(PersonRow.__table__), [{"id": n, "created_at": JOINED} for n in people]
        )
        connection.execute(
            insert(AccountRow.__table__),
            [{"id": n, "platform": "telegram", "platform_user_id": str(users[n - 1]["id"]),
              "person_id": n, "display_name": f"m{n}", "last_seen_at": JOINED}
             for n in people],
        )  # fmt: skip
        connection.execute(
            insert(MemberRow.__table__),
            [{"id": n, "commune_id": 1, "person_id": n, "name": f"m{n}", "name_key": f"m{n}",
              "is_admin": n == 1, "is_treasurer": n == 1, "joined_at": JOINED} for n in people],
        )  # fmt: skip


def pending(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM outbox WHERE platform = 'telegram' AND delivered_at IS NULL")
        ).scalar_one()


def worst_second(times: list[float]) -> int:
    worst, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - 1.0:
            start += 1
        worst = max(worst, end - start + 1)
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--storm", type=int, default=0, help="429s to inject on the way")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="minga-bench-")
    url = args.db or f"sqlite:///{scratch.name}/bench.sqlite"
    loop = LoopThread()
    fake = loop.run(FakeTelegram().serve())
    database = Database(url)
    build(database, fake, args.members)
    done = run_due(database.unit_of_work, CLEARING)
    assert [str(item.period) for item in done] == ["2027-01"], done
    queued = pending(database)
    print(f"queued {queued} messages: {args.members} statements by DM and the group's summary")
    if args.storm:
        fake.fail(
            "sendMessage", "429", times=args.storm, retry_after=1,
            when=lambda params: int(params["chat_id"]) > 0,
        )  # fmt: skip

    limits = Limits()  # Telegram's own numbers
    settings = TelegramSettings(token=fake.token, base_url=fake.base_url, poll_timeout=1,
                                limits=limits)  # fmt: skip
    adapter = TelegramAdapter(database, settings, clock=lambda: CLEARING)
    started = time.monotonic()
    loop.run(adapter.start())
    while pending(database):
        time.sleep(0.2)
        if time.monotonic() - started > 600:
            print("gave up after 600 s")
            return 1
    elapsed = time.monotonic() - started
    loop.run(adapter.stop())

    with fake.lock:
        times = sorted(s.at for s in fake.sent)
        dms: dict[int, int] = {}
        for s in fake.sent:
            if s.chat_id > 0 and s.text.startswith("Your statement — January 2027"):
                dms[s.chat_id] = dms.get(s.chat_id, 0) + 1
        refused = sum(code == 429 for _method, code, _ in fake.refused)
    sending = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = len(times) / max(sending, 1e-9)
    print(f"delivered {len(times)} messages in {elapsed:.1f} s from start "
          f"({sending:.1f} s first to last): {rate:.1f} messages/s")  # fmt: skip
    print(f"busiest second: {worst_second(times)} messages (limit {limits.overall_per_second})")
    print(f"429s answered by the server: {refused}")
    print(f"members with exactly one statement: {sum(c == 1 for c in dms.values())} "
          f"of {args.members}; with more than one: {sum(c > 1 for c in dms.values())}")  # fmt: skip
    found = fake.violations(
        limits.overall_per_second, limits.per_chat_interval, limits.group_per_window,
        limits.group_window,
    )  # fmt: skip
    print("limits respected" if not found else f"LIMITS BROKEN: {found[:5]}")
    database.dispose()
    loop.run(fake.stop())
    loop.close()
    ok = not found and len(dms) == args.members and all(c == 1 for c in dms.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
