"""Qualifications of participants, holders' engagements of appraisers, and appraisals' own terms

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07

Issue 21 (roles and qualifications, appraisals): each qualification record the council keeps for a participant
(the service roles act only under a current one), each engagement of an appraiser by a holder of the asset's
holding right, and on an appraisal its valuation date, value type, basis and the engagement it fulfils.
(Numbered 0017 on 0015 as asked, then chained after main's head (0025) when main was merged into this branch, so the
schema has one head; the integrator re-chains it at merge.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'  # written as 0017 on 0015; chained by the integrator after the branches merged first
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'qualifications',
        sa.Column('account', sa.String(length=42), nullable=False),
        sa.Column('serial', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(), nullable=False),
        sa.Column('number', sa.String(), nullable=False),
        sa.Column('scope', sa.String(), nullable=False),
        sa.Column('valid_from', BIG, nullable=False),
        sa.Column('valid_until', BIG, nullable=False),
        sa.Column('document_cid', sa.String(length=64), nullable=True),
        sa.Column('revoked', sa.Boolean(), nullable=False),
        sa.Column('revocation_reason', sa.Integer(), nullable=True),
        sa.Column('revocation_evidence_cid', sa.String(length=64), nullable=True),
        sa.Column('recorded_at', BIG, nullable=False),
        sa.Column('recorded_block', BIG, nullable=False),
        sa.Column('recorded_tx', sa.String(length=66), nullable=False),
        sa.Column('updated_block', BIG, nullable=False),
        sa.PrimaryKeyConstraint('account', 'serial'),
    )
    op.create_table(
        'engagements',
        sa.Column('engagement_id', BIG, autoincrement=False, nullable=False),
        sa.Column('asset_id', sa.String(length=66), nullable=False),
        sa.Column('holder', sa.String(length=42), nullable=False),
        sa.Column('appraiser', sa.String(length=42), nullable=False),
        sa.Column('right_index', sa.Integer(), nullable=False),
        sa.Column('letter_cid', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attestation_id', BIG, nullable=True),
        sa.Column('engaged_at', BIG, nullable=False),
        sa.Column('engaged_block', BIG, nullable=False),
        sa.Column('engaged_tx', sa.String(length=66), nullable=False),
        sa.Column('updated_block', BIG, nullable=False),
        sa.PrimaryKeyConstraint('engagement_id'),
    )
    op.create_index(op.f('ix_engagements_asset_id'), 'engagements', ['asset_id'])
    op.create_index(op.f('ix_engagements_appraiser'), 'engagements', ['appraiser'])
    with op.batch_alter_table('attestations') as batch:
        batch.add_column(sa.Column('valuation_date', BIG, nullable=True))
        batch.add_column(sa.Column('value_type', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('basis', sa.String(), nullable=True))
        batch.add_column(sa.Column('engagement_id', BIG, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attestations') as batch:
        for column in ('engagement_id', 'basis', 'value_type', 'valuation_date'):
            batch.drop_column(column)
    op.drop_index(op.f('ix_engagements_appraiser'), table_name='engagements')
    op.drop_index(op.f('ix_engagements_asset_id'), table_name='engagements')
    op.drop_table('engagements')
    op.drop_table('qualifications')
