"""Database engines for SQLite (the embedded default) and PostgreSQL, from one URL."""
from __future__ import annotations

import fcntl
import os
import re
import sqlite3
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from registry.db import models  # noqa: F401 - registers the tables on SQLModel.metadata
from registry.errors import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        models.dialect_options("sqlite")
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # LIFO: the connection used last, whose page cache is warm, is the one handed out next (each SQLite
        # connection has its own cache, and the indexer writes through one connection at a time).
        # One connection per thread for an in-memory database: no pool to order.
        in_memory = make_url(url).database in (None, "", ":memory:")
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **({} if in_memory else {"pool_use_lifo": True}))

        @event.listens_for(engine, "do_connect")
        def _sqlite_connect(
            dialect: Any, record: ConnectionPoolEntry, cargs: list[Any], cparams: dict[str, Any]
        ) -> Any:
            connection = dialect.loaded_dbapi.connect(*cargs, **cparams)
            try:
                _sqlite_pragmas(connection)
                return connection
            except sqlite3.OperationalError as exc:
                connection.close()
                cannot_write = "unable to open" in str(exc) or "readonly" in str(exc)
                if not cannot_write or not path or path == ":memory:" or not Path(path).is_file():
                    raise
            # A WAL database whose directory cannot be written (no -wal and -shm files can be made beside it)
            # cannot even be read by an ordinary connection. Opened read-only and immutable, it can: reads are
            # served from it as it is, and writes fail as writes to a read-only database, which the API and
            # the indexer report. (Immutable: nobody can change a file that no one can write beside.)
            record.info["read_only"] = f"the directory of the SQLite database '{path}' cannot be written"
            return dialect.loaded_dbapi.connect(f"file:{quote(path)}?mode=ro&immutable=1", uri=True,
                                                check_same_thread=False, timeout=30)

        @event.listens_for(engine, "checkout")
        def _reopen_when_writable(_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
            # An immutable connection would never see what the indexer writes once the directory is writable
            # again: the pool replaces it with an ordinary one then.
            if record.info.get("read_only") and _directory_writable(Path(path).parent):
                raise DisconnectionError("the database's directory is writable again")

        return engine
    if url.startswith("postgresql"):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        models.dialect_options("postgresql")
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    raise ConfigurationError(
        f"Unsupported DATAREG_DATABASE_URL '{url}': use sqlite:///path/to/index.db or "
        "postgresql://user@host:5432/database."
    )


MIGRATIONS = Path(__file__).parent / "migrations"
# Key of the PostgreSQL advisory lock that serialises migrations (the API and the indexer both migrate at
# start; only one may do so at a time).
PG_MIGRATION_LOCK = int.from_bytes(b"dr-mig", "big")


def _directory_writable(directory: Path) -> bool:
    """Whether a file can be made in `directory`, tried rather than judged from its mode bits (root ignores
    them, but not an immutable or read-only mounted directory)."""
    probe = directory / f".datareg-write-check-{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_WRONLY))
        os.unlink(probe)
        return True
    except OSError:
        return False


def _sqlite_pragmas(connection: sqlite3.Connection) -> None:
    cursor = connection.cursor()
    # WAL lets API readers run while the indexer writes; NORMAL sync is safe under WAL
    # (a crash loses at most the last commits, never consistency).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # 64 MB of page cache (the default is 2 MB): a batch's inserts touch every index's pages, and a
    # cache that holds them saved a fifth of the indexer's insert time. Allocated only as it is used.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def read_only_reason(connection: Connection) -> str | None:
    """Why the index database accepts no writes through `connection`, or None when it does: a SQLite file
    (or its directory) that cannot be written, or a PostgreSQL database or server that is read-only
    (default_transaction_read_only, a hot standby). Reads still work: the API serves them and says so."""
    if connection.dialect.name == "postgresql":
        if connection.execute(text("SELECT current_setting('transaction_read_only')")).scalar() == "on":
            return "the PostgreSQL database accepts no writes (default_transaction_read_only, or a standby server)"
        return None
    reason: str | None = connection.info.get("read_only")
    if reason:
        return reason
    database = connection.engine.url.database
    # access(2), never open() and close(): closing any descriptor of the file drops every POSIX lock this
    # process holds on it, SQLite's own included, and SQLite then takes another connection's close for the last
    # one and deletes the WAL under it (an API stuck at "indexed_block": null while the index grew). access(2)
    # also refuses writing on a read-only file system and to an immutable file, for root too.
    if database and database != ":memory:":
        if os.path.exists(database) and not os.access(database, os.W_OK):
            return f"the SQLite database file '{database}' cannot be written (a read-only file or file system)"
        if not _directory_writable(Path(database).resolve().parent):
            return f"the SQLite database's directory for '{database}' cannot be written (its journal lives there)"
    return None


def is_read_only_error(exc: BaseException) -> bool:
    """Whether a database error is a write refused by a read-only database (SQLite's "attempt to write a
    readonly database", PostgreSQL's read_only_sql_transaction), as opposed to an outage or a bug."""
    original = getattr(exc, "orig", None) or exc
    if getattr(original, "sqlstate", None) == "25006":
        return True
    return "readonly database" in str(original).lower()


def alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


_REVISION_LINE = re.compile(r"^(down_revision|revision) = '(\d{4})'", re.MULTILINE)


def newest_revision() -> str:
    """The head migration's revision id: the one no other migration revises. Read from the files' own
    `revision = '0019'` and `down_revision = '0022'` lines (tests/test_migrations.py checks it against Alembic's
    own view), so this needs no Alembic. Not the highest number: branches get their numbers when they start and
    are chained in the order they are merged, so a lower number may come last."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text()):
            (revisions if name == "revision" else revised).add(value)
    return max(revisions - revised)


def _is_current(engine: Engine) -> bool:
    """Whether the database is already at the newest revision: every process start asks, and answering
    without importing Alembic (a tenth of a second) is what lets a restarted indexer resume sooner."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == newest_revision()


def create_schema(engine: Engine) -> None:
    """Brings the database to the newest schema with the Alembic migrations in registry/db/migrations."""
    if _is_current(engine):
        return
    from alembic import command

    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            command.upgrade(alembic_config(connection), "head")
        return
    database = engine.url.database
    lock_path = Path(f"{database}.migrate-lock") if database and database != ":memory:" else None
    with (open(lock_path, "a+") if lock_path else nullcontext()) as handle:
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
