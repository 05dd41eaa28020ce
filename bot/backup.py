"""``minga check`` and ``minga backup``: are the books right, and a copy that says so.

The check itself is ``handlers.check.find_discrepancies`` (one query over the stored
rows). A backup is taken while the bot runs and then checked as the copy holds it:

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database
  as one read transaction sees it, pages and all, while the bot keeps writing (WAL:
  readers never block the writer). The copy is written beside the target and renamed
  into place when complete, then opened and checked like any database.
- PostgreSQL: one REPEATABLE READ transaction exports its snapshot
  (``pg_export_snapshot``); ``pg_dump --snapshot`` dumps exactly that snapshot while
  the same transaction runs the check. The dump and the check see the same rows, so
  a clean check vouches for the file without restoring it. Without ``pg_dump`` the
  exact command to run is printed instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import URL, make_url

from domain.audit import INVARIANTS, Discrepancy
from handlers.check import find_discrepancies
from storage.uow import Database, SqlUnitOfWork

CLEAN, DISCREPANCIES, USAGE, NOT_TAKEN = 0, 1, 2, 3


def report(found: list[Discrepancy], scope: str, out: TextIO) -> int:
    """Each discrepancy on its own line, then one line of verdict; the exit status."""
    for discrepancy in found:
        print(discrepancy.line(), file=out)
    if found:
        print(f"{len(found)} discrepancies in {scope}.", file=out)
        return DISCREPANCIES
    print(f"All {len(INVARIANTS)} invariants hold for {scope}.", file=out)
    return CLEAN


def check(uow: SqlUnitOfWork, commune_id: int | None, scope: str, out: TextIO) -> int:
    return report(find_discrepancies(uow, commune_id), scope, out)


# SQLite ------------------------------------------------------------------------------
def sqlite_backup(url: str, target: Path) -> None:
    """Copy the database at ``url`` to ``target`` with SQLite's online backup API."""
    source_path = make_url(url).database
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # every page in one step: one consistent read
        finally:
            copy.close()
    finally:
        source.close()
    os.replace(partial, target)


# PostgreSQL --------------------------------------------------------------------------
def find_pg_dump() -> str | None:
    """pg_dump on PATH, else the newest of Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("pg_dump")
    if found:
        return found
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    return debian[-1] if debian else None


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as pg_dump takes it, and the environment that carries its password
    (never on a command line, where ``ps`` would show it)."""
    parsed: URL = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    plain = URL.create(
        "postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database
    )
    return plain.render_as_string(hide_password=False), env


def dump_command(pg_dump: str, url: str, target: Path, snapshot: str | None = None) -> list[str]:
    command = [pg_dump, "--format=custom", f"--file={target}"]
    if snapshot:
        command.append(f"--snapshot={snapshot}")
    return [*command, libpq(url)[0]]


def postgres_backup(
    database: Database, target: Path, checked: Callable[[SqlUnitOfWork], int], pg_dump: str
) -> int:
    """Dump one exported snapshot with pg_dump while checking that same snapshot."""
    partial = target.with_name(target.name + ".partial")
    with database.unit_of_work() as uow:
        connection = uow.session.connection(
            execution_options={"isolation_level": "REPEATABLE READ"}
        )
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        _, env = libpq(database.url)
        subprocess.run(
            dump_command(pg_dump, database.url, partial, snapshot),
            check=True,
            env={**os.environ, **env},
        )
        status = checked(uow)
    os.replace(partial, target)
    return status
