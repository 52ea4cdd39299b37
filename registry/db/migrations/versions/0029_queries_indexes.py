"""Indexes for the read API at scale: each right's current version, and blocks by time

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07

Issue 19 (query latency at 100,000 assets and 1,000,000 events). Since 0022 `rights` is a view of the versions
without an end, and the index of rights (asset, number) went with the table: an asset's current rights were found
among all its versions (ix_right_versions_right) and filtered, every version of a hot asset's rights read for a page
of them. ix_right_versions_current holds only the current versions, as the old table's key did. Blocks had no index
on their time: a time in `?at=` (queries.block_at) read every block (80 ms at 677,000 blocks); block times never go
backwards, so the last block at or before a moment is the first entry of ix_blocks_time at or below it.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'  # written as 0028 on 0027; chained after main's 0028 (listingev) at the merge
branch_labels = None
depends_on = None

CURRENT = sa.text('until_block IS NULL')


def upgrade() -> None:
    op.create_index('ix_right_versions_current', 'right_versions', ['asset_id', 'right_index'],
                    postgresql_where=CURRENT, sqlite_where=CURRENT)
    op.create_index('ix_blocks_time', 'blocks', ['timestamp', 'number'])


def downgrade() -> None:
    op.drop_index('ix_blocks_time', table_name='blocks')
    op.drop_index('ix_right_versions_current', table_name='right_versions')
