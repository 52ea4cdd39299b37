"""The schema comes from the Alembic migrations, on SQLite and PostgreSQL alike, and matches the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from registry.db import api_tables  # noqa: F401 - the API's tables are compared too
from registry.db.models import include_object
from registry.db.session import create_schema, make_engine


def test_migrations_build_the_schema_of_the_models(database_url):
    engine = make_engine(database_url)
    create_schema(engine)
    create_schema(engine)  # a second run (another process starting) changes nothing
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        differences = compare_metadata(context, SQLModel.metadata)
        assert differences == [], "the models changed without a migration: add one under registry/db/migrations"
        assert MigrationContext.configure(connection).get_current_revision() is not None
    assert {"assets", "right_versions", "events", "listings", "registrations"} <= set(inspect(engine).get_table_names())
    assert "rights" in inspect(engine).get_view_names()  # the current versions (migration 0022)


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


def test_rights_become_a_view_of_the_current_versions_with_the_same_rows(database_url):
    """Migration 0022: an index written before it (a right in `rights` and again as its open version) reads
    the same rights afterwards from the view, fixed columns included, and the downgrade gives the table back."""
    from alembic import command
    from sqlalchemy import text

    from registry.db.session import alembic_config

    engine = make_engine(database_url)
    right = {"asset_id": "0x" + "ab" * 32, "right_index": 4, "holder": "0x" + "11" * 20, "kind": 1,
             "parent_index": 1, "valid_from": 0, "valid_until": 1_900_000_000, "revoked": True,
             "sub_grantable": False, "transferable": True, "pending": False, "limits_cid": None,
             "grantor": "0x" + "22" * 20, "purpose": "研究", "territory": "CN", "quantity": "1000",
             "terms_cid": "Qm" + "t" * 44, "revoked_by": "0x" + "22" * 20, "revocation_reason": 3,
             "revocation_evidence_cid": "Qm" + "e" * 44, "created_block": 10, "created_tx": "0x" + "cd" * 32,
             "updated_block": 12}
    state = ("holder", "kind", "parent_index", "valid_from", "valid_until", "sub_grantable", "transferable",
             "pending")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0015")
        columns = ", ".join(right)
        connection.execute(text(f"INSERT INTO rights ({columns}) VALUES ({', '.join(':' + c for c in right)})"),
                           right)
        versions = [dict({k: right[k] for k in state}, revoked=False, change="granted", since_block=10,
                         since_log_index=0, since_time=100, until_block=12, until_log_index=1, until_time=124),
                    dict({k: right[k] for k in state}, revoked=True, change="revoked", since_block=12,
                         since_log_index=1, since_time=124, until_block=None, until_log_index=None,
                         until_time=None)]
        for version in versions:
            version.update(asset_id=right["asset_id"], right_index=right["right_index"])
            names = ", ".join(version)
            connection.execute(text(f"INSERT INTO right_versions ({names}) VALUES "
                                    f"({', '.join(':' + c for c in version)})"), version)
        connection.execute(text("INSERT INTO undo_batches (first_block, last_block, journal) VALUES "
                                "(12, 12, '{\"created\": {\"rights\": []}, \"changed\": {}}')"))
    create_schema(engine)
    with engine.connect() as connection:
        assert [dict(r) for r in connection.execute(text("SELECT * FROM rights")).mappings()] == [right]
        closed = connection.execute(text("SELECT grantor, created_tx, revoked_by FROM right_versions "
                                         "WHERE until_block IS NOT NULL")).one()
        # Fixed columns on every version; the revocation only from the version it began.
        assert tuple(closed) == (right["grantor"], right["created_tx"], None)
        # Journals naming the `rights` table could not be undone any more: a reorg replays instead.
        assert connection.execute(text("SELECT count(*) FROM undo_batches")).scalar() == 0
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0015")
    with engine.connect() as connection:
        assert "rights" in inspect(connection).get_table_names()
        assert [dict(r) for r in connection.execute(text("SELECT * FROM rights")).mappings()] == [right]
