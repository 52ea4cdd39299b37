"""Public-data authorised operation: authorisations, scenarios, second-level licences, and each asset's authorisation

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

Issue 21 (公共数据授权运营): the PublicDataAuthorisation contract's records, and `assets.public_authorisation_id`
for assets bound to an authorisation or derived from such an asset. (Assigned 0016 on 0015; numbered 0026 on main's
head 0025 so the chain keeps one head, the highest-numbered file.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'  # assigned 0016 on 0015: after main's migrations up to 0025 (trade feed), one head
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('assets') as batch:
        batch.add_column(sa.Column('public_authorisation_id', BIG, nullable=True))
    op.create_index(op.f('ix_assets_public_authorisation_id'), 'assets', ['public_authorisation_id'])
    op.create_table(
        'public_authorisations',
        sa.Column('authorisation_id', BIG, autoincrement=False, nullable=False),
        sa.Column('authority', sa.String(length=42), nullable=False),
        sa.Column('operator', sa.String(length=42), nullable=False),
        sa.Column('catalogue_cid', sa.String(length=64), nullable=True),
        sa.Column('catalogue_entries', sa.Integer(), nullable=False),
        sa.Column('scenarios_json', sa.Text(), nullable=False),
        sa.Column('valid_from', BIG, nullable=False),
        sa.Column('valid_until', BIG, nullable=False),
        sa.Column('conditions_cid', sa.String(length=64), nullable=True),
        sa.Column('revoked', sa.Boolean(), nullable=False),
        sa.Column('revocation_reason', sa.Integer(), nullable=True),
        sa.Column('revocation_evidence_cid', sa.String(length=64), nullable=True),
        sa.Column('revoked_at', BIG, nullable=True),
        sa.Column('revoked_tx', sa.String(length=66), nullable=True),
        sa.Column('granted_at', BIG, nullable=False),
        sa.Column('granted_block', BIG, nullable=False),
        sa.Column('granted_tx', sa.String(length=66), nullable=False),
        sa.Column('updated_block', BIG, nullable=False),
        sa.PrimaryKeyConstraint('authorisation_id'),
    )
    op.create_index(op.f('ix_public_authorisations_authority'), 'public_authorisations', ['authority'])
    op.create_index(op.f('ix_public_authorisations_operator'), 'public_authorisations', ['operator'])
    op.create_table(
        'public_scenarios',
        sa.Column('authorisation_id', BIG, autoincrement=False, nullable=False),
        sa.Column('scenario_hash', sa.String(length=66), nullable=False),
        sa.Column('scenario', sa.String(), nullable=False),
        sa.Column('approved', sa.Boolean(), nullable=False),
        sa.Column('approval_cid', sa.String(length=64), nullable=True),
        sa.Column('approved_at', BIG, nullable=True),
        sa.Column('approved_tx', sa.String(length=66), nullable=True),
        sa.Column('updated_block', BIG, nullable=False),
        sa.PrimaryKeyConstraint('authorisation_id', 'scenario_hash'),
    )
    op.create_table(
        'public_licences',
        sa.Column('authorisation_id', BIG, autoincrement=False, nullable=False),
        sa.Column('licensee', sa.String(length=42), nullable=False),
        sa.Column('scenarios_json', sa.Text(), nullable=False),
        sa.Column('valid_until', BIG, nullable=False),
        sa.Column('terms_cid', sa.String(length=64), nullable=True),
        sa.Column('revoked', sa.Boolean(), nullable=False),
        sa.Column('revocation_reason', sa.Integer(), nullable=True),
        sa.Column('granted_at', BIG, nullable=False),
        sa.Column('granted_block', BIG, nullable=False),
        sa.Column('granted_tx', sa.String(length=66), nullable=False),
        sa.Column('updated_block', BIG, nullable=False),
        sa.PrimaryKeyConstraint('authorisation_id', 'licensee'),
    )


def downgrade() -> None:
    op.drop_table('public_licences')
    op.drop_table('public_scenarios')
    op.drop_index(op.f('ix_public_authorisations_operator'), table_name='public_authorisations')
    op.drop_index(op.f('ix_public_authorisations_authority'), table_name='public_authorisations')
    op.drop_table('public_authorisations')
    op.drop_index(op.f('ix_assets_public_authorisation_id'), table_name='assets')
    with op.batch_alter_table('assets') as batch:
        batch.drop_column('public_authorisation_id')
