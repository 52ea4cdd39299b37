"""Query parameters shared by several routes, parsed with messages that say what is accepted."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session

from registry.db import queries
from registry.errors import ValidationError


def parse_moment(db: Session, value: str, name: str) -> tuple[int, int]:
    """A block number or an ISO 8601 time, as (block, unix time): the state after that block, judged at
    that time. A block number is judged at its own time."""
    text = value.strip()
    if text.isdigit():
        block = int(text)
        moment = queries.block_time(db, block)
        return block, moment if moment is not None else 0
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"'{name}' must be a block number or an ISO 8601 time such as 2026-11-21T08:00:00Z, got '{value}'."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    moment = int(parsed.timestamp())
    block = queries.block_at(db, moment)
    return (block if block is not None else -1), moment
