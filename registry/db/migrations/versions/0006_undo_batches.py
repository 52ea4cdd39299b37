"""Undo journals of the batches near the chain head

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

A reorg used to be undone by replaying every remaining event of each touched asset: an asset with a long
history made a shallow reorg slow (2,000 events took most of a second). Each batch near the head now keeps
what it created and the rows it changed as they were, and a reorg restores those.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'undo_batches',
        sa.Column('first_block', BIG, autoincrement=False, nullable=False),
        sa.Column('last_block', BIG, nullable=False),
        sa.Column('journal', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('first_block'),
    )


def downgrade() -> None:
    op.drop_table('undo_batches')
