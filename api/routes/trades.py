"""Trades exchanges recorded on their listings (交易存证): by party or asset, or one by its certificate number."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Path, Query
from sqlalchemy import func
from sqlmodel import select

from api.deps import ReaderDep, SessionDep
from api.params import Limit, LongLimit, Offset
from api.schemas import ListingFeed, Page, TradePublic, iso
from api.webhooks import entry_public
from registry.chain.types import asset_id_hex, checksum
from registry.db.listings import CURSOR_PATTERN, party_feed
from registry.db.models import Trade
from registry.errors import AccessDenied, NotFound
from registry.vocabulary import SettlementStatus

router = APIRouter(prefix="/v1/trades", tags=["trades"])


def trade_public(row: Trade) -> TradePublic:
    return TradePublic(
        exchange=row.exchange, number=row.number, year=row.year, serial=row.serial, listing_id=row.listing_id,
        asset_id=row.asset_id, seller=row.seller, buyer=row.buyer, right_index=row.right_index,
        parent_index=row.parent_index, price_amount=row.price_amount, currency=row.currency,
        price_hash=row.price_hash, contract_cid=row.contract_cid, delivery_cid=row.delivery_cid,
        settlement=SettlementStatus(row.settlement).key, recorded_at=iso(row.recorded_at),
        recorded_block=row.recorded_block, recorded_tx=row.recorded_tx)


@router.get("", response_model=Page[TradePublic], summary="Trades, filtered by exchange, buyer, seller or asset")
def list_trades(
    db: SessionDep,
    exchange: Annotated[Optional[str], Query(description="Trades this exchange recorded.")] = None,
    buyer: Annotated[Optional[str], Query()] = None,
    seller: Annotated[Optional[str], Query()] = None,
    asset: Annotated[Optional[str], Query(description="Trades of this asset.")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[TradePublic]:
    query = select(Trade)
    if exchange:
        query = query.where(Trade.exchange == checksum(exchange, "exchange address"))
    if buyer:
        query = query.where(Trade.buyer == checksum(buyer, "buyer address"))
    if seller:
        query = query.where(Trade.seller == checksum(seller, "seller address"))
    if asset:
        query = query.where(Trade.asset_id == asset_id_hex(asset))
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    rows = db.exec(query.order_by(Trade.recorded_block, Trade.exchange, Trade.year, Trade.serial)
                   .limit(limit).offset(offset)).all()
    return Page(data=[trade_public(row) for row in rows], count=count, limit=limit, offset=offset)


@router.get("/feed", response_model=ListingFeed, summary="Your trades' entries, in feed order, resumable (signed)")
def trade_feed(
    db: SessionDep,
    reader: ReaderDep,
    party: Annotated[str, Query(description="The exchange, buyer or seller whose trades to follow: the signer.")],
    after: Annotated[str, Query(pattern=CURSOR_PATTERN, description="The cursor of the last entry applied (or "
                                "`next_cursor`); 0 from the start.")] = "0",
    limit: LongLimit = 100,
) -> ListingFeed:
    """The entries of the trades `party` recorded (as exchange), bought or sold: trade_recorded,
    trade_settlement_changed and trade_delivered, each once, in chain order, with the listing feed's cursors and
    retractions after a reorg (GET /v1/listings/feed says how to read them). Only the party itself reads it, with
    a signed read request (Authorization: DataReg-EIP712): 401 without, 403 signed by another account."""
    address = checksum(party, "party address")
    if reader.address is None:
        raise reader.refusal("a party's trade feed", "the exchange, buyer or seller itself")
    if reader.address != address:
        raise AccessDenied(f"{reader.address} signed for the trade feed of {address}: a party reads only its own "
                           "trades' entries.")
    entries, next_cursor = party_feed(db, address, after, limit)
    return ListingFeed(data=[entry_public(e) for e in entries], next_cursor=next_cursor)


@router.get("/{exchange}/{number}", response_model=TradePublic, summary="One trade, by its certificate number")
def get_trade(exchange: str, number: Annotated[str, Path(max_length=24)], db: SessionDep) -> TradePublic:
    row = db.exec(select(Trade).where(Trade.exchange == checksum(exchange, "exchange address"),
                                      Trade.number == number)).first()
    if row is None:
        raise NotFound(f"Exchange {exchange} recorded no trade numbered '{number}'.")
    return trade_public(row)
