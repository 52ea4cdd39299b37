"""Only one indexer writes to an index at a time: a second one, started by mistake, waits for the lock
instead of writing the same rows. The lock dies with its holder's process (an advisory lock held by the
PostgreSQL session, an flock on a file beside the SQLite database), so a crashed indexer never leaves it
taken."""
from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger("datareg.indexer")

# pg_advisory_lock key: the bytes of "datareg" as a number, so it does not collide with other applications'.
PG_LOCK_KEY = int.from_bytes(b"datareg", "big")


@contextmanager
def writer_lock(engine: Engine, stop: threading.Event, poll: float = 1.0) -> Iterator[bool]:
    """Holds the index's writer lock while the block runs; yields False if `stop` was set while waiting."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar():
                connection.rollback()
                log.warning("another indexer holds this index's writer lock; waiting")
                if stop.wait(poll):
                    yield False
                    return
            try:
                yield True
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
        return
    database = engine.url.database
    path = Path(f"{database}.indexer-lock") if database and database != ":memory:" else None
    if path is None:
        yield True
        return
    with open(path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                log.warning("another indexer holds this index's writer lock (%s); waiting", path)
                if stop.wait(poll):
                    yield False
                    return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
