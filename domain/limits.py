"""The limits on a commune's totals, and why no sum of its books can then overflow.

Both databases keep money in BIGINT columns, at most 2^63 - 1 (about 9.22 × 10^18)
minor units. SQLite's SUM over integers stops with "integer overflow" the moment a
running total passes that, whatever the final result; PostgreSQL sums BIGINT into
NUMERIC and then fails when the total is written or cast back to BIGINT. Either way
one commune could stop its own clearings and /ledger for good: a member once floated
9,300 bonds of €10^13 and pledged each in full. So the commands that create money
amounts refuse, before anything is written, an amount that would take one of these
totals past its limit (each check is made under the commune's lock, so two commands
cannot both pass it):

- ``PRINCIPAL_LIMIT``, 10^16 minor units: open issues' prices plus what holdings are
  still owed, for the whole commune (checked by /propose);
- ``PLEDGE_LIMIT``, 10^15: one member's pledge on one issue, top-ups included (by
  /pledge; no price can be larger, as no amount typed can be: a second fence);
- ``LEASE_RENT_LIMIT``, 10^13: one lease's rent booked into one period (by /rent);
- ``PERIOD_RENT_LIMIT``, 5 × 10^13: the commune's rent booked into one period (by /rent);
- ``POOL_LIMIT``, 5 × 10^13: a period's dividend pool, its rent plus the most it can
  carry in from the period before and the proceeds of the assets sold in it (by /rent
  and /sold: a sale's proceeds, at most ``PLEDGE_LIMIT`` as any amount typed, repay
  principal first and leave the rest to the pool).

For EUR 10^16 minor units are €100 trillion, 5 × 10^13 are €500 billion a month: no
federation of cooperatives meets them, and every sum below stays far from 2^63.

Why no SUM can exceed 2^63 - 1
------------------------------

Write R = ``PERIOD_RENT_LIMIT``, P = ``PRINCIPAL_LIMIT`` and N for the number of
periods a commune can ever have. Periods are calendar months of years 1 to 9999
(``datetime``'s range; rent is booked into the period of the moment it is recorded,
the open period or the lease's first period, never before the commune's first), so
N ≤ 9999 × 12 < 120,000.

1. *Rent.* Each period receives at most R, so all the rent a commune ever receives is
   at most N × R < 6 × 10^18. Every ``rent`` posting is negative, so any partial sum
   of the ``rent`` account kind lies in [-6 × 10^18, 0]; the same bound holds for any
   SUM of ``rent_receipt.amount`` (per lease, per cooperative, per period, ever).
2. *Cash and dividends.* The ``cash`` account receives only rent and pays out only
   redemptions and dividends, which by conservation never exceed what came in: its
   positive postings add up to at most N × R, its negative ones too, so every partial
   sum lies in [-6 × 10^18, 6 × 10^18]. The ``dividend`` postings are positive and add
   up to at most N × R as well.
3. *Principal.* At every moment open prices plus owed principal are at most P, and an
   issue's price turns into owed principal when it clears (expired and withdrawn
   issues never reach the books). Owed principal only falls by redemption, paid from
   rent. So all principal ever cleared is at most P + N × R < 6.01 × 10^18: the
   ``asset`` postings (positive) and the ``holding`` postings (negative at clearing,
   positive when redeemed) have partial sums within ±6.01 × 10^18, and so do the
   SUMs over ``holding.principal - holding.redeemed`` (at most P) or over pledges.
4. *One period.* A clearing's pool is its rent plus the carry in, which is less than
   the number of eligible members, plus what the period's sales left (at most their
   proceeds, which /sold counts with the rent); the pool is at most ``POOL_LIMIT`` and every
   amount of the clearing (redeemed, dividends, carry) is at most the pool. Year-to-date
   totals add twelve periods: at most 12 × R.

Each account kind is summed on its own (``/ledger`` groups by kind), so the largest
total any query can meet is 6.01 × 10^18 < 9.22 × 10^18, with room for a third more.
"""

from __future__ import annotations

from domain.errors import Refusal

PRINCIPAL_LIMIT = 10**16
PLEDGE_LIMIT = 10**15
LEASE_RENT_LIMIT = 10**13
PERIOD_RENT_LIMIT = 5 * 10**13
POOL_LIMIT = 5 * 10**13

BIGINT_MAX = 2**63 - 1
MAX_PERIODS = 9999 * 12


def check_principal(outstanding: int, price: int) -> None:
    """A new issue of ``price`` on top of the commune's ``outstanding`` principal
    (open issues' prices and what holdings are still owed)."""
    if outstanding + price > PRINCIPAL_LIMIT:
        raise Refusal(
            "principal_limit",
            limit=PRINCIPAL_LIMIT,
            outstanding=outstanding,
            room=max(0, PRINCIPAL_LIMIT - outstanding),
        )


def check_pledge(total: int) -> None:
    """A member's pledge on one issue as it would stand, top-ups included."""
    if total > PLEDGE_LIMIT:
        raise Refusal("pledge_limit", limit=PLEDGE_LIMIT)


def check_rent(
    period: str, amount: int, lease_so_far: int, period_so_far: int, carry_in: int
) -> None:
    """Rent of ``amount`` booked into ``period``, which already holds ``lease_so_far`` for
    this lease and ``period_so_far`` for the whole commune; ``carry_in`` is at least
    what the period's pool can receive from the period before."""
    if lease_so_far + amount > LEASE_RENT_LIMIT:
        raise Refusal(
            "lease_rent_limit", limit=LEASE_RENT_LIMIT, period=period, so_far=lease_so_far
        )
    if period_so_far + amount > PERIOD_RENT_LIMIT:
        raise Refusal(
            "period_rent_limit", limit=PERIOD_RENT_LIMIT, period=period, so_far=period_so_far
        )
    if period_so_far + amount + carry_in > POOL_LIMIT:
        raise Refusal(
            "dividend_pool_limit",
            limit=POOL_LIMIT,
            period=period,
            so_far=period_so_far + carry_in,
        )


def check_sale(period: str, proceeds: int, pool_so_far: int) -> None:
    """An asset sold for ``proceeds`` into ``period``, whose pool may already receive
    ``pool_so_far`` (its rent, its carry in, earlier sales' proceeds): at most all of
    the proceeds join the pool."""
    if pool_so_far + proceeds > POOL_LIMIT:
        raise Refusal("dividend_pool_limit", limit=POOL_LIMIT, period=period, so_far=pool_so_far)


def worst_total() -> int:
    """The largest partial sum the argument above allows (tests check it fits)."""
    return PRINCIPAL_LIMIT + MAX_PERIODS * PERIOD_RENT_LIMIT
