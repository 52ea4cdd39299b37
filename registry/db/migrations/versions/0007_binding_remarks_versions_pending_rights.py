"""Issue 13: the record is authoritative

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Freeze orders (each with its regulator, waiting-list seizures), every version of an asset (to verify a file by any
version's hash), the terms of primary rights from the rights configuration, change applications, pending rights
(named at registration, not accepted yet), and the certificate's version, holder and renewal request.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('assets') as t:
        t.add_column(sa.Column('active_freezes', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('rights') as t:
        t.add_column(sa.Column('pending', sa.Boolean(), nullable=False, server_default=sa.false()))
        t.add_column(sa.Column('limits_cid', sa.String(length=64), nullable=True))
    with op.batch_alter_table('right_versions') as t:
        t.add_column(sa.Column('pending', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('registrations') as t:
        t.add_column(sa.Column('certified_version', sa.Integer(), nullable=True))
        t.add_column(sa.Column('holder', sa.String(length=42), nullable=True))
        t.add_column(sa.Column('renewal_requested', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'freeze_orders',
        sa.Column('asset_id', sa.String(length=66), nullable=False),
        sa.Column('order_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('regulator', sa.String(length=42), nullable=False),
        sa.Column('order_reference', sa.String(), nullable=False),
        sa.Column('evidence_cid', sa.String(length=64), nullable=True),
        sa.Column('waiting', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('released_by', sa.String(length=42), nullable=True),
        sa.Column('released_by_admin', sa.Boolean(), nullable=False),
        sa.Column('release_evidence_cid', sa.String(length=64), nullable=True),
        sa.Column('ordered_block', BIG, nullable=False),
        sa.Column('ordered_tx', sa.String(length=66), nullable=False),
        sa.Column('ordered_at', BIG, nullable=False),
        sa.Column('released_block', BIG, nullable=True),
        sa.PrimaryKeyConstraint('asset_id', 'order_id'),
    )
    op.create_table(
        'asset_versions',
        sa.Column('asset_id', sa.String(length=66), nullable=False),
        sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('content_hash', sa.String(length=66), nullable=False),
        sa.Column('metadata_cid', sa.String(length=64), nullable=False),
        sa.Column('classification', sa.Integer(), nullable=False),
        sa.Column('attributes', sa.Integer(), nullable=False),
        sa.Column('block_number', BIG, nullable=False),
        sa.Column('tx_hash', sa.String(length=66), nullable=False),
        sa.Column('timestamp', BIG, nullable=False),
        sa.PrimaryKeyConstraint('asset_id', 'version'),
    )
    op.create_index('ix_asset_versions_content_hash', 'asset_versions', ['content_hash'])
    op.create_table(
        'holder_terms',
        sa.Column('asset_id', sa.String(length=66), nullable=False),
        sa.Column('holder', sa.String(length=42), nullable=False),
        sa.Column('valid_until', BIG, nullable=False),
        sa.Column('limits_cid', sa.String(length=64), nullable=True),
        sa.Column('block_number', BIG, nullable=False),
        sa.PrimaryKeyConstraint('asset_id', 'holder'),
    )
    op.create_table(
        'change_applications',
        sa.Column('asset_id', sa.String(length=66), nullable=False),
        sa.Column('applicant', sa.String(length=42), nullable=False),
        sa.Column('registrar', sa.String(length=42), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('metadata_cid', sa.String(length=64), nullable=False),
        sa.Column('content_hash', sa.String(length=66), nullable=True),
        sa.Column('classification', sa.Integer(), nullable=False),
        sa.Column('attributes', sa.Integer(), nullable=False),
        sa.Column('documents_cid', sa.String(length=64), nullable=True),
        sa.Column('reason_code', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('applied_block', BIG, nullable=False),
        sa.Column('decided_block', BIG, nullable=True),
        sa.PrimaryKeyConstraint('asset_id'),
    )


def downgrade() -> None:
    op.drop_table('change_applications')
    op.drop_table('holder_terms')
    op.drop_index('ix_asset_versions_content_hash', table_name='asset_versions')
    op.drop_table('asset_versions')
    op.drop_table('freeze_orders')
    with op.batch_alter_table('registrations') as t:
        t.drop_column('renewal_requested')
        t.drop_column('holder')
        t.drop_column('certified_version')
    with op.batch_alter_table('right_versions') as t:
        t.drop_column('pending')
    with op.batch_alter_table('rights') as t:
        t.drop_column('limits_cid')
        t.drop_column('pending')
    with op.batch_alter_table('assets') as t:
        t.drop_column('active_freezes')
