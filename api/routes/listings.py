"""Listings on exchanges, dual listings between them, and the change feed exchanges sync from."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Path, Query
from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from api.deps import ReaderDep, SessionDep
from api.params import MAX_DB_INTEGER, Limit, LongLimit, Offset
from api.schemas import (
    LegalStatusPublic,
    ListingApprovalPublic,
    ListingFeed,
    ListingFloorPublic,
    ListingPolicies,
    ListingPolicyPublic,
    ListingPublic,
    Page,
    WithdrawnConsentPublic,
)
from api.views.listings import approval_public, listing_public, withdrawn_consent_public
from api.webhooks import entry_public
from registry.chain.types import asset_id_hex, checksum
from registry.db import queries, registration
from registry.db.listings import CURSOR_PATTERN, feed, listing_floor
from registry.db.models import Asset, Listing, ListingApproval, Participant, WithdrawnConsent
from registry.errors import AccessDenied, NotFound, ValidationError
from registry.vocabulary import APPROVAL_STATUSES, DeliveryMode, ListingStatus, PriceModel, ProductForm, Role

router = APIRouter(prefix="/v1/listings", tags=["listings"])
#: The statuses a listing can have (NONE is no listing).
STATUSES = tuple(s.key for s in ListingStatus if s is not ListingStatus.NONE)
PRODUCT_FORMS = tuple(ProductForm.keys())
PRICE_MODELS = tuple(PriceModel.keys())
DELIVERY_MODES = tuple(DeliveryMode.keys())
HASH_PATTERN = r"^0x[0-9a-fA-F]{64}$"


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
    limit: Limit = 20,
    offset: Offset = 0,
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
    limit: LongLimit = 100,
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


@router.get("/approvals", response_model=Page[ListingApprovalPublic],
            summary="Holders' approvals of listings by transaction: in force, expired, revoked or used")
def list_approvals(
    db: SessionDep,
    holder: Annotated[Optional[str], Query(description="Approvals this holder gave.")] = None,
    exchange: Annotated[Optional[str], Query(description="Approvals for this exchange to list with.")] = None,
    asset: Annotated[Optional[str], Query(description="Approvals to list this asset.")] = None,
    status: Annotated[Optional[Literal[APPROVAL_STATUSES]], Query(description="in_force: the exchange may list "
                                                                  "with it now.")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[ListingApprovalPublic]:
    """A holder consents to a listing either by signing (a consent id, see GET /v1/listings/withdrawn-consents) or
    by its own `approveListing` transaction, usable by that exchange for that request until its end: an approval is
    in force until then unless the holder revoked it (`revokeApproval`) or the exchange used it (`listing_id`).
    Oldest first."""
    now = queries.now(db)
    query = select(ListingApproval)
    if holder:
        query = query.where(ListingApproval.holder == checksum(holder, "holder address"))
    if exchange:
        query = query.where(ListingApproval.exchange == checksum(exchange, "exchange address"))
    if asset:
        query = query.where(ListingApproval.asset_id == asset_id_hex(asset))
    if status == "revoked":
        query = query.where(col(ListingApproval.revoked))
    elif status == "used":
        query = query.where(col(ListingApproval.listing_id).is_not(None))
    elif status is not None:  # neither revoked nor used: in force or expired by its end (views.approval_status)
        standing = query.where(~col(ListingApproval.revoked), col(ListingApproval.listing_id).is_(None))
        query = standing.where(col(ListingApproval.valid_until) >= now if status == "in_force"
                               else col(ListingApproval.valid_until) < now)
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    rows = db.exec(query.order_by(col(ListingApproval.approved_block), col(ListingApproval.consent_hash))
                   .limit(limit).offset(offset)).all()
    names = _exchange_names(db, {row.exchange for row in rows})
    return Page(data=[approval_public(row, now, names.get(row.exchange)) for row in rows], count=count, limit=limit,
                offset=offset)


@router.get("/approvals/{consent_hash}", response_model=ListingApprovalPublic,
            summary="One approval by transaction, by its consent hash: whether it is in force")
def get_approval(consent_hash: Annotated[str, Path(pattern=HASH_PATTERN, description="ListingApproved's "
                                                                                      "`consentHash`.")],
                 db: SessionDep) -> ListingApprovalPublic:
    approval = db.get(ListingApproval, consent_hash.lower())
    if approval is None:
        raise NotFound(f"No approval {consent_hash} is in the index: the holder approves a listing with "
                       "`approveListing` (ListingApproved gives its consent hash).")
    return approval_public(approval, queries.now(db), _exchange_names(db, {approval.exchange}).get(approval.exchange))


@router.get("/withdrawn-consents", response_model=Page[WithdrawnConsentPublic],
            summary="Signed listing consents their holders withdrew")
def list_withdrawn_consents(
    db: SessionDep,
    holder: Annotated[Optional[str], Query(description="Consents this holder withdrew.")] = None,
    consent_id: Annotated[Optional[str], Query(pattern=r"^[0-9]{1,78}$", description="Only this consent id "
                                               "(decimal): is it withdrawn?")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[WithdrawnConsentPublic]:
    """A signed consent (EIP-712 `ListingConsent`) carries an id, its `nonce`; the holder withdraws ids not yet used
    with `withdrawConsents`, and an exchange listing with one is then refused (`ConsentUsed`). By holder, then
    consent id."""
    query = select(WithdrawnConsent)
    if holder:
        query = query.where(WithdrawnConsent.holder == checksum(holder, "holder address"))
    if consent_id is not None:
        if int(consent_id) >= 2**256:
            raise ValidationError(f"'consent_id' {consent_id} is past the largest consent id (2^256 - 1).",
                                  [{"field": "consent_id", "message": "at most 2^256 - 1"}])
        query = query.where(WithdrawnConsent.consent_id == str(int(consent_id)))
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    # Ids are uint256 in decimal: shorter first, then as text, is their numeric order.
    rows = db.exec(query.order_by(col(WithdrawnConsent.holder), func.length(WithdrawnConsent.consent_id),
                                  col(WithdrawnConsent.consent_id)).limit(limit).offset(offset)).all()
    used = {(l.holder, l.consent_id): l.listing_id for l in db.exec(select(Listing).where(
        tuple_(Listing.holder, Listing.consent_id).in_([(r.holder, r.consent_id) for r in rows]))).all()} if rows \
        else {}
    return Page(data=[withdrawn_consent_public(r, used.get((r.holder, r.consent_id))) for r in rows], count=count,
                limit=limit, offset=offset)


def _exchange_names(db: Session, exchanges: set[str]) -> dict[str, str]:
    return {p.account: p.name for p in db.exec(select(Participant).where(col(Participant.account).in_(exchanges)))}


@router.get("/{listing_id}", response_model=ListingPublic, summary="One listing, with whether it is valid now")
def get_listing(listing_id: Annotated[int, Path(ge=0, le=MAX_DB_INTEGER)], db: SessionDep) -> ListingPublic:
    listing = db.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"No listing {listing_id} is in the index.")
    return listing_public(db, listing, queries.now(db))
