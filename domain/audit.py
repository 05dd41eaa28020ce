"""The books' invariants, as ``minga check`` re-verifies them from the stored rows.

Each invariant has a code and one sentence a treasurer can read. A broken one is a
``Discrepancy``: its code, the ids of the rows involved (commune, entry, clearing,
holding, issue, receipt, outbox message, member, payout) and the two amounts that should
have been equal. Storage finds them set-based (``storage/repositories/audit/``);
the simulation tests and the ``minga check`` command read the same list.
"""

from __future__ import annotations

from dataclasses import dataclass

ID_FIELDS = (
    "commune",
    "entry",
    "clearing",
    "holding",
    "issue",
    "receipt",
    "outbox",
    "member",
    "payout",
)

INVARIANTS: dict[str, str] = {
    "entry_unbalanced": "a journal entry's postings add up to zero",
    "posting_commune": "a posting belongs to its entry's commune",
    "entry_count": "each rent receipt, cleared issue, payment, refund, asset sale, grant, payout "
    "and clearing has exactly one journal "
    "entry, and each entry the receipt, issue, sale, grant, payout or clearing it records",
    "clearing_not_conserved": "a clearing conserves money: rent + carry in + sale proceeds "
    "left = redeemed + dividends + carry out + the common fund's share",
    "clearing_pool": "a clearing's pool is its rent less what it redeemed, plus the carry in "
    "and what the period's asset sales left after repaying their bondholders",
    "clearing_split": "a clearing's pool is the fund's share, the dividends and a carry "
    "smaller than the eligible",
    "clearing_carry": "a clearing's carry in is the previous clearing's carry out (0 at first)",
    "clearing_redeemed": "a clearing's redemptions are its journal entry's holding postings",
    "clearing_dividends": "a clearing's dividends are its journal entry's dividend postings",
    "clearing_cash": "a clearing's entry pays its redemptions, dividends and fund share out "
    "of cash",
    "clearing_fund": "a clearing's fund share is its fund policy's share of the pool, rounded "
    "down, and its entry posts that share to the common fund",
    "clearing_postings": "a clearing's entry posts only to holdings, dividends, the fund and cash",
    "clearing_leases": "a clearing's lease lines add up to its rent and its redemptions",
    "lease_redeemed": "a lease line's redemptions are the postings to that lease's holdings",
    "roster_dividends": "a clearing's roster holds one dividend for each eligible member",
    "period_rent": "a cleared period's rent receipts add up to its clearing's rent",
    "lease_rent": "a cleared period's receipts for a lease add up to that lease line's rent",
    "receipt_entry": "each rent receipt has its journal entry: cash in, the lease's rent out",
    "receipt_lease": "a rent receipt is positive, for a leased issue of its commune, "
    "received after the lease began",
    "lease_term": "a lease's rent change, end or new letting is for a leased issue of its "
    "commune, and no rent is booked into a period after its lease ended (unless let again)",
    "holding_overredeemed": "a holding's principal is positive and it is never repaid past it",
    "holding_postings": "a holding's journal balance is what is still owed on it "
    "(principal owed at the bond's clearing, less the redemptions and any write-off)",
    "holding_member": "a holding and a pledge belong to a member of the issue's commune",
    "issue_overpledged": "an open issue is never pledged past its price",
    "issue_unopened_pledged": "an issue awaiting approval, or not approved, has no pledges",
    "issue_pledged": "an issue's running total is the sum of its pledges",
    "issue_pledgers": "an issue's pledger count is the number of its pledges",
    "pledge_amount": "a pledge is positive",
    "issue_holdings": "a cleared issue's holdings add up to its price; others have none",
    "issue_asset": "a cleared issue's bond_cleared entry buys the asset for its price, and "
    "only its sale takes the proceeds out of it",
    "payment_over_pledge": "a pledger's payments are positive and never more than the pledge",
    "refund_expired": "refunds are only for an expired bond's payments, never more than was paid",
    "issue_paid": "a cleared bond with payments was paid its price in full: its holdings "
    "are what was paid",
    "paid_in_held": "a bond's paid_in account holds its payments less its refunds until "
    "it clears, and nothing after",
    "sale_entry": "each asset sale has its journal entry: the proceeds into cash and out of "
    "the asset, each holding repaid from cash and written off as the sale's lines say, the "
    "write-off against the bond's written_off account",
    "sale_amounts": "a sale's proceeds are what it repaid plus what it left to the pool; what "
    "it wrote off is what the holdings were owed less what it repaid; its lines add up to both",
    "sale_lease": "an asset is sold once, for a positive amount, only after an assembly "
    "ended its lease, and every holding of the bond is settled by the sale",
    "fund_balance": "the common fund holds the clearings' shares less the grants, as its "
    "journal postings say, and never less than zero",
    "grant_posted": "each grant from the common fund is a carried fund motion's, with exactly "
    "one grant entry: its amount out of the fund, into the motion's granted account",
    "payout_sane": "a payout is positive, to a member of its commune",
    "payout_postings": "each payout's entry moves its amount out of the member's settled "
    "account and into their paid account, and nothing else",
    "payout_overpaid": "a member is never paid out more than their clearings and sales owed them",
    "owed_kept": "what each clearing and sale owed each member is kept as its entry says: the "
    "clearing's repayments and dividends, the sale's repayments, in its period",
    "statement_queued": "each clearing's roster member with an account has exactly one "
    "statement queued, and no statement is queued for anyone else",
    "outbox_delivery": "an outbox message is delivered after it was written, at most once",
}


@dataclass(frozen=True)
class Discrepancy:
    """One broken invariant; the ids say which rows to look at, None where none applies."""

    code: str
    commune: int | None = None
    entry: int | None = None
    clearing: int | None = None
    holding: int | None = None
    issue: int | None = None
    receipt: int | None = None
    outbox: int | None = None
    member: int | None = None
    payout: int | None = None
    expected: int | None = None
    found: int | None = None

    @property
    def ids(self) -> dict[str, int]:
        """The ids involved, in a fixed order, leaving out those that do not apply."""
        return {name: value for name in ID_FIELDS if (value := getattr(self, name)) is not None}

    def line(self) -> str:
        """One line for a person and for grep: the code, the ids, the amounts, the rule."""
        ids = " ".join(f"{name}={value}" for name, value in self.ids.items())
        amounts = (
            f" expected={self.expected} found={self.found}"
            if self.expected is not None or self.found is not None
            else ""
        )
        return f"{self.code} {ids}{amounts}: {INVARIANTS.get(self.code, self.code)}"
