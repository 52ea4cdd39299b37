"""Finance records as the API answers them: capital contribution and data-trust remarks, and the public part of
accounting records (the documents themselves are served by api/routes/finance.py to their readers only)."""
from __future__ import annotations

import json

from sqlmodel import Session

from api.schemas import AccountingRecordPublic, FinanceRemarkPublic, iso
from registry.db import finance
from registry.db.models import AccountingRecord, FinanceRemark
from registry.vocabulary import FinanceRemarkKind


def finance_remark_public(r: FinanceRemark) -> FinanceRemarkPublic:
    return FinanceRemarkPublic(
        remark_id=r.remark_id, kind=r.kind, kind_zh=FinanceRemarkKind.from_key(r.kind).zh, holder=r.holder,
        counterparty=r.counterparty, beneficiaries=json.loads(r.beneficiaries), document_cid=r.document_cid,
        effective_from=iso(r.effective_from), effective_until=iso(r.effective_until),
        status="ended" if r.ended else "standing", end_evidence_cid=r.end_evidence_cid, ended_at=iso(r.ended_at),
        recorded_at=iso(r.recorded_at), recorded_block=r.recorded_block, recorded_tx=r.recorded_tx)


def accounting_record_public(r: AccountingRecord) -> AccountingRecordPublic:
    return AccountingRecordPublic(holder=r.holder, auditor=r.auditor, document_cid=r.document_cid,
                                  revision=r.revision, recorded_at=iso(r.recorded_at), recorded_block=r.recorded_block,
                                  recorded_tx=r.recorded_tx)


def finance_remarks_public(db: Session, asset_id: str, block: int | None = None, limit: int | None = None,
                           offset: int = 0) -> list[FinanceRemarkPublic]:
    return [finance_remark_public(r) for r in finance.finance_remarks(db, asset_id, block, limit, offset)]


def accounting_records_public(db: Session, asset_id: str, block: int | None = None, limit: int | None = None,
                              offset: int = 0) -> list[AccountingRecordPublic]:
    return [accounting_record_public(r) for r in finance.accounting_records(db, asset_id, block, limit, offset)]
