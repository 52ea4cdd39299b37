"""Listings over the index: whether each is valid and why not (mirroring ListingRegistry.listingValidity),
and the change feed that tells each exchange about every change exactly once."""
from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, select

from registry.db.bulk import chunks
from registry.db.models import Asset, Listing, ListingChange, Participant
from registry.db.queries import right_states
from registry.rules import ListingState, listing_before_right, listing_validity
from registry.vocabulary import ListingStatus


def listing_state(db: Session, listing: Listing, now: int) -> ListingState:
    """Whether the listing is valid at `now` (registry.rules), from its rows in the index."""
    asset = db.get(Asset, listing.asset_id)
    judged = listing_before_right(listing, db.get(Participant, listing.exchange), asset)
    if judged is not None:
        return judged
    states = {s.right.right_index: s for s in right_states(db, asset, now, indices=[listing.right_index])}
    state = states.get(listing.right_index)
    ends = [states[i].right.valid_until for i in state.chain if i in states and states[i].right.valid_until] \
        if state else []
    origin = None
    if listing.origin_listing_id:
        origin_listing = db.get(Listing, listing.origin_listing_id)
        origin_state = listing_state(db, origin_listing, now) if origin_listing else ListingState(False, None, None)
        origin = (origin_listing, origin_state)
    return listing_validity(listing, asset, state, ends, origin)


def refresh_listings(
    db: Session,
    *,
    assets: set[str],
    exchanges: set[str],
    now: int,
    block: int,
    causes: dict[int, tuple[str, int]],
) -> int:
    """Re-judges the listings that events may have changed (those of touched assets and exchanges, their
    cross-listings, and any whose consent has lapsed by time), stores the result, and appends a feed entry
    for each listing whose status or validity changed since its last entry. Returns the entries added.

    The feed is written only here, by comparing with the last entry, so replaying events after a reorg or
    a restart never adds an entry twice."""
    lapsed = Listing.valid.is_(True) & (Listing.expires_at <= now)
    candidates = {l.listing_id: l for l in db.exec(select(Listing).where(lapsed)).all()}
    for column, keys in ((Listing.asset_id, assets), (Listing.exchange, exchanges)):
        for chunk in chunks(list(keys)):
            candidates.update((l.listing_id, l) for l in db.exec(select(Listing).where(column.in_(chunk))).all())
    for chunk in chunks(list(candidates)):
        for cross in db.exec(select(Listing).where(Listing.origin_listing_id.in_(chunk))).all():
            candidates.setdefault(cross.listing_id, cross)
    added = 0
    for listing in sorted(candidates.values(), key=lambda l: l.listing_id):
        state = listing_state(db, listing, now)
        listing.valid, listing.invalid_reason, listing.expires_at = state.valid, state.reason, state.expires_at
        db.add(listing)
        change = _change(db, listing)
        if change is None:
            continue
        origin = db.get(Listing, listing.origin_listing_id) if listing.origin_listing_id else None
        tx_hash, log_index = causes.get(listing.listing_id, (None, None))
        db.add(ListingChange(listing_id=listing.listing_id, exchange=listing.exchange,
                             origin_exchange=origin.exchange if origin else None, asset_id=listing.asset_id,
                             change=change, status=ListingStatus(listing.status).key, valid=listing.valid,
                             reason=listing.invalid_reason, block_number=block, tx_hash=tx_hash,
                             log_index=log_index, timestamp=now))
        added += 1
    return added


def _change(db: Session, listing: Listing) -> str | None:
    last = db.exec(select(ListingChange).where(ListingChange.listing_id == listing.listing_id)
                   .order_by(ListingChange.id.desc())).first()
    status = ListingStatus(listing.status).key
    if last is None:
        return "listed"
    if last.status != status:
        return {"listed": "resumed", "suspended": "suspended", "delisted": "delisted"}[status]
    if last.valid != listing.valid:
        return "became_valid" if listing.valid else "became_invalid"
    if last.reason != listing.invalid_reason:
        return "invalid_reason_changed"
    return None


def feed(db: Session, exchange: str, after: int, limit: int) -> list[ListingChange]:
    """Changes of the exchange's listings and of cross-listings of them, after cursor `after`, in order."""
    return list(db.exec(
        select(ListingChange)
        .where(or_(ListingChange.exchange == exchange, ListingChange.origin_exchange == exchange),
               ListingChange.id > after)
        .order_by(ListingChange.id)
        .limit(limit)
    ).all())
