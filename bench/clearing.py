"""Clearing at federation size, against the floor of bulk-inserting its rows.

Each measurement runs in its own process (``python -m bench.clearing``), so its
peak RSS is its own: ``build`` fills a database, ``clear`` runs the due clearing
through ``handlers.jobs.run_due`` exactly as ``minga run`` would, and ``floor``
bulk-inserts as many journal postings, outbox rows and owed rows as that clearing
wrote (statement-sized contexts), with the same driver and connection settings, in one
transaction: the least any clearing of that size could cost. ``next`` receives
the following month's rent on every lease and clears that month (run it eleven
times after ``clear`` to reach December, where year-to-date totals span the year).
``check`` runs ``minga check``'s invariants over the cleared database.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mb: float
    detail: dict[str, Any]


def in_subprocess(*args: str, timeout: float = 600) -> Run:
    """Run ``python -m bench.clearing ARGS`` and read its one line of JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.clearing", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.clearing {' '.join(args)} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(result.pop("seconds"), result.pop("rss_mb"), result)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _build(url: str, members: int) -> dict[str, Any]:
    from bench.federation import build
    from storage.uow import Database

    database = Database(url)
    started = time.perf_counter()
    build(database, members, leases_for(members), HOLDINGS_PER_LEASE)
    database.dispose()
    return {"seconds": time.perf_counter() - started, "rss_mb": _rss_mb()}


HOLDINGS_PER_LEASE = 50


