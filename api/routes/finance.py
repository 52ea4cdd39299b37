"""Finance records of assets (issue 21, 数据资产入表): accounting documents, private to the holder and its
auditor and checked against their on-chain commitment, and capital contribution and data-trust remarks."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import ReaderDep, ServicesDep, SessionDep, load_asset
from api.errors import body_for, status_for
from api.params import LongLimit, Offset
from api.schemas import AccountingDocumentPublic, AccountingDocumentStored, AccountingRecordPublic, FinanceRemarkPublic
from api.views.finance import accounting_record_public, accounting_records_public, finance_remarks_public
from api.views.privacy import WITHHELD_HEADER
from registry import finance
from registry.chain import read_request
from registry.chain.types import checksum
from registry.content.cid import cid_to_digest, digest_to_cid
from registry.content.private import EncryptedContentStore
from registry.db.models import AccountingRecord
from registry.errors import (
    AuthenticationRequired,
    CommitmentMismatch,
    ConfigurationError,
    ContentError,
    ContentNotFound,
    NotFound,
    RegistryError,
)

router = APIRouter(prefix="/v1", tags=["finance"])

#: Who may read an accounting document, as refusals say it.
ACCOUNTING_READERS = "the holder whose record it is and the auditor that record names"


def accounting_store(services: ServicesDep) -> EncryptedContentStore:
    """Accounting documents: encrypted like application documents, but in a store of their own, so that GET
    /v1/content (which serves private documents to regulators) never finds them."""
    if services.private_store is None:
        raise ConfigurationError("This API has no private document store, so it keeps no accounting documents.")
    return services.private_store.sibling("accounting")


@router.post("/accounting/documents", response_model=AccountingDocumentStored, status_code=201,
             summary="Store a private accounting document (数据资产入表) to commit to on chain")
def put_accounting_document(services: ServicesDep, document: dict[str, Any] = Body(...)) -> AccountingDocumentStored:
    """Validates the document (category, cost basis, useful life, amortisation method, impairments; a 422 names
    every problem), adds a random salt if it has none, stores its canonical bytes encrypted and returns its CID
    and digest: the holder then calls FinanceRecords.recordAccounting(assetId, rightIndex, auditor, digest)
    (`datareg accounting record` does both). Only the holder and the auditor it names can read it back."""
    parsed = finance.parse_accounting(document)
    data = finance.canonical_bytes(parsed)
    cid = accounting_store(services).put(data)
    return AccountingDocumentStored(cid=cid, digest="0x" + cid_to_digest(cid).hex(), size=len(data),
                                    document=parsed.model_dump(mode="json", by_alias=True, exclude_none=True))


@router.get("/assets/{asset_id}/accounting", response_model=list[AccountingRecordPublic],
            summary="The asset's accounting records: holders, auditors and commitments")
def list_accounting(
    asset_id: str,
    db: SessionDep,
    limit: Annotated[LongLimit, Query(description="At most this many, in the list's order.")] = 1000,
    offset: Offset = 0,
) -> list[AccountingRecordPublic]:
    asset = load_asset(db, asset_id)
    return accounting_records_public(db, asset.asset_id, limit=limit, offset=offset)


@router.get("/assets/{asset_id}/finance-remarks", response_model=list[FinanceRemarkPublic],
            summary="The asset's capital contribution (作价出资) and data-trust (数据信托) remarks")
def list_finance_remarks(
    asset_id: str,
    db: SessionDep,
    limit: Annotated[LongLimit, Query(description="At most this many, in the list's order.")] = 1000,
    offset: Offset = 0,
) -> list[FinanceRemarkPublic]:
    asset = load_asset(db, asset_id)
    return finance_remarks_public(db, asset.asset_id, limit=limit, offset=offset)


@router.get("/assets/{asset_id}/accounting/{holder}", response_model=AccountingDocumentPublic,
            summary="A holder's accounting document, checked against its on-chain commitment",
            responses={401: {"description": "No signed read request: the document is withheld"},
                       403: {"description": "The reader is neither the holder nor its auditor"},
                       409: {"description": "The stored document is not the one committed to on chain"}})
async def get_accounting_document(asset_id: str, holder: str, services: ServicesDep, db: SessionDep,
                                  reader: ReaderDep) -> Any:
    """For the holder and the auditor its record names, proven by a signed read request (`Authorization:
    DataReg-EIP712 ...`, `datareg accounting show --key`). The commitment and the auditor are read from the
    FinanceRecords contract now (not the index, which may lag); the document is refused (409) unless its CID is
    that commitment. Anyone else gets 401 or 403 with the DataReg-Withheld header naming `document`."""
    asset = load_asset(db, asset_id)
    holder = checksum(holder, "holder address")
    row = db.get(AccountingRecord, (asset.asset_id, holder))
    digest, auditor, revision = await run_in_threadpool(_commitment, services, asset.asset_id, holder)
    if revision == 0 or row is None:
        raise NotFound(f"{holder} has no accounting record of asset {asset.asset_id}"
                       + (" in the index yet: wait a moment (GET /v1/status)." if revision else
                          ": the holder records one with `datareg accounting record`."))
    readers = {holder} | ({auditor} if int(auditor, 16) else set())
    if reader.address not in readers:
        return _withheld(reader.refusal(f"the accounting document of {holder} for asset {asset.asset_id}",
                                        ACCOUNTING_READERS))
    cid = digest_to_cid(digest)
    try:
        data = await run_in_threadpool(accounting_store(services).get, cid)
    except ContentNotFound:
        raise NotFound(f"The accounting document {cid} committed on chain was never stored here: the holder stores "
                       "it with POST /v1/accounting/documents (`datareg accounting record` does).") from None
    except ContentError:
        raise CommitmentMismatch(f"The stored accounting document {cid} does not match its on-chain commitment "
                                 "(it was altered on disk, or does not decrypt with this server's key): it is not "
                                 "served. The holder can store the committed document again.") from None
    try:
        document = finance.committed_document(data, cid, asset.asset_id, holder)
    except RegistryError as exc:
        raise CommitmentMismatch(str(exc)) from None
    record = accounting_record_public(row)
    if record.document_cid != cid:  # the index lags the chain: say what the chain says
        record = record.model_copy(update={"document_cid": cid, "revision": revision,
                                           "auditor": auditor if int(auditor, 16) else None})
    return JSONResponse(
        AccountingDocumentPublic(asset_id=asset.asset_id, record=record, verified=True,
                                 document=document).model_dump(mode="json"),
        headers={"Cache-Control": "private, no-store"})


def _commitment(services: ServicesDep, asset_id: str, holder: str) -> tuple[bytes, str, int]:
    """FinanceRecords.getAccounting now: the commitment's digest, the auditor, the revision (0: none)."""
    contract = services.chain.contracts.get("FinanceRecords")
    if contract is None:
        raise ConfigurationError("This deployment has no FinanceRecords contract: redeploy with the current "
                                 "contracts to record accounting.")
    digest, auditor, revision, _ = contract.functions.getAccounting(bytes.fromhex(asset_id[2:]), holder).call()
    return bytes(digest), str(auditor), int(revision)


def _withheld(refusal: Exception) -> JSONResponse:
    """The refusal as the API answers it, with the DataReg-Withheld header naming what was left out."""
    assert isinstance(refusal, RegistryError)
    headers = {WITHHELD_HEADER: "document"}
    if isinstance(refusal, AuthenticationRequired):
        headers["WWW-Authenticate"] = f'{read_request.SCHEME} realm="datareg", error="{refusal.code}"'
    return JSONResponse(status_code=status_for(refusal), content=body_for(refusal), headers=headers)
