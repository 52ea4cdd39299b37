"""Database engines for SQLite (the embedded default) and PostgreSQL, from one URL."""
from __future__ import annotations

import fcntl
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from registry.db import models  # noqa: F401 - registers the tables on SQLModel.metadata
from registry.errors import ConfigurationError


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            # WAL lets API readers run while the indexer writes; NORMAL sync is safe under WAL
            # (a crash loses at most the last commits, never consistency).
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # 64 MB of page cache (the default is 2 MB): a batch's inserts touch every index's pages, and a
            # cache that holds them saved a fifth of the indexer's insert time. Allocated only as it is used.
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.close()

        return engine
    if url.startswith("postgresql"):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    raise ConfigurationError(
        f"Unsupported DATAREG_DATABASE_URL '{url}': use sqlite:///path/to/index.db or "
        "postgresql://user@host:5432/database."
    )


MIGRATIONS = Path(__file__).parent / "migrations"
# Key of the PostgreSQL advisory lock that serialises migrations (the API and the indexer both migrate at
# start; only one may do so at a time).
PG_MIGRATION_LOCK = int.from_bytes(b"dr-mig", "big")


def alembic_config(connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def newest_revision() -> str:
    """The newest migration's revision id. Revisions are numbered like their files (0006_….py, revision
    '0006'; tests/test_migrations.py checks it against Alembic's own view), so this needs no Alembic."""
    return max(path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


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
