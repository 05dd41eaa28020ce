"""The database fixtures give working, fresh, separate databases."""

from __future__ import annotations

import psycopg
import sqlalchemy as sa


def test_postgres_answers(postgres) -> None:
    postgres.create_database("fixture_check")
    with psycopg.connect(postgres.dsn("fixture_check")) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_fresh_postgres_databases_are_distinct(postgres) -> None:
    a, b = "fixture_a", "fixture_b"
    postgres.create_database(a)
    postgres.create_database(b)
    with psycopg.connect(postgres.dsn(a)) as conn:
        assert conn.execute("select current_database()").fetchone() == (a,)
        conn.execute("create table only_in_a (x int)")
    with psycopg.connect(postgres.dsn(b)) as conn:
        assert conn.execute("select current_database()").fetchone() == (b,)
        assert conn.execute("select to_regclass('only_in_a')").fetchone() == (None,)


def test_database_url_is_fresh_and_usable(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("select 1")).scalar() == 1
            assert sa.inspect(conn).get_table_names() == []
            conn.execute(sa.text("create table t (x int)"))
    finally:
        engine.dispose()
