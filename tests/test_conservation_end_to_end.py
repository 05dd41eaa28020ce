"""Hypothesis over whole communes, through the handlers and the real database.

Random members, cooperatives, bond issues, pledges and months of rent go in as
chat commands; every period's clearing must conserve money to the cent, never
repay a holding past its principal, pay equal dividends, and leave a journal in
which every entry balances and the common pool holds exactly the carry.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming
from handlers.jobs import run_due
from storage.uow import Database

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

issue_strategy = st.fixed_dictionaries(
    {
        "price": st.integers(1, 200_000),
        "shares": st.lists(st.integers(1, 100), min_size=1, max_size=5),
        "rents": st.lists(st.integers(0, 150_000), min_size=1, max_size=4),
    }
)
commune_strategy = st.fixed_dictionaries(
    {
        "members": st.integers(1, 6),
        "late_joiners": st.integers(0, 2),
        "issues": st.lists(issue_strategy, min_size=1, max_size=3),
    }
)


class Commune:
    def __init__(self, url: str) -> None:
        self.database = Database(url)
        self.now = START
        self.ids = count(1)
        self.dispatcher = Dispatcher(self.database.unit_of_work, lambda: self.now)

    def say(self, user: str, line: str) -> None:
        self.dispatcher.handle(
            Incoming(
                platform="console",
                message_id=str(next(self.ids)),
                chat_id="group",
                chat_is_private=False,
                chat_title="group",
                user_id=user,
                user_name=user,
                text=line,
                sender_is_platform_admin=True,
            )
        )

    def at(self, moment: datetime) -> None:
        self.now = moment
        run_due(self.database.unit_of_work, moment)

    def rows(self, sql: str) -> list[tuple]:
        with self.database.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]


@contextmanager
def founded(count: int) -> Iterator[tuple[Commune, list[str]]]:
    """Commune Prop in a throwaway SQLite file: members m0 (its founder, admin and
    treasurer) to m<count - 1>, all in the cooperative Coop."""
    with tempfile.TemporaryDirectory() as directory:
        commune = Commune(f"sqlite:///{directory}/c.sqlite")
        members = [f"m{n}" for n in range(count)]
        commune.say("m0", "/setup Prop EUR Europe/Madrid")
        commune.say("m0", "/coop new Coop")
        for name in members:
            commune.say(name, "/join Coop")
        try:
            yield commune, members
        finally:
            commune.database.dispose()


def split(price: int, shares: list[int]) -> list[int]:
    """Pledges that add up to the price exactly (each at least one cent)."""
    parts = [max(1, price * s // sum(shares)) for s in shares][:price]
    parts[-1] += price - sum(parts)
    if parts[-1] <= 0:
        return [price]
    return parts


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commune_strategy)
def test_every_period_conserves_money(plan: dict) -> None:
    with founded(plan["members"]) as (commune, members):
        for number, issue in enumerate(plan["issues"], start=1):
            price = issue["price"]
            commune.say("m0", f"/propose Asset{number} {price / 100:.2f} 1 2027-06-30")
            for n, amount in enumerate(split(price, issue["shares"])):
                commune.say(members[n % len(members)], f"/pledge {number} {amount / 100:.2f}")
        for month in range(4):
            moment = (
                datetime(2026, 12 + month, 15, tzinfo=UTC)
                if month == 0
                else datetime(2027, month, 15, tzinfo=UTC)
            )
            commune.at(moment)
            if month == 1:
                for n in range(plan["late_joiners"]):
                    commune.say(f"late{n}", "/join")
            for number, issue in enumerate(plan["issues"], start=1):
                rents = issue["rents"]
                if month < len(rents) and rents[month]:
                    commune.say("m0", f"/rent {number} {rents[month] / 100:.2f}")
        commune.at(datetime(2027, 5, 1, tzinfo=UTC) + timedelta(hours=1))

        clearings = commune.rows(
            "SELECT id, rent_received, carry_in, redeemed, eligible, dividend_each, carry_out, "
            "pool FROM clearing ORDER BY period"
        )
        assert len(clearings) == 6  # 2026-11 … 2027-04
        carry = 0
        for cid, rent, carry_in, redeemed, eligible, each, carry_out, pool in clearings:
            assert carry_in == carry
            assert rent + carry_in == redeemed + each * eligible + carry_out
            assert pool == each * eligible + carry_out
            assert (eligible == 0 and carry_out == pool) or 0 <= carry_out < max(eligible, 1)
            dividends = {
                d
                for (d,) in commune.rows(
                    f"SELECT dividend FROM clearing_member WHERE clearing_id = {cid}"
                )
            }
            assert dividends <= {0, each}
            paid = commune.rows(
                f"SELECT count(*) FROM clearing_member WHERE clearing_id = {cid} AND dividend > 0"
            )[0][0]
            assert paid == (eligible if each else 0)
            carry = carry_out
        assert commune.rows("SELECT count(*) FROM holding WHERE redeemed > principal") == [(0,)]
        assert commune.rows("SELECT count(*) FROM holding WHERE redeemed < 0") == [(0,)]
        unbalanced = commune.rows(
            "SELECT entry_id FROM journal_posting GROUP BY entry_id HAVING sum(amount) <> 0"
        )
        assert unbalanced == []
        cash = commune.rows(
            "SELECT coalesce(sum(amount), 0) FROM journal_posting WHERE account_kind = 'cash'"
        )
        assert cash == [(carry,)]
        assert commune.rows("SELECT count(*) FROM holding")[0][0] > 0
        holdings = commune.rows(
            "SELECT h.principal, h.redeemed, coalesce(sum(p.amount), 0) FROM holding h LEFT JOIN "
            "journal_posting p ON p.account_kind = 'holding' AND p.account_ref = h.id "
            "GROUP BY h.id, h.redeemed, h.principal"
        )
        for principal, redeemed, balance in holdings:
            assert balance == -(principal - redeemed)  # the journal owes what the table says
        commune.database.dispose()
