"""The relays table (api_tables.RelayRecord): what the API's relayer sent or forwarded and how each stands, shared by
every API instance on one database. Plain reads and upserts of rows as dicts; registry/chain/relayer.py decides
what they hold."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from registry.db.api_tables import RelayRecord

RELAYS: Table = RelayRecord.__table__  # type: ignore[attr-defined]
COLUMNS = tuple(c.name for c in RELAYS.columns)
#: Rows read per query when many are asked for by id.
_CHUNK = 500


def save(engine: Engine, rows: Iterable[dict[str, Any]]) -> None:
    """Inserts the rows, or replaces those whose id is already stored, in one transaction."""
    rows = [{c: row[c] for c in COLUMNS} for row in rows]
    if not rows:
        return
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(RELAYS)
    statement = statement.on_conflict_do_update(
        index_elements=["id"], set_={c: statement.excluded[c] for c in COLUMNS if c != "id"})
    with engine.begin() as connection:
        connection.execute(statement, rows)


def get(engine: Engine, relay_id: str) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(select(RELAYS).where(RELAYS.c.id == relay_id)).mappings().first()
    return dict(row) if row is not None else None


def load(engine: Engine, ids: Iterable[str]) -> list[dict[str, Any]]:
    """The stored rows of these ids (those not stored are left out)."""
    ids = list(ids)
    found: list[dict[str, Any]] = []
    with engine.connect() as connection:
        for start in range(0, len(ids), _CHUNK):
            query = select(RELAYS).where(RELAYS.c.id.in_(ids[start:start + _CHUNK]))
            found.extend(dict(row) for row in connection.execute(query).mappings())
    return found


def open_rows(engine: Engine, limit: int = 10_000) -> list[dict[str, Any]]:
    """Relays not yet settled for good (pending, or mined and still watched for a reorg), oldest first."""
    query = select(RELAYS).where(RELAYS.c.final.is_(False)).order_by(RELAYS.c.created_at).limit(limit)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]
