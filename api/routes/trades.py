"""Trades exchanges recorded on their listings (交易存证): by party or asset, or one by its certificate number."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Path, Query
from sqlalchemy import func
from sqlmodel import select

from api.deps import SessionDep
from api.params import MAX_INT64
from api.schemas import Page, TradePublic, iso
from registry.chain.types import asset_id_hex, checksum
from registry.db.models import Trade
from registry.errors import NotFound
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
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0,
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


@router.get("/{exchange}/{number}", response_model=TradePublic, summary="One trade, by its certificate number")
def get_trade(exchange: str, number: Annotated[str, Path(max_length=24)], db: SessionDep) -> TradePublic:
    row = db.exec(select(Trade).where(Trade.exchange == checksum(exchange, "exchange address"),
                                      Trade.number == number)).first()
    if row is None:
        raise NotFound(f"Exchange {exchange} recorded no trade numbered '{number}'.")
    return trade_public(row)
