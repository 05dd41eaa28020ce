"""The ``minga`` command: console, demo, report, assembly-report, check, backup, run, health.

Whatever goes wrong with the configuration is one line on stderr, ``minga: …``, never
a traceback: a setting minga cannot use (exit status 2), a database server that
does not let minga in (1), a chat platform that refuses its token or login (2).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from bot import logs, version
from bot.bootstrap import DatabaseUnavailable, Root, bootstrap
from bot.config import (
    LOG_FORMATS,
    LOG_LEVELS,
    ConfigError,
    PlatformFailed,
    Settings,
    parse_address,
)
from domain.errors import Refusal
from storage.uow import Database

DEMO_SCRIPT = Path(__file__).parent / "demo" / "terra.txt"


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import Console

    root = bootstrap(args.db)
    script_path = Path(args.script) if args.script else None
    console = Console(
        root.database,
        before_commit=root.hooks.before_commit,
        flood=root.settings.flood_limit() if args.flood else None,
        script=script_path,
        files=Path(args.files) if args.files else None,
    )
    if script_path is not None:
        with open(script_path, encoding="utf-8") as script:
            console.feed_lines(script)
    else:
        console.feed_lines(sys.stdin)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.console import Console

    url = args.db
    if url is None:
        path = Path("minga-demo.sqlite").resolve()
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    console = Console(bootstrap(url).database)
    lines = DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
    number = 0
    for number, line in enumerate(lines, start=1):
        if line.strip() and not line.startswith("#"):
            print(f"> {line}")
        elif line.startswith("#"):
            print(line)
        console.feed(line, number)
    print()
    print("# Your turn: the same commune, with its clock where the demo left it.")
    print("# Speak as anyone, e.g.  ana@group: /ledger   ·   :advance 31d   ·   Ctrl-D to leave")
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input("minga> ") if interactive else sys.stdin.readline()
        except EOFError:
            break
        if not interactive and not line:
            break
        number += 1
        console.feed(line, number)
    return 0


def _database_exists(url: str) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return True
    return Path(parsed.database).exists()


def _existing(database_flag: str | None) -> Root | None:
    """The process's root, if its database is there to read (else says so on stderr)."""
    root = bootstrap(database_flag)
    if not _database_exists(root.database_url):
        print(f"There is no database at {root.database_url}.", file=sys.stderr)
        return None
    return root


def cmd_report(args: argparse.Namespace) -> int:
    from handlers.reports import clearing_report

    root = _existing(args.db)
    if root is None:
        return 2
    with root.database.unit_of_work() as uow:
        try:
            report = clearing_report(uow, args.commune, args.period)
        except Refusal as refusal:
            if refusal.code == "not_cleared":
                print(f"{args.period} of {args.commune} has not been cleared yet.", file=sys.stderr)
                return 3
            if refusal.code == "unknown_commune":
                print(f"There is no commune called {args.commune}.", file=sys.stderr)
                return 2
            print(f"Not a period: {args.period} (use YYYY-MM).", file=sys.stderr)
            return 2
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    return 0


def cmd_assembly_report(args: argparse.Namespace) -> int:
    from handlers.assembly_results import report

    root = _existing(args.db)
    if root is None:
        return 2
    with root.database.unit_of_work() as uow:
        commune = uow.communes.by_name(args.commune)
        if commune is None:
            print(f"There is no commune called {args.commune}.", file=sys.stderr)
            return 2
        assembly = uow.assemblies.get(commune.id, args.assembly)
        if assembly is None:
            print(f"{args.commune} has no assembly #{args.assembly}.", file=sys.stderr)
            return 3
        found = report(uow, assembly)
    print(json.dumps(found, ensure_ascii=False, indent=None if args.json else 2))
    return 0


def _commune_id(database: Database, name: str | None) -> tuple[int | None, str] | None:
    """The commune to check, and how to call the scope; None if there is no such commune."""
    if name is None:
        return None, "all communes"
    with database.unit_of_work() as uow:
        commune = uow.communes.by_name(name)
    if commune is None:
        print(f"There is no commune called {name}.", file=sys.stderr)
        return None
    return commune.id, name


