"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assets',
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('registrant', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('submitter', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('content_cid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('metadata_cid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('classification', sa.Integer(), nullable=False),
    sa.Column('personal_information', sa.Boolean(), nullable=False),
    sa.Column('sensitive_personal_information', sa.Boolean(), nullable=False),
    sa.Column('export_allowed', sa.Boolean(), nullable=False),
    sa.Column('derived', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('active_pledges', sa.Integer(), nullable=False),
    sa.Column('cancel_reason', sa.Integer(), nullable=True),
    sa.Column('latest_content_hash', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
    sa.Column('right_count', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('metadata_json', sa.Text(), nullable=True),
    sa.Column('registered_block', sa.Integer(), nullable=False),
    sa.Column('registered_tx', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('registered_log_index', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.Integer(), nullable=False),
    sa.Column('updated_block', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('asset_id')
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_classification'), ['classification'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_content_cid'), ['content_cid'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_industry'), ['industry'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_latest_content_hash'), ['latest_content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_metadata_cid'), ['metadata_cid'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_registered_block'), ['registered_block'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_registrant'), ['registrant'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_updated_block'), ['updated_block'], unique=False)

    op.create_table('attestations',
    sa.Column('attestation_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('asset_version', sa.Integer(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('conclusion', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('report_cid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('valid_until', sa.Integer(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('revocation_reason', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.Integer(), nullable=False),
    sa.Column('issued_block', sa.Integer(), nullable=False),
    sa.Column('issued_tx', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.PrimaryKeyConstraint('attestation_id')
    )
    with op.batch_alter_table('attestations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attestations_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attestations_issuer'), ['issuer'], unique=False)

    op.create_table('blocks',
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('parent_hash', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('timestamp', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('number')
    )
    op.create_table('checkpoints',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('contract', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('block_number', sa.Integer(), nullable=False),
    sa.Column('block_hash', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('block_number', sa.Integer(), nullable=False),
    sa.Column('block_hash', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('tx_hash', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('timestamp', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
    sa.Column('kind', sa.Integer(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=True),
    sa.Column('party', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=True),
    sa.Column('right_index', sa.Integer(), nullable=True),
    sa.Column('args_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('block_number', 'log_index', name='uq_events_position')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_actor'), ['actor'], unique=False)
        batch_op.create_index('ix_events_asset_position', ['asset_id', 'block_number', 'log_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_block_number'), ['block_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_party'), ['party'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_tx_hash'), ['tx_hash'], unique=False)

    op.create_table('lineage',
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('source_asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('right_index', sa.Integer(), nullable=False),
    sa.Column('block_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('asset_id', 'source_asset_id')
    )
    with op.batch_alter_table('lineage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lineage_block_number'), ['block_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_lineage_source_asset_id'), ['source_asset_id'], unique=False)

    op.create_table('listing_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('exchange', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('origin_exchange', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=True),
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('change', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('block_number', sa.Integer(), nullable=False),
    sa.Column('tx_hash', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
    sa.Column('log_index', sa.Integer(), nullable=True),
    sa.Column('timestamp', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('listing_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_changes_block_number'), ['block_number'], unique=False)
        batch_op.create_index('ix_listing_changes_exchange_id', ['exchange', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_changes_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index('ix_listing_changes_origin_exchange_id', ['origin_exchange', 'id'], unique=False)

    op.create_table('listings',
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('exchange', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('right_index', sa.Integer(), nullable=False),
    sa.Column('origin_listing_id', sa.Integer(), nullable=False),
    sa.Column('exchange_listing_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('offer_terms_cid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('invalid_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('expires_at', sa.Integer(), nullable=True),
    sa.Column('listed_block', sa.Integer(), nullable=False),
    sa.Column('listed_tx', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('updated_block', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('listing_id')
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listings_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_exchange'), ['exchange'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_origin_listing_id'), ['origin_listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_valid'), ['valid'], unique=False)

    op.create_table('objections',
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=False),
    sa.Column('objector', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('reason_code', sa.Integer(), nullable=False),
    sa.Column('evidence_cid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('lodged_block', sa.Integer(), nullable=False),
    sa.Column('resolved_block', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('asset_id', 'objection_id')
    )
    op.create_table('participants',
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('role', sa.Integer(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('credit_code_hash', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('endpoint', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('registrar_code', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
    sa.Column('added_block', sa.Integer(), nullable=False),
    sa.Column('updated_block', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('account')
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_role'), ['role'], unique=False)

    op.create_table('pledges',
    sa.Column('pledge_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('external_registration_no', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pledgee', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('registrar', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('recorded_block', sa.Integer(), nullable=False),
    sa.Column('recorded_tx', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('released_block', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('pledge_id')
    )
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledges_asset_id'), ['asset_id'], unique=False)

    op.create_table('registrations',
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('applicant', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('registrar', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('documents_cid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('publicity_ends', sa.Integer(), nullable=True),
    sa.Column('certificate_number', sqlmodel.sql.sqltypes.AutoString(length=15), nullable=True),
    sa.Column('registered_at', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Integer(), nullable=True),
    sa.Column('reason_code', sa.Integer(), nullable=True),
    sa.Column('applied_block', sa.Integer(), nullable=False),
    sa.Column('updated_block', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('asset_id')
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_certificate_number'), ['certificate_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_publicity_ends'), ['publicity_ends'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_registrar'), ['registrar'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_stage'), ['stage'], unique=False)

    op.create_table('right_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('right_index', sa.Integer(), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('kind', sa.Integer(), nullable=False),
    sa.Column('parent_index', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Integer(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('sub_grantable', sa.Boolean(), nullable=False),
    sa.Column('transferable', sa.Boolean(), nullable=False),
    sa.Column('change', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('since_block', sa.Integer(), nullable=False),
    sa.Column('since_log_index', sa.Integer(), nullable=False),
    sa.Column('since_time', sa.Integer(), nullable=False),
    sa.Column('until_block', sa.Integer(), nullable=True),
    sa.Column('until_log_index', sa.Integer(), nullable=True),
    sa.Column('until_time', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('right_versions', schema=None) as batch_op:
        batch_op.create_index('ix_right_versions_asset_since', ['asset_id', 'since_block'], unique=False)
        batch_op.create_index(batch_op.f('ix_right_versions_holder'), ['holder'], unique=False)
        batch_op.create_index('ix_right_versions_right', ['asset_id', 'right_index', 'since_block', 'since_log_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_right_versions_until_block'), ['until_block'], unique=False)

    op.create_table('rights',
    sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('right_index', sa.Integer(), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
    sa.Column('kind', sa.Integer(), nullable=False),
    sa.Column('parent_index', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Integer(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('sub_grantable', sa.Boolean(), nullable=False),
    sa.Column('transferable', sa.Boolean(), nullable=False),
    sa.Column('grantor', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=True),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('territory', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('quantity', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('terms_cid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('revoked_by', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=True),
    sa.Column('revocation_reason', sa.Integer(), nullable=True),
    sa.Column('revocation_evidence_cid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_block', sa.Integer(), nullable=False),
    sa.Column('created_tx', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('updated_block', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('asset_id', 'right_index')
    )
    with op.batch_alter_table('rights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rights_created_block'), ['created_block'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_holder'), ['holder'], unique=False)
        batch_op.create_index('ix_rights_holder_kind', ['holder', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_updated_block'), ['updated_block'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rights_updated_block'))
        batch_op.drop_index('ix_rights_holder_kind')
        batch_op.drop_index(batch_op.f('ix_rights_holder'))
        batch_op.drop_index(batch_op.f('ix_rights_created_block'))

    op.drop_table('rights')
    with op.batch_alter_table('right_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_right_versions_until_block'))
        batch_op.drop_index('ix_right_versions_right')
        batch_op.drop_index(batch_op.f('ix_right_versions_holder'))
        batch_op.drop_index('ix_right_versions_asset_since')

    op.drop_table('right_versions')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_stage'))
        batch_op.drop_index(batch_op.f('ix_registrations_registrar'))
        batch_op.drop_index(batch_op.f('ix_registrations_publicity_ends'))
        batch_op.drop_index(batch_op.f('ix_registrations_certificate_number'))

    op.drop_table('registrations')
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledges_asset_id'))

    op.drop_table('pledges')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_role'))

    op.drop_table('participants')
    op.drop_table('objections')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listings_valid'))
        batch_op.drop_index(batch_op.f('ix_listings_status'))
        batch_op.drop_index(batch_op.f('ix_listings_origin_listing_id'))
        batch_op.drop_index(batch_op.f('ix_listings_expires_at'))
        batch_op.drop_index(batch_op.f('ix_listings_exchange'))
        batch_op.drop_index(batch_op.f('ix_listings_asset_id'))

    op.drop_table('listings')
    with op.batch_alter_table('listing_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_listing_changes_origin_exchange_id')
        batch_op.drop_index(batch_op.f('ix_listing_changes_listing_id'))
        batch_op.drop_index('ix_listing_changes_exchange_id')
        batch_op.drop_index(batch_op.f('ix_listing_changes_block_number'))

    op.drop_table('listing_changes')
    with op.batch_alter_table('lineage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lineage_source_asset_id'))
        batch_op.drop_index(batch_op.f('ix_lineage_block_number'))

    op.drop_table('lineage')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_tx_hash'))
        batch_op.drop_index(batch_op.f('ix_events_party'))
        batch_op.drop_index(batch_op.f('ix_events_name'))
        batch_op.drop_index(batch_op.f('ix_events_block_number'))
        batch_op.drop_index('ix_events_asset_position')
        batch_op.drop_index(batch_op.f('ix_events_actor'))

    op.drop_table('events')
    op.drop_table('checkpoints')
    op.drop_table('blocks')
    with op.batch_alter_table('attestations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attestations_issuer'))
        batch_op.drop_index(batch_op.f('ix_attestations_asset_id'))

    op.drop_table('attestations')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_updated_block'))
        batch_op.drop_index(batch_op.f('ix_assets_status'))
        batch_op.drop_index(batch_op.f('ix_assets_registrant'))
        batch_op.drop_index(batch_op.f('ix_assets_registered_block'))
        batch_op.drop_index(batch_op.f('ix_assets_name'))
        batch_op.drop_index(batch_op.f('ix_assets_metadata_cid'))
        batch_op.drop_index(batch_op.f('ix_assets_latest_content_hash'))
        batch_op.drop_index(batch_op.f('ix_assets_industry'))
        batch_op.drop_index(batch_op.f('ix_assets_content_hash'))
        batch_op.drop_index(batch_op.f('ix_assets_content_cid'))
        batch_op.drop_index(batch_op.f('ix_assets_classification'))

    op.drop_table('assets')
