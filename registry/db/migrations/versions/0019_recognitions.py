"""Recognised registries (mutual recognition, issue 21) and 17-digit certificate numbers

Revision ID: 0019
Revises: 0023
Create Date: 2026-12-07

The recognitions table holds the other registry deployments the council recognises (RecognitionRegistry); the
certificate number column widens from 15 to 17 characters for data intellectual property certificates.
(Numbered 0019 as assigned, on 0015; chained after main's head, 0023, when main was merged in.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0023'  # after the rights view (0022) and finance (0023), merged first; all came from 0015
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'recognitions',
        sa.Column('recognition_id', BIG, autoincrement=False, nullable=False),
        sa.Column('chain_id', BIG, nullable=False),
        sa.Column('data_registry', sa.String(length=42), nullable=False),
        sa.Column('registration_office', sa.String(length=42), nullable=False),
        sa.Column('from_block', BIG, nullable=False),
        sa.Column('region', sa.String(length=2), nullable=False),
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('recognised_at', BIG, nullable=False),
        sa.Column('recognised_block', BIG, nullable=False),
        sa.Column('recognised_tx', sa.String(length=66), nullable=False),
        sa.Column('withdrawn_at', BIG, nullable=True),
        sa.Column('withdrawal_reason', sa.Integer(), nullable=True),
        sa.Column('updated_block', BIG, nullable=False),
        sa.PrimaryKeyConstraint('recognition_id'),
    )
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.alter_column('certificate_number', existing_type=sa.String(length=15), type_=sa.String(length=17),
                              existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.alter_column('certificate_number', existing_type=sa.String(length=17), type_=sa.String(length=15),
                              existing_nullable=True)
    op.drop_table('recognitions')
