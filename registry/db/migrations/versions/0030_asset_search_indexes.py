"""Indexes for the asset list: text search (PostgreSQL, pg_trgm) and classification

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07

Issue 19 (every read route's p99 under 50 ms at 100,000 assets). `GET /v1/assets?q=` matched the name and summary
with ILIKE '%text%', which no b-tree serves: the page and its count read all 100,000 assets (210 ms of PostgreSQL
per request). On PostgreSQL, a trigram index (pg_trgm, GIN) on each of the two columns finds the assets whose text
holds every three-character piece of the words (a bitmap of each, OR-ed), then only those rows are checked: ~1 ms
of index for a word of 3 or more characters, Chinese included. Shorter words have no trigram and are still read
row by row (queries.list_assets reads them with LIKE where case cannot matter, in 40% of the time of ILIKE).
pg_trgm ships with PostgreSQL (contrib) and is a trusted extension (PostgreSQL 13+: the database's owner may
create it); where it is not available or not allowed the indexes are left out and searches read every row as before. SQLite has
no such index: its searches read every row, as before.

`?classification=` counted its assets from the table (a sequential scan of 100,000 wide rows); ix_assets_classification
(classification, registered_block, registered_log_index) counts them from the index and gives the page in order.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

# Also in registry/db/models.py (TRIGRAM_INDEXES), which leaves them out of the comparison with the models.
TRIGRAM_INDEXES = {'ix_assets_name_trgm': 'name', 'ix_assets_summary_trgm': 'summary'}


def upgrade() -> None:
    op.create_index('ix_assets_classification', 'assets', ['classification', 'registered_block',
                                                            'registered_log_index'])
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar():
        return
    try:
        with bind.begin_nested():  # a savepoint: a refusal leaves the migration's transaction usable
            bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError:
        return  # not allowed to create it (PostgreSQL before 13, or no CREATE on the database): as without it
    for name, column in TRIGRAM_INDEXES.items():
        op.execute(f'CREATE INDEX {name} ON assets USING gin ({column} gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name in TRIGRAM_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    op.drop_index('ix_assets_classification', table_name='assets')
