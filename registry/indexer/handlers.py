"""One plain function per registry event, applying it to the current-state tables.

Handlers are pure projections of events: given the same events in the same order they produce the same
rows, which is what lets a reorg be undone by deleting events and replaying what remains.
"""
from __future__ import annotations

import json
from typing import Callable, Protocol

from sqlmodel import Session, select

from registry.chain.events import DecodedEvent
from registry.chain.types import (
    ATTR_DERIVED,
    ATTR_EXPORT,
    ATTR_PERSONAL,
    ATTR_SENSITIVE,
    PRIMARY_RIGHTS,
)
from registry.content.cid import digest_to_cid
from registry.db.models import (
    RIGHT_STATE_FIELDS,
    Asset,
    Attestation,
    Lineage,
    Listing,
    Objection,
    Participant,
    Pledge,
    Registration,
    Right,
    RightVersion,
)
from registry.errors import IndexerError


class MetadataLookup(Protocol):
    def __call__(self, cid: str) -> dict | None: ...



# A batch of events is applied without autoflush, so a handler cannot rely on the database to see rows that
# earlier events of the same batch created or changed; every row a handler creates or reads goes through this
# per-session cache instead. It is what lets a batch be written in one flush: the index's write path.
def _cache(db: Session) -> dict:
    return db.info.setdefault("rows", {})


def cached(db: Session, model: type, key):
    """The row of `model` with primary key `key`: from this batch if it was created or read in it."""
    rows = _cache(db)
    row = rows.get((model, key))
    if row is None:
        row = db.get(model, key)
        if row is not None:
            rows[(model, key)] = row
    return row


def track(db: Session, row, key) -> None:
    """Adds a new row to the session and to the batch's cache."""
    db.add(row)
    _cache(db)[(type(row), key)] = row


def _cid_or_none(digest_hex: str) -> str | None:
    digest = bytes.fromhex(digest_hex[2:])
    return None if digest == bytes(32) else digest_to_cid(digest)


def _text(value: str) -> str:
    """Text from a document anyone may store, made safe for every database: PostgreSQL refuses NUL."""
    return value.replace("\x00", "\ufffd")


def apply_metadata(asset: Asset, document: dict | None) -> None:
    """Copies the searchable fields of a metadata document onto its asset row."""
    if not isinstance(document, dict):
        return
    name = document.get("name")
    summary = document.get("summary")
    industry = document.get("industry")
    asset.name = _text(name) if isinstance(name, str) else None
    asset.summary = _text(summary) if isinstance(summary, str) else None
    if isinstance(industry, dict):
        asset.industry = _text(str(industry.get("section") or "") + str(industry.get("division") or "")) or None
    asset.metadata_json = json.dumps(document, ensure_ascii=False, sort_keys=True)


