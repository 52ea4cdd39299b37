"""Mutual recognition (一地登记、全国共享): the registries the council recognises, and our certificates by number,
as another registry reads them.

Another registry checks one of our certificates on our chain directly (RegistrationOffice.assetOfCertificate,
then certificateRecord: the answer's `on_chain` names the calls); GET /v1/certificates/{number} gives the same
facts from the index, with the evidence to check them.
"""
from __future__ import annotations

from typing import Annotated, Any, Optional

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import col, select

from api.deps import ServicesDep, SessionDep
from api.params import MAX_INT64, LongLimit, Offset
from api.schemas import Certificate
from api.views import certificate as certificate_view
from registry.chain.types import parse_certificate_number
from registry.db.models import Asset, Recognition, Registration
from registry.errors import NotFound
from registry.vocabulary import RecognitionStatus, RecognitionWithdrawalReason

router = APIRouter(prefix="/v1", tags=["recognition"])


class RecognitionPublic(BaseModel):
    recognition_id: int
    name: str
    region: str = Field(description="Two digits of the administrative division code the registry serves.")
    chain_id: int
    contracts: dict[str, str] = Field(description="Its DataRegistry and RegistrationOffice on its chain.")
    from_block: int = Field(description="The block of its chain from which its events are read.")
    status: str = Field(description="recognised or withdrawn")
    status_zh: str
    recognised_at: int
    recognised_tx: str = Field(description="The council's transaction on this chain (RegistryRecognised).")
    withdrawn_at: Optional[int]
    withdrawal_reason: Optional[dict[str, Any]] = Field(description="key, zh, en and code of the reason.")
    endpoint_configured: bool = Field(description="Whether this API has an RPC endpoint for its chain "
                                      "(DATAREG_RECOGNISED_RPC): without one, verify reports it as not checked.")


def _public(r: Recognition, endpoints: set[int]) -> RecognitionPublic:
    status = RecognitionStatus(r.status)
    return RecognitionPublic(
        recognition_id=r.recognition_id, name=r.name, region=r.region, chain_id=r.chain_id,
        contracts={"DataRegistry": r.data_registry, "RegistrationOffice": r.registration_office},
        from_block=r.from_block, status=status.key, status_zh=status.zh, recognised_at=r.recognised_at,
        recognised_tx=r.recognised_tx, withdrawn_at=r.withdrawn_at,
        withdrawal_reason=({**RecognitionWithdrawalReason.labels(r.withdrawal_reason), "code": r.withdrawal_reason}
                           if r.withdrawal_reason is not None else None),
        endpoint_configured=r.chain_id in endpoints)


def _endpoints() -> set[int]:
    from registry.chain.recognition import recognised_endpoints

    return set(recognised_endpoints())


@router.get("/recognitions", response_model=list[RecognitionPublic],
            summary="Registries the council recognises (and those it recognised before), oldest first")
def list_recognitions(
    db: SessionDep,
    status: Annotated[Optional[str], Query(description="recognised or withdrawn")] = None,
    limit: Annotated[LongLimit, Query(description="At most this many, oldest first.")] = 1000,
    offset: Offset = 0,
) -> list[RecognitionPublic]:
    query = select(Recognition).order_by(col(Recognition.recognition_id))
    if status is not None:
        wanted = RecognitionStatus.from_key(status.strip().lower(), "recognition status")
        query = query.where(Recognition.status == wanted.value)
    endpoints = _endpoints()
    return [_public(r, endpoints) for r in db.exec(query.limit(limit).offset(offset)).all()]


@router.get("/recognitions/{recognition_id}", response_model=RecognitionPublic, summary="One recognition")
def get_recognition(recognition_id: int, db: SessionDep) -> RecognitionPublic:
    row = db.get(Recognition, recognition_id) if 0 < recognition_id <= MAX_INT64 else None
    if row is None:
        raise NotFound(f"There is no recognition {recognition_id}; GET /v1/recognitions lists them.")
    return _public(row, _endpoints())


class CertificateByNumber(Certificate):
    kind: str = Field(description="national (15 characters, SJ…) or intellectual_property (17 digits)")
    number: dict[str, Any] = Field(description="The number read apart: region, division, registrar code, year, "
                                   "month, serial.")
    on_chain: dict[str, Any] = Field(description="How another registry checks it on this chain without this API: "
                                     "chain id, contracts, and the view calls.")


@router.get("/certificates/{number}", response_model=CertificateByNumber,
            summary="A certificate of this registry by its number: how another registry checks ours")
def certificate_by_number(number: str, request: Request, db: SessionDep,
                          services: ServicesDep) -> CertificateByNumber:
    parsed = parse_certificate_number(number, "number")
    reg = db.exec(select(Registration).where(Registration.certificate_number == parsed.number)).first()
    asset = db.get(Asset, reg.asset_id) if reg is not None else None
    if reg is None or asset is None:
        raise NotFound(f"This registry has issued no certificate {parsed.number} (as of the index). A certificate of "
                       "another registry is checked with POST /v1/verify {\"certificate\": …}, which asks the "
                       "registries the council recognises.")
    base = services.settings.public_url or str(request.base_url)
    cert = certificate_view.build(db, asset, reg, chain_id=services.deployment.chain_id,
                                  contracts=services.deployment.contracts, base_url=base)
    contracts = services.deployment.contracts
    on_chain = {
        "chain_id": services.deployment.chain_id,
        "contracts": {name: contracts[name] for name in ("DataRegistry", "RegistrationOffice") if name in contracts},
        "calls": [f"RegistrationOffice.assetOfCertificate(bytes17 '{parsed.number}', ASCII left-aligned) -> "
                  f"{asset.asset_id}",
                  f"RegistrationOffice.certificateRecord({asset.asset_id})",
                  f"DataRegistry.getAsset({asset.asset_id})"],
    }
    return CertificateByNumber(**cert.model_dump(), kind=parsed.kind, number=parsed.to_json(), on_chain=on_chain)
