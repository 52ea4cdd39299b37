"""The finance records of an asset as the index holds them (accounting commitments, capital contribution and
data-trust remarks), each optionally as of a confirmed block, and a page at a time."""
from __future__ import annotations

from sqlmodel import Session, col, select

from registry.db.models import AccountingRecord, FinanceRemark


def finance_remarks(db: Session, asset_id: str, block: int | None = None, limit: int | None = None,
                    offset: int = 0) -> list[FinanceRemark]:
    """The asset's remarks in the order they were recorded (by remark id, unique), `limit` of them from `offset`
    (all without); with `block`, those recorded by then, standing unless ended by then."""
    query = select(FinanceRemark).where(FinanceRemark.asset_id == asset_id)
    if block is not None:
        query = query.where(FinanceRemark.recorded_block <= block)
    rows = db.exec(query.order_by(col(FinanceRemark.remark_id)).limit(limit).offset(offset)).all()
    if block is None:
        return list(rows)
    shown = []
    for row in rows:
        if row.ended and row.ended_block is not None and row.ended_block > block:
            row = FinanceRemark.model_validate(row.model_dump() | {"ended": False, "end_evidence_cid": None,
                                                                   "ended_at": None, "ended_block": None})
        shown.append(row)
    return shown


def accounting_records(db: Session, asset_id: str, block: int | None = None, limit: int | None = None,
                       offset: int = 0) -> list[AccountingRecord]:
    """Each holder's latest accounting record of the asset, by the block it was recorded in, then holder (one
    record per holder: a stable order), `limit` of them from `offset` (all without); with `block`, those whose
    latest revision was recorded by then (an earlier revision is in the history)."""
    query = select(AccountingRecord).where(AccountingRecord.asset_id == asset_id)
    if block is not None:
        query = query.where(AccountingRecord.recorded_block <= block)
    return list(db.exec(query.order_by(col(AccountingRecord.recorded_block), col(AccountingRecord.holder))
                        .limit(limit).offset(offset)).all())