def on_asset_registered(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    attributes = a["attributes"]
    metadata_cid = digest_to_cid(bytes.fromhex(a["metadataCid"][2:]))
    asset = Asset(
        asset_id=a["assetId"],
        registrant=a["registrant"],
        submitter=a["submitter"],
        content_hash=a["contentHash"],
        content_cid=_cid_or_none(a["contentCid"]),
        metadata_cid=metadata_cid,
        classification=a["classification"],
        personal_information=bool(attributes & ATTR_PERSONAL),
        sensitive_personal_information=bool(attributes & ATTR_SENSITIVE),
        export_allowed=bool(attributes & ATTR_EXPORT),
        derived=bool(attributes & ATTR_DERIVED),
        status=1,
        version=1,
        right_count=PRIMARY_RIGHTS,
        registered_block=ev.block_number,
        registered_tx=ev.tx_hash,
        registered_log_index=ev.log_index,
        registered_at=timestamp,
        updated_block=ev.block_number,
    )
    apply_metadata(asset, lookup(metadata_cid))
    track(db, asset, asset.asset_id)


def on_asset_derived(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    db.add(
        Lineage(
            asset_id=a["assetId"],
            source_asset_id=a["sourceAssetId"],
            right_index=a["rightIndex"],
            block_number=ev.block_number,
        )
    )


def save_right(db: Session, right: Right, ev: DecodedEvent, timestamp: int, change: str) -> None:
    """Writes a right's new state and its history together: the version that was current ends at this
    event and a new one begins. Every handler that changes a right goes through here."""
    right.updated_block = ev.block_number
    key = (right.asset_id, right.right_index)
    rows = _cache(db)
    if change in ("assigned", "granted"):  # a new right: no version before this one
        track(db, right, key)
        current = None
    else:
        current = rows.get(("current", key))
        if current is None:
            current = db.exec(
                select(RightVersion).where(
                    RightVersion.asset_id == right.asset_id,
                    RightVersion.right_index == right.right_index,
                    RightVersion.until_block.is_(None),
                )
            ).first()
    if current is not None:
        current.until_block, current.until_log_index, current.until_time = ev.block_number, ev.log_index, timestamp
    version = RightVersion(
        asset_id=right.asset_id,
        right_index=right.right_index,
        **{name: getattr(right, name) for name in RIGHT_STATE_FIELDS},
        change=change,
        since_block=ev.block_number,
        since_log_index=ev.log_index,
        since_time=timestamp,
    )
    db.add(version)
    rows[("current", key)] = version


def _right(db: Session, ev: DecodedEvent) -> Right:
    right = cached(db, Right, (ev.args["assetId"], ev.args["rightIndex"]))
    if right is None:  # the contract emits changes only for rights it created, so the index is incomplete
        raise IndexerError(
            f"{ev.name} in block {ev.block_number} (log {ev.log_index}) changes right {ev.args['rightIndex']} of "
            f"asset {ev.args['assetId']}, which is not in the index. Rebuild the index from the deploy block."
        )
    return right


def _count_right(db: Session, asset_id: str, right_index: int) -> None:
    asset = cached(db, Asset, asset_id)
    if asset is not None and right_index > asset.right_count:
        asset.right_count = right_index


def on_right_assigned(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    right = Right(
        asset_id=a["assetId"],
        right_index=a["rightIndex"],
        holder=a["holder"],
        kind=a["kind"],
        parent_index=0,
        # Root rights may always be granted onwards and transferred (the contract's ROOT_FLAGS).
        transferable=True,
        sub_grantable=True,
        created_block=ev.block_number,
        created_tx=ev.tx_hash,
        updated_block=ev.block_number,
    )
    save_right(db, right, ev, timestamp, "assigned")
    _count_right(db, a["assetId"], a["rightIndex"])


def on_right_granted(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a, terms = ev.args, ev.args["terms"]
    right = Right(
        asset_id=a["assetId"],
        right_index=a["rightIndex"],
        holder=a["grantee"],
        kind=a["kind"],
        parent_index=a["parentIndex"],
        valid_from=terms["validFrom"],
        valid_until=terms["validUntil"],
        sub_grantable=terms["subGrantable"],
        transferable=terms["transferable"],
        grantor=a["grantor"],
        purpose=terms["purpose"],
        territory=terms["territory"],
        quantity=str(terms["quantity"]),
        terms_cid=_cid_or_none(terms["termsCid"]),
        created_block=ev.block_number,
        created_tx=ev.tx_hash,
        updated_block=ev.block_number,
    )
    save_right(db, right, ev, timestamp, "granted")
    _count_right(db, a["assetId"], a["rightIndex"])


def on_right_transferred(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    right = _right(db, ev)
    right.holder = ev.args["to"]
    save_right(db, right, ev, timestamp, "transferred")


def on_right_revoked(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    right = _right(db, ev)
    right.revoked = True
    right.revoked_by = ev.args["grantor"]
    right.revocation_reason = ev.args["reasonCode"]
    right.revocation_evidence_cid = _cid_or_none(ev.args["evidenceCid"])
    save_right(db, right, ev, timestamp, "revoked")


def on_right_renewed(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    right = _right(db, ev)
    right.valid_until = ev.args["validUntil"]
    save_right(db, right, ev, timestamp, "renewed")


def on_participant_added(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    track(db, Participant(account=a["account"], role=a["role"], status=1, name=a["name"],
                          credit_code_hash=a["creditCodeHash"], endpoint=a["endpoint"], added_block=ev.block_number,
                          updated_block=ev.block_number), a["account"])


def _participant(db: Session, ev: DecodedEvent) -> Participant:
    participant = cached(db, Participant, ev.args["account"])
    if participant is None:
        raise IndexerError(f"{ev.name} in block {ev.block_number} names participant {ev.args['account']}, which is "
                           "not in the index. Rebuild the index from the deploy block.")
    participant.updated_block = ev.block_number
    return participant


def on_participant_suspended(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _participant(db, ev).status = 2


def on_participant_reinstated(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _participant(db, ev).status = 1


def on_participant_endpoint_changed(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _participant(db, ev).endpoint = ev.args["endpoint"]


def on_listed(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    track(db, Listing(listing_id=a["listingId"], asset_id=a["assetId"], exchange=a["exchange"], holder=a["holder"],
                      right_index=a["rightIndex"], origin_listing_id=a["originListingId"],
                      exchange_listing_id=a["exchangeListingId"], offer_terms_cid=_cid_or_none(a["offerTermsCid"]),
                      status=1, listed_block=ev.block_number, listed_tx=ev.tx_hash, updated_block=ev.block_number),
          a["listingId"])


def on_listing_status_changed(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    listing = cached(db, Listing, ev.args["listingId"])
    if listing is None:
        raise IndexerError(f"ListingStatusChanged in block {ev.block_number} names listing {ev.args['listingId']}, "
                           "which is not in the index. Rebuild the index from the deploy block.")
    listing.status = ev.args["status"]
    listing.updated_block = ev.block_number


def _asset(db: Session, ev: DecodedEvent) -> Asset:
    asset = cached(db, Asset, ev.args["assetId"])
    if asset is None:
        raise IndexerError(f"{ev.name} in block {ev.block_number} names asset {ev.args['assetId']}, which is not in "
                           "the index. Rebuild the index from the deploy block.")
    asset.updated_block = ev.block_number
    return asset


def on_asset_frozen(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _asset(db, ev).frozen = True


def on_asset_freeze_released(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _asset(db, ev).frozen = False


def on_pledge_recorded(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    _asset(db, ev).active_pledges += 1
    track(db, Pledge(pledge_id=a["pledgeId"], asset_id=a["assetId"],
                     external_registration_no=a["externalRegistrationNo"], pledgee=a["pledgee"],
                     registrar=a["registrar"], recorded_block=ev.block_number, recorded_tx=ev.tx_hash), a["pledgeId"])


def on_pledge_released(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _asset(db, ev).active_pledges -= 1
    pledge = cached(db, Pledge, ev.args["pledgeId"])
    if pledge is not None:
        pledge.active, pledge.released_block = False, ev.block_number


def on_asset_cancelled(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    asset = _asset(db, ev)
    asset.status, asset.cancel_reason = 2, ev.args["reasonCode"]


def on_asset_changed(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    asset = _asset(db, ev)
    asset.version = ev.args["version"]
    asset.metadata_cid = digest_to_cid(bytes.fromhex(ev.args["metadataCid"][2:]))
    if int(ev.args["contentHash"], 16):
        asset.latest_content_hash = ev.args["contentHash"]
    asset.metadata_json = asset.name = asset.summary = asset.industry = None
    apply_metadata(asset, lookup(asset.metadata_cid))


def on_registrar_configured(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    participant = cached(db, Participant, ev.args["registrar"])
    if participant is not None:
        participant.region = bytes.fromhex(ev.args["region"][2:]).decode()
        participant.registrar_code = bytes.fromhex(ev.args["code"][2:]).decode()


def _registration(db: Session, ev: DecodedEvent, stage: str | None = None) -> Registration:
    registration = cached(db, Registration, ev.args["assetId"])
    if registration is None:
        raise IndexerError(f"{ev.name} in block {ev.block_number} concerns an application for asset "
                           f"{ev.args['assetId']} that is not in the index. Rebuild the index from the deploy block.")
    if stage:
        registration.stage = stage
    registration.updated_block = ev.block_number
    return registration


def on_application_filed(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    existing = cached(db, Registration, a["assetId"])
    if existing is not None:  # a new application after a return, refusal or termination
        db.delete(existing)
        db.flush()
    track(db, Registration(asset_id=a["assetId"], applicant=a["applicant"], registrar=a["registrar"],
                           stage="applied", documents_cid=_cid_or_none(a["documentsCid"]),
                           applied_block=ev.block_number, updated_block=ev.block_number), a["assetId"])


def on_application_accepted(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(db, ev, "accepted")


def on_application_returned(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(db, ev, "returned").reason_code = ev.args["reasonCode"]


def on_review_passed(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(db, ev, "publicity").publicity_ends = ev.args["publicityEnds"]


def on_application_terminated(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(db, ev, "terminated").reason_code = ev.args["reasonCode"]


def on_objection_lodged(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    track(db, Objection(asset_id=a["assetId"], objection_id=a["objectionId"], objector=a["objector"],
                        reason_code=a["reasonCode"], evidence_cid=_cid_or_none(a["evidenceCid"]), status="pending",
                        lodged_block=ev.block_number), (a["assetId"], a["objectionId"]))


def on_objection_resolved(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    objection = cached(db, Objection, (ev.args["assetId"], ev.args["objectionId"]))
    if objection is not None:
        objection.status = "upheld" if ev.args["upheld"] else "rejected"
        objection.resolved_block = ev.block_number


def on_registration_refused(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(db, ev, "refused").reason_code = ev.args["reasonCode"]


def on_registered(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    registration = _registration(db, ev, "registered")
    registration.certificate_number = bytes.fromhex(ev.args["certificateNumber"][2:]).decode()
    registration.registered_at, registration.valid_until = timestamp, ev.args["validUntil"]


def on_registration_renewed(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(db, ev).valid_until = ev.args["validUntil"]


ATTESTATION_KIND_NAMES = {0: "appraisal", 1: "compliance_certification", 2: "quality_evaluation"}


def on_attested(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a, d = ev.args, ev.args["data"]
    currency = bytes.fromhex(d["currency"][2:]).rstrip(b"\0").decode() or None
    track(db, Attestation(attestation_id=a["attestationId"], asset_id=a["assetId"], issuer=a["issuer"],
                          kind=ATTESTATION_KIND_NAMES[d["kind"]], asset_version=a["assetVersion"],
                          value=str(d["value"]), currency=currency, method=d["method"], conclusion=d["conclusion"],
                          report_cid=_cid_or_none(d["reportCid"]), valid_until=d["validUntil"], issued_at=timestamp,
                          issued_block=ev.block_number, issued_tx=ev.tx_hash), a["attestationId"])


def on_attestation_revoked(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    attestation = cached(db, Attestation, ev.args["attestationId"])
    if attestation is not None:
        attestation.revoked, attestation.revocation_reason = True, ev.args["reasonCode"]


Handler = Callable[[Session, DecodedEvent, int, MetadataLookup], None]

HANDLERS: dict[str, Handler] = {
    "AssetRegistered": on_asset_registered,
    "AssetDerived": on_asset_derived,
    "RightAssigned": on_right_assigned,
    "RightGranted": on_right_granted,
    "RightTransferred": on_right_transferred,
    "RightRevoked": on_right_revoked,
    "RightRenewed": on_right_renewed,
    "ParticipantAdded": on_participant_added,
    "ParticipantSuspended": on_participant_suspended,
    "ParticipantReinstated": on_participant_reinstated,
    "ParticipantEndpointChanged": on_participant_endpoint_changed,
    "Listed": on_listed,
    "ListingStatusChanged": on_listing_status_changed,
    "AssetFrozen": on_asset_frozen,
    "AssetFreezeReleased": on_asset_freeze_released,
    "PledgeRecorded": on_pledge_recorded,
    "PledgeReleased": on_pledge_released,
    "AssetCancelled": on_asset_cancelled,
    "AssetChanged": on_asset_changed,
    "RegistrarConfigured": on_registrar_configured,
    "ApplicationFiled": on_application_filed,
    "ApplicationAccepted": on_application_accepted,
    "ApplicationReturned": on_application_returned,
    "ReviewPassed": on_review_passed,
    "ApplicationTerminated": on_application_terminated,
    "ObjectionLodged": on_objection_lodged,
    "ObjectionResolved": on_objection_resolved,
    "RegistrationRefused": on_registration_refused,
    "Registered": on_registered,
    "RegistrationRenewed": on_registration_renewed,
    "Attested": on_attested,
    "AttestationRevoked": on_attestation_revoked,
}
