"""PostgreSQL keeps room on each holding page for the clearing's update (migration 0024).

A clearing updates every holding it repays. With full pages each new row version
moved to another page and took a new entry in every index of the table; with half
of each page free it stays put as a heap-only tuple. Here: the setting is on after
the migrations, a federation-sized commune's clearing updates its holdings in place,
and the migration can be undone.
"""

from __future__ import annotations

import time

import pytest
from alembic import command
from sqlalchemy import text

from bench.federation import CLEAR_AT, build
from handlers.jobs import run_due
from storage.migrate import alembic_config
from storage.uow import Database

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url(postgres) -> str:  # type: ignore[no-untyped-def]
    return postgres.create_database(f"fill_{time.time_ns()}")


def _options(database: Database) -> list[str]:
    with database.engine.connect() as connection:
        return connection.execute(
            text("SELECT coalesce(reloptions, '{}') FROM pg_class WHERE relname = 'holding'")
        ).scalar_one()


def _updates(database: Database) -> tuple[int, int]:
    """(row updates, of which in place) the statistics collector has for holding."""
    with database.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(
                text(
                    "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                    "WHERE relname = 'holding'"
                )
            ).one()
        )


def test_the_clearing_updates_every_holding_in_place(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        assert "fillfactor=50" in _options(database)
        build(database, 1_000, 100, 5)
        run_due(database.unit_of_work, CLEAR_AT)
        deadline = time.monotonic() + 10  # a backend reports its counts within a second
        while _updates(database)[0] < 500 and time.monotonic() < deadline:
            time.sleep(0.2)
        updated, in_place = _updates(database)
        assert updated >= 500  # every holding repaid
        assert in_place == updated
    finally:
        database.dispose()


def test_migration_0024_can_be_undone(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        command.downgrade(alembic_config(postgres_url), "0023")
        assert "fillfactor=50" not in _options(database)
        command.upgrade(alembic_config(postgres_url), "head")
        assert "fillfactor=50" in _options(database)
    finally:
        database.dispose()
