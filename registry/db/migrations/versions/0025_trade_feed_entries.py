"""Trade entries in the feed: a trade's certificate number, buyer and seller on its feed entries

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

Issue 17: the feed an exchange syncs from (and its webhooks) carries its trades too (recorded, settlement
changed, delivered), and a buyer or seller reads the entries of its own trades; the public feed keeps only
listing changes. Entries of trades indexed before this revision are not made here (their place in the feed's hash
chain is the chain's, so only indexing gives them): an index that already holds trades is rebuilt to get them.
(Asked for as 0021 on 0015; main's 0022 and 0023 came after 0015 meanwhile, and the newest revision is read from
the file numbers (registry.db.session.newest_revision), so it was 0024 after
0023; the integrator chained it 0025 after 0024.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'  # asked for as 0021 on 0015; chained by the integrator after the branches merged first
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('listing_changes') as batch:
        batch.add_column(sa.Column('trade_number', sa.String(length=24), nullable=True))
        batch.add_column(sa.Column('buyer', sa.String(length=42), nullable=True))
        batch.add_column(sa.Column('seller', sa.String(length=42), nullable=True))
    op.create_index('ix_listing_changes_buyer_position', 'listing_changes', ['buyer', 'position'])
    op.create_index('ix_listing_changes_seller_position', 'listing_changes', ['seller', 'position'])


def downgrade() -> None:
    op.drop_index('ix_listing_changes_seller_position', table_name='listing_changes')
    op.drop_index('ix_listing_changes_buyer_position', table_name='listing_changes')
    with op.batch_alter_table('listing_changes') as batch:
        batch.drop_column('seller')
        batch.drop_column('buyer')
        batch.drop_column('trade_number')
