"""Trades recorded by exchanges (TradeRegistry, issue 17) and each exchange's trade code

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

(Numbered 0014 on the head of main when written, 0013: the lead re-chains it at merge.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.add_column('participants', sa.Column('trade_code', sa.String(length=6), nullable=True))
    op.create_table(
        'trades',
        sa.Column('exchange', sa.String(length=42), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('serial', BIG, autoincrement=False, nullable=False),
        sa.Column('number', sa.String(length=24), nullable=False),
        sa.Column('listing_id', BIG, nullable=False),
        sa.Column('asset_id', sa.String(length=66), nullable=False),
        sa.Column('seller', sa.String(length=42), nullable=False),
        sa.Column('buyer', sa.String(length=42), nullable=False),
        sa.Column('right_index', sa.Integer(), nullable=False),
        sa.Column('parent_index', sa.Integer(), nullable=False),
        sa.Column('price_amount', sa.String(length=80), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('price_hash', sa.String(length=66), nullable=True),
        sa.Column('contract_cid', sa.String(length=64), nullable=True),
        sa.Column('delivery_cid', sa.String(length=64), nullable=True),
        sa.Column('settlement', sa.Integer(), nullable=False),
        sa.Column('recorded_at', BIG, nullable=False),
        sa.Column('recorded_block', BIG, nullable=False),
        sa.Column('recorded_tx', sa.String(length=66), nullable=False),
        sa.Column('updated_block', BIG, nullable=False),
        sa.PrimaryKeyConstraint('exchange', 'year', 'serial'),
    )
    op.create_index(op.f('ix_trades_number'), 'trades', ['number'])
    op.create_index(op.f('ix_trades_asset_id'), 'trades', ['asset_id'])
    op.create_index(op.f('ix_trades_seller'), 'trades', ['seller'])
    op.create_index(op.f('ix_trades_buyer'), 'trades', ['buyer'])


def downgrade() -> None:
    for column in ('buyer', 'seller', 'asset_id', 'number'):
        op.drop_index(op.f(f'ix_trades_{column}'), table_name='trades')
    op.drop_table('trades')
    op.drop_column('participants', 'trade_code')
