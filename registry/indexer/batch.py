"""The indexer's unit of work: the rows a batch of events creates or changes, held as plain dicts and written
with one executemany statement per table.

Handlers read and change rows through a Batch instead of ORM objects: building an ORM object cost more than
everything else the indexer does for an event (0.4 ms of the 0.5 ms it spent per event). A row read from the
database is kept with a copy of how it was read, so the flush updates only the rows that changed; a row
created in the batch is inserted. Several events in one batch may touch the same row: each sees the others'
changes because every read goes through the batch first.

Without a connection a Batch is purely in memory: replaying an asset's events through the same handlers then
gives its state as of any block, with no second copy of the projection logic.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Table, bindparam, delete, select, tuple_, update
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from registry.db.bulk import chunks, insert_rows
from registry.db.models import RIGHT_COLUMNS, Event, Right, RightVersion, TableModel


def table_of(model: type[SQLModel]) -> Table:
    """The table a model maps (SQLModel sets `__table__` on table models at class creation; typing does not
    know it)."""
    table: Table = getattr(model, "__table__")  # noqa: B009 - the attribute is not in SQLModel's type
    return table


class _Shape:
    """What the batch needs to know of a table: its primary key and the defaults of its columns."""

    def __init__(self, model: type[SQLModel]) -> None:
        self.table: Table = table_of(model)
        self.key_columns = [c.name for c in self.table.primary_key.columns]
        self.autoincrement = self.table.autoincrement_column is not None
        self.defaults = {
            name: field.default for name, field in model.model_fields.items()
            if field.default is not PydanticUndefined and not (self.autoincrement and name in self.key_columns)
        }
        key = self.key_columns
        self.key = itemgetter(*key)  # the row's primary key: the value, or a tuple of values
        self.by_key = select(self.table).where(*(self.table.c[k] == bindparam(f"_key_{k}") for k in key))
        self.update = update(self.table).where(*(self.table.c[k] == bindparam(f"_key_{k}") for k in key))

    def key_params(self, key: Any) -> dict[str, Any]:
        values = (key,) if len(self.key_columns) == 1 else key
        return {f"_key_{k}": v for k, v in zip(self.key_columns, values)}


_shapes: dict[type, _Shape] = {}


def shape(model: type[SQLModel]) -> _Shape:
    if model not in _shapes:
        _shapes[model] = _Shape(model)
    return _shapes[model]


class Batch:
    def __init__(self, connection: Connection | None) -> None:
        self.connection = connection
        self._rows: dict[tuple[type, Any], dict[str, Any] | None] = {}  # None: known not to exist
        self._read: dict[tuple[type, Any], dict[str, Any]] = {}  # rows as read from the database, to see what changed
        self._new: dict[type, list[dict[str, Any]]] = defaultdict(list)
        self._current: dict[tuple[str, int], dict[str, Any] | None] = {}  # a right's current version
        self.events: list[dict[str, Any]] = []  # rows of the events table, in chain order

    # ───────────────────────────── reading ─────────────────────────────

    def get(self, model: type[SQLModel], key: Any) -> dict[str, Any] | None:
        """The row of `model` with primary key `key`, as this batch has left it; None if there is none."""
        try:
            return self._rows[(model, key)]
        except KeyError:
            pass
        row = None
        if self.connection is not None:
            s = shape(model)
            found = self.connection.execute(s.by_key, s.key_params(key)).mappings().first()
            if found is not None:
                row = self._remember(model, key, dict(found))
        self._rows[(model, key)] = row
        return row

    def peek(self, model: type[SQLModel], key: Any) -> dict[str, Any] | None:
        """The row only if this batch already holds it: no query (for rows an earlier event of the same
        transaction may have made)."""
        return self._rows.get((model, key))

    def prefetch(self, model: type[SQLModel], keys: Iterable[Any]) -> None:
        """Reads the rows of `keys` that the batch has not seen, a few hundred per query, so that handlers
        find them without a query each."""
        missing = [k for k in set(keys) if (model, k) not in self._rows]
        if self.connection is None or not missing:
            return
        s = shape(model)
        columns = [s.table.c[k] for k in s.key_columns]
        for chunk in chunks(missing):
            condition = columns[0].in_(chunk) if len(columns) == 1 else tuple_(*columns).in_(chunk)
            for found in self.connection.execute(select(s.table).where(condition)).mappings():
                row = dict(found)
                self._remember(model, s.key(row), row)
        for k in missing:
            self._rows.setdefault((model, k), None)

    def current_version(self, asset_id: str, right_index: int) -> dict[str, Any] | None:
        """The version of a right that is current (no `until_block` yet), as this batch has left it."""
        key = (asset_id, right_index)
        if key not in self._current:
            self.prefetch_versions([key])
        return self._current[key]

    def prefetch_versions(self, keys: Iterable[tuple[str, int]]) -> None:
        missing = [k for k in set(keys) if k not in self._current]
        if self.connection is not None and missing:
            table = table_of(RightVersion)
            for chunk in chunks(missing):
                query = select(table).where(tuple_(table.c.asset_id, table.c.right_index).in_(chunk),
                                            table.c.until_block.is_(None))
                for found in self.connection.execute(query).mappings():
                    row = dict(found)
                    self._current[(row["asset_id"], row["right_index"])] = self._remember(RightVersion, row["id"], row)
        for k in missing:
            self._current.setdefault(k, None)

    def _remember(self, model: type, key: Any, row: dict[str, Any]) -> dict[str, Any]:
        self._rows[(model, key)] = row
        self._read[(model, key)] = dict(row)
        return row

    # ───────────────────────────── changing ─────────────────────────────

    def add(self, model: type[SQLModel], replace: bool = False, **values: Any) -> dict[str, Any]:
        """A new row: the model's defaults with `values` over them. With `replace`, a row that already has
        its key (a new application replacing a closed one) takes the new values instead; without it the
        key is new (the contract creates each asset, right, listing... once), so nothing is read."""
        return self.add_row(model, values, replace)

    def add_row(self, model: type[SQLModel], values: dict[str, Any], replace: bool = False) -> dict[str, Any]:
        """`add` with the values in a dict: for the rows made for most events (a right's versions), where
        passing thirty values as keywords, twice over, cost more than making the row."""
        s = shape(model)
        row = {**s.defaults, **values}
        if s.autoincrement:
            # The database numbers these rows; a key given here would be dropped at the insert (a key that
            # comes from the chain must be declared so in the model: see CHAIN_NUMBERED).
            assert s.key_columns[0] not in values, f"{model.__name__}'s key is numbered by the database"
            self._new[model].append(row)
            return row
        key = s.key(row)
        existing = self.get(model, key) if replace else None
        if existing is not None:
            existing.clear()
            existing.update(row)
            return existing
        self._rows[(model, key)] = row
        self._new[model].append(row)
        return row

    def new_version(self, values: dict[str, Any]) -> dict[str, Any]:
        """A right's new current version (`values`: its columns, asset_id and right_index among them); the
        caller has ended the one before it."""
        row = self.add_row(RightVersion, values)
        self._current[(row["asset_id"], row["right_index"])] = row
        return row

    # ───────────────────────────── writing ─────────────────────────────

    def rows(self, model: type[SQLModel]) -> list[dict[str, Any]]:
        """Every row of `model` this batch holds, new or read: an in-memory replay's result. Rights are the
        current versions, as the `rights` view shows them."""
        if model is Right:
            return [right_of(v) for v in self._current.values() if v is not None]
        held = [r for (m, _), r in self._rows.items() if m is model and r is not None]
        return held + self._new[model] if shape(model).autoincrement else held

    def _changed(self) -> Iterator[tuple[type, Any, dict[str, Any], dict[str, Any]]]:
        """(model, key, row now, row as read) of every row read from the database and changed since."""
        for (model, key), before in self._read.items():
            row = self._rows[(model, key)]
            if row is not None and row != before:
                yield model, key, row, before

    def journal(self) -> dict[str, Any]:
        """How to undo this batch once it is written: the keys of the keyed rows it created, and the rows it
        changed as they were before it. Rows of tables the database numbers are left to the caller, which
        finds them by block."""
        created = {str(shape(m).table.name): [shape(m).key(r) for r in rows]
                   for m, rows in self._new.items() if rows and not shape(m).autoincrement}
        changed: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for model, _, _, before in self._changed():
            changed[str(shape(model).table.name)].append(before)
        return {"created": created, "changed": changed}

    def flush(self) -> None:
        """Writes the batch: new rows inserted and changed rows updated, one statement per table."""
        assert self.connection is not None, "an in-memory batch has nowhere to flush to"
        changed: dict[type, list[dict[str, Any]]] = defaultdict(list)
        for model, _key, row, _ in self._changed():
            changed[model].append(row)
        for model, rows in changed.items():
            _update(self.connection, shape(model), rows)
        for model, rows in self._new.items():
            s = shape(model)
            # In key order: B-tree inserts in order touch each page once (a quarter faster on SQLite than the
            # random order of hash keys). Numbered tables keep chain order, which their ids record.
            insert_rows(self.connection, s.table, rows if s.autoincrement else sorted(rows, key=s.key))
        insert_rows(self.connection, table_of(Event), self.events)


def right_of(version: dict[str, Any]) -> dict[str, Any]:
    """A right's row as the `rights` view shows it, from its current version."""
    row = {name: version[name] for name in RIGHT_COLUMNS}
    row["updated_block"] = version["since_block"]
    return row


def _update(connection: Connection, s: _Shape, rows: list[dict[str, Any]]) -> None:
    """Updates rows by their primary key to the values they hold."""
    params = [{**{c: v for c, v in row.items() if c not in s.key_columns}, **s.key_params(s.key(row))}
              for row in rows]
    # executemany needs every parameter set to name the same columns: group by the columns named.
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for p in params:
        by_columns[tuple(p)].append(p)
    for group in by_columns.values():
        connection.execute(s.update, group)


def undo(connection: Connection, journal: dict[str, Any]) -> None:
    """Undoes one written batch from its journal (see Batch.journal): deletes the rows it created and puts
    back the rows it changed."""
    models = {shape(m).table.name: m for m in _table_models()}
    for name, keys in journal["created"].items():
        s = shape(models[name])
        columns = [s.table.c[k] for k in s.key_columns]
        for chunk in chunks(keys):
            condition = (columns[0].in_(chunk) if len(columns) == 1
                         else tuple_(*columns).in_([tuple(k) for k in chunk]))
            connection.execute(delete(s.table).where(condition))
    for name, rows in journal["changed"].items():
        _update(connection, shape(models[name]), rows)


def _table_models() -> list[type[SQLModel]]:
    return [m for m in TableModel.__subclasses__() if hasattr(m, "__table__")]
