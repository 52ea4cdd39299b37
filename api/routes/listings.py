"""Listings on exchanges, dual listings between them, and the change feed exchanges sync from."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Path, Query
from sqlalchemy import func
from sqlmodel import select

from api.deps import ReaderDep, SessionDep
from api.params import MAX_DB_INTEGER, MAX_INT64
from api.schemas import (
    LegalStatusPublic,
    ListingFeed,
    ListingFloorPublic,
    ListingPolicies,
    ListingPolicyPublic,
    ListingPublic,
    Page,
)
from api.views.listings import listing_public
from api.webhooks import entry_public
from registry.chain.types import asset_id_hex, checksum
from registry.db import queries, registration
from registry.db.listings import CURSOR_PATTERN, feed, listing_floor
from registry.db.models import Asset, Listing, Participant
from registry.errors import AccessDenied, NotFound
from registry.vocabulary import DeliveryMode, ListingStatus, PriceModel, ProductForm, Role

router = APIRouter(prefix="/v1/listings", tags=["listings"])
#: The statuses a listing can have (NONE is no listing).
STATUSES = tuple(s.key for s in ListingStatus if s is not ListingStatus.NONE)
PRODUCT_FORMS = tuple(ProductForm.keys())
PRICE_MODELS = tuple(PriceModel.keys())
DELIVERY_MODES = tuple(DeliveryMode.keys())


@router.get("", response_model=Page[ListingPublic], summary="Listings, filtered")
def list_listings(
    db: SessionDep,
    exchange: Annotated[Optional[str], Query(description="Listings on this exchange.")] = None,
    asset: Annotated[Optional[str], Query(description="Listings of this asset.")] = None,
    status: Annotated[Optional[Literal[STATUSES]], Query()] = None,
    product_form: Annotated[Optional[Literal[PRODUCT_FORMS]], Query(description="Issue 17: of this product form "
                                                                     "(数据集 dataset, 数据接口 data_interface, "
                                                                     "模型 model, 报告 report).")] = None,
    price_model: Annotated[Optional[Literal[PRICE_MODELS]], Query(description="Priced this way.")] = None,
    delivery_mode: Annotated[Optional[Literal[DELIVERY_MODES]], Query(description="Delivered (among others) "
                                                                      "this way.")] = None,
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
    if product_form:
        query = query.where(Listing.product_form == ProductForm.from_key(product_form))
    if price_model:
        query = query.where(Listing.price_model == PriceModel.from_key(price_model))
    if delivery_mode:
        query = query.where(Listing.delivery_modes.op("&")(DeliveryMode.from_key(delivery_mode).value) != 0)
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


@router.get("/policies", response_model=ListingPolicies, summary="上架审核: the council's floor and each exchange's "
            "listing policy")
def listing_policies(db: SessionDep) -> ListingPolicies:
    """What `list` checks beyond consent (IListingRegistry): core data is never listed; important data and
    personal information only with a valid compliance certification of the asset's current version; an exchange
    trading across borders refuses export-restricted assets; an uncertified asset only where the exchange's
    policy allows it and the floor does not require certificates. An exchange that never set a policy has the
    strict default (both false)."""
    floor, set_block = listing_floor(db)
    return ListingPolicies(floor=ListingFloorPublic(
        certificate_required=floor["certificateRequired"], important_data_forbidden=floor["importantDataForbidden"],
        personal_information_forbidden=floor["personalInformationForbidden"], set_block=set_block), exchanges=[
        ListingPolicyPublic(exchange=p.account, exchange_name=p.name, allow_uncertified=p.listing_allow_uncertified,
                            cross_border=p.listing_cross_border)
        for p in db.exec(select(Participant).where(Participant.role == Role.EXCHANGE)
                         .order_by(Participant.account)).all()])


@router.get("/{listing_id}", response_model=ListingPublic, summary="One listing, with whether it is valid now")
def get_listing(listing_id: Annotated[int, Path(ge=0, le=MAX_DB_INTEGER)], db: SessionDep) -> ListingPublic:
    listing = db.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"No listing {listing_id} is in the index.")
    return listing_public(db, listing, queries.now(db))
