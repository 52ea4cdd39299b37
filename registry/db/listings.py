"""Listings over the index: whether each is valid and why not (mirroring ListingRegistry.listingValidity),
and the change feed that tells each exchange about every change exactly once."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from registry.db.bulk import chunks
from registry.db.models import Asset, Attestation, Event, Listing, ListingChange, Participant, Qualification, Trade
from registry.db.queries import right_states
from registry.errors import NotFound
from registry.rules import ListingState, listing_before_right, listing_compliance, listing_end, listing_validity
from registry.vocabulary import ListingStatus, SettlementStatus

#: A listing's own change, not a trade's entry (trade entries carry their certificate number).
IS_LISTING_CHANGE = col(ListingChange.trade_number).is_(None)


@dataclass(frozen=True)
class Cause:
    """The event a feed entry is stamped with: its own block, transaction and log."""

    block_number: int
    tx_hash: str
    log_index: int
    timestamp: int  # of its block
    block_hash: str = ""


# ───────────────────────────── the feed's order and cursors ─────────────────────────────
# An entry's place in the feed comes from the chain alone: the moment it happened, then the block, a phase, the
# log and the sequence within the log. A lapse by time (phase 0, no block) comes at the moment its consent
# ended: after every block before that moment and before any block at or after it, whose events already see
# the listing lapsed. An event's entries (phase 1) come in their block's order; an entry a rollback itself
# caused (phase 2; none is expected: the state after a rollback is that of the feed up to the fork) after its
# block. Block times never go down, so this is the order in which the indexer meets them, whatever ranges it
# reads the chain in: the feed only ever grows at its end, and a reader's cursor stays where it was.
TIME, EVENT, REORG = 0, 1, 2
TAG_HEX = 10  # hex digits of the hash in a cursor


def position_of(moment: int, block: int, phase: int, log: int, seq: int) -> str:
    """The fixed-width key entries sort by (as text, on every database)."""
    return f"{moment:012d}{block:012d}{phase}{log:06d}{seq:07d}"


def end_of_block(moment: int, block: int) -> str:
    """The key just after every entry of block `block` (at `moment`) and of the lapses up to that moment."""
    return f"{moment:012d}{block:012d}9{'9' * 13}"


def cursor_of(entry: dict[str, Any], previous_tag: str) -> tuple[str, str]:
    """An entry's cursor and its tag: its chain position, readable, and a hash over the previous entry's tag and
    this entry's content. Every index of a chain gives the same cursor to the same entry; an entry a reorg voided
    and the new chain's entry at its position differ (in their event's block, or in what came before them)."""
    content = [previous_tag, entry["position"], entry["cause"], entry["listing_id"], entry["exchange"],
               entry["origin_exchange"], entry["asset_id"], entry["change"], entry["status"], entry["valid"],
               entry["reason"], entry["block_number"], entry.get("block_hash"), entry["tx_hash"],
               entry["log_index"], entry["timestamp"]]
    if entry.get("trade_number"):
        # A trade's entry also names the trade (listing changes keep the content, and so the cursors, they had).
        content += [entry["trade_number"], entry["buyer"], entry["seller"]]
    tag = hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()[:TAG_HEX]
    if entry["cause"] == "time":
        return f"t{entry['timestamp']}.{entry['seq']}.{tag}", tag
    if entry["cause"] == "reorg":
        return f"r{entry['block_number']}.{entry['seq']}.{tag}", tag
    return f"{entry['block_number']}.{entry['log_index']}.{entry['seq']}.{tag}", tag


def generation(db: Session) -> int:
    """How many rollbacks have voided feed entries (as far as entries still show it)."""
    return db.exec(select(func.max(ListingChange.retracted_in))).one() or 0


def _append(db: Session, entries: list[dict[str, Any]]) -> int:
    """Adds entries to the feed's end, in position order, each with its cursor. An entry whose cursor a voided
    entry has (the new chain gave the same entry after the same ones) brings that one back instead."""
    if not entries:
        return 0
    last = db.exec(select(ListingChange.cursor).where(col(ListingChange.retracted_in).is_(None))
                   .order_by(col(ListingChange.position).desc()).limit(1)).first()
    tag = last.rsplit(".", 1)[-1] if last else ""
    written = generation(db)
    for entry in sorted(entries, key=lambda e: e["position"]):
        cursor, tag = cursor_of(entry, tag)
        # Only a voided entry can have this cursor (positions are unique among the others): none before a reorg.
        existing = db.exec(select(ListingChange).where(ListingChange.cursor == cursor)).first() if written else None
        if existing is not None:
            existing.retracted_in, existing.retracted = None, False
            db.add(existing)
            continue
        db.add(ListingChange(**{k: v for k, v in entry.items() if k not in ("seq", "block_hash")}, cursor=cursor,
                             written_in=written))
    db.flush()
    return len(entries)


def _entry(listing: Listing, origin: Listing | None, change: str, **stamp: object) -> dict[str, Any]:
    return dict(listing_id=listing.listing_id, exchange=listing.exchange,
                origin_exchange=origin.exchange if origin else None, asset_id=listing.asset_id, change=change,
                status=ListingStatus(listing.status).key, valid=listing.valid, reason=listing.invalid_reason,
                **stamp)


def listing_state(db: Session, listing: Listing, now: int) -> ListingState:
    """Whether the listing is valid at `now` (registry.rules), from its rows in the index."""
    asset = db.get(Asset, listing.asset_id)
    judged = listing_before_right(listing, db.get(Participant, listing.exchange), asset)
    if judged is not None:
        return judged
    assert asset is not None  # listing_before_right judges a missing asset (asset_cancelled); for mypy
    end = listing_end(listing)
    if end is not None and now >= end:
        return ListingState(False, "listing_expired", None)
    state = _rights_and_origin(db, listing, asset, now)
    if not state.valid:
        return state
    attestation = db.get(Attestation, listing.attestation_id) if listing.attestation_id else None
    # The certifier's current qualification (issue 21): a certification stands only while its issuer is qualified.
    qualification = db.exec(select(Qualification).where(Qualification.account == attestation.issuer)
                            .order_by(col(Qualification.serial).desc())).first() if attestation else None
    compliant, certified_until = listing_compliance(
        listing, asset, attestation, db.get(Participant, attestation.issuer) if attestation else None, now,
        qualification)
    if not compliant:
        return ListingState(False, "not_compliant", None)
    ends = [t for t in (state.expires_at, end, certified_until) if t is not None]
    return ListingState(True, None, min(ends) if ends else None)


def _rights_and_origin(db: Session, listing: Listing, asset: Asset, now: int) -> ListingState:
    states = {s.right.right_index: s for s in right_states(db, asset, now, indices=[listing.right_index])}
    state = states.get(listing.right_index)
    ends = [states[i].right.valid_until for i in state.chain if i in states and states[i].right.valid_until] \
        if state else []
    if state is not None and asset.public_authorisation_id is not None:
        # Public data: the consent lapses by itself when the authorisation's term (or the holder's licence) ends.
        from registry.db.authorisations import standing_of
        public = standing_of(db, asset)
        if public is not None and public.authorisation is not None:
            ends.append(public.authorisation.valid_until)
            licence = public.licences.get(state.right.holder)
            if licence is not None and state.right.holder != public.authorisation.operator:
                ends.append(licence.valid_until)
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
    trades: Sequence[TradeEvent] = (),
) -> int:
    """Re-judges the listings that events may have changed (those named by their own events, those of
    touched assets and exchanges, and their cross-listings), stores the result, and appends a feed entry for
    each listing whose status or validity changed since its last entry. Returns the entries added. Each key
    maps to the event that touched it, which the entry is stamped with (its own block, transaction and time; a
    cross-listing's, its origin's event); an entry with no event was caused by a rollback (`block`, `now`).
    Lapses by time are not judged here but before the block's events (lapse_listings).

    The feed is written only here and in lapse_listings, by comparing with the last entry, so replaying events
    after a reorg or a restart never adds an entry twice. `trades`: the trade events of these blocks, each of which
    adds a trade entry (trade_entries), appended with the listing changes in one position order."""
    candidates: dict[int, Listing] = {}
    lookups: list[tuple[Mapped[Any], Mapping[Any, Cause | None]]] = [
        (col(Listing.listing_id), listings), (col(Listing.asset_id), assets), (col(Listing.exchange), exchanges)]
    for column, keys in lookups:
        for chunk in chunks(list(keys)):
            candidates.update((l.listing_id, l) for l in db.exec(select(Listing).where(column.in_(chunk))).all())
    for chunk in chunks(list(candidates)):
        for cross in db.exec(select(Listing).where(col(Listing.origin_listing_id).in_(chunk))).all():
            candidates.setdefault(cross.listing_id, cross)
    entries: list[dict[str, Any]] = []
    seq: dict[tuple[int, int | None], int] = {}
    for listing in sorted(candidates.values(), key=lambda l: l.listing_id):
        state = listing_state(db, listing, now)
        listing.valid, listing.invalid_reason, listing.expires_at = state.valid, state.reason, state.expires_at
        db.add(listing)
        change = _change(db, listing)
        if change is None:
            continue
        origin = db.get(Listing, listing.origin_listing_id) if listing.origin_listing_id else None
        cause = (listings.get(listing.listing_id) or listings.get(listing.origin_listing_id)
                 or assets.get(listing.asset_id) or exchanges.get(listing.exchange))
        if cause is None:
            n = seq[(block, None)] = seq.get((block, None), -1) + 1
            entries.append(_entry(listing, origin, change, cause="reorg", seq=n, block_number=block, tx_hash=None,
                                  log_index=None, timestamp=now, position=position_of(now, block, REORG, 0, n)))
            continue
        n = seq[(cause.block_number, cause.log_index)] = seq.get((cause.block_number, cause.log_index), -1) + 1
        entries.append(_entry(listing, origin, change, cause="event", seq=n, block_number=cause.block_number,
                              block_hash=cause.block_hash, tx_hash=cause.tx_hash, log_index=cause.log_index,
                              timestamp=cause.timestamp,
                              position=position_of(cause.timestamp, cause.block_number, EVENT, cause.log_index, n)))
    return _append(db, entries + trade_entries(db, trades))


@dataclass(frozen=True)
class TradeEvent:
    """A trade event for the feed: TradeRecorded, TradeSettlementChanged or DeliveryRecorded, with its trade's key
    and, for a settlement change, the status it set (SettlementStatus's value)."""

    name: str
    exchange: str
    year: int
    serial: int
    cause: Cause
    status: int | None = None


#: The feed's trade entries, by the event that makes each.
TRADE_FEED_CHANGES = {"TradeRecorded": "trade_recorded", "TradeSettlementChanged": "trade_settlement_changed",
                 "DeliveryRecorded": "trade_delivered"}


def trade_entries(db: Session, events: Sequence[TradeEvent]) -> list[dict[str, Any]]:
    """One feed entry per trade event, at its event's place: the trade (its number, listing, asset, buyer and
    seller, from the index, which holds it once its events are projected) and its settlement status then. A
    delivery's entry shows the status as the block left it (the writer judges each block with a trade event whole:
    writer._listing_blocks), so every index gives the same entry."""
    entries: list[dict[str, Any]] = []
    for n, ev in enumerate(events):
        trade = db.get(Trade, (ev.exchange, ev.year, ev.serial))
        if trade is None:
            continue  # the indexer refuses such an event before it gets here (handlers._trade)
        listing = db.get(Listing, trade.listing_id)
        status = (SettlementStatus.PENDING.value if ev.name == "TradeRecorded"
                  else ev.status if ev.status is not None else trade.settlement)
        c = ev.cause
        entries.append(dict(
            listing_id=trade.listing_id, exchange=trade.exchange, origin_exchange=None, asset_id=trade.asset_id,
            change=TRADE_FEED_CHANGES[ev.name], status=SettlementStatus(status).key,
            valid=listing.valid if listing else False, reason=None, cause="event", seq=1_000_000 + n,
            block_number=c.block_number, block_hash=c.block_hash, tx_hash=c.tx_hash, log_index=c.log_index,
            timestamp=c.timestamp, trade_number=trade.number, buyer=trade.buyer, seller=trade.seller,
            # Sequence numbers from 1000000 up: never the same position as a listing change of the same log.
            position=position_of(c.timestamp, c.block_number, EVENT, c.log_index, 1_000_000 + n)))
    return entries


def lapse_listings(db: Session, now: int) -> int:
    """The listings whose consent has lapsed by time at `now` (a right in its chain ended, with no event),
    judged on the index as it stands, before the events of the block at `now`: each gets an entry caused by
    time, at the moment its consent ended (not the block that showed the indexer that moment had passed), with
    no block or transaction. Returns the entries added."""
    due = db.exec(select(Listing).where(col(Listing.valid).is_(True), col(Listing.expires_at) <= now)).all()
    entries: list[dict[str, Any]] = []
    for listing in sorted(due, key=lambda l: (l.expires_at, l.listing_id)):
        moment = int(listing.expires_at or 0)
        state = listing_state(db, listing, now)
        listing.valid, listing.invalid_reason, listing.expires_at = state.valid, state.reason, state.expires_at
        db.add(listing)
        change = _change(db, listing)
        if change is None:
            continue
        origin = db.get(Listing, listing.origin_listing_id) if listing.origin_listing_id else None
        entries.append(_entry(listing, origin, change, cause="time", seq=listing.listing_id, block_number=None,
                              tx_hash=None, log_index=None, timestamp=moment,
                              position=position_of(moment, 0, TIME, 0, listing.listing_id)))
    return _append(db, entries)


def retract_feed_entries(db: Session, moment: int, block: int) -> int:
    """A reorg took the index back to block `block` (at `moment`): the feed entries after it (those of the
    blocks above it, and the lapses after its time) are void. They are kept, marked with the feed's next
    generation, and the feed serves their retractions to a reader whose cursor shows it had read them
    (feed()). Returns how many were retracted."""
    voided = generation(db) + 1
    orphaned = db.exec(select(ListingChange).where(col(ListingChange.position) > end_of_block(moment, block),
                                                   col(ListingChange.retracted_in).is_(None))).all()
    for entry in orphaned:
        entry.retracted_in, entry.retracted = voided, True
        db.add(entry)
    db.flush()
    return len(orphaned)


def _change(db: Session, listing: Listing) -> str | None:
    last = db.exec(select(ListingChange).where(ListingChange.listing_id == listing.listing_id,
                                               col(ListingChange.retracted_in).is_(None), IS_LISTING_CHANGE)
                   .order_by(col(ListingChange.position).desc())).first()
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


@dataclass(frozen=True)
class FeedEntry:
    """An entry as the feed serves it: a change, or the retraction of one a reorg voided (`retracts`)."""

    cursor: str
    change: ListingChange
    retracts: str | None = None


UNDO = ".undo"  # a retraction's cursor: the voided entry's, with this after it
CURSOR_PATTERN = r"^(0|[tr]?[0-9]{1,20}(\.[0-9]{1,20}){1,2}\.[0-9a-f]{10}(\.undo)?)$"


def feed(db: Session, exchange: str, after: str, limit: int, trades: bool = False) -> tuple[list[FeedEntry], str]:
    """Changes of the exchange's listings and of cross-listings of them, after cursor `after` ("0": from the
    start), in order, and the cursor to resume from.

    A cursor says what its reader has applied: the entries the feed held, up to and including that one, when it
    was served. If a reorg has since voided some of them, the reader first gets a retraction of each (newest
    first: undo it), then every entry of the feed as it now stands that it has not seen. A reader who never saw a
    voided entry never sees it or its retraction: whatever it reads, from 0 or any cursor, is the feed every index
    of this chain gives."""
    mine = or_(col(ListingChange.exchange) == exchange, col(ListingChange.origin_exchange) == exchange)
    # Trade entries only to the exchange itself (a signed request, or its webhooks), and only its own trades (a
    # cross-listing's trade is not its origin exchange's business).
    scope = or_(IS_LISTING_CHANGE, col(ListingChange.exchange) == exchange) if trades else IS_LISTING_CHANGE
    return _feed(db, and_(mine, scope), after, limit)


def party_feed(db: Session, party: str, after: str, limit: int) -> tuple[list[FeedEntry], str]:
    """The entries of the trades `party` recorded (as exchange), bought or sold, in feed order, from cursor
    `after`, with retractions as feed() gives them. Any cursor of the feed serves as a place in it."""
    mine = and_(not_(IS_LISTING_CHANGE), or_(col(ListingChange.exchange) == party, col(ListingChange.buyer) == party,
                                             col(ListingChange.seller) == party))
    return _feed(db, mine, after, limit)


def _feed(db: Session, mine: ColumnElement[bool], after: str, limit: int) -> tuple[list[FeedEntry], str]:
    live = col(ListingChange.retracted_in).is_(None)
    if after == "0":
        rows = db.exec(select(ListingChange).where(mine, live).order_by(col(ListingChange.position)).limit(limit)).all()
        served = [FeedEntry(r.cursor, r) for r in rows]
        return served, served[-1].cursor if served else after
    undone = after.endswith(UNDO)
    mark = db.exec(select(ListingChange).where(ListingChange.cursor == after.removesuffix(UNDO))).first()
    if mark is None:
        raise NotFound(f"Cursor '{after}' is not in this index's feed: it was given by an index of another chain, "
                       "or by one that has read further than this one has (GET /v1/status says how far this one has "
                       "got). Resume from a cursor this index gave, or from 0.")
    read: ColumnElement[bool] = (col(ListingChange.position) < mark.position if undone
                                 else col(ListingChange.position) <= mark.position)
    # What the reader applied and a reorg has voided since: retract it, newest first.
    voided = db.exec(select(ListingChange).where(mine, read, col(ListingChange.written_in) <= mark.written_in,
                                                 col(ListingChange.retracted_in) > mark.written_in)
                     .order_by(col(ListingChange.position).desc()).limit(limit)).all()
    served = [FeedEntry(v.cursor + UNDO, v, retracts=v.cursor) for v in voided]
    if len(served) < limit:
        # Then what it has not seen: entries after its position, and those written since a reorg went below it.
        unseen = not_(read) if mark.retracted_in is None and not undone else \
            or_(not_(read), col(ListingChange.written_in) > mark.written_in)
        rows = db.exec(select(ListingChange).where(mine, live, unseen).order_by(col(ListingChange.position))
                       .limit(limit - len(served))).all()
        served += [FeedEntry(r.cursor, r) for r in rows]
    return served, served[-1].cursor if served else after


def listing_floor(db: Session) -> tuple[dict[str, bool], int | None]:
    """The council's floor (IListingRegistry.ListingFloor, by its Solidity member names) as its latest
    ListingFloorSet event set it, and that event's block (None: never set, all false). Kept in the events table
    only, so a reorg that removes the event restores the floor before it."""
    row = db.exec(select(Event).where(Event.name == "ListingFloorSet")
                  .order_by(col(Event.block_number).desc(), col(Event.log_index).desc()).limit(1)).first()
    floor = json.loads(row.args_json)["floor"] if row else {}
    names = ("certificateRequired", "importantDataForbidden", "personalInformationForbidden")
    return {name: bool(floor.get(name)) for name in names}, row.block_number if row else None
