"""The registration procedure over the index: applications, publicity notices, objections, remarks and
attestations. Their statuses are judged by registry/rules.py."""
from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, or_, select

from registry.db.models import Asset, Attestation, Event, Objection, Pledge, Registration


def objections(db: Session, asset_id: str) -> list[Objection]:
    return list(db.exec(select(Objection).where(Objection.asset_id == asset_id).order_by(Objection.objection_id)))


def pledges(db: Session, asset_id: str) -> list[Pledge]:
    return list(db.exec(select(Pledge).where(Pledge.asset_id == asset_id).order_by(Pledge.recorded_block)))


def in_stage(db: Session, stage: str | None, registrar: str | None, limit: int, offset: int,
             publicity_running_at: int | None = None) -> list[Registration]:
    """Applications at `stage`; with `publicity_running_at`, only those whose publicity has not ended then."""
    query = select(Registration)
    if stage:
        query = query.where(Registration.stage == stage)
    if publicity_running_at is not None:
        query = query.where(Registration.publicity_ends > publicity_running_at)
    if registrar:
        query = query.where(Registration.registrar == registrar)
    return list(db.exec(query.order_by(Registration.updated_block.desc()).limit(limit).offset(offset)))


def publicity_fields(asset: Asset | None) -> dict[str, Any]:
    """The parts of the metadata the guideline makes public during publicity."""
    document = json.loads(asset.metadata_json) if asset and asset.metadata_json else {}
    return {
        "applicant_name": (document.get("applicant") or {}).get("name"),
        "data_name": document.get("name"),
        "summary": document.get("summary"),
        "restrictions": document.get("restrictions"),
    }


def attestations(db: Session, asset_id: str) -> list[Attestation]:
    return list(db.exec(select(Attestation).where(Attestation.asset_id == asset_id)
                        .order_by(Attestation.attestation_id)))


def acceptance_time(db: Session, reg: Registration) -> int | None:
    """When the registrar accepted or returned the application filed in block `reg.applied_block`: the time of the
    first ApplicationAccepted or ApplicationReturned after its ApplicationFiled (None: not yet)."""
    filed = db.exec(select(Event).where(Event.asset_id == reg.asset_id, Event.name == "ApplicationFiled",
                                        Event.block_number == reg.applied_block)
                    .order_by(Event.log_index.desc())).first()
    after = filed.log_index if filed else -1
    step = db.exec(select(Event).where(
        Event.asset_id == reg.asset_id, Event.name.in_(("ApplicationAccepted", "ApplicationReturned")),
        or_(Event.block_number > reg.applied_block,
            (Event.block_number == reg.applied_block) & (Event.log_index > after)),
        Event.block_number <= reg.updated_block,
    ).order_by(Event.block_number, Event.log_index)).first()
    return step.timestamp if step else None
