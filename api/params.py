"""Query parameters shared by several routes, parsed with messages that say what is accepted."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Optional

from fastapi import Query
from sqlmodel import Session

from registry.db import queries
from registry.errors import NotFound, ValidationError

#: The largest whole number SQLite and PostgreSQL take (a signed 64-bit integer): the bound of offsets.
MAX_INT64 = 2**63 - 1
#: The largest block number, listing id or feed cursor a query compares with: the index stores them as 64-bit
#: integers (migration 0002), so the bound is that of a signed 64-bit integer.
MAX_DB_INTEGER = MAX_INT64
_DIGITS = re.compile(r"[0-9]+")

#: The page size of a list whose items are each judged or assembled as they are read (assets, listings, trades,
#: authorisations): at most 100 a page.
Limit = Annotated[int, Query(ge=1, le=100)]
#: The page size of a list of plain rows (history, rights, participants, finance records...): at most 1,000.
#: A route that says in what order its items come adds `Query(description=...)` after the alias (`Annotated[
#: LongLimit, Query(description=...)]`): FastAPI takes the description from the last Query and the bounds from
#: them all, so the alias's bounds hold and the route's OpenAPI is as if it spelled them out. A route with a
#: tighter cap of its own adds `Query(le=...)` the same way.
LongLimit = Annotated[int, Query(ge=1, le=1000)]
#: How many items to skip: up to the largest offset SQLite and PostgreSQL take.
Offset = Annotated[int, Query(ge=0, le=MAX_INT64)]


#: Confirmed-only answers: every read of an asset takes it (consortium chains with QBFT finalise at once and
#: need none; a public chain's exchange may want 12 or more).
MinConfirmations = Annotated[Optional[int], Query(
    ge=0, le=1_000_000,
    description="Confirmed-only answer: leave out everything from blocks with fewer confirmations than this "
    "(the head block the indexer last saw has 1). The answer then holds as of `confirmed_block`.")]


def confirmed_block(db: Session, min_confirmations: int | None) -> int | None:
    """The last block with at least `min_confirmations` confirmations, counted from the chain head the
    indexer last saw, and no further than the index; None when no confirmed-only answer was asked for."""
    if min_confirmations is None:
        return None
    checkpoint = queries.checkpoint(db)
    if checkpoint is None:
        raise NotFound("The index holds no block yet, so nothing is confirmed: wait for the indexer "
                       "(GET /v1/status shows how far it has got).")
    head = checkpoint.head_block if checkpoint.head_block is not None else checkpoint.block_number
    return min(checkpoint.block_number, head - min_confirmations + 1)


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²' and other digits int() refuses."""
    return _DIGITS.fullmatch(text) is not None


def parse_moment(db: Session, value: str, name: str) -> tuple[int, int]:
    """A block number or an ISO 8601 time, as (block, unix time): the state after that block, judged at
    that time. A block number is judged at its own time."""
    text = value.strip()
    if is_number(text):
        block = int(text)
        if block > MAX_DB_INTEGER:
            raise ValidationError(f"'{name}' is block {text}, past the largest block number the index holds "
                                  f"({MAX_DB_INTEGER}).", [{"field": name, "message": f"at most {MAX_DB_INTEGER}"}])
        moment = queries.block_time(db, block)
        return block, moment if moment is not None else 0
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"'{name}' must be a block number or an ISO 8601 time such as 2026-11-21T08:00:00Z, got '{value}'.",
            [{"field": name, "message": "a block number or an ISO 8601 time"}],
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    moment = int(parsed.timestamp())
    # Clamped for the lookup only (block times are stored as INTEGER): before 1970 there is no block, after the
    # last block time the answer is the last block. Validity is judged at the moment as given.
    block = queries.block_at(db, min(max(moment, -1), MAX_DB_INTEGER))
    return (block if block is not None else -1), moment
