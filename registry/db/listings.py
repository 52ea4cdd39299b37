"""Listings over the index: whether each is valid and why not (mirroring ListingRegistry.listingValidity),
and the change feed that tells each exchange about every change exactly once."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, select

from registry.db.bulk import chunks
from registry.db.models import Asset, Listing, ListingChange, Participant
from registry.db.queries import right_states
from registry.vocabulary import AssetStatus, ListingStatus, ParticipantStatus, Role


# Why the operating right no longer carries the consent, from the right's own reason.
_RIGHT_REASONS = {
    "revoked": "right_revoked", "parent_revoked": "right_revoked",
    "expired": "right_expired", "parent_expired": "right_expired",
    "not_yet_valid": "right_not_yet_valid", "parent_not_yet_valid": "right_not_yet_valid",
    "asset_cancelled": "asset_cancelled",
}


@dataclass(frozen=True)
class Cause:
    """The event a feed entry is stamped with: its own block, transaction and log."""

    block_number: int
    tx_hash: str
    log_index: int
    timestamp: int  # of its block


@dataclass(frozen=True)
class ListingState:
    valid: bool
    reason: str | None  # delisted, suspended, exchange_not_active, asset_cancelled, right_revoked,
    # right_expired, right_transferred_away, origin_delisted, origin_not_valid, ...
    expires_at: int | None  # when the consent lapses by itself (the earliest end in its chains of rights)


def listing_state(db: Session, listing: Listing, now: int) -> ListingState:
    if listing.status == ListingStatus.DELISTED:
        return ListingState(False, "delisted", None)
    exchange = db.get(Participant, listing.exchange)
    if exchange is None or exchange.status != ParticipantStatus.ACTIVE or exchange.role != Role.EXCHANGE:
        return ListingState(False, "exchange_not_active", None)
    if listing.status == ListingStatus.SUSPENDED:
        return ListingState(False, "suspended", None)
    asset = db.get(Asset, listing.asset_id)
    if asset is None or asset.status != AssetStatus.ACTIVE:
        return ListingState(False, "asset_cancelled", None)
    states = {s.right.right_index: s for s in right_states(db, asset, now, indices=[listing.right_index])}
    state = states.get(listing.right_index)
    if state is None:
        return ListingState(False, "right_not_found", None)
    ends = [states[i].right.valid_until for i in state.chain if i in states and states[i].right.valid_until]
    expires_at = min(ends) if ends else None
    if not state.valid:
        return ListingState(False, _RIGHT_REASONS.get(state.reason, "right_not_valid"), None)
    if asset.frozen:
        return ListingState(False, "asset_frozen", None)
    if state.right.holder != listing.holder:
        return ListingState(False, "right_transferred_away", None)
    if listing.origin_listing_id:
        origin = db.get(Listing, listing.origin_listing_id)
        if origin is None:
            return ListingState(False, "origin_not_valid", None)
        origin_state = listing_state(db, origin, now)
        if not origin_state.valid:
            return ListingState(False, "origin_delisted" if origin.status == ListingStatus.DELISTED else "origin_not_valid", None)
        if origin_state.expires_at is not None:
            expires_at = min(expires_at or origin_state.expires_at, origin_state.expires_at)
    return ListingState(True, None, expires_at)


def refresh_listings(
    db: Session,
    *,
    assets: Mapping[str, Cause | None],
    exchanges: Mapping[str, Cause | None],
    listings: Mapping[int, Cause | None],
    now: int,
    block: int,
) -> int:
    """Re-judges the listings that events may have changed (those named by their own events, those of
    touched assets and exchanges, their cross-listings, and any whose consent has lapsed by time), stores the
    result, and appends a feed entry for each listing whose status or validity changed since its last entry.
    Returns the entries added. Each key maps to the event that touched it, which the entry is stamped with
    (its own block and transaction); an entry with no event is caused by time, stamped with the moment the
    consent lapsed, or by a rollback.

    The feed is written only here, by comparing with the last entry, so replaying events after a reorg or
    a restart never adds an entry twice."""
    lapsed = Listing.valid.is_(True) & (Listing.expires_at <= now)
    candidates = {l.listing_id: l for l in db.exec(select(Listing).where(lapsed)).all()}
    for column, keys in ((Listing.listing_id, listings), (Listing.asset_id, assets), (Listing.exchange, exchanges)):
        for chunk in chunks(list(keys)):
            candidates.update((l.listing_id, l) for l in db.exec(select(Listing).where(column.in_(chunk))).all())
    for chunk in chunks(list(candidates)):
        for cross in db.exec(select(Listing).where(Listing.origin_listing_id.in_(chunk))).all():
            candidates.setdefault(cross.listing_id, cross)
    added = 0
    for listing in sorted(candidates.values(), key=lambda l: l.listing_id):
        lapsed_at = listing.expires_at if listing.valid and listing.expires_at is not None else None
        state = listing_state(db, listing, now)
        listing.valid, listing.invalid_reason, listing.expires_at = state.valid, state.reason, state.expires_at
        db.add(listing)
        change = _change(db, listing)
        if change is None:
            continue
        origin = db.get(Listing, listing.origin_listing_id) if listing.origin_listing_id else None
        cause = listings.get(listing.listing_id) or assets.get(listing.asset_id) or exchanges.get(listing.exchange)
        # No event of its own: it lapsed by time (at the moment its consent ended), or a rollback changed it.
        moment = cause.timestamp if cause else lapsed_at if lapsed_at is not None and lapsed_at <= now else now
        db.add(ListingChange(listing_id=listing.listing_id, exchange=listing.exchange,
                             origin_exchange=origin.exchange if origin else None, asset_id=listing.asset_id,
                             change=change, status=ListingStatus(listing.status).key, valid=listing.valid,
                             reason=listing.invalid_reason, block_number=cause.block_number if cause else block,
                             tx_hash=cause.tx_hash if cause else None, log_index=cause.log_index if cause else None,
                             timestamp=moment))
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
