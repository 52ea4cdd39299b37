"""Participants: exchanges, registrars, service providers and regulators admitted on chain."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Query
from sqlmodel import select

from api.deps import SessionDep
from api.params import LongLimit, Offset
from api.schemas import ParticipantPublic
from api.views.participants import participant_public, qualifications_by_account
from registry.chain.types import checksum
from registry.db import queries
from registry.db.models import Participant
from registry.errors import NotFound, ValidationError
from registry.vocabulary import Role

router = APIRouter(prefix="/v1/participants", tags=["participants"])
ROLES = [role.key for role in Role.admissible()]


@router.get("", response_model=list[ParticipantPublic], summary="All participants")
def list_participants(
    db: SessionDep,
    role: Annotated[Optional[str], Query(description=", ".join(ROLES))] = None,
    limit: Annotated[LongLimit, Query(description="At most this many, in order of admission.")] = 1000,
    offset: Offset = 0,
) -> list[ParticipantPublic]:
    query = select(Participant).order_by(Participant.added_block, Participant.account)
    if role is not None:
        if role not in ROLES:
            raise ValidationError(f"Unknown role '{role}': use one of {', '.join(ROLES)}.")
        query = query.where(Participant.role == Role.from_key(role))
    page = db.exec(query.limit(limit).offset(offset)).all()
    qualifications = qualifications_by_account(db, [p.account for p in page])
    now = queries.now(db)
    return [participant_public(p, db, now, qualifications[p.account]) for p in page]


@router.get("/{address}", response_model=ParticipantPublic, summary="One participant, with its qualifications")
def get_participant(address: str, db: SessionDep) -> ParticipantPublic:
    participant = db.get(Participant, checksum(address, "participant address"))
    if participant is None:
        raise NotFound(f"'{address}' is not a registered participant (exchange, registrar, service provider or "
                       "regulator).")
    return participant_public(participant, db, queries.now(db))