def cmd_check(args: argparse.Namespace) -> int:
    from bot.backup import USAGE, check

    root = _existing(args.db)
    if root is None:
        return USAGE
    scope = _commune_id(root.database, args.commune)
    if scope is None:
        return USAGE
    with root.database.unit_of_work() as uow:
        return check(uow, *scope, sys.stdout)


def cmd_backup(args: argparse.Namespace) -> int:
    import subprocess

    from sqlalchemy.engine import make_url

    from bot.backup import (
        NOT_TAKEN,
        USAGE,
        check,
        dump_command,
        find_pg_dump,
        postgres_backup,
        sqlite_backup,
    )
    from storage.engine import is_sqlite

    target = Path(args.to).resolve()
    root = _existing(args.db)
    if root is None:
        return USAGE
    url = root.database_url
    if not target.parent.is_dir():
        print(f"There is no directory {target.parent} to write the backup in.", file=sys.stderr)
        return USAGE
    if is_sqlite(url):
        sqlite_backup(url, target)
        print(f"Backed up to {target}; checking the copy.")
        copy = Database(f"sqlite:///{target}")
        try:
            with copy.unit_of_work() as uow:
                return check(uow, None, f"the copy {target}", sys.stdout)
        finally:
            copy.dispose()
    pg_dump = find_pg_dump()
    if pg_dump is None:
        print("pg_dump is not installed (apt install postgresql-client). Run:", file=sys.stderr)
        print("  " + " ".join(dump_command("pg_dump", url, target)), file=sys.stderr)
        shown = make_url(url).render_as_string(hide_password=True)
        print(f"then check the live database: minga check --db '{shown}'", file=sys.stderr)
        return NOT_TAKEN
    try:
        return postgres_backup(
            root.database,
            target,
            lambda uow: check(uow, None, f"the dump {target} (its snapshot)", sys.stdout),
            pg_dump,
        )
    except subprocess.CalledProcessError as failed:
        print(f"pg_dump failed ({failed.returncode}); no backup was written.", file=sys.stderr)
        return NOT_TAKEN


def cmd_run(args: argparse.Namespace) -> int:
    return bootstrap(args.db).run(args.tick, args.health, args.scheduler_only, args.metrics)


def cmd_health(args: argparse.Namespace) -> int:
    from bot.health import ask

    listen = args.address or Settings.load().get("health_listen")
    if not listen:
        raise ConfigError("no address to ask: set health_listen (as minga run has it) or --address")
    address = parse_address(listen)
    if address is None:
        raise ConfigError(f"--address must be host:port, not {listen!r}")
    host = "127.0.0.1" if address[0] in ("0.0.0.0", "::") else address[0]
    healthy, line = ask(host, address[1])
    print(line)
    return 0 if healthy else 1


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.doctor import doctor

    return doctor(args.db, sys.stdout)


