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
from registry.rules import ListingState, listing_before_right, listing_validity
from registry.vocabulary import ListingStatus


@dataclass(frozen=True)
class Cause:
    """The event a feed entry is stamped with: its own block, transaction and log."""

    block_number: int
    tx_hash: str
    log_index: int
    timestamp: int  # of its block


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
    (its own block, transaction and time); an entry with no event is caused by time, stamped with the moment
    the consent lapsed, or by a rollback.

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


def retract_feed_entries(db: Session, position: int) -> int:
    """A reorg took the index back to block `position`: the feed entries of the blocks above it are void.
    They are kept, marked retracted, each followed by a retraction entry, so that an exchange that applied
    one learns to undo it (the feed serves retractions only to those that had read the entry). Returns how
    many were retracted."""
    orphaned = db.exec(select(ListingChange).where(ListingChange.block_number > position,
                                                   ListingChange.retracted.is_(False),
                                                   ListingChange.retracts.is_(None))
                       .order_by(ListingChange.id)).all()
    for entry in orphaned:
        entry.retracted = True
        db.add(entry)
        db.add(ListingChange(listing_id=entry.listing_id, exchange=entry.exchange,
                             origin_exchange=entry.origin_exchange, asset_id=entry.asset_id, change="retracted",
                             status=entry.status, valid=entry.valid, reason=entry.reason, block_number=position,
                             tx_hash=None, log_index=None, timestamp=entry.timestamp, retracts=entry.id))
    db.flush()
    return len(orphaned)


def _change(db: Session, listing: Listing) -> str | None:
    last = db.exec(select(ListingChange).where(ListingChange.listing_id == listing.listing_id,
                                               ListingChange.retracted.is_(False), ListingChange.retracts.is_(None))
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
    """Changes of the exchange's listings and of cross-listings of them, after cursor `after`, in order.
    Entries a reorg voided are left out, and so are their retractions, except for a reader who had read the
    entry (its cursor is at or past it): that one gets the retraction, then the changes of the new chain."""
    return list(db.exec(
        select(ListingChange)
        .where(or_(ListingChange.exchange == exchange, ListingChange.origin_exchange == exchange),
               ListingChange.id > after, ListingChange.retracted.is_(False),
               or_(ListingChange.retracts.is_(None), ListingChange.retracts <= after))
        .order_by(ListingChange.id)
        .limit(limit)
    ).all())
