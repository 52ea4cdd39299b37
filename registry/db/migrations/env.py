"""Alembic environment: migrations run on the connection `registry.db.session.create_schema` hands over
(the same code for SQLite and PostgreSQL; no alembic.ini needed)."""
from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from registry.db import api_tables, models  # noqa: F401 - every table, for autogenerate

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
    include_object=models.include_object,  # views (rights) are made by their migration, not compared
)
with context.begin_transaction():
    context.run_migrations()
