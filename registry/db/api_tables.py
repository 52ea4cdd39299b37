"""The tables the API writes and the indexer never reads or writes (relays, rate buckets, webhooks), shared by every
API instance. Apart from registry/db/models.py so that the indexer process does not make their classes at its
start: each table model costs its start about 1 ms. Their migrations are with the others'; the Alembic
environment and tests/test_migrations.py import this module so that these tables are compared too."""
# No `from __future__ import annotations`: see registry/db/models.py.

from typing import Optional

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from registry.db.models import BIG, TableModel


class RelayRecord(TableModel, table=True):
    """A transaction the API sent (a relayed operation, paid by its relayer key) or forwarded (signed by its
    sender), followed until it is mined for good: what GET /v1/relay/{id} answers. Kept in the database so
    that any API instance answers for any relay and a pending one survives a restart of the instance that
    accepted it (registry/chain/relayer.py: whichever instance holds the follower's lock follows it on).

    The API writes these rows, not the indexer; no projection of the chain reads them."""

    __tablename__ = "relays"
    __table_args__ = (Index("ix_relays_open", "final", "created_at"),)

    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=16)  # relay: sent with the relayer's key; raw: a transaction its sender signed
    operation: str = Field(max_length=32)
    signer: str = Field(max_length=42)  # the party it acts for (raw: the transaction's sender)
    sender: str = Field(max_length=42)  # the account that sent it: the relayer, or the raw transaction's sender
    to: str = Field(max_length=42)
    data: str = Field(sa_column=Column(Text, nullable=False))  # call data (relay) or the raw transaction (raw)
    gas: int = Field(sa_type=BIG)
    status: str = Field(max_length=16)  # pending, mined, failed, dropped
    final: bool = False  # settled for good: no longer followed (mined deeper than the reorg watch, or refused)
    tx_hashes: str = Field(sa_column=Column(Text, nullable=False))  # JSON list, every transaction sent for it
    nonce: Optional[int] = Field(default=None, sa_type=BIG)
    attempts: int = 0
    sent_at: float = 0.0  # unix time of the last send
    result_json: Optional[str] = Field(default=None, sa_column=Column(Text))  # the mined transaction, decoded
    error_json: Optional[str] = Field(default=None, sa_column=Column(Text))  # why it failed or was dropped
    created_at: float
    updated_at: float


class RateBucket(TableModel, table=True):
    """A client's token bucket for one of the API's rate limits, shared by every API instance on a PostgreSQL
    index (api/limits.py); on SQLite each process keeps its own in memory and this table stays empty."""

    __tablename__ = "rate_buckets"

    rule: str = Field(primary_key=True, max_length=16)
    client: str = Field(primary_key=True, max_length=64)
    tokens: float
    updated_at: float = Field(index=True)  # unix time, the database's clock
    allowed: bool = True  # whether the last request took a token (answered by the same statement that takes it)


class Webhook(TableModel, table=True):
    """An endpoint an exchange registered to receive its listing feed (POST /v1/webhooks), and how far delivery
    to it has got: `acked_cursor` is the feed cursor of the last entry it acknowledged (2xx), so delivery
    resumes from there after any restart (api/webhooks.py). Written by the API, not the indexer."""

    __tablename__ = "webhooks"

    id: str = Field(primary_key=True, max_length=32)
    exchange: str = Field(index=True, max_length=42)
    url: str = Field(sa_column=Column(Text, nullable=False))
    secret: str = Field(max_length=80)  # the HMAC key, shown once at registration
    active: bool = True  # false once deleted
    acked_cursor: str = Field(default="0", max_length=64)
    attempts: int = 0  # failed attempts at the entry after acked_cursor
    failing_since: Optional[float] = None  # unix time of the first failed attempt at that entry
    next_attempt_at: float = 0.0  # unix time
    last_error: Optional[str] = None
    created_at: float


class WebhookDeadLetter(TableModel, table=True):
    """A feed entry whose delivery to a webhook kept failing for the whole retry window: kept (with the body
    that was sent) for the exchange to read and replay (GET /v1/webhooks/{id}/dead-letters, POST .../replay)."""

    __tablename__ = "webhook_dead_letters"
    __table_args__ = (Index("ix_webhook_dead_letters_webhook", "webhook_id", "id"),)

    id: Optional[int] = Field(default=None, primary_key=True, sa_type=BIG)
    webhook_id: str = Field(max_length=32)
    cursor: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))  # the entry's JSON, as delivered
    attempts: int
    last_error: Optional[str] = None
    dead_at: float
    replay: bool = False  # the exchange asked for it again: the deliverer sends it before the feed goes on
    delivered_at: Optional[float] = None  # replayed successfully
