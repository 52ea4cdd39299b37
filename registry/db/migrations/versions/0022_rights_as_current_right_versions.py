"""Rights: a view of each right's current version instead of a table that copied it

Revision ID: 0022
Revises: 0015
Create Date: 2026-12-07

Issue 19: every right was written twice, once in `rights` and again as its current row of `right_versions`, and
each change updated both (a third of the indexer's rows on W2's registrations). The version rows now carry the
right's fixed columns too (its terms, its creation, its revocation), and `rights` is a view of the versions
without an end: the same columns, `updated_block` being the block the current version began in (every change
of a right begins a version, so the two were always equal). Readers see the same rows; the indexer writes one
row per right and one per change instead of two. Undo journals written before name `rights`, which is no longer
a table: they are dropped, and a reorg below this point is rolled back by replaying events instead.
(Numbered 0022 on 0015: the lead re-chains it at merge.)
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0022'
down_revision = '0015'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# The columns of a right that the versions did not have, as `rights` declared them.
FIXED = [
    ('limits_cid', sqlmodel.sql.sqltypes.AutoString(length=64), True),
    ('grantor', sqlmodel.sql.sqltypes.AutoString(length=42), True),
    ('purpose', sqlmodel.sql.sqltypes.AutoString(), True),
    ('territory', sqlmodel.sql.sqltypes.AutoString(), True),
    ('quantity', sqlmodel.sql.sqltypes.AutoString(length=80), True),
    ('terms_cid', sqlmodel.sql.sqltypes.AutoString(length=64), True),
    ('revoked_by', sqlmodel.sql.sqltypes.AutoString(length=42), True),
    ('revocation_reason', sa.Integer(), True),
    ('revocation_evidence_cid', sqlmodel.sql.sqltypes.AutoString(length=64), True),
    ('created_block', BIG, False),
    ('created_tx', sqlmodel.sql.sqltypes.AutoString(length=66), False),
]
# What a revocation sets: a version has them from the revocation on (a revoked right changes no more).
REVOCATION = ('revoked_by', 'revocation_reason', 'revocation_evidence_cid')

# The view's columns in the order the table had them (registry.db.models.Right).
VIEW = """CREATE VIEW rights AS SELECT asset_id, right_index, holder, kind, parent_index, valid_from, valid_until,
    revoked, sub_grantable, transferable, pending, limits_cid, grantor, purpose, territory, quantity, terms_cid,
    revoked_by, revocation_reason, revocation_evidence_cid, created_block, created_tx, since_block AS updated_block
    FROM right_versions WHERE until_block IS NULL"""


def upgrade() -> None:
    with op.batch_alter_table('right_versions') as t:
        for name, type_, nullable in FIXED:
            default = None if nullable else ('0' if name == 'created_block' else '')
            t.add_column(sa.Column(name, type_, nullable=nullable, server_default=default))
    # Fixed columns on every version; a revocation's only on the current one (the one it began). One UPDATE
    # ... FROM each (PostgreSQL, SQLite 3.33+): a statement per column read the versions eleven times.
    for names, current in (([n for n, _, _ in FIXED if n not in REVOCATION], ''),
                           (REVOCATION, ' AND right_versions.until_block IS NULL')):
        assignments = ', '.join(f'{name} = r.{name}' for name in names)
        op.execute(f"UPDATE right_versions SET {assignments} FROM rights r WHERE r.asset_id = right_versions.asset_id "
                   f"AND r.right_index = right_versions.right_index{current}")
    op.execute("DELETE FROM undo_batches")
    with op.batch_alter_table('rights') as t:
        t.drop_index('ix_rights_holder_kind')
    op.drop_table('rights')
    op.execute(VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW rights")
    op.create_table(
        'rights',
        sa.Column('asset_id', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column('right_index', sa.Integer(), nullable=False),
        sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column('kind', sa.Integer(), nullable=False),
        sa.Column('parent_index', sa.Integer(), nullable=False),
        sa.Column('valid_from', BIG, nullable=False),
        sa.Column('valid_until', BIG, nullable=False),
        sa.Column('revoked', sa.Boolean(), nullable=False),
        sa.Column('sub_grantable', sa.Boolean(), nullable=False),
        sa.Column('transferable', sa.Boolean(), nullable=False),
        sa.Column('pending', sa.Boolean(), nullable=False, server_default=sa.false()),
        *(sa.Column(name, type_, nullable=nullable) for name, type_, nullable in FIXED),
        sa.Column('updated_block', BIG, nullable=False),
        sa.PrimaryKeyConstraint('asset_id', 'right_index'),
    )
    op.create_index('ix_rights_holder_kind', 'rights', ['holder', 'kind'])
    columns = ('asset_id, right_index, holder, kind, parent_index, valid_from, valid_until, revoked, sub_grantable, '
               'transferable, pending, ' + ', '.join(name for name, _, _ in FIXED))
    op.execute(f"INSERT INTO rights ({columns}, updated_block) SELECT {columns}, since_block FROM right_versions "
               "WHERE until_block IS NULL")
    op.execute("DELETE FROM undo_batches")
    with op.batch_alter_table('right_versions') as t:
        for name, _, _ in reversed(FIXED):
            t.drop_column(name)
