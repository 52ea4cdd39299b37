"""The registries the council recognises, as the index holds them (RecognitionRegistry's events)."""
from __future__ import annotations

from sqlmodel import Session, col, select

from registry.chain.recognition import RecognisedRegistry
from registry.db.models import Recognition
from registry.vocabulary import RecognitionStatus


def standing_recognitions(db: Session) -> list[RecognisedRegistry]:
    """The recognitions in force now, in the order they were made: the registries a verification asks too."""
    rows = db.exec(select(Recognition).where(Recognition.status == RecognitionStatus.RECOGNISED.value)
                   .order_by(col(Recognition.recognition_id))).all()
    return [RecognisedRegistry(recognition_id=r.recognition_id, chain_id=r.chain_id, data_registry=r.data_registry,
                               registration_office=r.registration_office, from_block=r.from_block, region=r.region,
                               name=r.name) for r in rows]
