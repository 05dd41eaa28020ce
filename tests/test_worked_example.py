"""The worked example of PROTOCOL.md through the real command line, to the cent.

Runs ``minga console --script`` and ``minga report --json`` as a person (or
another program) would, on SQLite and on PostgreSQL, and checks every month's
report against the numbers worked out from PROTOCOL.md by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bot" / "demo" / "terra.txt"
MINGA = Path(sys.executable).parent / "minga"


def minga(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MINGA), *args], capture_output=True, text=True, check=check, timeout=120
    )


def member(name: str, dividend: str, redemptions: dict, outstanding: dict) -> dict:
    return {
        "name": name,
        "dividend": dividend,
        "redemptions": redemptions,
        "outstanding": outstanding,
        "paid_out": "0.00",  # nobody is paid out in the worked example:
        "owed": OWED[name].pop(0),  # all it repaid and paid as dividends is owed
    }


# What the commune owes each member after each month: every cent repaid and paid as
# dividend so far (the worked example records no payouts).
OWED = {
    "ana": ["166.66", "333.33", "499.99", "583.33"],
    "ben": ["0.00", "0.00", "0.00", "83.33"],
    "cai": ["100.00", "200.00", "300.00", "383.33"],
    "dee": ["66.67", "133.33", "200.00", "283.33"],
}


# Month by month (cents): outstanding 50000/30000/20000, rent 33333 a month.
# M1: 16666.5/9999.9/6666.6 -> floors 16666/9999/6666, +1 to Cai (.9) and Dee (.6).
# M2: on 33334/20000/13333 (66667): 16667.0/9999.8/6666.2 -> 16667/9999/6666, +1 Cai.
# M3: on 16667/10000/6667 (33334): 16666.5/9999.7/6666.8 -> 16666/9999/6666, +1 Dee, +1 Cai.
# M4: only Ana's last cent is owed: 1 redeemed, 33332 pooled, 8333 each to four.
EXPECTED = {
    "2027-01": {
        "rent_received": "333.33",
        "carry_in": "0.00",
        "redeemed": "333.33",
        "dividend_pool": "0.00",
        "eligible_members": 4,
        "dividend_per_member": "0.00",
        "carry_out": "0.00",
        "members": [
            member("ana", "0.00", {"1": "166.66"}, {"1": "333.34"}),
            member("ben", "0.00", {}, {}),
            member("cai", "0.00", {"1": "100.00"}, {"1": "200.00"}),
            member("dee", "0.00", {"1": "66.67"}, {"1": "133.33"}),
        ],
        "leases": [
            {
                "issue": 1,
                "asset": "Tractor",
                "cooperative": "Tierra",
                "rent_received": "333.33",
                "redeemed": "333.33",
                "to_pool": "0.00",
                "outstanding": "666.67",
                "rent_due": "333.33",
                "arrears": "0.00",
                "status": "active",
            }
        ],
    },
    "2027-02": {
        "redeemed": "333.33",
        "dividend_pool": "0.00",
        "carry_out": "0.00",
        "members": [
            member("ana", "0.00", {"1": "166.67"}, {"1": "166.67"}),
            member("ben", "0.00", {}, {}),
            member("cai", "0.00", {"1": "100.00"}, {"1": "100.00"}),
            member("dee", "0.00", {"1": "66.66"}, {"1": "66.67"}),
        ],
    },
    "2027-03": {
        "redeemed": "333.33",
        "dividend_pool": "0.00",
        "members": [
            member("ana", "0.00", {"1": "166.66"}, {"1": "0.01"}),
            member("ben", "0.00", {}, {}),
            member("cai", "0.00", {"1": "100.00"}, {"1": "0.00"}),
            member("dee", "0.00", {"1": "66.67"}, {"1": "0.00"}),
        ],
    },
    "2027-04": {
        "rent_received": "333.33",
        "redeemed": "0.01",
        "dividend_pool": "333.32",
        "eligible_members": 4,
        "dividend_per_member": "83.33",
        "carry_out": "0.00",
        "members": [
            member("ana", "83.33", {"1": "0.01"}, {"1": "0.00"}),
            member("ben", "83.33", {}, {}),
            member("cai", "83.33", {}, {"1": "0.00"}),
            member("dee", "83.33", {}, {"1": "0.00"}),
        ],
        "leases": [
            {
                "issue": 1,
                "asset": "Tractor",
                "cooperative": "Tierra",
                "rent_received": "333.33",
                "redeemed": "0.01",
                "to_pool": "333.32",
                "outstanding": "0.00",
                "rent_due": "333.33",
                "arrears": "0.00",
                "status": "active",
            }
        ],
    },
}


@pytest.fixture
def cleared_terra(database_url: str) -> str:
    result = minga("console", "--db", database_url, "--script", str(SCRIPT))
    assert result.stderr == ""
    return database_url


@pytest.mark.parametrize("period", sorted(EXPECTED))
def test_each_month_matches_the_protocol(cleared_terra: str, period: str) -> None:
    report = json.loads(
        minga(
            "report", "--db", cleared_terra, "--commune", "Terra", "--period", period, "--json"
        ).stdout
    )
    assert report["commune"] == "Terra"
    assert report["currency"] == "EUR"
    assert report["period"] == period
    for key, value in EXPECTED[period].items():
        assert report[key] == value, key


def test_money_is_conserved_every_month(cleared_terra: str) -> None:
    for period in ("2026-12", *sorted(EXPECTED)):
        report = json.loads(
            minga(
                "report", "--db", cleared_terra, "--commune", "Terra", "--period", period, "--json"
            ).stdout
        )

        def cents(key: str, source: dict = report) -> int:
            return int(source[key].replace(".", ""))

        dividends = sum(int(m["dividend"].replace(".", "")) for m in report["members"])
        assert cents("rent_received") + cents("carry_in") == (
            cents("redeemed") + dividends + cents("carry_out")
        )


def test_a_period_not_cleared_exits_3(cleared_terra: str) -> None:
    result = minga(
        "report",
        "--db",
        cleared_terra,
        "--commune",
        "Terra",
        "--period",
        "2030-01",
        "--json",
        check=False,
    )
    assert result.returncode == 3
    assert "not been cleared" in result.stderr
    assert result.stdout == ""


def test_the_same_script_prints_the_same_output_twice(tmp_path: Path) -> None:
    outputs = [
        minga(
            "console", "--db", f"sqlite:///{tmp_path}/run{n}.sqlite", "--script", str(SCRIPT)
        ).stdout
        for n in (1, 2)
    ]
    assert outputs[0] == outputs[1]
    assert "[group] 📒 Clearing for January 2027 — Terra" in outputs[0]
    assert "[dm cai] Bond #1 (Tractor): €100.00 repaid to you, €200.00 still owed" in outputs[0]
