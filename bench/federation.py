"""Build a federation-sized commune directly in the database, for benchmarks.

Rows go in with bulk INSERTs (not through the chat commands, which would take
hours at this size): members with accounts, cooperatives, cleared bond issues with
their holdings, and one rent receipt per lease in the period to clear.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from storage.tables import (
    AccountRow,
    BondIssueRow,
    ChatRow,
    CommuneRow,
    CooperativeRow,
    HoldingRow,
    MemberRow,
    PersonRow,
    RentReceiptRow,
)
from storage.uow import Database

LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
CLEARED = datetime(2026, 6, 1, tzinfo=UTC)
RENT_DAY = datetime(2027, 1, 15, tzinfo=UTC)
PERIOD = "2027-01"
BATCH = 20_000


def _chunks(rows: list[dict], size: int = BATCH):  # type: ignore[no-untyped-def]
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def build(database: Database, members: int, leases: int, holdings_per_lease: int) -> int:
    """Create commune "Fed" at this size; returns its id. The database must be empty."""
    with database.engine.begin() as connection:
        def put(table, rows):  # type: ignore[no-untyped-def]
            for chunk in _chunks(rows):
                connection.execute(insert(table.__table__), chunk)

        put(CommuneRow, [{"id": 1, "name": "Fed", "currency": "EUR", "timezone": "UTC",
                          "locale": "en", "created_at": LONG_AGO}])
        put(ChatRow, [{"platform": "bench", "platform_chat_id": "group", "is_private": False,
                       "title": "group", "commune_id": 1}])
        put(PersonRow, [{"id": n, "created_at": LONG_AGO} for n in range(1, members + 1)])
        put(AccountRow, [{"id": n, "platform": "bench", "platform_user_id": f"m{n}",
                          "person_id": n, "display_name": f"m{n}", "last_seen_at": LONG_AGO}
                         for n in range(1, members + 1)])
        cooperatives = max(1, leases // 10)
        put(CooperativeRow, [{"id": c, "commune_id": 1, "name": f"coop{c}"}
                             for c in range(1, cooperatives + 1)])
        put(MemberRow, [{"id": n, "commune_id": 1, "person_id": n, "name": f"m{n}",
                         "cooperative_id": (n % cooperatives) + 1, "is_admin": n == 1,
                         "is_treasurer": n == 1, "joined_at": LONG_AGO}
                        for n in range(1, members + 1)])
        principal = 100_000
        put(BondIssueRow, [{"id": i, "commune_id": 1, "number": i,
                            "cooperative_id": (i % cooperatives) + 1, "proposer_id": 1,
                            "asset": f"asset{i}", "price": principal * holdings_per_lease,
                            "rent": 33_333, "deadline": CLEARED, "created_at": LONG_AGO,
                            "status": "cleared", "closed_at": CLEARED}
                           for i in range(1, leases + 1)])
        holdings = []
        for issue in range(1, leases + 1):
            for seq in range(1, holdings_per_lease + 1):
                holder = ((issue * holdings_per_lease + seq * 7919) % members) + 1
                holdings.append({"issue_id": issue, "member_id": holder,
                                 "principal": principal + seq, "redeemed": 0, "seq": seq})
        put(HoldingRow, holdings)
        put(RentReceiptRow, [{"commune_id": 1, "issue_id": i, "amount": 33_333 + i,
                              "received_at": RENT_DAY, "period": PERIOD, "recorded_by": 1}
                             for i in range(1, leases + 1)])
    return 1
