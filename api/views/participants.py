"""A participant as the API answers with it."""
from __future__ import annotations

from api.schemas import ParticipantPublic
from registry.db.models import Participant
from registry.vocabulary import ParticipantStatus, Role


def participant_public(p: Participant) -> ParticipantPublic:
    return ParticipantPublic(account=p.account, role=Role.key_of(p.role),
                             status=ParticipantStatus.key_of(p.status), name=p.name,
                             credit_code_hash=p.credit_code_hash, endpoint=p.endpoint, added_block=p.added_block)
