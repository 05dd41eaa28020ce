"""Shared pytest fixtures for minga.

Databases
---------
- ``sqlite_url``: SQLAlchemy URL of a fresh, not yet existing SQLite file in the
  test's tmp_path.
- ``postgres`` (session): one throwaway PostgreSQL 15 cluster for the whole run
  (see tests/postgres.py), started on first use and stopped at the end.
- ``database_url``: parametrized over ``sqlite`` and ``postgres`` (test ids
  ``[sqlite]`` / ``[postgres]``); gives each test a fresh, empty database of that
  kind. The postgres one is a new database ``t_<n>`` on the session cluster,
  dropped after the test; that case carries ``@pytest.mark.postgres``, so
  ``pytest -m "not postgres"`` runs without starting PostgreSQL at all.
  (Every test that uses the ``postgres`` fixture is given that mark too.)

If PostgreSQL 15 is not installed, postgres tests error out, unless the
environment has MINGA_SKIP_POSTGRES=1, in which case they are skipped.

Add new fixtures below, grouped under a heading like the one for databases.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from postgres import PostgresUnavailable, ThrowawayPostgres

# --- databases ------------------------------------------------------------------

_database_numbers = itertools.count(1)


def _sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory}/minga.sqlite"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return _sqlite_url(tmp_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Any test that needs the cluster gets the mark, so -m "not postgres" works.
    for item in items:
        if "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    pg = ThrowawayPostgres()
    try:
        pg.start()
    except PostgresUnavailable as e:
        if os.environ.get("MINGA_SKIP_POSTGRES") == "1":
            pytest.skip(f"PostgreSQL unavailable: {e}")
        raise
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgres"],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from _database(request, tmp_path)


def _database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    pg: ThrowawayPostgres = request.getfixturevalue("postgres")
    name = f"t_{next(_database_numbers)}"
    yield pg.create_database(name)
    pg.drop_database(name)  # keeps the cluster small; it may live on tmpfs


# --- chats ----------------------------------------------------------------------


@pytest.fixture
def chat(database_url: str) -> Iterator[object]:
    """A console chat on a fresh database, once on SQLite and once on PostgreSQL."""
    from harness import ConsoleChat

    console_chat = ConsoleChat(database_url)
    yield console_chat
    console_chat.close()


@pytest.fixture
def terra(chat):  # type: ignore[no-untyped-def]
    """The worked example's commune, with bond #1 (Tractor, 1000.00) just proposed."""
    from harness import TERRA_SETUP

    chat.script(TERRA_SETUP)
    return chat


# --- rules, in memory -------------------------------------------------------------
# A test whose point is a rule of the commune, not how storage keeps it, runs once, in
# memory (tests/memory_chat.py over tests/fakes.py), where ``chat`` would run it on both
# databases. A file of such tests asks for ``rules_chat`` / ``rules_terra`` (or names
# them ``chat`` / ``terra`` in its own fixtures), and marks the few that should also
# prove storage with ``@ALSO_STORED`` (in memory, on SQLite and on PostgreSQL) and
# those that reach a period's clearing with ``@ONLY_STORED``.

_STORED = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
ALSO_STORED = pytest.mark.parametrize("rules_chat", ["memory", *_STORED], indirect=True)
#: For a rule that reaches what only storage does (a period's clearing, the audit).
ONLY_STORED = pytest.mark.parametrize("rules_chat", _STORED, indirect=True)


@pytest.fixture(params=["memory"])
def rules_chat(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """A chat in memory; with ``@ALSO_STORED``, a console chat on each database too."""
    from harness import ConsoleChat
    from memory_chat import MemoryChat

    if request.param == "memory":
        yield MemoryChat()
        return
    for url in _database(request, tmp_path):
        console_chat = ConsoleChat(url)
        yield console_chat
        console_chat.close()


@pytest.fixture
def rules_terra(rules_chat):  # type: ignore[no-untyped-def]
    """``terra``, in memory (and stored, with ``@ALSO_STORED``)."""
    from harness import TERRA_SETUP

    rules_chat.script(TERRA_SETUP)
    return rules_chat


# --- tallies --------------------------------------------------------------------

#: What long-running tests tried (``"fuzz examples tried": 1234``), printed at the end
#: of the run so ``.ci/run`` shows it: a test adds to ``config.stash[TALLY]``.
TALLY = pytest.StashKey[dict[str, int]]()


def _simulation() -> Any:
    """tests/simulation.py, if this process ran it."""
    import sys

    return sys.modules.get("simulation")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker, hand this worker's tallies to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is None:
        return
    simulation = _simulation()
    output["tallies"] = dict(session.config.stash.get(TALLY, {}))
    output["simulated"] = (
        [[db, steps, seeds] for (db, steps), seeds in simulation.TALLY.items()]
        if simulation is not None
        else []
    )
    output["crashes"] = simulation.CRASHES[0] if simulation is not None else 0


def pytest_testnodedown(node: Any, error: object) -> None:
    """In the controller, add up what each worker tried (see pytest_sessionfinish)."""
    output = getattr(node, "workeroutput", {})
    tallies = node.config.stash.setdefault(TALLY, {})
    for what, count in output.get("tallies", {}).items():
        tallies[what] = tallies.get(what, 0) + count
    simulated = node.config.stash.setdefault(SIMULATED, ({}, [0]))
    for db, steps, seeds in output.get("simulated", []):
        simulated[0][(db, steps)] = simulated[0].get((db, steps), 0) + seeds
    simulated[1][0] += output.get("crashes", 0)


#: What the workers' simulations ran: {(db, steps): seeds} and [crashes].
SIMULATED = pytest.StashKey[tuple[dict[tuple[str, int], int], list[int]]]()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """End the run (and so .ci/run) with what the fuzz test tried and the simulation ran,
    added up over the pytest-xdist workers when there are several."""
    tallies = config.stash.get(TALLY, {})
    seeds, crashes = config.stash.get(SIMULATED, ({}, [0]))
    seeds, crashes = dict(seeds), crashes[0]
    simulation = _simulation()
    if simulation is not None:  # ran in this process (no workers)
        for key, count in simulation.TALLY.items():
            seeds[key] = seeds.get(key, 0) + count
        crashes += simulation.CRASHES[0]
    if tallies or seeds:
        terminalreporter.section("tallies")
    for what, count in sorted(tallies.items()):
        terminalreporter.write_line(f"{what}: {count:,}")
    if seeds:
        from simulation import summary

        terminalreporter.write_line(f"deterministic simulation: {summary(seeds, crashes)}")


# --- matrix ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One Synapse homeserver for the whole run (tests/synapse.py), on 127.0.0.1.

    The first run on a machine installs Synapse into its own cached virtual
    environment (about 40-50 s); later runs start it in a few seconds. With
    MINGA_SKIP_MATRIX=1 the Matrix tests are skipped instead of failing when
    Synapse cannot be installed.
    """
    from synapse import Homeserver, SynapseUnavailable

    try:
        server = Homeserver(tmp_path_factory.mktemp("synapse"))
        server.start()
    except SynapseUnavailable as e:
        if os.environ.get("MINGA_SKIP_MATRIX") == "1":
            pytest.skip(f"Synapse unavailable: {e}")
        raise
    try:
        yield server
    finally:
        server.stop()
