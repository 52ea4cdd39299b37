"""Indexes for a party's rights in page order and for deep history pages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Measured with scripts/bench_queries.py (100,000 assets, 1,000,000 events, PostgreSQL): a page of a big party's
rights sorted 7,700 versions found by holder alone; the index in page order lets it stop at the page. The last
page of a 40,000-event history sorted on disk; with the id in the asset-position index the page is cut in the
index and only its 100 rows are read.
"""
from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_right_versions_holder', table_name='right_versions')
    op.create_index('ix_right_versions_holder', 'right_versions',
                    ['holder', 'asset_id', 'right_index', 'since_block', 'since_log_index'], unique=False)
    op.drop_index('ix_events_asset_position', table_name='events')
    op.create_index('ix_events_asset_position', 'events', ['asset_id', 'block_number', 'log_index'], unique=False,
                    postgresql_include=['id'])


def downgrade() -> None:
    op.drop_index('ix_events_asset_position', table_name='events')
    op.create_index('ix_events_asset_position', 'events', ['asset_id', 'block_number', 'log_index'], unique=False)
    op.drop_index('ix_right_versions_holder', table_name='right_versions')
    op.create_index('ix_right_versions_holder', 'right_versions', ['holder'], unique=False)
