"""Issue 10, cases 1, 3 and part of 10: the books stay summable and a cleared month closed.

- Case 1: one member floated thousands of €10^13 bonds and pledged each in full; the
  next clearing died with ``integer overflow`` in a SUM. domain.limits bounds every
  total a SUM can meet; past a limit the command is refused, naming it.
- Case 3: a ``/rent`` handled by a process whose clock still read January, after
  another process cleared January, was booked into January and never paid out.
  Money dated into a cleared period now goes to the open one, and says so; /rent
  waits for the clearing's lock and reads the time after it holds it.
- Case 10: rent for a lease before its first period waits for that period.
"""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime

import pytest
from harness import ConsoleChat, domain_snapshot, says
from sqlalchemy import text

from domain import limits
from domain.errors import Refusal
from domain.periods import Period, booking_period, lease_starts, open_period
from handlers.dispatch import Dispatcher
from handlers.jobs import run_due
from storage.uow import Database

LEASED = """
ana@group: /pledge 1 500
cai@group: /pledge 1 300
dee@group: /pledge 1 200
"""  # on 2026-12-01: the Tractor's lease starts in January 2027

JANUARY = datetime(2027, 1, 31, 22, 59, tzinfo=UTC)  # still January in Madrid
FEBRUARY = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
MARCH = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def rows(database: Database, sql: str) -> list[tuple]:
    with database.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql))]


def assert_books_close(database: Database) -> None:
    """Every cleared period paid out exactly the rent booked into it, and conserved it;
    no receipt sits in a period before the latest clearing without being counted."""
    cleared = dict(rows(database, "SELECT period, rent_received FROM clearing"))
    booked: dict[str, int] = {}
    for period, amount in rows(database, "SELECT period, amount FROM rent_receipt"):
        booked[period] = booked.get(period, 0) + amount
    latest = max(cleared) if cleared else ""
    for period, amount in booked.items():
        assert period > latest or cleared.get(period) == amount, (period, amount, cleared)
    for rent, carry_in, redeemed, each, eligible, carry_out in rows(
        database,
        "SELECT rent_received, carry_in, redeemed, dividend_each, eligible, carry_out"
        " FROM clearing",
    ):
        assert rent + carry_in == redeemed + each * eligible + carry_out
    [(total,)] = rows(database, "SELECT SUM(amount) FROM journal_posting")
    assert total == 0


def summary(rent: str, repaid: str) -> str:
    """The clearing summary's first figures line."""
    return f"[group] Rent received {rent} · repaid to bondholders {repaid} · dividend pool €0.00"


def say_from(chat: ConsoleChat, dispatcher: Dispatcher, user: str, line: str, n: int) -> list[str]:
    """A line handled by another process's dispatcher, its answers printed by the console."""
    start = chat.out.tell()
    dispatcher.handle(says(user, line, f"other:{n}"))
    chat.console.deliver()
    chat.out.seek(start)
    produced = chat.out.read().splitlines()
    chat.out.seek(0, io.SEEK_END)
    return produced


# --- bounded arithmetic ----------------------------------------------------------------


def test_no_sum_the_limits_allow_can_overflow_a_bigint() -> None:
    assert limits.worst_total() < limits.BIGINT_MAX
    assert limits.LEASE_RENT_LIMIT <= limits.PERIOD_RENT_LIMIT <= limits.POOL_LIMIT
    assert limits.PLEDGE_LIMIT <= limits.PRINCIPAL_LIMIT


