"""Listings on exchanges, dual listings between them, and the change feed exchanges sync from."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Path, Query
from sqlalchemy import func
from sqlmodel import select

from api.deps import ReaderDep, SessionDep
from api.params import MAX_DB_INTEGER, MAX_INT64
from api.schemas import LegalStatusPublic, ListingFeed, ListingPublic, Page
from api.views.listings import listing_public
from api.webhooks import entry_public
from registry.chain.types import asset_id_hex, checksum
from registry.db import queries, registration
from registry.db.listings import CURSOR_PATTERN, feed
from registry.db.models import Asset, Listing
from registry.errors import AccessDenied, NotFound
from registry.vocabulary import ListingStatus

router = APIRouter(prefix="/v1/listings", tags=["listings"])
#: The statuses a listing can have (NONE is no listing).
STATUSES = tuple(s.key for s in ListingStatus if s is not ListingStatus.NONE)


@router.get("", response_model=Page[ListingPublic], summary="Listings, filtered")
def list_listings(
    db: SessionDep,
    exchange: Annotated[Optional[str], Query(description="Listings on this exchange.")] = None,
    asset: Annotated[Optional[str], Query(description="Listings of this asset.")] = None,
    status: Annotated[Optional[Literal[STATUSES]], Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0,
) -> Page[ListingPublic]:
    query = select(Listing)
    if exchange:
        query = query.where(Listing.exchange == checksum(exchange, "exchange address"))
    if asset:
        query = query.where(Listing.asset_id == asset_id_hex(asset))
    if status:
        query = query.where(Listing.status == ListingStatus.from_key(status))
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    rows = db.exec(query.order_by(Listing.listing_id).limit(limit).offset(offset)).all()
    now = queries.now(db)
    assets = [a for a in (db.get(Asset, i) for i in {row.asset_id for row in rows}) if a is not None]
    legal = {i: LegalStatusPublic.of(state) for i, state in registration.legal_statuses(db, assets, now).items()}
    return Page(data=[listing_public(db, row, now, legal.get(row.asset_id)) for row in rows], count=count,
                limit=limit, offset=offset)


@router.get("/feed", response_model=ListingFeed, summary="Listing changes for an exchange, in order, resumable")
def listing_feed(
    db: SessionDep,
    reader: ReaderDep,
    exchange: Annotated[str, Query(description="The exchange whose catalogue to sync: changes of its listings "
                                               "and of cross-listings of them on other exchanges.")],
    after: Annotated[str, Query(pattern=CURSOR_PATTERN, description="The cursor of the last change applied (or "
                                "`next_cursor`); 0 from the start.")] = "0",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ListingFeed:
    """Every change exactly once, in chain order: apply them and remember `next_cursor`. Each change carries the
    block, transaction and log of the event that caused it, and that block's time. A change caused by time (a
    right's term ending) has no block or transaction: its timestamp is the moment the consent lapsed, its place
    in the feed that moment, and it appears once the indexer reaches the first block past that moment. Every
    index of the same chain serves the same changes with the same cursors. After a reorg, a reader whose cursor
    shows it applied changes the reorg voided first gets their retractions, then the new chain's changes.

    Access: anyone may read it without a signature: it then holds only public listing changes, which GET
    /v1/listings shows too. With a signed read request (Authorization: DataReg-EIP712) the reader must be the
    exchange itself (another signer gets 403, so an exchange that signs knows it reads its own feed), and the feed
    also holds the exchange's trades (trade_recorded, trade_settlement_changed, trade_delivered), in their places;
    a catalogue skips them. The cursors are the same either way."""
    address = checksum(exchange, "exchange address")
    if reader.address is not None and reader.address != address:
        raise AccessDenied(f"{reader.address} signed for the feed of {address}: a signed feed request is the "
                           "exchange's own; read another exchange's public feed without a signature.")
    changes, next_cursor = feed(db, address, after, limit, trades=reader.address == address)
    return ListingFeed(data=[entry_public(e) for e in changes], next_cursor=next_cursor)


@router.get("/{listing_id}", response_model=ListingPublic, summary="One listing, with whether it is valid now")
def get_listing(listing_id: Annotated[int, Path(ge=0, le=MAX_DB_INTEGER)], db: SessionDep) -> ListingPublic:
    listing = db.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"No listing {listing_id} is in the index.")
    return listing_public(db, listing, queries.now(db))
