"""The registration procedure over the index: applications, publicity notices, objections, remarks and
attestations. Their statuses are judged by registry/rules.py."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, select

from registry.db.models import Asset, Attestation, Objection, Pledge, Registration


def objections(db: Session, asset_id: str) -> list[Objection]:
    return list(db.exec(select(Objection).where(Objection.asset_id == asset_id).order_by(Objection.objection_id)))


def pledges(db: Session, asset_id: str) -> list[Pledge]:
    return list(db.exec(select(Pledge).where(Pledge.asset_id == asset_id).order_by(Pledge.recorded_block)))


def in_stage(db: Session, stage: str | None, registrar: str | None, limit: int, offset: int,
             hidden: frozenset[str] = frozenset(), party: str | None = None) -> list[Registration]:
    """Applications at `stage` (any), of `registrar` (any), newest first; those at a `hidden` stage only when
    `party` is their applicant or registrar."""
    query = select(Registration)
    if stage:
        query = query.where(Registration.stage == stage)
    if registrar:
        query = query.where(Registration.registrar == registrar)
    if hidden:
        shown = Registration.stage.not_in(list(hidden))  # type: ignore[attr-defined]
        if party:
            shown = or_(shown, Registration.applicant == party, Registration.registrar == party)
        query = query.where(shown)
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
