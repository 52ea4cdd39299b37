"""Listing feed cursors from the chain position

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

The feed's cursor was the database's row id: two indexes of one chain (a live one and a fresh one) numbered
entries differently, and after a reorg the new chain's entry took the next id, so a reader resuming from a voided
entry's cursor could miss what came instead. Entries now sort by `position` (the moment, block, log and sequence
within the log; a lapse by time by the moment its consent ended, with no block) and are named by `cursor` (that
position and a hash over the feed up to the entry). Voided entries carry the generation of the reorg that voided
them (`retracted_in`) and each entry the generation it was written in (`written_in`); the retraction entries
0008 stored are made by the feed from the voided rows now, so they are removed here.

Existing entries get their position and cursor from what they recorded: an entry with a transaction is its
event's; one without was caused by time, at its timestamp. (Numbered 0009 on 0008: the lead re-chains it.)
"""
from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _position(moment: int, block: int, phase: int, log: int, seq: int) -> str:
    return f"{moment:012d}{block:012d}{phase}{log:06d}{seq:07d}"  # as registry.db.listings.position_of


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM listing_changes WHERE retracts IS NOT NULL"))
    with op.batch_alter_table('listing_changes') as t:
        t.add_column(sa.Column('position', sa.String(length=40), nullable=True))
        t.add_column(sa.Column('cursor', sa.String(length=64), nullable=True))
        t.add_column(sa.Column('cause', sa.String(length=8), nullable=False, server_default='event'))
        t.add_column(sa.Column('written_in', sa.Integer(), nullable=False, server_default='0'))
        t.add_column(sa.Column('retracted_in', sa.Integer(), nullable=True))
        t.alter_column('block_number', existing_type=BIG, nullable=True)
        t.drop_index('ix_listing_changes_exchange_id')
        t.drop_index('ix_listing_changes_origin_exchange_id')
        t.drop_index('ix_listing_changes_listing_id')
    rows = conn.execute(sa.text("SELECT id, listing_id, exchange, origin_exchange, asset_id, change, status, valid, "
                                "reason, block_number, tx_hash, log_index, timestamp, retracted FROM listing_changes "
                                "ORDER BY id")).mappings().all()
    seq: dict[tuple, int] = {}
    placed = []
    for r in rows:
        if r["tx_hash"] is not None:
            key = (r["retracted"], r["block_number"], r["log_index"])
            n = seq[key] = seq.get(key, -1) + 1
            placed.append((_position(r["timestamp"], r["block_number"], 1, r["log_index"] or 0, n), "event", n, r))
        else:
            placed.append((_position(r["timestamp"], 0, 0, 0, r["listing_id"]), "time", r["listing_id"], r))
    tags = {False: "", True: "retracted"}  # the live feed's hash chain, and one of its own for voided entries
    for position, cause, n, r in sorted(placed, key=lambda p: p[0]):
        voided = bool(r["retracted"])
        block = r["block_number"] if cause == "event" else None
        content = [tags[voided], position, cause, r["listing_id"], r["exchange"], r["origin_exchange"], r["asset_id"],
                   r["change"], r["status"], bool(r["valid"]), r["reason"], block, None, r["tx_hash"],
                   r["log_index"], r["timestamp"]]
        tag = tags[voided] = hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()[:10]
        cursor = (f"{block}.{r['log_index']}.{n}.{tag}" if cause == "event" else f"t{r['timestamp']}.{n}.{tag}")
        conn.execute(sa.text("UPDATE listing_changes SET position = :p, cursor = :c, cause = :k, block_number = :b, "
                             "retracted_in = :g WHERE id = :id"),
                     {"p": position, "c": cursor, "k": cause, "b": block, "g": 1 if voided else None, "id": r["id"]})
    with op.batch_alter_table('listing_changes') as t:
        t.alter_column('position', existing_type=sa.String(length=40), nullable=False)
        t.alter_column('cursor', existing_type=sa.String(length=64), nullable=False)
        t.create_index('ix_listing_changes_position', ['position'])
        t.create_index('uq_listing_changes_cursor', ['cursor'], unique=True)
        t.create_index('ix_listing_changes_retracted_in', ['retracted_in'])
        t.create_index('ix_listing_changes_exchange_position', ['exchange', 'position'])
        t.create_index('ix_listing_changes_origin_exchange_position', ['origin_exchange', 'position'])
        t.create_index('ix_listing_changes_listing_position', ['listing_id', 'position'])


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM listing_changes WHERE block_number IS NULL OR retracted_in IS NOT NULL"))
    with op.batch_alter_table('listing_changes') as t:
        t.drop_index('ix_listing_changes_listing_position')
        t.drop_index('ix_listing_changes_origin_exchange_position')
        t.drop_index('ix_listing_changes_exchange_position')
        t.drop_index('ix_listing_changes_retracted_in')
        t.drop_index('uq_listing_changes_cursor')
        t.drop_index('ix_listing_changes_position')
        t.alter_column('block_number', existing_type=BIG, nullable=False)
        t.drop_column('retracted_in')
        t.drop_column('written_in')
        t.drop_column('cause')
        t.drop_column('cursor')
        t.drop_column('position')
        t.create_index('ix_listing_changes_listing_id', ['listing_id'])
        t.create_index('ix_listing_changes_origin_exchange_id', ['origin_exchange', 'id'])
        t.create_index('ix_listing_changes_exchange_id', ['exchange', 'id'])