def test_each_check_refuses_just_past_its_limit_and_names_it() -> None:
    limits.check_principal(limits.PRINCIPAL_LIMIT - 5, 5)
    with pytest.raises(Refusal) as refused:
        limits.check_principal(limits.PRINCIPAL_LIMIT - 5, 6)
    assert refused.value.code == "principal_limit"
    assert refused.value.params == {
        "limit": limits.PRINCIPAL_LIMIT,
        "outstanding": limits.PRINCIPAL_LIMIT - 5,
        "room": 5,
    }
    limits.check_pledge(limits.PLEDGE_LIMIT)
    with pytest.raises(Refusal, match="pledge_limit"):
        limits.check_pledge(limits.PLEDGE_LIMIT + 1)
    limits.check_rent("2027-01", 1, limits.LEASE_RENT_LIMIT - 1, 0, 0)
    cases = [
        ((limits.LEASE_RENT_LIMIT, 0, 0), "lease_rent_limit"),
        ((0, limits.PERIOD_RENT_LIMIT, 0), "period_rent_limit"),
        ((0, limits.POOL_LIMIT - 1, 1), "dividend_pool_limit"),
    ]
    for (lease, period, carry), code in cases:
        with pytest.raises(Refusal) as refused:
            limits.check_rent("2027-01", 1, lease, period, carry)
        assert refused.value.code == code
        assert refused.value.params["period"] == "2027-01"


def test_money_dated_into_a_closed_period_goes_to_the_open_one() -> None:
    jan, feb, mar = Period(2027, 1), Period(2027, 2), Period(2027, 3)
    assert booking_period(jan, jan, jan) == (jan, None)
    assert booking_period(feb, jan, jan) == (feb, None)  # January's clearing is late
    assert booking_period(jan, feb, jan) == (feb, "cleared")
    assert booking_period(jan, feb, feb) == (feb, "cleared")
    assert booking_period(jan, jan, feb) == (feb, "lease")
    assert booking_period(jan, feb, mar) == (mar, "lease")
    assert open_period(None, JANUARY, "Europe/Madrid") == jan
    assert open_period("2027-01", JANUARY, "Europe/Madrid") == feb
    assert lease_starts(JANUARY, "Europe/Madrid") == feb
    assert lease_starts(JANUARY, "Atlantic/Azores") == feb


