"""Only the indexes that queries use; the chain head beside the checkpoint

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Every index costs the indexer a B-tree insert per row: with fourteen indexes no query used, inserting a batch
cost nearly twice what it needed. Each index kept serves a query in registry/db or api/ (an index whose
columns start another one's, such as events(block_number) before (block_number, log_index), is redundant).
The checkpoint also records the chain head the indexer last saw, from which answers count confirmations.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# (table, index, columns) no query uses.
UNUSED = [
    ('assets', 'ix_assets_classification', ['classification']),
    ('assets', 'ix_assets_industry', ['industry']),
    ('assets', 'ix_assets_latest_content_hash', ['latest_content_hash']),
    ('assets', 'ix_assets_name', ['name']),  # searched with LIKE '%…%', which a B-tree cannot serve
    ('assets', 'ix_assets_status', ['status']),
    ('assets', 'ix_assets_updated_block', ['updated_block']),
    ('events', 'ix_events_actor', ['actor']),
    ('events', 'ix_events_block_number', ['block_number']),  # uq_events_position starts with it
    ('events', 'ix_events_name', ['name']),
    ('events', 'ix_events_party', ['party']),
    ('right_versions', 'ix_right_versions_asset_since', ['asset_id', 'since_block']),  # ix_right_versions_right
    ('right_versions', 'ix_right_versions_until_block', ['until_block']),
    ('rights', 'ix_rights_created_block', ['created_block']),
    ('rights', 'ix_rights_holder', ['holder']),  # ix_rights_holder_kind starts with it
    ('rights', 'ix_rights_updated_block', ['updated_block']),
]
BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    for table, name, _ in UNUSED:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('checkpoints') as batch_op:
        batch_op.add_column(sa.Column('head_block', BIG, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('checkpoints') as batch_op:
        batch_op.drop_column('head_block')
    for table, name, columns in UNUSED:
        op.create_index(name, table, columns, unique=False)
