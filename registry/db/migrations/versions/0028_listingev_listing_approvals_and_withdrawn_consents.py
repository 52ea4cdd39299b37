"""Listing approvals by transaction and withdrawn signed consents

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07

Issue 17's leftovers: the ListingRegistry's ListingApproved, ListingApprovalRevoked and ConsentsWithdrawn events,
emitted but not indexed until now. `listing_approvals`: each holder's approval of a listing by its own transaction,
with whether it was revoked or used; `withdrawn_consents`: each signed consent id a holder withdrew. (Numbered 0028
on main's head 0027; the integrator re-chains it at merge.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'listing_approvals',
        sa.Column('consent_hash', sa.String(length=66), nullable=False),
        sa.Column('holder', sa.String(length=42), nullable=False),
        sa.Column('exchange', sa.String(length=42), nullable=False),
        sa.Column('asset_id', sa.String(length=66), nullable=False),
        sa.Column('valid_until', BIG, nullable=False),
        sa.Column('approved_at', BIG, nullable=False),
        sa.Column('approved_block', BIG, nullable=False),
        sa.Column('approved_tx', sa.String(length=66), nullable=False),
        sa.Column('revoked', sa.Boolean(), nullable=False),
        sa.Column('revoked_at', BIG, nullable=True),
        sa.Column('revoked_tx', sa.String(length=66), nullable=True),
        sa.Column('listing_id', BIG, nullable=True),
        sa.Column('used_at', BIG, nullable=True),
        sa.Column('updated_block', BIG, nullable=False),
        sa.PrimaryKeyConstraint('consent_hash'),
    )
    op.create_index(op.f('ix_listing_approvals_holder'), 'listing_approvals', ['holder'])
    op.create_index(op.f('ix_listing_approvals_exchange'), 'listing_approvals', ['exchange'])
    op.create_index(op.f('ix_listing_approvals_asset_id'), 'listing_approvals', ['asset_id'])
    op.create_table(
        'withdrawn_consents',
        sa.Column('holder', sa.String(length=42), nullable=False),
        sa.Column('consent_id', sa.String(length=78), nullable=False),
        sa.Column('withdrawn_at', BIG, nullable=False),
        sa.Column('withdrawn_block', BIG, nullable=False),
        sa.Column('withdrawn_tx', sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint('holder', 'consent_id'),
    )


def downgrade() -> None:
    op.drop_table('withdrawn_consents')
    op.drop_index(op.f('ix_listing_approvals_asset_id'), table_name='listing_approvals')
    op.drop_index(op.f('ix_listing_approvals_exchange'), table_name='listing_approvals')
    op.drop_index(op.f('ix_listing_approvals_holder'), table_name='listing_approvals')
    op.drop_table('listing_approvals')
