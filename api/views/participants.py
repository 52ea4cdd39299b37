"""A participant as the API answers with it."""
from __future__ import annotations

import json

from sqlmodel import Session, col, select

from api.schemas import ParticipantPublic, ReasonPublic
from registry.db.models import Event, Participant
from registry.vocabulary import ParticipantStatus, Role, SuspensionReason


def participant_public(p: Participant, db: Session | None = None) -> ParticipantPublic:
    """`db`: to find a suspended participant's reason (its latest ParticipantSuspended event)."""
    return ParticipantPublic(account=p.account, role=Role.key_of(p.role),
                             status=ParticipantStatus.key_of(p.status), name=p.name,
                             credit_code_hash=p.credit_code_hash, endpoint=p.endpoint, added_block=p.added_block,
                             suspension_reason=_suspension_reason(db, p) if db is not None else None)


def _suspension_reason(db: Session, p: Participant) -> ReasonPublic | None:
    # Read only for a suspended participant (few): the events table has no index by name and party.
    if p.status != ParticipantStatus.SUSPENDED:
        return None
    event = db.exec(select(Event).where(Event.name == "ParticipantSuspended", Event.party == p.account)
                    .order_by(col(Event.block_number).desc(), col(Event.log_index).desc())).first()
    if event is None:
        return None
    return ReasonPublic.of(SuspensionReason, json.loads(event.args_json).get("reasonCode"))
