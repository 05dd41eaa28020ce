"""Bulk inserts for the few places that write hundreds of thousands of rows at once.

A federation's clearing writes a redemption per holding repaid; benchmarks build
federation-sized communes. Both go through here instead of SQLAlchemy's
executemany, whose per-row parameter processing costs more than the database's
own work at that size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Boolean, Connection, Table
from sqlmodel import Session


def bulk_insert(
    session: Session | Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
) -> None:
    """Insert many rows the fastest way the driver offers, inside the session's transaction.

    PostgreSQL: COPY … FROM STDIN (psycopg streams the rows). SQLite: the driver's
    executemany, which also consumes ``rows`` lazily. Only the columns whose type
    converts values (timestamps) go through SQLAlchemy's bind processing, so they
    are stored exactly as an ordinary insert would store them.
    """
    connection = session.connection() if isinstance(session, Session) else session
    driver = connection.connection.driver_connection
    names = ", ".join(columns)
    processors = [  # booleans need none: both drivers take Python's bools as they are
        (index, processor)
        for index, name in enumerate(columns)
        if not isinstance(table.c[name].type, Boolean)
        and (processor := table.c[name].type._cached_bind_processor(connection.dialect))
    ]
    if processors:
        rows = _processed(rows, processors)
    if connection.dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    cursor = driver.cursor()
    try:
        marks = ", ".join("?" for _ in columns)
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def _processed(
    rows: Iterable[tuple[Any, ...]], processors: list[tuple[int, Any]]
) -> Iterable[tuple[Any, ...]]:
    """The rows with those columns converted; each distinct value once (a clearing's
    rows share their timestamp, and a timestamp's conversion is the costly one)."""
    memos: list[dict[Any, Any]] = [{} for _ in processors]

    def converted(memo: dict[Any, Any], processor: Any, value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            memo[value] = processor(value)
            return memo[value]
        except TypeError:  # unhashable: convert every time
            return processor(value)

    if len(processors) == 1:
        ((index, processor),) = processors
        memo = memos[0]
        for row in rows:
            yield (*row[:index], converted(memo, processor, row[index]), *row[index + 1 :])
        return
    for row in rows:
        values = list(row)
        for (index, processor), memo in zip(processors, memos, strict=True):
            values[index] = converted(memo, processor, values[index])
        yield tuple(values)
