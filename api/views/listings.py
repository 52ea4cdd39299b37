"""A listing as the API answers with it: its facts, its cross-listings and whether it is valid now."""
from __future__ import annotations

from sqlmodel import select

from api.schemas import LegalStatusPublic, ListingPublic, ListingTermsPublic
from registry.db import registration
from registry.db.listings import listing_state
from registry.db.models import Asset, Listing, Participant
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
