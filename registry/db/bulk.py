"""Bulk inserts of plain rows through each driver's fastest path: the indexer's write path.

SQLAlchemy's executemany processes every parameter of every row in Python, which cost the indexer more than
the database's own work. Rows here are already in the database's terms (ints, text, bools, None), so they go
to the driver as they are: multi-row INSERT statements on SQLite, COPY on PostgreSQL.

On SQLite, an INSERT of ROWS_PER_STATEMENT rows at once instead of an executemany of one-row statements: the
driver then binds a statement's values in one C loop and runs it in one step, with the GIL released for the
whole step (the B-tree work of hundreds of rows) instead of for each row. The scanner's fetching thread parses
and decodes the next range meanwhile; with a step per row it had the GIL handed back and forth for every row,
so the two barely overlapped.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.engine import Connection

T = TypeVar("T")

# Keys per `IN (...)` list: a batch may touch tens of thousands of rows, more parameters than SQLite takes in
# one statement (32,766), and short lists keep each query's plan an index lookup.
IN_LIST_SIZE = 500
# Rows per multi-row INSERT on SQLite (fewer when a statement would bind more values than SQLite allows).
ROWS_PER_STATEMENT = 500
# SQLite's default limit of bound values per statement since 3.32 (builds may allow more, or, before, 999).
SQLITE_MAX_VALUES = 32_766


def chunks(items: Sequence[T], size: int = IN_LIST_SIZE) -> list[Sequence[T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def insertable_columns(table: Table) -> list[str]:
    """Every column a row must give: all but a primary key the database numbers itself."""
    numbered = table.autoincrement_column
    return [c.name for c in table.columns if c is not numbered]


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Inserts `rows` (dicts with a value for every insertable column) into `table`, in order."""
    if not rows:
        return
    columns = insertable_columns(table)
    values = list(map(itemgetter(*columns), rows))  # in C: a generator per row cost a third of the insert
    names = ", ".join(f'"{c}"' for c in columns)
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection  # psycopg's connection, in this same transaction
        assert driver is not None  # a connection in use always has its driver's
        with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for value in values:
                copy.write_row(value)
        return
    row = "(" + ", ".join("?" for _ in columns) + ")"
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES '
    per = max(1, min(ROWS_PER_STATEMENT, _sqlite_max_values(connection) // len(columns)))
    whole = len(values) - len(values) % per
    if whole:
        many = statement + ", ".join([row] * per)  # always the same text: the driver's statement cache keeps it
        for start in range(0, whole, per):
            connection.exec_driver_sql(many, tuple(chain.from_iterable(values[start:start + per])))
    if whole < len(values):
        connection.exec_driver_sql(statement + row, values[whole:])


def _sqlite_max_values(connection: Connection) -> int:
    driver = connection.connection.driver_connection
    getlimit = getattr(driver, "getlimit", None)  # Python 3.11+
    # sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER is 9
    return min(SQLITE_MAX_VALUES, getlimit(9)) if getlimit is not None else 999
