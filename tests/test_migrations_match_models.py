"""The migrations build exactly the schema storage/tables.py describes.

Migrations are written by hand (a plain ALTER where a batch copy of a table would
break foreign keys, no backfill where derived data is rebuilt on demand), so
nothing else checks that a new column, index or table was given both a model and a
migration. Alembic's autogenerate comparison, run against a database built by the
migrations alone, must find nothing to add or drop, on both databases.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.decision_tables
import storage.matrix_tables
import storage.payout_tables
import storage.tables  # the models register their tables with SQLModel.metadata
import storage.telegram_tables  # noqa: F401
from storage.uow import Database


def test_the_migrated_schema_is_the_models_schema(database_url: str) -> None:
    database = Database(database_url)  # migrates to the newest revision
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        database.dispose()
    assert differences == []
