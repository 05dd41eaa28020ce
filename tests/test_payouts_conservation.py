"""Payouts conserve money: random clearings, sales and payouts through the handlers.

A commune with two bonds clears December (where the first bond's asset may be sold),
then three more months of random rent, with random payouts along the way: to one
member (all they are owed, or an amount, which may be refused as too much) or to
everyone up to a month. After every month the journal balances, what was paid out
plus what is still owed is what the clearings and sales owed (each member's, and in
all), no member is paid more than they were owed, and ``minga check`` finds nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_conservation_end_to_end import Commune, founded, split

from handlers.check import find_discrepancies

payout = st.one_of(
    st.tuples(st.just("member"), st.integers(0, 3), st.none() | st.integers(1, 60_000)),
    st.tuples(st.just("all"), st.sampled_from([None, "2026-12", "2027-01", "2027-02"]), st.none()),
)
plan_of = st.fixed_dictionaries(
    {
        "members": st.integers(1, 4),
        "price": st.integers(1, 150_000),
        "shares": st.lists(st.integers(1, 100), min_size=1, max_size=4),
        "sell": st.none() | st.integers(1, 300_000),
        "rents": st.lists(st.integers(0, 80_000), min_size=4, max_size=4),
        "payouts": st.lists(st.lists(payout, max_size=3), min_size=4, max_size=4),
    }
)
MONTHS = [datetime(2027, month, 1, 10, tzinfo=UTC) for month in (1, 2, 3, 4)]


def conserved(commune: Commune) -> None:
    """Balanced; paid + owed == earned, per member and in all; never overpaid."""
    assert commune.rows(
        "SELECT count(*) FROM (SELECT entry_id FROM journal_posting GROUP BY entry_id "
        "HAVING sum(amount) <> 0) unbalanced"
    ) == [(0,)]
    earned = dict(
        commune.rows("SELECT member_id, sum(amount) FROM clearing_owed GROUP BY member_id")
    )
    paid = dict(commune.rows("SELECT member_id, sum(amount) FROM payout GROUP BY member_id"))
    posted = dict(
        commune.rows(
            "SELECT account_ref, sum(amount) FROM journal_posting WHERE account_kind = 'paid' "
            "GROUP BY account_ref"
        )
    )
    assert posted == paid
    with commune.database.unit_of_work() as uow:
        owed = {m: line.owed for m, line in uow.payouts.by_member(1, None).items()}
        assert find_discrepancies(uow) == []
    for member, amount in earned.items():
        assert paid.get(member, 0) + owed.get(member, 0) == amount
        assert paid.get(member, 0) <= amount
    assert set(paid) <= set(earned)
    # What the clearings and sales owed, straight from the journal and the sales' lines.
    (from_journal,) = commune.rows(
        "SELECT coalesce(sum(p.amount), 0) FROM journal_posting p JOIN journal_entry e "
        "ON e.id = p.entry_id WHERE e.kind = 'clearing' AND p.account_kind IN "
        "('holding', 'dividend')"
    )[0]
    (from_sales,) = commune.rows("SELECT coalesce(sum(repaid), 0) FROM asset_sale_line")[0]
    assert sum(earned.values()) == from_journal + from_sales


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_of)
def test_payouts_keep_the_books_balanced_and_paid_plus_owed_is_earned(plan: dict) -> None:
    with founded(plan["members"]) as (commune, members):
        for number, price in ((1, plan["price"]), (2, 10_000)):
            commune.say("m0", f"/propose Asset{number} {price / 100:.2f} 1 2027-06-30")
            for n, amount in enumerate(split(price, plan["shares"])):
                commune.say(members[n % len(members)], f"/pledge {number} {amount / 100:.2f}")
        commune.at(datetime(2026, 12, 15, tzinfo=UTC))
        if plan["sell"] is not None:
            commune.say("m0", '/assembly new "A" 2026-12-20T18:00 2026-12-20T20:00')
            commune.say("m0", "/motion 1 end lease 1")
            commune.at(datetime(2026, 12, 20, 17, 30, tzinfo=UTC))
            for name in members:
                commune.say(name, "/vote 1 yes")
            commune.at(datetime(2026, 12, 20, 19, 30, tzinfo=UTC))
            commune.say("m0", f"/sold 1 {plan['sell'] / 100:.2f}")
        for month, rent, payouts in zip(MONTHS, plan["rents"], plan["payouts"], strict=True):
            if rent:
                commune.say("m0", f"/rent 2 {rent / 100:.2f}")
                if plan["sell"] is None:
                    commune.say("m0", f"/rent 1 {rent / 100:.2f}")
            commune.at(month)  # the month before clears
            for kind, who, amount in payouts:
                if kind == "all":
                    commune.say("m0", "/payout all" + (f" {who}" if who else ""))
                else:
                    name = members[who % len(members)]
                    typed = "" if amount is None else f" {amount / 100:.2f}"
                    commune.say("m0", f"/payout {name}{typed}")
            conserved(commune)
        assert commune.rows("SELECT max(period) FROM clearing") == [("2027-03",)]
        commune.database.dispose()
