"""64-bit block numbers, times and ids

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite's INTEGER is already 64-bit; PostgreSQL's is 32-bit and ends at 2038-01-19 for unix times.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column('assets', 'registered_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('assets', 'updated_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('attestations', 'attestation_id',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('attestations', 'valid_until',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('attestations', 'issued_at',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('attestations', 'issued_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('blocks', 'number',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('blocks', 'timestamp',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('checkpoints', 'block_number',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('events', 'id',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('events', 'block_number',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('events', 'timestamp',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('lineage', 'block_number',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('listing_changes', 'id',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('listing_changes', 'listing_id',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('listing_changes', 'block_number',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('listing_changes', 'timestamp',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('listings', 'listing_id',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('listings', 'origin_listing_id',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('listings', 'expires_at',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=True)
    op.alter_column('listings', 'listed_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('listings', 'updated_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('objections', 'lodged_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('objections', 'resolved_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=True)
    op.alter_column('participants', 'added_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('participants', 'updated_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('pledges', 'recorded_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('pledges', 'released_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=True)
    op.alter_column('registrations', 'publicity_ends',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=True)
    op.alter_column('registrations', 'registered_at',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=True)
    op.alter_column('registrations', 'valid_until',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=True)
    op.alter_column('registrations', 'applied_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('registrations', 'updated_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('right_versions', 'id',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('right_versions', 'valid_from',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('right_versions', 'valid_until',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('right_versions', 'since_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('right_versions', 'since_time',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('right_versions', 'until_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=True)
    op.alter_column('right_versions', 'until_time',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=True)
    op.alter_column('rights', 'valid_from',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('rights', 'valid_until',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('rights', 'created_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)
    op.alter_column('rights', 'updated_block',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column('rights', 'updated_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('rights', 'created_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('rights', 'valid_until',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('rights', 'valid_from',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('right_versions', 'until_time',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=True)
    op.alter_column('right_versions', 'until_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=True)
    op.alter_column('right_versions', 'since_time',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('right_versions', 'since_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('right_versions', 'valid_until',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('right_versions', 'valid_from',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('right_versions', 'id',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('registrations', 'updated_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('registrations', 'applied_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('registrations', 'valid_until',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=True)
    op.alter_column('registrations', 'registered_at',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=True)
    op.alter_column('registrations', 'publicity_ends',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=True)
    op.alter_column('pledges', 'released_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=True)
    op.alter_column('pledges', 'recorded_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('participants', 'updated_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('participants', 'added_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('objections', 'resolved_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=True)
    op.alter_column('objections', 'lodged_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('listings', 'updated_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('listings', 'listed_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('listings', 'expires_at',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=True)
    op.alter_column('listings', 'origin_listing_id',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('listings', 'listing_id',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('listing_changes', 'timestamp',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('listing_changes', 'block_number',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('listing_changes', 'listing_id',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('listing_changes', 'id',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('lineage', 'block_number',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('events', 'timestamp',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('events', 'block_number',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('events', 'id',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('checkpoints', 'block_number',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('blocks', 'timestamp',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('blocks', 'number',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('attestations', 'issued_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('attestations', 'issued_at',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('attestations', 'valid_until',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('attestations', 'attestation_id',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('assets', 'updated_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
    op.alter_column('assets', 'registered_block',
               existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
               type_=sa.INTEGER(),
               existing_nullable=False)
