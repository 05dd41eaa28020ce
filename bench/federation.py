"""Build a federation-sized commune directly in the database, for benchmarks.

Rows go in with bulk inserts (COPY on PostgreSQL; not through the chat commands,
which would take hours at this size): members with accounts, cooperatives, cleared
bond issues with their holdings, and one rent receipt per lease in the period to
clear, each with the journal entry its command would have written (``bond_cleared``,
``rent``), so ``minga check`` finds the books right. The commune is founded in that
period, so it is the first one due.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from storage.bulk import bulk_insert
from storage.tables import (
    AccountRow,
    BondIssueRow,
    ChatRow,
    CommuneRow,
    CooperativeRow,
    HoldingRow,
    JournalEntryRow,
    JournalPostingRow,
    MemberRow,
    PersonRow,
    RentReceiptRow,
)
from storage.uow import Database

LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
CLEARED = datetime(2026, 6, 1, tzinfo=UTC)
FOUNDED = datetime(2027, 1, 1, tzinfo=UTC)
RENT_DAY = datetime(2027, 1, 15, tzinfo=UTC)
PERIOD = "2027-01"
CLEAR_AT = datetime(2027, 2, 1, 0, 0, 1, tzinfo=UTC)  # just after the period ends
PRINCIPAL = 100_000  # €1,000.00 per holding
RENT = 33_333


def build(database: Database, members: int, leases: int, holdings_per_lease: int) -> int:
    """Create commune "Fed" at this size; returns its id. The database must be empty.

    Every lease has ``holdings_per_lease`` holders (distinct members), rent was
    received on every lease in January 2027, and everyone joined long before it.
    """
    cooperatives = max(1, leases // 10)
    with database.engine.begin() as connection:

        def put(table: Any, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
            bulk_insert(connection, table.__table__, columns, rows)

        put(
            CommuneRow,
            ("id", "name", "name_key", "currency", "timezone", "locale", "created_at"),
            [(1, "Fed", "fed", "EUR", "UTC", "en", FOUNDED)],
        )
        put(
            ChatRow,
            ("id", "platform", "platform_chat_id", "is_private", "title", "commune_id"),
            [(1, "bench", "group", False, "group", 1)],
        )
        put(PersonRow, ("id", "created_at"), ((n, LONG_AGO) for n in range(1, members + 1)))
        put(
            AccountRow,
            ("id", "platform", "platform_user_id", "person_id", "display_name", "last_seen_at"),
            ((n, "bench", f"m{n}", n, f"m{n}", LONG_AGO) for n in range(1, members + 1)),
        )
        put(
            CooperativeRow,
            ("id", "commune_id", "name", "name_key"),
            ((c, 1, f"coop{c}", f"coop{c}") for c in range(1, cooperatives + 1)),
        )
        put(
            MemberRow,
            (
                "id",
                "commune_id",
                "person_id",
                "name",
                "name_key",
                "cooperative_id",
                "is_admin",
                "is_treasurer",
                "joined_at",
            ),
            (
                (n, 1, n, f"m{n}", f"m{n}", (n % cooperatives) + 1, n == 1, n == 1, LONG_AGO)
                for n in range(1, members + 1)
            ),
        )
        put(
            BondIssueRow,
            (
                "id",
                "commune_id",
                "number",
                "cooperative_id",
                "proposer_id",
                "asset",
                "price",
                "rent",
                "deadline",
                "created_at",
                "status",
                "closed_at",
            ),
            (
                (
                    i,
                    1,
                    i,
                    (i % cooperatives) + 1,
                    1,
                    f"asset{i}",
                    _price(i, holdings_per_lease),
                    RENT,
                    CLEARED,
                    LONG_AGO,
                    "cleared",
                    CLEARED,
                )
                for i in range(1, leases + 1)
            ),
        )
        put(
            HoldingRow,
            ("id", "issue_id", "member_id", "principal", "redeemed", "seq"),
            _holdings(members, leases, holdings_per_lease),
        )
        put(
            RentReceiptRow,
            ("id", "commune_id", "issue_id", "amount", "received_at", "period", "recorded_by"),
            ((i, 1, i, RENT + i, RENT_DAY, PERIOD, 1) for i in range(1, leases + 1)),
        )
        _journal(put, members, leases, holdings_per_lease)
        if connection.dialect.name == "postgresql":  # ids were given: move the sequences on
            for table in ("commune", "chat", "person", "account", "cooperative", "member"):
                connection.execute(_sync_sequence(table))
            for table in ("bond_issue", "holding", "rent_receipt", "journal_entry"):
                connection.execute(_sync_sequence(table))
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return 1


NEARLY_REPAID = 5  # every 5th lease is owed 10 cents per holding: its rent mostly pools


def _principal(issue: int, seq: int) -> int:
    return 10 if issue % NEARLY_REPAID == 0 else PRINCIPAL + seq


def _price(issue: int, per_lease: int) -> int:
    return sum(_principal(issue, seq) for seq in range(1, per_lease + 1))


def _journal(put: Any, members: int, leases: int, per_lease: int) -> None:
    """What /pledge and /rent would have posted: each issue's bond_cleared entry (the
    asset bought for its price, each holding owed its principal), entries 1 to
    ``leases``, then each receipt's rent entry (cash in, the lease's rent out)."""
    put(
        JournalEntryRow,
        ("id", "commune_id", "kind", "ref", "created_at"),
        [
            *((i, 1, "bond_cleared", f"issue:{i}", CLEARED) for i in range(1, leases + 1)),
            *((leases + i, 1, "rent", f"receipt:{i}", RENT_DAY) for i in range(1, leases + 1)),
        ],
    )
    columns = ("entry_id", "commune_id", "account_kind", "account_ref", "amount")
    put(
        JournalPostingRow,
        columns,
        ((i, 1, "asset", i, _price(i, per_lease)) for i in range(1, leases + 1)),
    )
    put(
        JournalPostingRow,
        columns,
        (
            (issue, 1, "holding", hid, -principal)
            for hid, issue, _, principal, _, _ in _holdings(members, leases, per_lease)
        ),
    )
    put(
        JournalPostingRow,
        columns,
        (
            posting
            for i in range(1, leases + 1)
            for posting in (
                (leases + i, 1, "cash", 0, RENT + i),
                (leases + i, 1, "rent", i, -(RENT + i)),
            )
        ),
    )


def _holdings(members: int, leases: int, per_lease: int) -> Iterable[tuple[int, ...]]:
    """Each lease's holders: distinct members spread over the whole commune.

    Most leases owe their whole principal, so their rent all goes to redemptions;
    every ``NEARLY_REPAID``th is owed 10 cents a holding, so its rent repays that
    and pays the social dividend.
    """
    hid = 0
    for issue in range(1, leases + 1):
        for seq in range(1, per_lease + 1):
            hid += 1
            holder = ((issue * per_lease + seq * 7919) % members) + 1
            yield (hid, issue, holder, _principal(issue, seq), 0, seq)


def _sync_sequence(table: str):  # type: ignore[no-untyped-def]
    return text(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT coalesce(max(id), 1) FROM {table}))"
    )
