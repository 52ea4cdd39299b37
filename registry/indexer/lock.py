"""Only one indexer writes to an index at a time: a second one, started by mistake, waits for the lock
instead of writing the same rows. The lock dies with its holder's process (an advisory lock held by the
PostgreSQL session, an flock on a file beside the SQLite database), so a crashed indexer never leaves it
taken.

Two indexers on one PostgreSQL index are an active one and a standby: the standby asks for the lock every
`poll` seconds and takes over within about that long after the active one dies (its session ends with it).
The active one checks its lock session as often (`lost`): if the session is gone (the database restarted,
the connection cut, an administrator's pg_terminate_backend), the lock went with it and another indexer may
already hold it, so it stops writing and waits to take the lock again."""
from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("datareg.indexer")

# pg_advisory_lock key: the bytes of "datareg" as a number, so it does not collide with other applications'.
PG_LOCK_KEY = int.from_bytes(b"datareg", "big")


@contextmanager
def writer_lock(engine: Engine, stop: threading.Event, poll: float = 1.0,
                lost: threading.Event | None = None) -> Iterator[bool]:
    """Holds the index's writer lock while the block runs; yields False if `stop` was set while waiting.
    With `lost`, sets it when the lock turns out to be no longer held (PostgreSQL: its session ended)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar():
                connection.rollback()
                log.warning("another indexer holds this index's writer lock; waiting")
                if stop.wait(poll):
                    yield False
                    return
            connection.rollback()  # the lock is the session's: no transaction stays open with it
            released = threading.Event()
            watchdog = threading.Thread(target=_watch_session, args=(connection, poll, released, lost),
                                        daemon=True, name="datareg-writer-lock")
            if lost is not None:
                watchdog.start()
            try:
                yield True
            finally:
                released.set()
                if watchdog.is_alive():
                    watchdog.join()
                if lost is None or not lost.is_set():
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


def _watch_session(connection: Connection, poll: float, released: threading.Event, lost: threading.Event) -> None:
    """Sets `lost` when the session holding the advisory lock no longer answers: the lock ended with it."""
    while not released.wait(poll):
        try:
            connection.execute(text("SELECT 1")).scalar()
            connection.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure of the session means the lock may be gone
            log.error("lost this index's writer lock (its database session ended: %s); stopping writes",
                      str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            lost.set()
            return
