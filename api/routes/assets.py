"""Assets: search and detail, each answer with the evidence to check it on the chain."""
from __future__ import annotations

from typing import Annotated, Any, Optional

from fastapi import APIRouter, Query, Response
from sqlmodel import Session, select

from api.deps import ANONYMOUS, Reader, ReaderDep, Services, ServicesDep, SessionDep, asset_not_found, in_session
from api.params import Limit, MinConfirmations, Offset, confirmed_block
from api.schemas import AssetDetail, AssetSummary, LegalStatusPublic, Page, PartyNamePublic
from api.views.finance import accounting_records_public, finance_remarks_public
from api.views.listings import listing_public
from api.views.privacy import WITHHELD_HEADER, Audience
from api.views.record import change_application_public, freeze_orders_public, versions_public
from api.views.registration import attestations_public, registration_public, remarks_public
from registry import rules
from registry.chain.types import asset_id_hex, checksum
from registry.db import as_of, names, queries, registration
from registry.db.authorisations import standing_of
from registry.db.models import Asset, FreezeOrder, Listing
from registry.errors import NotFound, ValidationError
from registry.vocabulary import Classification, RightKind

router = APIRouter(prefix="/v1/assets", tags=["assets"])

#: Rights shown in an asset's detail, lowest numbers first (the primary rights and the earliest grants): an asset
#: may have thousands of grants; `right_count` says how many, and GET /v1/assets/{id}/rights pages through all.
RIGHTS_IN_DETAIL = 100


def _classification(value: str | None) -> int | None:
    if value is None:
        return None
    names = {c.name.lower(): c.value for c in Classification}
    code = names.get(value.strip().lower())
    if code is None and value.strip() in {str(v) for v in names.values()}:
        code = int(value.strip())
    if code is None:
        raise ValidationError(f"Unknown classification '{value}': use general, important or core (or 0, 1, 2).",
                              [{"field": "classification", "message": "general, important or core"}])
    return code


