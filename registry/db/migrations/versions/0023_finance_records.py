"""Finance records of data assets (FinanceRecords, issue 21): accounting commitments, capital contribution and
data-trust remarks

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

(Assigned 0018 on 0015. Main's 0022, also on 0015, was merged here first: to keep one head and the head the
highest-numbered file (registry/db/session.py newest_revision), it is 0023 on 0022 on this branch. The lead
re-chains it at merge.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'  # assigned 0018 on 0015; see above
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'accounting_records',
        sa.Column('asset_id', sa.String(length=66), nullable=False),
        sa.Column('holder', sa.String(length=42), nullable=False),
        sa.Column('auditor', sa.String(length=42), nullable=True),
        sa.Column('document_cid', sa.String(length=64), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('recorded_at', BIG, nullable=False),
        sa.Column('recorded_block', BIG, nullable=False),
        sa.Column('recorded_tx', sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint('asset_id', 'holder'),
    )
    op.create_index(op.f('ix_accounting_records_auditor'), 'accounting_records', ['auditor'])
    op.create_table(
        'finance_remarks',
        sa.Column('remark_id', BIG, autoincrement=False, nullable=False),
        sa.Column('asset_id', sa.String(length=66), nullable=False),
        sa.Column('holder', sa.String(length=42), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('counterparty', sa.String(length=42), nullable=False),
        sa.Column('beneficiaries', sa.Text(), nullable=False),
        sa.Column('document_cid', sa.String(length=64), nullable=False),
        sa.Column('effective_from', BIG, nullable=False),
        sa.Column('effective_until', BIG, nullable=False),
        sa.Column('ended', sa.Boolean(), nullable=False),
        sa.Column('end_evidence_cid', sa.String(length=64), nullable=True),
        sa.Column('ended_at', BIG, nullable=True),
        sa.Column('ended_block', BIG, nullable=True),
        sa.Column('recorded_at', BIG, nullable=False),
        sa.Column('recorded_block', BIG, nullable=False),
        sa.Column('recorded_tx', sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint('remark_id'),
    )
    for column in ('asset_id', 'holder', 'counterparty'):
        op.create_index(op.f(f'ix_finance_remarks_{column}'), 'finance_remarks', [column])


def downgrade() -> None:
    for column in ('counterparty', 'holder', 'asset_id'):
        op.drop_index(op.f(f'ix_finance_remarks_{column}'), table_name='finance_remarks')
    op.drop_table('finance_remarks')
    op.drop_index(op.f('ix_accounting_records_auditor'), table_name='accounting_records')
    op.drop_table('accounting_records')