DB_HELP = (
    "database URL (default: MINGA_DATABASE_URL, the config file's database_url, or ./minga.sqlite)"
)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="minga", description=__doc__.split("\n\n")[0])
    main.add_argument("--version", action="version", version=f"minga {version()}")
    commands = main.add_subparsers(dest="command", required=True)
    logging_options = argparse.ArgumentParser(add_help=False)
    logging_options.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        type=str.lower,
        help="log lines of this level and above, on stderr (default: the log_level setting, "
        "else info for run and warning for the rest)",
    )
    logging_options.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        help="text, or one JSON object per line (default: the log_format setting, else text)",
    )

    def add(name: str, what: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=what, description=what, parents=[logging_options])

    def with_db(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--db", help=DB_HELP)
        return sub

    console = with_db(add("console", "chat with minga from a script or stdin"))
    console.add_argument(
        "--script",
        help="file of console lines (default: stdin); run again, it skips what was done",
    )
    console.add_argument(
        "--flood",
        action="store_true",
        help="apply flood control (flood_per_minute, flood_burst) on the simulated clock",
    )
    console.add_argument(
        "--files",
        metavar="DIR",
        help="write the files minga sends (/export, /chart) under DIR/<chat>/ (default: not kept)",
    )
    console.set_defaults(run=cmd_console)

    demo = add("demo", "run the worked example, then your turn")
    demo.add_argument(
        "--db",
        help="database URL to play it in, kept afterwards (default: ./minga-demo.sqlite, "
        "deleted and made afresh on every run; never the configured database)",
    )
    demo.set_defaults(run=cmd_demo)

    report = with_db(add("report", "a period's clearing as JSON"))
    report.add_argument("--commune", required=True, help="the commune's name, as /setup gave it")
    report.add_argument("--period", required=True, help="the period cleared, YYYY-MM")
    report.add_argument(
        "--json", action="store_true", help="one line of JSON (the default is indented JSON)"
    )
    report.set_defaults(run=cmd_report)

    assembly_report = with_db(add("assembly-report", "an assembly's results as JSON"))
    assembly_report.add_argument(
        "--commune", required=True, help="the commune's name, as /setup gave it"
    )
    assembly_report.add_argument(
        "--assembly", required=True, type=int, help="the assembly's number (#3 is 3)"
    )
    assembly_report.add_argument("--json", action="store_true", help="one line of JSON")
    assembly_report.set_defaults(run=cmd_assembly_report)

    check = with_db(add("check", "re-verify the books from the stored rows (1: not right)"))
    check.add_argument("--commune", help="only this commune (default: all of them)")
    check.set_defaults(run=cmd_check)

    backup = with_db(add("backup", "a consistent copy while the bot runs, then checked"))
    backup.add_argument("--to", required=True, help="file to write (replaced when complete)")
    backup.set_defaults(run=cmd_backup)

    run = with_db(
        add(
            "run",
            "run the scheduler and the configured chat adapters (2: a platform refused minga, "
            "or none is configured)",
        )
    )
    run.add_argument("--tick", type=float, default=30.0, help="seconds between checks for due work")
    run.add_argument(
        "--metrics",
        metavar="HOST:PORT",
        help="serve Prometheus metrics at GET /metrics there, and /healthz beside them "
        "(default: the metrics_listen setting; none if unset)",
    )
    run.add_argument(
        "--scheduler-only",
        action="store_true",
        help="run the scheduler and no chat adapter, not even a configured one "
        "(without it, minga run refuses to start with no platform configured)",
    )
    run.add_argument(
        "--health",
        metavar="HOST:PORT",
        help="answer GET /healthz there (default: the health_listen setting; none if unset)",
    )
    run.set_defaults(run=cmd_run)

    doctor = with_db(
        add(
            "doctor",
            "check the configuration, the database, Telegram's token, the Matrix login and "
            "store: one line each (1: something is wrong)",
        )
    )
    doctor.set_defaults(run=cmd_doctor)

    health = add("health", "ask a running minga run whether it is healthy (0: yes, 1: no)")
    health.add_argument(
        "--address", metavar="HOST:PORT", help="where it listens (default: health_listen)"
    )
    health.set_defaults(run=cmd_health)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "doctor":  # a configuration that is wrong is one of its lines
        logs.configure(args.log_level or "warning", args.log_format or "text")
        return int(args.run(args))
    try:
        settings = Settings.load()
        logs.configure(
            args.log_level
            or settings.get("log_level")
            or ("info" if args.command == "run" else "warning"),
            args.log_format or settings.get("log_format") or "text",
        )
        for warning in settings.warnings:
            logging.getLogger("minga").warning(warning)
        return args.run(args)
    except ConfigError as wrong:
        print(f"minga: {wrong}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as down:
        print(f"minga: {down}", file=sys.stderr)
        return 1
    except PlatformFailed as failed:
        print(f"minga: {failed}", file=sys.stderr)
        return failed.status


if __name__ == "__main__":
    sys.exit(main())
