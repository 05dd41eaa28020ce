"""A throwaway PostgreSQL 15 cluster for tests (and benchmarks).

Uses Debian's server programs in /usr/lib/postgresql/15/bin (scripts/setup installs them).
The cluster lives in a temporary directory, listens only on 127.0.0.1 at a free port,
trusts the superuser ``minga`` without a password, and is deleted by ``stop()``.
As root the server programs run as the ``postgres`` system user (PostgreSQL refuses
to run as root); otherwise they run as the current user.

    pg = ThrowawayPostgres().start()
    pg.create_database("t_1")
    engine = sqlalchemy.create_engine(pg.url("t_1"))
    ...
    pg.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

PG_BIN = Path("/usr/lib/postgresql/15/bin")
USER = "minga"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server programs are not installed here."""


def _scratch_parent(durable: bool) -> str | None:
    """Where to put the cluster: /dev/shm if it is roomy, else the usual temp dir.

    On tmpfs, start is ~3x and CREATE DATABASE ~20x faster than on this VM's ext4 even
    with fsync=off. A durable cluster must sit on a real disk, or fsync means nothing.
    """
    shm = "/dev/shm"
    if durable or not os.access(shm, os.W_OK):
        return None
    st = os.statvfs(shm)
    return shm if st.f_bavail * st.f_frsize >= 2 * 1024**3 else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """A private PostgreSQL cluster in a temp dir. ``start()`` it, ``stop()`` it.

    ``durable=False`` (tests) runs with fsync=off; ``durable=True`` (benchmarks of a
    ledger that must commit durably) keeps PostgreSQL's defaults: fsync=on and
    synchronous_commit=on.
    """

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self.port: int | None = None
        self.dir: Path | None = None
        self._as_root = os.geteuid() == 0

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> ThrowawayPostgres:
        initdb = PG_BIN / "initdb"
        if not os.access(initdb, os.X_OK):
            raise PostgresUnavailable(
                f"{initdb} not found: install Debian's postgresql-15 (run scripts/setup as "
                "root), or set MINGA_SKIP_POSTGRES=1 to skip the PostgreSQL tests"
            )
        if self._as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError as e:
                raise PostgresUnavailable(
                    "running as root but there is no 'postgres' system user to run PostgreSQL as"
                ) from e

        self.dir = Path(tempfile.mkdtemp(prefix="minga-pg-", dir=_scratch_parent(self.durable)))
        atexit.register(self.stop)
        try:
            self._init_and_start()
        except BaseException:
            self.stop()
            raise
        return self

    def _init_and_start(self) -> None:
        if self._as_root:
            shutil.chown(self.dir, user="postgres", group="postgres")

        initdb_args = [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", USER]
        initdb_args += ["-E", "UTF8", "--locale=C.UTF-8"]
        if not self.durable:
            initdb_args.append("--no-sync")
        self._run(initdb_args, "initdb")

        # The port is free when we look; another process could grab it before the
        # server binds, so try a few times.
        for attempt in range(3):
            self.port = _free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.dir}"
            if not self.durable:
                options += " -c fsync=off"
            try:
                self._run(
                    [
                        str(PG_BIN / "pg_ctl"),
                        "-D",
                        str(self.data),
                        "-o",
                        options,
                        "-l",
                        str(self.log),
                        "-w",
                        "start",
                    ],
                    "pg_ctl start",
                )
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        """Stop the server and delete its directory. Safe to call more than once."""
        if self.dir is None:
            return
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self._run(
                    [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                    "pg_ctl stop",
                )
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
        atexit.unregister(self.stop)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- use ---------------------------------------------------------------------

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of database ``dbname`` on this cluster."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{dbname}"

    def dsn(self, dbname: str) -> str:
        """libpq URL for ``psycopg.connect`` of database ``dbname`` on this cluster."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create an empty database ``name``; return its SQLAlchemy URL."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            # FILE_COPY copies template1's files; the default WAL_LOG pushes them all
            # through the WAL, which is slower for a small template.
            conn.execute(
                sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(sql.Identifier(name))
            )
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, disconnecting anyone still connected to it."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    # -- internals ---------------------------------------------------------------

    @property
    def data(self) -> Path:
        assert self.dir is not None, "not started"
        return self.dir / "data"

    @property
    def log(self) -> Path:
        assert self.dir is not None, "not started"
        return self.dir / "log"

    def _run(self, args: list[str], what: str) -> None:
        if self._as_root:
            args = ["runuser", "-u", "postgres", "--", *args]
        # cwd: the postgres user may not be allowed into the caller's directory.
        r = subprocess.run(
            args,
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if r.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(
                f"{what} failed with exit code {r.returncode}\n"
                f"$ {' '.join(args)}\n{r.stdout}{r.stderr}\n--- server log ---\n{log}"
            )
