"""Relays and rate-limit buckets in the database

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-07

Relays were remembered by the API process that accepted them, so GET /v1/relay/{id} answered 404 on another
instance and a pending relay was forgotten by a restart; rate limits were counted per process, so two API
instances allowed twice the limit. Both are now rows every instance shares (`relays`, `rate_buckets`).
(Numbered 0013 on 0008: the lead re-chains it at merge.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0009'  # after the feed cursors (h/record); both came from 0008
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'relays',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('operation', sa.String(length=32), nullable=False),
        sa.Column('signer', sa.String(length=42), nullable=False),
        sa.Column('sender', sa.String(length=42), nullable=False),
        sa.Column('to', sa.String(length=42), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('gas', BIG, nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('final', sa.Boolean(), nullable=False),
        sa.Column('tx_hashes', sa.Text(), nullable=False),
        sa.Column('nonce', BIG, nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.Float(), nullable=False),
        sa.Column('result_json', sa.Text(), nullable=True),
        sa.Column('error_json', sa.Text(), nullable=True),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_relays_open', 'relays', ['final', 'created_at'])
    op.create_table(
        'rate_buckets',
        sa.Column('rule', sa.String(length=16), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('tokens', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.Float(), nullable=False),
        sa.Column('allowed', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('rule', 'client'),
    )
    op.create_index(op.f('ix_rate_buckets_updated_at'), 'rate_buckets', ['updated_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_buckets_updated_at'), table_name='rate_buckets')
    op.drop_table('rate_buckets')
    op.drop_index('ix_relays_open', table_name='relays')
    op.drop_table('relays')