@router.get("", response_model=Page[AssetSummary], summary="Search assets")
def list_assets(
    db: SessionDep,
    holder: Annotated[Optional[str], Query(description="Assets in which this address holds a right.")] = None,
    kind: Annotated[Optional[str], Query(description="holding | usage | operating; with holder: of this kind.")] = None,
    classification: Annotated[Optional[str], Query(description="general | important | core")] = None,
    registrant: Annotated[Optional[str], Query(description="Assets registered by this address.")] = None,
    q: Annotated[Optional[str], Query(max_length=200, description="Text in the name or summary.")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[AssetSummary]:
    rows, count = queries.list_assets(
        db,
        holder=checksum(holder, "holder address") if holder else None,
        kind=RightKind.parse(kind) if kind else None,
        classification=_classification(classification),
        registrant=checksum(registrant, "registrant address") if registrant else None,
        text=q,
        limit=limit,
        offset=offset,
    )
    legal = registration.legal_statuses(db, list(rows), queries.now(db))
    return Page(data=[AssetSummary.of(a, legal[a.asset_id]) for a in rows], count=count, limit=limit, offset=offset)


@router.get("/{asset_id}", response_model=AssetDetail, summary="One asset, its rights, lineage and evidence")
async def get_asset(asset_id: str, services: ServicesDep, reader: ReaderDep, response: Response,
                    min_confirmations: MinConfirmations = None) -> AssetDetail:
    """The metadata's contact details, the application documents and objections' evidence are shown to the
    parties entitled to them (a signed read request); for others they are left out and the DataReg-Withheld
    header names them."""
    withheld: list[str] = []
    detail = await in_session(services, asset_detail, asset_id, services, min_confirmations, reader, withheld)
    if withheld:
        response.headers[WITHHELD_HEADER] = ", ".join(withheld)
    return detail


def asset_detail(db: Session, asset_id: str, services: Services, min_confirmations: int | None,
                 reader: Reader = ANONYMOUS, withheld: list[str] | None = None) -> AssetDetail:
    # The asset with the checkpoint, the clock, its registration event and registration, and which of its other
    # sections have rows, in one query; then its first rights and its lineage; a section with rows (listings,
    # pledges, attestations, objections) is read only then.
    overview = queries.asset_overview(db, asset_id_hex(asset_id))
    if overview is None:
        raise asset_not_found(asset_id)
    asset, head, now, event = overview.asset, overview.head_block, overview.now, overview.event
    confirmed = confirmed_block(db, min_confirmations)
    rights = queries.right_states(db, asset, now, first=RIGHTS_IN_DETAIL)
    current = None
    then = None  # the asset as of the confirmed block, when it changed since; None: the index's current rows
    if confirmed is not None:
        if asset.registered_block > confirmed:
            raise NotFound(
                f"Asset '{asset.asset_id}' was registered in block {asset.registered_block}, which has "
                f"{head - asset.registered_block + 1} confirmation(s): fewer than the {min_confirmations} asked for. "
                f"Ask again once block {asset.registered_block + min_confirmations - 1} is mined, or ask for fewer.")
        if as_of.changed_after(db, asset.asset_id, confirmed):
            # The asset changed in the blocks left out: show it as it stood after the last confirmed block.
            then = services.as_of(db, asset.asset_id, confirmed)
            asset = then.asset
            current = {s.right.right_index: s.right for s in rights}
            rights = queries.rights_at(db, asset, confirmed, queries.block_time(db, confirmed) or now)
            rights = sorted(rights, key=lambda s: s.right.right_index)[:RIGHTS_IN_DETAIL]
    sources, derived = queries.lineage(db, asset.asset_id, asset.derived)
    if then is not None:
        listings, pledges, reg = then.listings, then.pledges, then.registration
        objections, attestations = then.objections, then.attestations
        orders, versions, change, read_change = then.freeze_orders, then.versions, then.change_application, False
    else:
        listings = db.exec(select(Listing).where(Listing.asset_id == asset.asset_id)
                           .order_by(Listing.listing_id)).all() if overview.has_listings else []
        pledges = None if overview.has_pledges else []
        reg = overview.registration
        objections = None if overview.has_objections else []
        attestations = None if overview.has_attestations else []
        orders = None if overview.has_freeze_orders else []
        versions, change, read_change = None, None, overview.has_change_application
    audience = Audience(db, reader)
    document = queries.metadata_document(asset)
    detail = AssetDetail.build(
        asset,
        rights=rights,
        sources=[s for s in sources if confirmed is None or s.block_number <= confirmed],
        derived=[d for d in derived if confirmed is None or d.block_number <= confirmed],
        metadata=audience.metadata(document, lambda: audience.parties(asset.asset_id)),
        event=event,
        chain_id=services.deployment.chain_id,
        contract=services.deployment.registry,
        indexed_block=overview.indexed_block,
        head_block=head,
        confirmed_block=confirmed,
        current=current,
    )
    legal = LegalStatusPublic.of(_legal_status(db, asset, now, reg, then, confirmed, overview))
    detail.legal_status = legal
    detail.listings = [listing_public(db, listing, now, legal) for listing in listings]
    detail.remarks = remarks_public(db, asset, pledges)
    detail.registration = registration_public(db, asset, reg, now, objections, legal, audience) if reg else None
    detail.attestations = attestations_public(db, asset, now, attestations)
    detail.freeze_orders = freeze_orders_public(db, asset, orders)
    detail.versions = versions_public(db, asset, versions)
    detail.change_application = change_application_public(db, asset, change, read=read_change, audience=audience)
    detail.public_data = _public_data(db, asset, now)
    if asset.personal_information and document is not None:
        detail.personal_information_basis_given = bool(document.get("personal_information_basis"))
    # An asset without rows has none as of any block either.
    detail.finance_remarks = finance_remarks_public(db, asset.asset_id, confirmed) \
        if overview.has_finance_remarks else []
    detail.accounting_records = accounting_records_public(db, asset.asset_id, confirmed) \
        if overview.has_accounting_records else []
    detail.names = {address: PartyNamePublic(**party.public())
                    for address, party in names.resolve(db, _addresses(detail), [asset]).items()}
    if withheld is not None:
        withheld.extend(audience.withheld)
    return detail


def _addresses(detail: AssetDetail) -> list[str]:
    """Every address the asset's answer shows."""
    found = [detail.registrant, detail.submitter]
    for r in detail.rights:
        found += [r.holder, r.terms.grantor if r.terms else None, r.revocation.revoked_by if r.revocation else None]
    for listing in detail.listings:
        found += [listing.exchange, listing.holder]
    if detail.remarks:
        found += [a for p in detail.remarks.pledges for a in (p.pledgee, p.registrar)]
    if detail.registration:
        found += [detail.registration.applicant, detail.registration.registrar,
                  *(o.objector for o in detail.registration.objections)]
    found += [a.issuer for a in detail.attestations]
    found += [a for o in detail.freeze_orders for a in (o.regulator, o.released_by)]
    if detail.change_application:
        found += [detail.change_application.applicant, detail.change_application.registrar]
    for r in detail.finance_remarks:
        found += [r.holder, r.counterparty, *r.beneficiaries]
    found += [a for record in detail.accounting_records for a in (record.holder, record.auditor)]
    return [a for a in found if a]


def _legal_status(db: Session, asset, now: int, reg, then, confirmed: int | None,
                  overview: queries.AssetOverview) -> rules.LegalState:
    """The legal status now, or, for an answer as of a confirmed block (`then`), from the rows as they stood
    after it: the replayed application, pledges and objections, and the freeze orders standing then."""
    if then is None:
        if overview.has_freeze_orders or overview.has_pledges or overview.has_objections:
            return registration.legal_status(db, asset, now, reg)
        # No freeze order, pledge or objection (most assets): nothing to read but its public standing; `reg` is
        # the registration the overview found, or None if it has none.
        return rules.legal_status(asset, reg, [], [], [], now, public=standing_of(db, asset))
    # Standing then, whatever became of them since: copies, so the session's rows are left as they are.
    block = confirmed or 0
    orders = [FreezeOrder.model_validate(o.model_dump() | {"active": True})
              for o in db.exec(select(FreezeOrder).where(FreezeOrder.asset_id == asset.asset_id)).all()
              if o.ordered_block <= block and (o.released_block is None or o.released_block > block)]
    return rules.legal_status(asset, reg, orders, list(then.pledges), list(then.objections), now)


def _public_data(db: Session, asset: Asset, now: int) -> dict[str, Any] | None:
    """The public-data authorisation an asset is under and whether it is in force now (issue 21)."""
    from api.views.authorisations import authorisation_public
    from registry.db.models import PublicAuthorisation
    if asset.public_authorisation_id is None:
        return None
    row = db.get(PublicAuthorisation, asset.public_authorisation_id)
    if row is None:
        return {"authorisation_id": asset.public_authorisation_id, "status": "authorisation_not_found",
                "in_force": False}
    a = authorisation_public(row, now)
    return {"authorisation_id": a.authorisation_id, "authority": a.authority, "operator": a.operator,
            "status": a.status, "in_force": a.in_force, "valid_until": a.valid_until,
            "revocation_reason": a.revocation_reason, "revoked_at": a.revoked_at, "revoked_tx": a.revoked_tx}