def leases_for(members: int) -> int:
    """The issue's proportions: 100,000 members, 10,000 leases, 500,000 holdings."""
    return max(1, members // 10)


def _clear(url: str) -> dict[str, Any]:
    from sqlalchemy import text

    from bench.federation import CLEAR_AT
    from handlers.jobs import run_due
    from storage.uow import Database

    database = Database(url)
    started = time.perf_counter()
    done = run_due(database.unit_of_work, CLEAR_AT)
    seconds = time.perf_counter() - started
    assert [str(item.period) for item in done] == ["2027-01"], done
    cleared = (  # the clearing's own postings, not the builder's bond and rent entries
        "SELECT count(*) FROM journal_posting WHERE entry_id IN "
        "(SELECT id FROM journal_entry WHERE kind = 'clearing')"
    )
    with database.engine.connect() as connection:
        postings = connection.execute(text(cleared)).scalar_one()
        outbox = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        redemptions = connection.execute(
            text(cleared + " AND account_kind = 'holding'")
        ).scalar_one()
        context = connection.execute(
            text("SELECT avg(length(context)) FROM outbox WHERE template = 'statement'")
        ).scalar_one()
        owed = connection.execute(text("SELECT count(*) FROM clearing_owed")).scalar_one()
    database.dispose()
    return {
        "seconds": seconds,
        "rss_mb": _rss_mb(),
        "postings": postings,
        "outbox": outbox,
        "redemptions": redemptions,
        "owed": owed,
        "context_bytes": int(context or 0),
    }


def _next(url: str) -> dict[str, Any]:
    """The month after the latest clearing: rent on every lease, then its clearing."""
    from datetime import timedelta

    from sqlalchemy import bindparam, text

    from bench.federation import RENT
    from domain.periods import Period
    from handlers.jobs import run_due
    from storage.tables import RentReceiptRow
    from storage.uow import Database

    database = Database(url)
    with database.engine.begin() as connection:
        latest = connection.execute(text("SELECT max(period) FROM clearing")).scalar_one()
        period = Period.parse(latest).next()
        connection.execute(
            text(
                "INSERT INTO rent_receipt (commune_id, issue_id, amount, received_at, period,"
                " recorded_by) SELECT commune_id, id, :rent + id, :at, :period, 1 FROM bond_issue"
            ).bindparams(bindparam("at", type_=RentReceiptRow.__table__.c.received_at.type)),
            {
                "rent": RENT,
                "at": period.starts_at("UTC") + timedelta(days=14),
                "period": str(period),
            },
        )
    started = time.perf_counter()
    done = run_due(database.unit_of_work, period.ends_at("UTC") + timedelta(seconds=1))
    seconds = time.perf_counter() - started
    assert [str(item.period) for item in done] == [str(period)], done
    with database.engine.connect() as connection:
        postings = connection.execute(
            text(
                "SELECT count(*) FROM journal_posting WHERE entry_id = (SELECT id FROM"
                " journal_entry WHERE kind = 'clearing' AND ref = :ref)"
            ),
            {"ref": f"period:{period}"},
        ).scalar_one()
    database.dispose()
    return {"seconds": seconds, "rss_mb": _rss_mb(), "period": str(period), "postings": postings}


def _check(url: str) -> dict[str, Any]:
    """``minga check``'s work on the whole database, as the command does it: one unit
    of work, every invariant of every commune (``handlers.check.find_discrepancies``)."""
    from handlers.check import find_discrepancies
    from storage.uow import Database

    database = Database(url)
    started = time.perf_counter()
    with database.unit_of_work() as uow:
        found = find_discrepancies(uow)
    seconds = time.perf_counter() - started
    database.dispose()
    return {"seconds": seconds, "rss_mb": _rss_mb(), "discrepancies": len(found)}


def _floor(url: str, postings: int, outbox: int, owed: int, context_bytes: int) -> dict[str, Any]:
    """One transaction: a journal entry with ``postings`` postings, ``outbox`` rows, and
    ``owed`` rows of what the entry owes each member (kept for payouts since issue 13:
    rows the clearing must write, so the floor writes them too)."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from storage.bulk import bulk_insert
    from storage.payout_tables import ClearingOwedRow
    from storage.repositories.clearings.writes import LARGE_CACHE_KIB
    from storage.repositories.messaging import OUTBOX_COLUMNS
    from storage.tables import JournalPostingRow, OutboxRow
    from storage.uow import Database

    database = Database(url)
    now = datetime(2027, 2, 1, tzinfo=UTC)
    context = json.dumps({"pad": "x" * max(0, context_bytes - 10)})
    run = f"floor-{time.time_ns()}"  # dedup keys are unique: one set per run
    with database.engine.connect() as connection:  # statements name their reader
        people = connection.execute(text("SELECT count(*) FROM person")).scalar_one()
    with database.engine.connect() as connection:  # a fresh transaction, as the clearing's
        transaction = connection.begin()
        if connection.dialect.name == "sqlite":  # the page cache the clearing runs with
            connection.exec_driver_sql(f"PRAGMA cache_size = -{LARGE_CACHE_KIB}")
        started = time.perf_counter()
        entry = connection.execute(
            text(
                "INSERT INTO journal_entry (commune_id, kind, ref, created_at) "
                "VALUES (1, 'floor', 'floor', :now) RETURNING id"
            ),
            {"now": now},
        ).scalar_one()
        bulk_insert(
            connection,
            JournalPostingRow.__table__,
            ("entry_id", "commune_id", "account_kind", "account_ref", "amount"),
            ((entry, 1, "holding", n, 1) for n in range(postings)),
        )
        bulk_insert(
            connection,
            ClearingOwedRow.__table__,
            ("entry_id", "member_id", "commune_id", "period", "amount"),
            ((entry, n + 1, 1, "2027-01", 1) for n in range(owed)),
        )
        bulk_insert(
            connection,
            OutboxRow.__table__,
            OUTBOX_COLUMNS,
            (
                (
                    "bench",
                    f"m{n}",
                    True,
                    n % people + 1,
                    "floor",
                    context,
                    "en",
                    f"{run}:{n}",
                    now,
                    0,
                )
                for n in range(outbox)
            ),
        )
        transaction.commit()
        seconds = time.perf_counter() - started
    database.dispose()
    return {"seconds": seconds, "rss_mb": _rss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clearing")
    parser.add_argument("what", choices=["build", "clear", "next", "floor", "check"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=0)
    parser.add_argument("--outbox", type=int, default=0)
    parser.add_argument("--owed", type=int, default=0)
    parser.add_argument("--context-bytes", type=int, default=0)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.what == "build":
        result = _build(args.url, args.members)
    elif args.what == "clear":
        result = _clear(args.url)
    elif args.what == "next":
        result = _next(args.url)
    elif args.what == "check":
        result = _check(args.url)
    else:
        result = _floor(args.url, args.postings, args.outbox, args.owed, args.context_bytes)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
