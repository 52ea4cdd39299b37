"""Assets: search and detail, each answer with the evidence to check it on the chain."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Query
from sqlmodel import select

from api.deps import ServicesDep, SessionDep, load_asset
from api.params import MAX_INT64
from api.routes.listings import listing_public
from api.routes.registrations import (
    attestations_public,
    registration_public,
    remarks_public,
)
from api.schemas import AssetDetail, AssetSummary, Page
from registry.chain.types import Classification, RightKind, checksum
from registry.db import queries
from registry.db.models import Listing, Registration
from registry.errors import ValidationError

router = APIRouter(prefix="/v1/assets", tags=["assets"])


def _classification(value: str | None) -> int | None:
    if value is None:
        return None
    names = {c.name.lower(): c.value for c in Classification}
    code = names.get(value.strip().lower())
    if code is None and value.strip() in {str(v) for v in names.values()}:
        code = int(value.strip())
    if code is None:
        raise ValidationError(f"Unknown classification '{value}': use general, important or core (or 0, 1, 2).",
                              [{"field": "classification", "message": "general, important or core"}])
    return code


@router.get("", response_model=Page[AssetSummary], summary="Search assets")
def list_assets(
    db: SessionDep,
    holder: Annotated[Optional[str], Query(description="Assets in which this address holds a right.")] = None,
    kind: Annotated[Optional[str], Query(description="holding | usage | operating; with holder: of this kind.")] = None,
    classification: Annotated[Optional[str], Query(description="general | important | core")] = None,
    registrant: Annotated[Optional[str], Query(description="Assets registered by this address.")] = None,
    q: Annotated[Optional[str], Query(max_length=200, description="Text in the name or summary.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0,
) -> Page[AssetSummary]:
    rows, count = queries.list_assets(
        db,
        holder=checksum(holder, "holder address") if holder else None,
        kind=RightKind.parse(kind) if kind else None,
        classification=_classification(classification),
        registrant=checksum(registrant, "registrant address") if registrant else None,
        text=q,
        limit=limit,
        offset=offset,
    )
    return Page(data=[AssetSummary.of(a) for a in rows], count=count, limit=limit, offset=offset)


@router.get("/{asset_id}", response_model=AssetDetail, summary="One asset, its rights, lineage and evidence")
def get_asset(asset_id: str, db: SessionDep, services: ServicesDep) -> AssetDetail:
    asset = load_asset(db, asset_id)
    sources, derived = queries.lineage(db, asset.asset_id)
    checkpoint = queries.checkpoint(db)
    now = queries.now(db)
    listings = db.exec(select(Listing).where(Listing.asset_id == asset.asset_id).order_by(Listing.listing_id)).all()
    detail = AssetDetail.build(
        asset,
        rights=queries.right_states(db, asset),
        sources=sources,
        derived=derived,
        metadata=queries.metadata_document(asset),
        event=queries.registration_event(db, asset),
        chain_id=services.deployment.chain_id,
        contract=services.deployment.registry,
        indexed_block=checkpoint.block_number if checkpoint else None,
    )
    detail.listings = [listing_public(db, listing, now) for listing in listings]
    detail.remarks = remarks_public(db, asset)
    reg = db.get(Registration, asset.asset_id)
    detail.registration = registration_public(db, asset, reg, now) if reg else None
    detail.attestations = attestations_public(db, asset, now)
    return detail
