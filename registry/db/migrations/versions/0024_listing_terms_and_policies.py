"""Listing terms and listing policies (issue 17)

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-07

The structured terms of a listing (price model, price, product form, delivery modes, usage scope, its own end),
the compliance certification it named and the consent id it used, from ListingTermsSet; and each exchange's
listing policy, from ListingPolicySet. (Written as 0020 on 0015, as assigned; when h/listing merged main, whose
head was 0022 on 0015, renumbered 0023 on 0022 so the branch has one head and the newest file is that head Renumbered 0024 on 0019 by the integrator.
(registry.db.session.newest_revision): the lead may renumber and re-chain it at merge.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0019'  # written on 0015 as 0020; chained after 0022 (rights view), 0023 (finance) and 0019 (recognitions), merged first
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

LISTING_COLUMNS = ('price_model', 'price_amount', 'currency', 'product_form', 'delivery_modes', 'valid_until',
                   'usage_scope', 'attestation_id', 'consent_id')


def upgrade() -> None:
    with op.batch_alter_table('listings') as batch:
        batch.add_column(sa.Column('price_model', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('price_amount', sa.String(length=78), nullable=True))
        batch.add_column(sa.Column('currency', sa.String(length=3), nullable=True))
        batch.add_column(sa.Column('product_form', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('delivery_modes', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('valid_until', BIG, nullable=True))
        batch.add_column(sa.Column('usage_scope', sa.String(), nullable=True))
        batch.add_column(sa.Column('attestation_id', BIG, nullable=True))
        batch.add_column(sa.Column('consent_id', sa.String(length=78), nullable=True))
    op.create_index(op.f('ix_listings_price_model'), 'listings', ['price_model'])
    op.create_index(op.f('ix_listings_product_form'), 'listings', ['product_form'])
    with op.batch_alter_table('participants') as batch:
        batch.add_column(sa.Column('listing_allow_uncertified', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('listing_cross_border', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('participants') as batch:
        batch.drop_column('listing_cross_border')
        batch.drop_column('listing_allow_uncertified')
    op.drop_index(op.f('ix_listings_product_form'), table_name='listings')
    op.drop_index(op.f('ix_listings_price_model'), table_name='listings')
    with op.batch_alter_table('listings') as batch:
        for column in reversed(LISTING_COLUMNS):
            batch.drop_column(column)
