"""Bulk inserts of plain rows through each driver's fastest path: the indexer's write path.

SQLAlchemy's executemany processes every parameter of every row in Python, which cost the indexer more than
the database's own work. Rows here are already in the database's terms (ints, text, bools, None), so they go
to the driver as they are: one executemany of tuples on SQLite, COPY on PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.engine import Connection

T = TypeVar("T")

# Keys per `IN (...)` list: a batch may touch tens of thousands of rows, more parameters than SQLite takes in
# one statement (32,766), and short lists keep each query's plan an index lookup.
IN_LIST_SIZE = 500


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
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values)
