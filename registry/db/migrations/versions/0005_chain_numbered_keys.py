"""Listing ids, attestation ids and block numbers are the chain's, never numbered by the database

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Migration 0001 made these lone integer keys SERIAL on PostgreSQL. The indexer's batch took them for keys the
database numbers and left the chain's value out, so the ids matched the chain only while both counted from one
without gaps; a reorg's deleted rows (or a listing created and changed in one batch) broke that. The models
now say the values come from the chain, and the sequences go. SQLite's INTEGER PRIMARY KEY needs no change:
it takes the value given.
"""
from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CHAIN_NUMBERED = [('listings', 'listing_id'), ('attestations', 'attestation_id'), ('blocks', 'number')]


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column in CHAIN_NUMBERED:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT')
        op.execute(f'DROP SEQUENCE IF EXISTS {table}_{column}_seq')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column in CHAIN_NUMBERED:
        sequence = f'{table}_{column}_seq'
        op.execute(f'CREATE SEQUENCE IF NOT EXISTS {sequence} OWNED BY {table}.{column}')
        op.execute(f"SELECT setval('{sequence}', COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT nextval('{sequence}')")