def test_floating_bond_after_bond_stops_at_the_principal_limit_and_the_books_still_clear(
    terra: ConsoleChat,
) -> None:
    """Case 1 at full size: €10^13 bonds pledged in full, until the limit says no."""
    chat = terra
    chat.script(LEASED)  # bond #1, the Tractor: €1,000.00 owed
    for number in range(2, limits.PRINCIPAL_LIMIT // limits.PLEDGE_LIMIT + 1):
        chat.say("ben@group: /propose Tractor 10000000000000 1 2026-12-31")
        out = chat.say(f"ana@group: /pledge {number} 10000000000000")
        assert any(f"Bond #{number} cleared" in line for line in out), out
    before = chat.snapshot()
    out = chat.say("ben@group: /propose Oven 10000000000000 1 2026-12-31")
    assert out == [
        "[group] That would take the commune's bonds past €100,000,000,000,000.00, the most"
        " minga keeps books for (open bonds' prices plus what is still owed to bondholders:"
        " €90,000,000,001,000.00 now). A new bond can be at most €9,999,999,999,000.00."
    ]
    assert chat.snapshot() == before
    # Rent up to a lease's limit, and the months clear on both databases.
    lease_limit = "100000000000"  # limits.LEASE_RENT_LIMIT minor units, in euros
    chat.say(":now 2027-01-10T09:00:00Z")
    for number in range(2, 7):
        chat.say(f"ana@group: /rent {number} {lease_limit}")
    out = chat.say("ana@group: /rent 7 1")
    assert out == [
        "[group] The commune's rent in a month can be at most €500,000,000,000.00, the most"
        " minga keeps books for (€500,000,000,000.00 recorded for January 2027 so far)."
    ]
    out = chat.say(":now 2027-02-01T09:00:00Z", "ana@group: /ledger")
    assert any("Clearing for January 2027" in line for line in out), out
    assert any("all balanced ✔" in line for line in out), out
    assert_books_close(chat.database)


def test_each_limit_is_refused_naming_it_and_changes_nothing(
    terra: ConsoleChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Case 1 scaled down: the limits made small, each refusal names its limit."""
    monkeypatch.setattr(limits, "PRINCIPAL_LIMIT", 150000)
    monkeypatch.setattr(limits, "PLEDGE_LIMIT", 60000)
    monkeypatch.setattr(limits, "LEASE_RENT_LIMIT", 40000)
    monkeypatch.setattr(limits, "PERIOD_RENT_LIMIT", 50000)
    monkeypatch.setattr(limits, "POOL_LIMIT", 48000)
    chat = terra

    def refused(line: str) -> list[str]:
        before = chat.snapshot()
        out = chat.say(line)
        assert chat.snapshot() == before, line
        return out

    assert refused("ben@group: /propose Oven 600 10 2026-12-31") == [
        "[group] That would take the commune's bonds past €1,500.00, the most minga keeps"
        " books for (open bonds' prices plus what is still owed to bondholders: €1,000.00"
        " now). A new bond can be at most €500.00."
    ]
    chat.say("ben@group: /propose Oven 500 10 2026-12-31")
    chat.say("ana@group: /pledge 1 400")
    assert refused("ana@group: /pledge 1 300") == [
        "[group] One member's pledge on a bond can be at most €600.00, the most minga keeps"
        " books for."
    ]
    chat.say("cai@group: /pledge 1 400", "dee@group: /pledge 1 200")
    chat.say("ben@group: /pledge 2 500")
    chat.say(":now 2027-01-15T10:00:00Z", "ana@group: /rent 1 300")
    assert refused("ana@group: /rent 1 100.01") == [
        "[group] One lease's rent in a month can be at most €400.00, the most minga keeps"
        " books for (€300.00 recorded for January 2027 so far)."
    ]
    chat.say("ana@group: /rent 2 150")
    assert refused("ana@group: /rent 2 50.01") == [
        "[group] The commune's rent in a month can be at most €500.00, the most minga keeps"
        " books for (€450.00 recorded for January 2027 so far)."
    ]
    assert refused("ana@group: /rent 2 40") == [
        "[group] A month's dividend pool can be at most €480.00, the most minga keeps books"
        " for (January 2027's rent and what it may carry in: €450.00 so far)."
    ]
    chat.say(":now 2027-02-01T09:00:00Z")
    assert_books_close(chat.database)


# --- a cleared period is closed ----------------------------------------------------------


def test_rent_from_a_stale_clock_after_the_clearing_goes_to_the_open_month(
    terra: ConsoleChat,
) -> None:
    """Case 3: one process cleared January; another, whose clock still reads January,
    records rent. It is booked into February, says so, and February pays it out."""
    chat = terra
    chat.script(LEASED)
    chat.say(":now 2027-01-15T10:00:00Z", "ana@group: /rent 1 333.33")
    chat.say(":now 2027-02-01T09:00:00Z")  # this process clears January
    stale = Dispatcher(chat.database.unit_of_work, lambda: JANUARY)
    out = say_from(chat, stale, "ana", "/rent 1 100", 1)
    assert out == [
        "[group] 💶 Rent of €100.00 received from Tierra for the Tractor (bond #1), February 2027.",
        "[group] Booked into February 2027: January 2027 is already cleared.",
    ]
    out = chat.say(":now 2027-03-01T09:00:00Z")
    assert summary("€100.00 (1 lease)", "€100.00") in out
    assert_books_close(chat.database)


def test_rent_before_the_lease_starts_waits_for_its_first_month(terra: ConsoleChat) -> None:
    """Case 10: the bond cleared in December, so its lease starts in January."""
    chat = terra
    chat.script(LEASED)
    out = chat.say(":now 2026-12-20T10:00:00Z", "ana@group: /rent 1 333.33")
    assert out == [
        "[group] 💶 Rent of €333.33 received from Tierra for the Tractor (bond #1), January 2027.",
        "[group] Booked into January 2027, the lease's first month: it is repaid with that"
        " month's rent, not in December 2026.",
    ]
    out = chat.say(":now 2027-01-01T09:00:00Z")
    assert summary("€0.00 (0 leases)", "€0.00") in out
    out = chat.say(":now 2027-02-01T09:00:00Z")
    assert summary("€333.33 (1 lease)", "€333.33") in out
    assert_books_close(chat.database)


@pytest.mark.parametrize("clock", ["stale", "moving"])
def test_rent_waits_for_a_clearing_in_progress_then_books_into_the_open_month(
    terra: ConsoleChat, clock: str
) -> None:
    """Two processes on one database: the clearing of January holds the commune while
    /rent arrives from a clock in January. /rent waits (PostgreSQL: the commune row;
    SQLite: the write lock), then books into February. A clock that is stale stays in
    January (the booking moves the rent); a clock that moves on is read again once
    /rent holds the lock, so the receipt is dated after the clearing."""
    chat = terra
    chat.script(LEASED)
    chat.say(":now 2027-01-15T10:00:00Z", "ana@group: /rent 1 333.33")
    scheduler = Database(chat.url)  # the other process
    other = Database(chat.url)
    clearing_holds = threading.Event()
    let_go = threading.Event()

    def pause(item) -> None:  # type: ignore[no-untyped-def]
        clearing_holds.set()
        assert let_go.wait(30)

    clearer = threading.Thread(target=run_due, args=(scheduler.unit_of_work, FEBRUARY, pause))
    clearer.start()
    assert clearing_holds.wait(30)
    after = datetime(2027, 2, 1, 0, 0, 5, tzinfo=UTC)
    if clock == "stale":
        stale = Dispatcher(other.unit_of_work, lambda: JANUARY)
    else:
        stale = Dispatcher(other.unit_of_work, lambda: after if let_go.is_set() else JANUARY)
    renting = threading.Thread(target=stale.handle, args=(says("ana", "/rent 1 100", "other:1"),))
    renting.start()
    if chat.database.engine.dialect.name == "postgresql":
        _wait_until_blocked_on_a_lock(chat.database)
    else:
        time.sleep(0.5)
    assert renting.is_alive(), "/rent did not wait for the clearing"
    let_go.set()
    clearer.join(30)
    renting.join(30)
    assert rows(chat.database, "SELECT period, amount FROM rent_receipt ORDER BY id") == [
        ("2027-01", 33333),
        ("2027-02", 10000),
    ]
    [(received_at,)] = rows(chat.database, "SELECT received_at FROM rent_receipt WHERE id = 2")
    dated = JANUARY if clock == "stale" else after
    if isinstance(received_at, str):  # SQLite keeps it as text, in UTC
        received_at = datetime.fromisoformat(received_at)
    assert received_at.replace(tzinfo=None) == dated.replace(tzinfo=None)
    run_due(scheduler.unit_of_work, MARCH)
    assert rows(chat.database, "SELECT period, rent_received FROM clearing ORDER BY period")[
        -2:
    ] == [("2027-01", 33333), ("2027-02", 10000)]
    assert_books_close(chat.database)
    scheduler.dispose()
    other.dispose()


def _wait_until_blocked_on_a_lock(database: Database) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        waiting = rows(
            database,
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()",
        )
        if waiting[0][0]:
            return
        time.sleep(0.05)
    raise AssertionError("/rent never waited for the commune's lock")


def test_a_refused_limit_leaves_the_rent_snapshot_alone(terra: ConsoleChat) -> None:
    """The rent receipts, journal and clearings are untouched by a refusal at the lock."""
    chat = terra
    chat.script(LEASED)
    chat.say(":now 2027-01-15T10:00:00Z")
    before = domain_snapshot(chat.database)
    out = chat.say("ana@group: /rent 1 1000000000000")  # above a lease's month
    assert out and "at most €100,000,000,000.00" in out[0]
    assert domain_snapshot(chat.database) == before
