"""Webhooks (issue 17): an exchange registers endpoints that receive every entry of its listing feed, signed
(api/webhooks.py says how delivery works). Every route here is for the exchange itself: authenticated by a
signed read request (api/deps.py, get_reader) from the exchange's own address."""
from __future__ import annotations

import secrets
import time
import uuid
from typing import Annotated, Optional
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, select

from api.deps import Reader, ReaderDep, SessionDep
from api.params import MAX_INT64, Limit, LongLimit
from api.webhooks import url_refusal
from registry.db.api_tables import Webhook, WebhookDeadLetter
from registry.db.models import Participant
from registry.errors import AccessDenied, NotFound
from registry.vocabulary import ParticipantStatus, Role

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
#: Endpoints one exchange may have at once.
MAX_PER_EXCHANGE = 10
ID_PATTERN = r"^[0-9a-f]{32}$"


class WebhookCreate(BaseModel):
    url: str = Field(max_length=2000, description="Where to POST each feed entry: an http or https URL.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the webhook url must be an absolute http:// or https:// URL with a host")
        if parts.username or parts.password:
            raise ValueError("the webhook url must not carry a user name or password")
        if any(c.isspace() for c in value):
            raise ValueError("the webhook url must not contain spaces")
        refused = url_refusal(value)
        if refused is not None:
            raise ValueError(f"the webhook url must reach a public endpoint: {refused}")
        return value


class WebhookPublic(BaseModel):
    id: str
    exchange: str
    url: str
    acked_cursor: str = Field(description="The feed cursor of the last entry the endpoint acknowledged.")
    attempts: int = Field(description="Failed attempts at the next entry.")
    last_error: Optional[str]
    dead_letters: int


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The HMAC-SHA256 key of the DataReg-Signature header. Shown only now: keep it.")


class DeadLetterPublic(BaseModel):
    id: int
    cursor: str
    body: str = Field(description="The JSON that was POSTed (the feed entry).")
    attempts: int
    last_error: Optional[str]
    dead_at: float
    replay_pending: bool
    delivered_at: Optional[float]


class Replayed(BaseModel):
    queued: int


def _exchange(db: Session, reader: Reader) -> str:
    """The proven reader, if it is an active exchange: 401 without a signed request, 403 otherwise."""
    if reader.address is None:
        raise reader.refusal("webhooks", "the exchange itself (an active participant with the exchange role)")
    participant = db.get(Participant, reader.address)
    if participant is None or participant.role != Role.EXCHANGE.value:
        raise AccessDenied(f"{reader.address} is not an exchange in the participant registry: only an exchange "
                           "can have webhooks, for its own listing feed.")
    if participant.status != ParticipantStatus.ACTIVE.value:
        raise AccessDenied(f"The exchange {reader.address} is not active (suspended or removed): it cannot have "
                           "webhooks.")
    return reader.address


def _own(db: Session, reader: Reader, webhook_id: str) -> Webhook:
    exchange = _exchange(db, reader)
    hook = db.get(Webhook, webhook_id)
    if hook is None or not hook.active:
        raise NotFound(f"No webhook {webhook_id}.")
    if hook.exchange != exchange:
        raise AccessDenied(f"The webhook {webhook_id} is another exchange's: {exchange} may manage only its own.")
    return hook


def _public(db: Session, hook: Webhook) -> dict:
    dead = len(db.exec(select(WebhookDeadLetter.id).where(WebhookDeadLetter.webhook_id == hook.id)).all())
    return dict(id=hook.id, exchange=hook.exchange, url=hook.url, acked_cursor=hook.acked_cursor,
                attempts=hook.attempts, last_error=hook.last_error, dead_letters=dead)


def _wake(request: Request) -> None:
    deliverer = getattr(request.app.state, "webhooks", None)
    if deliverer is not None:
        deliverer.wake()


@router.post("", response_model=WebhookCreated, status_code=201, summary="Register an endpoint for your feed")
def create_webhook(body: WebhookCreate, db: SessionDep, reader: ReaderDep, request: Request) -> WebhookCreated:
    """Every entry of the signing exchange's listing feed, from its start, is POSTed to `url` (see the README,
    Webhooks). The answer's `secret` is shown once."""
    exchange = _exchange(db, reader)
    count = len(db.exec(select(Webhook.id).where(Webhook.exchange == exchange, Webhook.active.is_(True))).all())
    if count >= MAX_PER_EXCHANGE:
        raise AccessDenied(f"{exchange} already has {count} webhooks, the most allowed: delete one first.")
    hook = Webhook(id=uuid.uuid4().hex, exchange=exchange, url=body.url, secret="whsec_" + secrets.token_hex(32),
                   created_at=time.time())
    db.add(hook)
    db.commit()
    _wake(request)
    return WebhookCreated(**_public(db, hook), secret=hook.secret)


@router.get("", response_model=list[WebhookPublic], summary="Your webhooks")
def list_webhooks(db: SessionDep, reader: ReaderDep,
                  # An exchange has at most MAX_PER_EXCHANGE: the alias's cap, tightened to that.
                  limit: Annotated[Limit, Query(le=MAX_PER_EXCHANGE)] = MAX_PER_EXCHANGE) -> list[WebhookPublic]:
    exchange = _exchange(db, reader)
    hooks = db.exec(select(Webhook).where(Webhook.exchange == exchange, Webhook.active.is_(True))
                    .order_by(Webhook.created_at).limit(limit)).all()
    return [WebhookPublic(**_public(db, h)) for h in hooks]


WebhookId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.delete("/{webhook_id}", status_code=204, summary="Stop delivering to an endpoint")
def delete_webhook(webhook_id: WebhookId, db: SessionDep, reader: ReaderDep) -> None:
    hook = _own(db, reader, webhook_id)
    hook.active = False
    db.add(hook)
    db.commit()


@router.get("/{webhook_id}/dead-letters", response_model=list[DeadLetterPublic],
            summary="Entries that failed for the whole retry window")
def dead_letters(
    webhook_id: WebhookId, db: SessionDep, reader: ReaderDep,
    after: Annotated[int, Query(ge=0, le=MAX_INT64, description="The id of the last dead letter read; 0 from the "
                                "start.")] = 0,
    limit: LongLimit = 100,
) -> list[DeadLetterPublic]:
    """Oldest first; page with `after` (the last id read)."""
    hook = _own(db, reader, webhook_id)
    rows = db.exec(select(WebhookDeadLetter).where(WebhookDeadLetter.webhook_id == hook.id,
                                                   WebhookDeadLetter.id > after)
                   .order_by(WebhookDeadLetter.id).limit(limit)).all()
    return [DeadLetterPublic(id=r.id, cursor=r.cursor, body=r.body, attempts=r.attempts, last_error=r.last_error,
                             dead_at=r.dead_at, replay_pending=r.replay, delivered_at=r.delivered_at) for r in rows]


@router.post("/{webhook_id}/replay", response_model=Replayed, summary="Deliver the dead letters again")
def replay(webhook_id: WebhookId, db: SessionDep, reader: ReaderDep, request: Request) -> Replayed:
    """Every dead letter not yet delivered is sent again, in order, before the feed goes on."""
    hook = _own(db, reader, webhook_id)
    rows = db.exec(select(WebhookDeadLetter).where(WebhookDeadLetter.webhook_id == hook.id,
                                                   WebhookDeadLetter.delivered_at.is_(None))).all()
    for row in rows:
        row.replay = True
        db.add(row)
    hook.next_attempt_at = 0.0
    db.add(hook)
    db.commit()
    _wake(request)
    return Replayed(queued=len(rows))
