"""``python -m bench``: every benchmark, each a ratio against a floor of the same run.

    .venv/bin/python -m bench                 # all of it, 2 to 3 minutes on 2 cores
    .venv/bin/python -m bench --quick         # small sizes only, to try it out
    .venv/bin/python -m bench --no-postgres   # SQLite only

It prints one table and writes it, with the machine it ran on, to
``bench/RESULTS.md``, and draws ``bench/clearing_scaling.png``. PostgreSQL is a
throwaway durable cluster (tests/postgres.py: fsync and synchronous_commit on).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench import commands, rendering  # noqa: E402
from bench.clearing import HOLDINGS_PER_LEASE, Run, in_subprocess, leases_for  # noqa: E402

FULL_SIZES = [1_000, 3_000, 10_000, 30_000, 100_000]
QUICK_SIZES = [1_000, 3_000, 10_000]
COMMANDS = 600  # per measurement: sequential, then the same spread over 8 senders
ROUNDS = 5  # floor and pledges measured in turn, medians kept: a durable commit's time wanders
TELEGRAM_LIMIT = 30.0  # messages per second overall, Telegram's published limit


@dataclass
class Row:
    what: str
    database: str
    result: str
    floor: str
    ratio: float | None  # how many floors the result costs (1.0 = at the floor)
    target: str
    met: bool | None


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, no delivery run")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--plot", type=Path, default=HERE / "clearing_scaling.png")
    args = parser.parse_args()
    began = time.monotonic()
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    rows: list[Row] = []
    scratch = tempfile.TemporaryDirectory(prefix="minga-bench-")
    pg = None
    if not args.no_postgres:
        from postgres import ThrowawayPostgres

        pg = ThrowawayPostgres(durable=True).start()
    try:
        machine = _machine(pg)
        databases: list[tuple[str, object]] = [("SQLite", None)]
        if pg is not None:
            databases.append(("PostgreSQL", pg))

        for label, cluster in databases:
            _say(f"commands on {label}")
            url = _fresh(label, cluster, scratch.name, "commands")
            rows += _commands(label, url)

        scaling: dict[str, list[tuple[int, Run, Run]]] = {}
        checked: dict[str, Run] = {}  # minga check of the largest commune, per database
        biggest_sqlite = ""
        for label, cluster in databases:
            scaling[label] = []
            for members in sizes:
                _say(f"clearing {members:,} members on {label}")
                url = _fresh(label, cluster, scratch.name, f"clearing_{members}")
                in_subprocess("build", "--url", url, "--members", str(members))
                cleared = in_subprocess("clear", "--url", url)
                if members == sizes[-1]:  # before the floor writes its rows into the same database
                    _say(f"minga check on {members:,} members on {label}")
                    checked[label] = in_subprocess("check", "--url", url)
                floor = in_subprocess(
                    "floor",
                    "--url",
                    url,
                    "--postings",
                    str(cleared.detail["postings"]),
                    "--outbox",
                    str(cleared.detail["outbox"]),
                    "--owed",
                    str(cleared.detail["owed"]),
                    "--context-bytes",
                    str(cleared.detail["context_bytes"]),
                )
                scaling[label].append((members, cleared, floor))
                if label == "SQLite":
                    biggest_sqlite = url
                elif cluster is not None and members != sizes[-1]:
                    cluster.drop_database(f"clearing_{members}")
            members, cleared, floor = scaling[label][-1]
            rows.append(_clearing_row(label, members, cleared, floor))
            rows.append(check_row(label, members, checked[label], cleared))

        _say("rendering statements")
        contexts = rendering.load_contexts(biggest_sqlite, 100_000)
        rows.append(_rendering_row(rendering.measure(contexts)))
        del contexts

        rows.append(_delivery_row(args.quick))
    finally:
        if pg is not None:
            pg.stop()
        scratch.cleanup()

    elapsed = time.monotonic() - began
    table = _table(rows)
    print()
    print(table)
    print(f"\n(whole run: {elapsed:.0f} s)")
    _plot(scaling, args.plot)
    args.out.write_text(_results(machine, table, scaling, elapsed, args))
    print(f"wrote {args.out} and {args.plot}")
    return 0


# --- the measurements -----------------------------------------------------------------


def _commands(label: str, url: str) -> list[Row]:
    database = commands.setup(url)
    floors, runs = [], []
    for _ in range(ROUNDS):  # in turn, so both meet the same disk and the same neighbours
        floors.append(commands.measure_floor(database, COMMANDS))
        runs.append(commands.measure_commands(database, COMMANDS))
    database.dispose()
    floor, pledges = commands.median(floors), commands.median(runs)
    ratio = floor.per_second / pledges.per_second
    concurrent = floor.concurrent_per_second / pledges.concurrent_per_second
    return [
        Row(
            "/pledge, 1 sender (commands/s)",
            label,
            f"{pledges.per_second:,.0f}/s",
            f"{floor.per_second:,.0f}/s",
            ratio,
            "≤ 3×",
            ratio <= 3,
        ),
        Row(
            f"/pledge, {commands.SENDERS} senders (commands/s; p50 / p99 latency)",
            label,
            f"{pledges.concurrent_per_second:,.0f}/s; "
            f"{pledges.p50_ms:.1f} / {pledges.p99_ms:.0f} ms",
            f"{floor.concurrent_per_second:,.0f}/s; {floor.p50_ms:.2f} / {floor.p99_ms:.0f} ms",
            concurrent,
            "≤ 3×",
            concurrent <= 3,
        ),
    ]


def _clearing_row(label: str, members: int, cleared: Run, floor: Run) -> Row:
    ratio = cleared.seconds / floor.seconds
    met = ratio <= 3 and cleared.rss_mb < 500
    target = "≤ 3×, < 500 MB"
    if label == "SQLite":
        met = met and cleared.seconds < 15
        target = "≤ 3×, < 15 s, < 500 MB"
    return Row(
        f"clearing {members:,} members, {leases_for(members):,} leases, "
        f"{members // 10 * HOLDINGS_PER_LEASE:,} holdings (s; peak RSS)",
        label,
        f"{cleared.seconds:.1f} s; {cleared.rss_mb:.0f} MB",
        f"{floor.seconds:.1f} s ({cleared.detail['postings']:,} postings + "
        f"{cleared.detail['outbox']:,} outbox rows + {cleared.detail['owed']:,} owed rows)",
        ratio,
        target,
        met,
    )


def check_row(label: str, members: int, checked: Run, cleared: Run) -> Row:
    """``minga check`` against the clearing of the same commune: at most 3× (issue 10)."""
    ratio = checked.seconds / cleared.seconds
    clean = checked.detail["discrepancies"] == 0
    return Row(
        f"minga check, {members:,} members, after its clearing (s; peak RSS)",
        label,
        f"{checked.seconds:.1f} s; {checked.rss_mb:.0f} MB; "
        f"{checked.detail['discrepancies']} discrepancies",
        f"{cleared.seconds:.1f} s (that commune's clearing)",
        ratio,
        "≤ 3×, clean",
        ratio <= 3 and clean,
    )


def _rendering_row(rate: rendering.RenderRate) -> Row:
    return Row(
        f"rendering {rate.statements:,} statements (per second)",
        "—",
        f"{rate.per_second:,.0f}/s",
        f"{rate.floor_per_second:,.0f}/s (bare f-strings)",
        rate.floor_per_second / rate.per_second,
        "≥ 20,000/s",
        rate.per_second >= 20_000,
    )


def _delivery_row(quick: bool) -> Row:
    script = HERE / "telegram_delivery.py"
    what = "Telegram delivery of 1,000 statements + summary (messages/s)"
    if not script.exists() or quick:
        result = "skipped (--quick)" if script.exists() else "not yet measured"
        return Row(what, "SQLite", result, "30/s limit", None, "at the limit", None)
    _say("Telegram delivery (about 40 s at Telegram's 30 messages/s)")
    done = subprocess.run(
        [sys.executable, str(script), "--members", "1000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = done.stdout
    rate = re.search(r"\): ([\d.]+) messages/s", out)
    busiest = re.search(r"busiest second: (\d+) messages", out)
    refused = re.search(r"429s answered by the server: (\d+)", out)
    once = re.search(r"members with exactly one statement: (\d+) of (\d+)", out)
    if done.returncode != 0 or not (rate and busiest and refused and once):
        return Row(what, "SQLite", "failed: " + (out + done.stderr)[-200:], "", None, "", False)
    per_second = float(rate.group(1))
    result = (
        f"{per_second:.1f}/s; busiest second {busiest.group(1)}; 429s {refused.group(1)}; "
        f"{once.group(1)} of {once.group(2)} got exactly one"
    )
    met = int(refused.group(1)) == 0 and int(busiest.group(1)) <= TELEGRAM_LIMIT
    return Row(
        what,
        "SQLite",
        result,
        "30/s limit",
        TELEGRAM_LIMIT / per_second,
        "at the limit, no 429",
        met,
    )


# --- plumbing -------------------------------------------------------------------------


def _fresh(label: str, cluster: object, scratch: str, name: str) -> str:
    if label == "SQLite":
        return f"sqlite:///{scratch}/{name}.sqlite"
    return cluster.create_database(name)  # type: ignore[attr-defined]


def _say(what: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {what}", flush=True)


def _machine(pg: object) -> list[tuple[str, str]]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        ram_kb = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    facts = [
        ("CPU", f"{cpu}, {os.cpu_count()} cores (nproc)"),
        ("RAM", f"{ram_kb / 1024 / 1024:.1f} GiB"),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("SQLite", f"{sqlite3.sqlite_version} (WAL, synchronous=FULL)"),
    ]
    if pg is not None:
        import psycopg

        with psycopg.connect(pg.dsn("postgres")) as connection:  # type: ignore[attr-defined]
            version = connection.execute("SHOW server_version").fetchone()[0]
            fsync = connection.execute("SHOW fsync").fetchone()[0]
            commit = connection.execute("SHOW synchronous_commit").fetchone()[0]
        facts.append(
            ("PostgreSQL", f"{version} (fsync={fsync}, synchronous_commit={commit}, on disk)")
        )
    return facts


def _table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | database | result | floor (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}×"
        met = "—" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(
            f"| {row.what} | {row.database} | {row.result} | {row.floor} | {ratio} | "
            f"{row.target} | {met} |"
        )
    return "\n".join(lines)


def _plot(scaling: dict[str, list[tuple[int, Run, Run]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5), dpi=120)
    colours = {"SQLite": "tab:blue", "PostgreSQL": "tab:orange"}
    for label, points in scaling.items():
        members = [m for m, _, _ in points]
        axes.plot(
            members,
            [c.seconds for _, c, _ in points],
            "o-",
            color=colours.get(label),
            label=f"{label}: clearing",
        )
        axes.plot(
            members,
            [f.seconds for _, _, f in points],
            "x--",
            color=colours.get(label),
            alpha=0.6,
            label=f"{label}: floor (bulk insert of its journal, outbox and owed rows)",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("members (leases = members / 10, holdings = 5 × members)")
    axes.set_ylabel("seconds (log)")
    axes.set_title("Clearing one period, against its floor")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _results(
    machine: list[tuple[str, str]],
    table: str,
    scaling: dict[str, list[tuple[int, Run, Run]]],
    elapsed: float,
    args: argparse.Namespace,
) -> str:
    scale_lines = [
        "| members | " + " | ".join(f"{label} clearing / floor" for label in scaling) + " |"
    ]
    scale_lines.append("|---" * (len(scaling) + 1) + "|")
    sizes = [m for m, _, _ in next(iter(scaling.values()))]
    for index, members in enumerate(sizes):
        cells = []
        for points in scaling.values():
            _, cleared, floor = points[index]
            cells.append(
                f"{cleared.seconds:.2f} s / {floor.seconds:.2f} s ({cleared.rss_mb:.0f} MB)"
            )
        scale_lines.append(f"| {members:,} | " + " | ".join(cells) + " |")
    command = "python -m bench" + (" --quick" if args.quick else "")
    command += " --no-postgres" if args.no_postgres else ""
    return (
        "# Benchmark results\n\n"
        f"Produced by `.venv/bin/{command}` on {datetime.now(UTC):%Y-%m-%d} "
        f"in {elapsed:.0f} s. Each ratio divides the result by a floor measured in the "
        "same run (how many floors it costs: 1.0× is the floor itself); see the README's "
        "Benchmarks section for what each floor is.\n\n"
        "## Machine\n\n"
        + "\n".join(f"- **{name}**: {value}" for name, value in machine)
        + "\n\n## Results\n\n"
        + table
        + "\n\n## Clearing against size\n\n"
        "![clearing time against members](clearing_scaling.png)\n\n"
        + "\n".join(scale_lines)
        + "\n\n"
        + NOTES
    )


NOTES = (HERE / "NOTES.md").read_text(encoding="utf-8") if (HERE / "NOTES.md").exists() else ""


if __name__ == "__main__":
    sys.exit(main())
