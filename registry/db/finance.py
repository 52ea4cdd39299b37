"""The finance records of an asset as the index holds them (accounting commitments, capital contribution and
data-trust remarks), each optionally as of a confirmed block."""
from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from registry.db.models import AccountingRecord, FinanceRemark


def finance_remarks(db: Session, asset_id: str, block: int | None = None) -> list[FinanceRemark]:
    """The asset's remarks in the order they were recorded; with `block`, those recorded by then, standing
    unless ended by then."""
    rows: Sequence[FinanceRemark] = db.exec(select(FinanceRemark).where(FinanceRemark.asset_id == asset_id)
                                            .order_by(col(FinanceRemark.remark_id))).all()
    if block is None:
        return list(rows)
    shown = []
    for row in rows:
        if row.recorded_block > block:
            continue
        if row.ended and row.ended_block is not None and row.ended_block > block:
            row = FinanceRemark.model_validate(row.model_dump() | {"ended": False, "end_evidence_cid": None,
                                                                   "ended_at": None, "ended_block": None})
        shown.append(row)
    return shown


def accounting_records(db: Session, asset_id: str, block: int | None = None) -> list[AccountingRecord]:
    """Each holder's latest accounting record of the asset (with `block`: those whose latest revision was
    recorded by then; an earlier revision is in the history)."""
    rows = db.exec(select(AccountingRecord).where(AccountingRecord.asset_id == asset_id)
                   .order_by(col(AccountingRecord.recorded_block), col(AccountingRecord.holder))).all()
    return [r for r in rows if block is None or r.recorded_block <= block]
