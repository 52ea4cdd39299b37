"""Listing feed retractions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

A reorg used to delete the feed entries of the blocks it removed, so an exchange that had applied one never
learnt it was void. They are now kept, marked `retracted`, and a retraction entry (`retracts`: the id of the
entry withdrawn) follows them, which the feed serves to the exchanges that had read the entry.
(Numbered 0008 on 0006: the lead re-chains it after 0007 when both are merged.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'  # after issue 13's 0007 (h/contracts); both came from 0006
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('listing_changes') as batch:
        batch.add_column(sa.Column('retracted', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('retracts', BIG, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('listing_changes') as batch:
        batch.drop_column('retracts')
        batch.drop_column('retracted')
