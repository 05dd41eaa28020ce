"""The deterministic simulation (tests/simulation.py) on a fixed budget, one case per seed.

A failing case prints the one line that replays its seed, and the last steps. To
replay one seed here: ``MINGA_SIM_SEED=1234 pytest tests/test_simulation.py -k one_seed``
(with ``MINGA_SIM_STEPS`` and ``MINGA_SIM_PROCESSES`` if it was not the default). A
longer soak: ``.venv/bin/python -m tests.simulation --seeds 1000 --steps 1000``.

The budget (16 seeds x 300 steps on SQLite, 4 x 150 with two processes on PostgreSQL)
keeps the simulation to about a fifth of the suite's CPU, so CI stays under 20
minutes on a 2-core machine: a step costs 10-20 ms of CPU (a command, and
``minga check`` after every step). MINGA_SIM_SEEDS and MINGA_SIM_PG_SEEDS change it;
before a release, soak it for longer (the command above). Odd seeds run two
processes on one database.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from simulation import Simulation, SimulationFailure, simulate, sqlite_url
from sqlalchemy import text

STEPS = 300
SQLITE_SEEDS = range(1, 1 + int(os.environ.get("MINGA_SIM_SEEDS", "16")))
POSTGRES_SEEDS = range(1001, 1001 + int(os.environ.get("MINGA_SIM_PG_SEEDS", "4")))
POSTGRES_STEPS = 150


@pytest.fixture(scope="module")
def seeds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simulation")


@pytest.mark.parametrize("seed", SQLITE_SEEDS)
def test_seed_on_sqlite(seed: int, seeds_dir: Path) -> None:
    simulate(seed, STEPS, sqlite_url(seeds_dir, seed), processes=1 + seed % 2)


@pytest.mark.parametrize("seed", POSTGRES_SEEDS)
def test_seed_on_postgres(seed: int, postgres) -> None:  # type: ignore[no-untyped-def]
    name = f"sim_{seed}"
    try:
        simulate(seed, POSTGRES_STEPS, postgres.create_database(name), processes=2)
    finally:
        postgres.drop_database(name)


@pytest.mark.skipif("MINGA_SIM_SEED" not in os.environ, reason="set MINGA_SIM_SEED to replay")
def test_one_seed(seeds_dir: Path) -> None:
    seed = int(os.environ["MINGA_SIM_SEED"])
    steps = int(os.environ.get("MINGA_SIM_STEPS", str(STEPS)))
    processes = int(os.environ.get("MINGA_SIM_PROCESSES", "1"))
    simulate(seed, steps, sqlite_url(seeds_dir, seed), processes)


class _Tampered(Simulation):
    """A simulation whose books someone edits by hand, once the journal has a posting."""

    tampered_at = 0

    def _step(self) -> None:
        super()._step()
        if self.tampered_at:
            return
        with self.procs[0].database.engine.begin() as connection:
            edited = connection.execute(
                text(
                    "UPDATE journal_posting SET amount = amount + 1"
                    " WHERE id = (SELECT min(id) FROM journal_posting)"
                )
            ).rowcount
        if edited:
            self.tampered_at = self.step_number


def test_a_broken_book_fails_the_seed_with_its_replay_line(seeds_dir: Path) -> None:
    sim = _Tampered(7, STEPS, sqlite_url(seeds_dir, 7))
    with pytest.raises(SimulationFailure) as failure:
        sim.run()
    message = str(failure.value)
    assert sim.tampered_at
    assert f"seed 7 failed at step {sim.tampered_at}: minga check finds:" in message
    assert "entry_unbalanced" in message
    assert "replay: .venv/bin/python -m tests.simulation --seed 7 --steps 300" in message
    assert "last steps:\n" in message and f"\n[{sim.tampered_at}] " in message


def test_the_same_seed_does_the_same_things(tmp_path: Path) -> None:
    histories = []
    for copy in ("a", "b"):
        (tmp_path / copy).mkdir()
        sim = Simulation(11, 120, sqlite_url(tmp_path / copy, 11), processes=2)
        sim.run()
        histories.append(list(sim.history))
    assert histories[0] == histories[1]
