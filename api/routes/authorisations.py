"""Public-data authorised operation (公共数据授权运营, issue 21): authorisations by a data authority, their approved
scenarios, second-level licences, and what falls under each (assets, rights, listings) with whether it stands now."""
from __future__ import annotations

import json
from typing import Annotated, Any, Optional

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import col, select

from api.deps import SessionDep
from api.params import MAX_INT64, Limit, Offset
from api.schemas import Page, iso
from api.views.authorisations import AuthorisationPublic, authorisation_public, reason_public
from registry.chain.types import checksum
from registry.db import queries
from registry.db.authorisations import standings
from registry.db.models import Asset, Listing, PublicAuthorisation, PublicLicence, PublicScenario
from registry.errors import NotFound

router = APIRouter(prefix="/v1/authorisations", tags=["authorisations"])


class ScenarioPublic(BaseModel):
    scenario: str
    scenario_hash: str = Field(description="keccak256 of the name: a grant's purpose must be the name exactly.")
    approved: bool = Field(description="Approved by the authority (一类场景一审定): rights can be granted for it.")
    approval_cid: Optional[str] = None
    approved_at: Optional[str] = None
    approved_tx: Optional[str] = None


class LicencePublic(BaseModel):
    licensee: str = Field(description="The second-level operator (二级开发主体).")
    scenarios: list[str]
    valid_until: Optional[str]
    terms_cid: Optional[str] = None
    revoked: bool
    revocation_reason: Optional[dict[str, Any]] = None
    in_force: bool
    reason: Optional[str] = Field(None, description="Why not in force: licence_revoked, licence_expired, or the "
                                  "authorisation's own reason.")
    granted_at: Optional[str]
    granted_tx: str


class AuthorisationDetail(AuthorisationPublic):
    approved_scenarios: list[ScenarioPublic]
    licences: list[LicencePublic]
    asset_count: int = Field(description="Assets under the authorisation: bound by the operator or derived.")


class CoveredRight(BaseModel):
    right_index: int
    holder: str
    valid: bool
    reason: Optional[str] = None


class CoveredListing(BaseModel):
    listing_id: int
    exchange: str
    valid: bool
    invalid_reason: Optional[str] = None


class CoveredAsset(BaseModel):
    asset_id: str
    registrant: str
    derived: bool
    name: Optional[str] = None
    rights: list[CoveredRight]
    listings: list[CoveredListing]


def _existing(db: SessionDep, authorisation_id: int) -> PublicAuthorisation:
    row = db.get(PublicAuthorisation, authorisation_id)
    if row is None:
        raise NotFound(f"No public-data authorisation numbered {authorisation_id} is indexed: list them with "
                       "GET /v1/authorisations.")
    return row


@router.get("", response_model=Page[AuthorisationPublic], summary="Public-data authorisations")
def list_authorisations(
    db: SessionDep,
    authority: Annotated[Optional[str], Query(description="Authorisations this authority recorded.")] = None,
    operator: Annotated[Optional[str], Query(description="Authorisations naming this first-level operator.")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[AuthorisationPublic]:
    query = select(PublicAuthorisation)
    if authority:
        query = query.where(PublicAuthorisation.authority == checksum(authority, "authority address"))
    if operator:
        query = query.where(PublicAuthorisation.operator == checksum(operator, "operator address"))
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    rows = db.exec(query.order_by(col(PublicAuthorisation.authorisation_id)).limit(limit).offset(offset)).all()
    now = queries.now(db)
    return Page(data=[authorisation_public(r, now) for r in rows], count=count, limit=limit, offset=offset)


@router.get("/{authorisation_id}", response_model=AuthorisationDetail, summary="One authorisation, with its "
            "scenarios and second-level licences")
def get_authorisation(authorisation_id: Annotated[int, Path(ge=1, le=MAX_INT64)], db: SessionDep
                      ) -> AuthorisationDetail:
    row = _existing(db, authorisation_id)
    now = queries.now(db)
    standing = standings(db, [authorisation_id])[authorisation_id]
    scenarios = db.exec(select(PublicScenario).where(PublicScenario.authorisation_id == authorisation_id)
                        .order_by(col(PublicScenario.scenario))).all()
    licences = db.exec(select(PublicLicence).where(PublicLicence.authorisation_id == authorisation_id)
                       .order_by(col(PublicLicence.granted_block), col(PublicLicence.licensee))).all()
    count = db.exec(select(func.count()).select_from(Asset)
                    .where(Asset.public_authorisation_id == authorisation_id)).one()
    base = authorisation_public(row, now)
    return AuthorisationDetail(
        **base.model_dump(),
        approved_scenarios=[ScenarioPublic(scenario=s.scenario, scenario_hash=s.scenario_hash, approved=s.approved,
                                           approval_cid=s.approval_cid, approved_at=iso(s.approved_at),
                                           approved_tx=s.approved_tx) for s in scenarios],
        licences=[LicencePublic(licensee=lic.licensee, scenarios=json.loads(lic.scenarios_json),
                                valid_until=iso(lic.valid_until), terms_cid=lic.terms_cid, revoked=lic.revoked,
                                revocation_reason=reason_public(lic.revocation_reason) if lic.revoked else None,
                                in_force=standing.reason(lic.licensee, now) is None,
                                reason=standing.reason(lic.licensee, now), granted_at=iso(lic.granted_at),
                                granted_tx=lic.granted_tx) for lic in licences],
        asset_count=count)


@router.get("/{authorisation_id}/assets", response_model=Page[CoveredAsset], summary="What falls under an "
            "authorisation: its assets, the rights over them and their listings, each with whether it stands now")
def authorisation_assets(
    authorisation_id: Annotated[int, Path(ge=1, le=MAX_INT64)],
    db: SessionDep,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[CoveredAsset]:
    _existing(db, authorisation_id)
    query = select(Asset).where(Asset.public_authorisation_id == authorisation_id)
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    assets = db.exec(query.order_by(col(Asset.registered_block), col(Asset.asset_id)).limit(limit).offset(offset)).all()
    now = queries.now(db)
    out = []
    for asset in assets:
        # At most the first 100 rights of each asset: a page must stay bounded.
        states = queries.right_states(db, asset, now, first=100)
        listings = db.exec(select(Listing).where(Listing.asset_id == asset.asset_id)
                           .order_by(col(Listing.listing_id)).limit(100)).all()
        out.append(CoveredAsset(
            asset_id=asset.asset_id, registrant=asset.registrant, derived=asset.derived, name=asset.name,
            rights=[CoveredRight(right_index=s.right.right_index, holder=s.right.holder, valid=s.valid,
                                 reason=s.reason) for s in states],
            listings=[CoveredListing(listing_id=lst.listing_id, exchange=lst.exchange, valid=lst.valid,
                                     invalid_reason=lst.invalid_reason) for lst in listings]))
    return Page(data=out, count=count, limit=limit, offset=offset)



