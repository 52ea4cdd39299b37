"""The schema comes from the Alembic migrations, on SQLite and PostgreSQL alike, and matches the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from registry.db.session import create_schema, make_engine


def test_migrations_build_the_schema_of_the_models(database_url):
    engine = make_engine(database_url)
    create_schema(engine)
    create_schema(engine)  # a second run (another process starting) changes nothing
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
        assert differences == [], "the models changed without a migration: add one under registry/db/migrations"
        assert MigrationContext.configure(connection).get_current_revision() is not None
    assert {"assets", "rights", "events", "listings", "registrations"} <= set(inspect(engine).get_table_names())


def test_chain_numbered_keys_are_never_numbered_by_the_database(database_url):
    """Listing and attestation ids and block numbers come from the chain: a database default (a PostgreSQL
    sequence) would let an insert that left one out succeed with a number the chain never gave."""
    engine = make_engine(database_url)
    create_schema(engine)
    for table, column in [("listings", "listing_id"), ("attestations", "attestation_id"), ("blocks", "number")]:
        described = {c["name"]: c for c in inspect(engine).get_columns(table)}[column]
        assert described["default"] is None, f"{table}.{column} has a default: {described['default']}"
        assert SQLModel.metadata.tables[table].autoincrement_column is None


def test_the_newest_revision_is_read_without_alembic_as_alembic_reads_it():
    """create_schema skips Alembic when the database is at newest_revision(), which reads the files' names:
    a migration named out of that pattern would be skipped for good."""
    from alembic.script import ScriptDirectory

    from registry.db.session import MIGRATIONS, alembic_config, newest_revision

    assert ScriptDirectory.from_config(alembic_config(None)).get_current_head() == newest_revision()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        assert f"revision = '{path.name[:4]}'" in path.read_text(), f"{path.name}: revision id != file number"
