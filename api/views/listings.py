"""A listing as the API answers with it: its facts, its cross-listings and whether it is valid now; and the
consents listings rest on: approvals by transaction and withdrawn signed consents."""
from __future__ import annotations

from sqlmodel import select

from api.schemas import (
    LegalStatusPublic,
    ListingApprovalPublic,
    ListingPublic,
    ListingTermsPublic,
    WithdrawnConsentPublic,
    iso,
)
from registry.db import registration
from registry.db.listings import listing_state
from registry.db.models import Asset, Listing, ListingApproval, Participant, WithdrawnConsent
from registry.vocabulary import ListingStatus


def listing_public(db, listing: Listing, now: int, legal: LegalStatusPublic | None = None) -> ListingPublic:
    """`legal`: the asset's legal status when the caller has judged it (for a page of listings, in one go)."""
    state = listing_state(db, listing, now)
    asset = db.get(Asset, listing.asset_id)
    if legal is None and asset is not None:
        legal = LegalStatusPublic.of(registration.legal_status(db, asset, now))
    exchange = db.get(Participant, listing.exchange)
    crosses = db.exec(select(Listing.listing_id).where(Listing.origin_listing_id == listing.listing_id)).all()
    return ListingPublic(
        listing_id=listing.listing_id, asset_id=listing.asset_id, asset_name=asset.name if asset else None,
        exchange=listing.exchange, exchange_name=exchange.name if exchange else None,
        exchange_listing_id=listing.exchange_listing_id, holder=listing.holder, right_index=listing.right_index,
        origin_listing_id=listing.origin_listing_id or None, cross_listings=sorted(crosses),
        offer_terms_cid=listing.offer_terms_cid, status=ListingStatus(listing.status).key, valid=state.valid,
        invalid_reason=state.reason, listed_block=listing.listed_block, listed_tx=listing.listed_tx,
        asset_legal_status=legal, terms=ListingTermsPublic.of(listing), attestation_id=listing.attestation_id,
        consent_id=listing.consent_id,
    )


def approval_status(approval: ListingApproval, now: int) -> str:
    """Where an approval by transaction stands at `now` (vocabulary.APPROVAL_STATUSES): the contract refuses one
    past its end (`ApprovalExpired`), and deletes it when revoked or used."""
    if approval.revoked:
        return "revoked"
    if approval.listing_id is not None:
        return "used"
    return "expired" if now > approval.valid_until else "in_force"


def approval_public(approval: ListingApproval, now: int, exchange_name: str | None) -> ListingApprovalPublic:
    status = approval_status(approval, now)
    return ListingApprovalPublic(
        consent_hash=approval.consent_hash, holder=approval.holder, exchange=approval.exchange,
        exchange_name=exchange_name, asset_id=approval.asset_id, status=status, in_force=status == "in_force",
        valid_until=iso(approval.valid_until), approved_at=iso(approval.approved_at),
        approved_block=approval.approved_block, approved_tx=approval.approved_tx, revoked_at=iso(approval.revoked_at),
        revoked_tx=approval.revoked_tx, listing_id=approval.listing_id, used_at=iso(approval.used_at))


def withdrawn_consent_public(row: WithdrawnConsent, listing_id: int | None) -> WithdrawnConsentPublic:
    return WithdrawnConsentPublic(holder=row.holder, consent_id=row.consent_id, withdrawn_at=iso(row.withdrawn_at),
                                  withdrawn_block=row.withdrawn_block, withdrawn_tx=row.withdrawn_tx,
                                  listing_id=listing_id)
