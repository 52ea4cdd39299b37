"""Webhooks: endpoints exchanges register for their listing feed, and dead letters

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07

Issue 17: each entry of an exchange's feed is POSTed to its endpoints. The delivery state (the last cursor each
endpoint acknowledged, its retries) and the entries that failed for the whole retry window live in the database,
so delivery survives an API restart and any instance can take it over. (Numbered 0015 on 0013: the lead
re-chains it at merge.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'  # after the trades (h/trades); both came from 0013
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'webhooks',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('exchange', sa.String(length=42), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('secret', sa.String(length=80), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('acked_cursor', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('failing_since', sa.Float(), nullable=True),
        sa.Column('next_attempt_at', sa.Float(), nullable=False),
        sa.Column('last_error', sa.String(), nullable=True),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_webhooks_exchange'), 'webhooks', ['exchange'])
    op.create_table(
        'webhook_dead_letters',
        sa.Column('id', BIG, nullable=False),
        sa.Column('webhook_id', sa.String(length=32), nullable=False),
        sa.Column('cursor', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(), nullable=True),
        sa.Column('dead_at', sa.Float(), nullable=False),
        sa.Column('replay', sa.Boolean(), nullable=False),
        sa.Column('delivered_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_dead_letters_webhook', 'webhook_dead_letters', ['webhook_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_webhook_dead_letters_webhook', table_name='webhook_dead_letters')
    op.drop_table('webhook_dead_letters')
    op.drop_index(op.f('ix_webhooks_exchange'), table_name='webhooks')
    op.drop_table('webhooks')
