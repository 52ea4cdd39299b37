"""The registration procedure over the index: certificate status, publicity notices, remarks and
attestations, each judged as the contracts judge them (RegistrationOffice.certificate,
AttestationRegistry.attestationStatus)."""
from __future__ import annotations

import json

from sqlmodel import Session, select

from registry.db.models import (
    Asset,
    Attestation,
    Objection,
    Participant,
    Pledge,
    Registration,
)
from registry.vocabulary import (
    AssetStatus,
    AttestationKind,
    AttestationStatus,
    CertificateStatus,
    ParticipantStatus,
    Stage,
)

RENEWAL_OPENS = 183 * 86_400
RENEWAL_CLOSES = 86_400


def certificate_status(registration: Registration | None, asset: Asset, now: int) -> str:
    if registration is None:
        return CertificateStatus.NONE.key
    if registration.stage in (Stage.APPLIED.key, Stage.ACCEPTED.key, Stage.PUBLICITY.key):
        return CertificateStatus.PENDING.key
    if registration.stage != Stage.REGISTERED.key:
        return CertificateStatus.NOT_REGISTERED.key
    if asset.status == AssetStatus.CANCELLED:
        return CertificateStatus.CANCELLED.key
    if registration.valid_until is not None and now >= registration.valid_until:
        return CertificateStatus.LAPSED.key
    return CertificateStatus.VALID.key


def renewal_window(registration: Registration) -> tuple[int, int] | None:
    if registration.valid_until is None:
        return None
    return registration.valid_until - RENEWAL_OPENS, registration.valid_until - RENEWAL_CLOSES


def objections(db: Session, asset_id: str) -> list[Objection]:
    return list(db.exec(select(Objection).where(Objection.asset_id == asset_id).order_by(Objection.objection_id)))


def pledges(db: Session, asset_id: str) -> list[Pledge]:
    return list(db.exec(select(Pledge).where(Pledge.asset_id == asset_id).order_by(Pledge.recorded_block)))


def in_stage(db: Session, stage: str | None, registrar: str | None, limit: int, offset: int) -> list[Registration]:
    query = select(Registration)
    if stage:
        query = query.where(Registration.stage == stage)
    if registrar:
        query = query.where(Registration.registrar == registrar)
    return list(db.exec(query.order_by(Registration.updated_block.desc()).limit(limit).offset(offset)))


def publicity_fields(asset: Asset | None) -> dict:
    """The parts of the metadata the guideline makes public during publicity."""
    document = json.loads(asset.metadata_json) if asset and asset.metadata_json else {}
    return {
        "applicant_name": (document.get("applicant") or {}).get("name"),
        "data_name": document.get("name"),
        "summary": document.get("summary"),
        "restrictions": document.get("restrictions"),
    }


def attestation_status(db: Session, attestation: Attestation, asset: Asset, now: int) -> str:
    if attestation.revoked:
        return AttestationStatus.REVOKED.key
    issuer = db.get(Participant, attestation.issuer)
    role = AttestationKind.from_key(attestation.kind).issuer_role
    if issuer is None or issuer.status != ParticipantStatus.ACTIVE or issuer.role != role:
        return AttestationStatus.ISSUER_NOT_ACTIVE.key
    if attestation.valid_until and now >= attestation.valid_until:
        return AttestationStatus.EXPIRED.key
    if asset.version != attestation.asset_version:
        return AttestationStatus.SUPERSEDED.key
    return AttestationStatus.VALID.key


def attestations(db: Session, asset_id: str) -> list[Attestation]:
    return list(db.exec(select(Attestation).where(Attestation.asset_id == asset_id)
                        .order_by(Attestation.attestation_id)))
