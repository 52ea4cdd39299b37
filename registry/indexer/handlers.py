"""One plain function per registry event, applying it to the current-state tables.

Handlers are pure projections of events: given the same events in the same order they produce the same
rows, which is what lets a reorg be undone by deleting events and replaying what remains, and an asset's
state as of any block be had by replaying its events into an in-memory Batch. Rows are plain dicts read and
created through the batch (registry/indexer/batch.py), which writes them all at the end.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from eth_hash.auto import keccak

from registry.chain.events import DecodedEvent
from registry.chain.types import PRIMARY_RIGHTS, certificate_text
from registry.content.cid import cid_to_digest, digest_to_cid
from registry.db.models import (
    RIGHT_COLUMNS,
    AccountingRecord,
    Asset,
    AssetVersion,
    Attestation,
    ChangeApplication,
    Engagement,
    Event,
    FinanceRemark,
    FreezeOrder,
    HolderTerm,
    Lineage,
    Listing,
    ListingApproval,
    Objection,
    Participant,
    Pledge,
    PublicAuthorisation,
    PublicLicence,
    PublicScenario,
    Qualification,
    Recognition,
    Registration,
    Trade,
    WithdrawnConsent,
)
from registry.errors import IndexerError
from registry.indexer.batch import Batch
from registry.vocabulary import (
    AssetStatus,
    AttestationKind,
    Attribute,
    FinanceRemarkKind,
    ListingStatus,
    ObjectionStatus,
    ParticipantStatus,
    RecognitionStatus,
    SettlementStatus,
    Stage,
    ValueType,
)


class MetadataLookup(Protocol):
    def __call__(self, cid: str) -> dict[str, Any] | None: ...


def stored_event(row: Event) -> DecodedEvent:
    """An event as the index stored it, decoded again: for replaying it after a reorg or as of a block."""
    return DecodedEvent(name=row.name, args=json.loads(row.args_json), block_number=row.block_number,
                        block_hash=row.block_hash, tx_hash=row.tx_hash, log_index=row.log_index, address="")


def _cid_or_none(digest_hex: str) -> str | None:
    digest = bytes.fromhex(digest_hex[2:])
    return None if digest == bytes(32) else digest_to_cid(digest)


def _text(value: str) -> str:
    """Text from a document anyone may store, made safe for every database: PostgreSQL refuses NUL."""
    return value.replace("\x00", "\ufffd")


def metadata_fields(document: dict[str, Any] | None) -> dict[str, Any]:
    """The searchable fields of a metadata document, as columns of its asset row (none if it is not one)."""
    if not isinstance(document, dict):
        return {}
    name, summary, industry = document.get("name"), document.get("summary"), document.get("industry")
    fields = {
        "name": _text(name) if isinstance(name, str) else None,
        "summary": _text(summary) if isinstance(summary, str) else None,
        "metadata_json": json.dumps(document, ensure_ascii=False, sort_keys=True),
    }
    if isinstance(industry, dict):
        fields["industry"] = _text(str(industry.get("section") or "") + str(industry.get("division") or "")) or None
    return fields


# Attribute's bits as plain ints: `int & Attribute.X` makes an Attribute member each time (microseconds an asset).
_PERSONAL, _SENSITIVE, _EXPORT, _DERIVED = (int(flag) for flag in (Attribute.PERSONAL, Attribute.SENSITIVE,
                                                                    Attribute.EXPORT, Attribute.DERIVED))


def attribute_columns(attributes: int) -> dict[str, bool]:
    """An asset's flag columns from a registration's or change's `attributes` bits."""
    return {"personal_information": bool(attributes & _PERSONAL),
            "sensitive_personal_information": bool(attributes & _SENSITIVE),
            "export_allowed": bool(attributes & _EXPORT), "derived": bool(attributes & _DERIVED)}


def on_asset_registered(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    attributes = a["attributes"]
    metadata_cid = digest_to_cid(bytes.fromhex(a["metadataCid"][2:]))
    batch.add(
        Asset,
        asset_id=a["assetId"],
        registrant=a["registrant"],
        submitter=a["submitter"],
        content_hash=a["contentHash"],
        content_cid=_cid_or_none(a["contentCid"]),
        metadata_cid=metadata_cid,
        classification=a["classification"],
        **attribute_columns(attributes),
        right_count=PRIMARY_RIGHTS,
        registered_block=ev.block_number,
        registered_tx=ev.tx_hash,
        registered_log_index=ev.log_index,
        registered_at=timestamp,
        updated_block=ev.block_number,
        **metadata_fields(lookup(metadata_cid)),
    )
    batch.add(AssetVersion, asset_id=a["assetId"], version=1, content_hash=a["contentHash"], metadata_cid=metadata_cid,
              classification=a["classification"], attributes=attributes, block_number=ev.block_number,
              tx_hash=ev.tx_hash, timestamp=timestamp)


def on_asset_derived(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    batch.add(Lineage, asset_id=a["assetId"], source_asset_id=a["sourceAssetId"], right_index=a["rightIndex"],
              block_number=ev.block_number)
    # Lineage of public data: a product derived from a public-data asset is under the same authorisation (the
    # contract records it with no event of its own; it refuses sources under two authorisations).
    source = batch.get(Asset, a["sourceAssetId"])
    if source is not None and source.get("public_authorisation_id") is not None:
        derived = _asset(batch, ev)
        if derived.get("public_authorisation_id") is None:
            derived.update(public_authorisation_id=source["public_authorisation_id"])


def save_right(batch: Batch, right: dict[str, Any], ev: DecodedEvent, timestamp: int, change: str) -> None:
    """A right's new state (`right`: its columns, as _right gave them and the handler changed them) begins a
    version at this event; the version that was current ends here. Every handler that changes a right goes
    through here. The `rights` view shows the current version, so nothing else is written."""
    asset_id, index = right["asset_id"], right["right_index"]
    if change not in ("assigned", "granted"):  # a new right has no version before this one
        current = batch.current_version(asset_id, index)
        if current is not None:
            current.update(until_block=ev.block_number, until_log_index=ev.log_index, until_time=timestamp)
    version = {name: right[name] for name in RIGHT_COLUMNS}
    version["change"] = change
    version["since_block"] = ev.block_number
    version["since_log_index"] = ev.log_index
    version["since_time"] = timestamp
    batch.new_version(version)


def _right(batch: Batch, ev: DecodedEvent) -> dict[str, Any]:
    """The right an event changes, as a copy of its current version for the handler to change (the version
    itself ends unchanged: save_right)."""
    current = batch.current_version(ev.args["assetId"], ev.args["rightIndex"])
    if current is None:  # the contract emits changes only for rights it created, so the index is incomplete
        raise IndexerError(
            f"{ev.name} in block {ev.block_number} (log {ev.log_index}) changes right {ev.args['rightIndex']} of "
            f"asset {ev.args['assetId']}, which is not in the index. Rebuild the index from the deploy block."
        )
    return dict(current)


# A new right's columns that its event does not give (registry.db.models.Right's defaults).
_RIGHT_DEFAULTS = {"parent_index": 0, "valid_from": 0, "valid_until": 0, "revoked": False, "sub_grantable": False,
                   "transferable": True, "pending": False, "limits_cid": None, "grantor": None, "purpose": None,
                   "territory": None, "quantity": None, "terms_cid": None, "revoked_by": None,
                   "revocation_reason": None, "revocation_evidence_cid": None}


def _new_right(batch: Batch, ev: DecodedEvent, timestamp: int, change: str, **values: Any) -> None:
    a = ev.args
    right = {**_RIGHT_DEFAULTS, "asset_id": a["assetId"], "right_index": a["rightIndex"], "kind": a["kind"],
             "created_block": ev.block_number, "created_tx": ev.tx_hash, **values}
    save_right(batch, right, ev, timestamp, change)
    asset = batch.get(Asset, a["assetId"])
    if asset is not None and a["rightIndex"] > asset["right_count"]:
        asset["right_count"] = a["rightIndex"]


def on_right_terms_set(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """Comes before the holder's RightAssigned events of the same registration, which take the term from here."""
    a = ev.args
    batch.add(HolderTerm, replace=True, asset_id=a["assetId"], holder=a["holder"], valid_until=a["validUntil"],
              limits_cid=_cid_or_none(a["limitsCid"]), block_number=ev.block_number)


def on_right_assigned(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    # Root rights may always be granted onwards and transferred (the contract's ROOT_FLAGS). A right named to
    # anyone but the registrant is pending until that party accepts it (RightAccepted).
    a = ev.args
    asset = batch.get(Asset, a["assetId"])
    terms = batch.peek(HolderTerm, (a["assetId"], a["holder"]))  # RightTermsSet comes just before, same tx
    _new_right(batch, ev, timestamp, "assigned", holder=a["holder"], parent_index=0, transferable=True,
               sub_grantable=True, pending=asset is not None and a["holder"] != asset["registrant"],
               valid_until=terms["valid_until"] if terms and terms["block_number"] == ev.block_number else 0,
               limits_cid=terms["limits_cid"] if terms and terms["block_number"] == ev.block_number else None)


def on_right_accepted(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    right = _right(batch, ev)
    right["pending"] = False
    save_right(batch, right, ev, timestamp, "accepted")


def on_right_assignment_withdrawn(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    right = _right(batch, ev)
    right.update(pending=False, revoked=True, revoked_by=_asset(batch, ev)["registrant"])
    save_right(batch, right, ev, timestamp, "withdrawn")


def on_right_granted(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a, terms = ev.args, ev.args["terms"]
    _new_right(batch, ev, timestamp, "granted", holder=a["grantee"], parent_index=a["parentIndex"],
               valid_from=terms["validFrom"], valid_until=terms["validUntil"], sub_grantable=terms["subGrantable"],
               transferable=terms["transferable"], grantor=a["grantor"], purpose=terms["purpose"],
               territory=terms["territory"], quantity=str(terms["quantity"]), terms_cid=_cid_or_none(terms["termsCid"]))


def on_right_transferred(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    right = _right(batch, ev)
    right["holder"] = ev.args["to"]
    save_right(batch, right, ev, timestamp, "transferred")


def on_right_revoked(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    right = _right(batch, ev)
    right.update(revoked=True, revoked_by=ev.args["grantor"], revocation_reason=ev.args["reasonCode"],
                 revocation_evidence_cid=_cid_or_none(ev.args["evidenceCid"]))
    save_right(batch, right, ev, timestamp, "revoked")


def on_right_renewed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    right = _right(batch, ev)
    right["valid_until"] = ev.args["validUntil"]
    save_right(batch, right, ev, timestamp, "renewed")


def on_participant_added(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    batch.add(Participant, account=a["account"], role=a["role"], status=ParticipantStatus.ACTIVE.value,
              name=a["name"],
              credit_code_hash=a["creditCodeHash"], endpoint=a["endpoint"], added_block=ev.block_number,
              updated_block=ev.block_number)


def _participant(batch: Batch, ev: DecodedEvent) -> dict[str, Any]:
    participant = batch.get(Participant, ev.args["account"])
    if participant is None:
        raise IndexerError(f"{ev.name} in block {ev.block_number} names participant {ev.args['account']}, which is "
                           "not in the index. Rebuild the index from the deploy block.")
    participant["updated_block"] = ev.block_number
    return participant


def on_participant_suspended(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _participant(batch, ev)["status"] = ParticipantStatus.SUSPENDED.value


def on_participant_reinstated(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _participant(batch, ev)["status"] = ParticipantStatus.ACTIVE.value


def on_participant_endpoint_changed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _participant(batch, ev)["endpoint"] = ev.args["endpoint"]


def on_listed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    batch.add(Listing, listing_id=a["listingId"], asset_id=a["assetId"], exchange=a["exchange"], holder=a["holder"],
              right_index=a["rightIndex"], origin_listing_id=a["originListingId"],
              exchange_listing_id=a["exchangeListingId"], offer_terms_cid=_cid_or_none(a["offerTermsCid"]),
              status=ListingStatus.LISTED.value,
              listed_block=ev.block_number, listed_tx=ev.tx_hash, updated_block=ev.block_number)


def on_listing_status_changed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    listing = batch.get(Listing, ev.args["listingId"])
    if listing is None:
        raise IndexerError(f"ListingStatusChanged in block {ev.block_number} names listing {ev.args['listingId']}, "
                           "which is not in the index. Rebuild the index from the deploy block.")
    listing.update(status=ev.args["status"], updated_block=ev.block_number)


#: ListingTermsSet's consent id for a listing made with the holder's own approval (the contract's APPROVAL):
#: an approval by transaction has no id.
APPROVAL_CONSENT = 2**256 - 1
_TERMS_TYPEHASH = keccak(b"ListingTerms(uint8 priceModel,uint256 priceAmount,bytes3 currency,uint8 productForm,"
                         b"uint8 deliveryModes,uint64 validUntil,string usageScope)")


def approval_hash(listing: dict[str, Any], attestation_id: int, terms: dict[str, Any]) -> str:
    """ListingRegistry._consentHash of a listing's request (its row as on_listed wrote it, and ListingTermsSet's
    certification and terms): the key of the approval by transaction it was listed with."""
    # Imported here: eth_abi is a twelfth of the indexer process's start, and only listings made with an approval
    # by transaction need it.
    from eth_abi import encode

    terms_hash = keccak(encode(
        ["bytes32", "uint8", "uint256", "bytes3", "uint8", "uint8", "uint64", "bytes32"],
        [_TERMS_TYPEHASH, terms["priceModel"], terms["priceAmount"], bytes.fromhex(terms["currency"][2:]),
         terms["productForm"], terms["deliveryModes"], terms["validUntil"], keccak(terms["usageScope"].encode())]))
    offer = cid_to_digest(listing["offer_terms_cid"]) if listing["offer_terms_cid"] else bytes(32)
    request = encode(
        ["address", "address", "bytes32", "uint256", "uint256", "bytes32", "bytes32"],
        [listing["holder"], listing["exchange"], bytes.fromhex(listing["asset_id"][2:]), listing["right_index"],
         listing["origin_listing_id"], keccak(listing["exchange_listing_id"].encode()), offer])
    return "0x" + keccak(request + encode(["uint256", "bytes32"], [attestation_id, terms_hash])).hex()


def on_listing_terms_set(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """Issue 17: the structured terms, emitted right after its Listed in the same transaction."""
    a, t = ev.args, ev.args["terms"]
    listing = batch.get(Listing, a["listingId"])
    if listing is None:
        raise IndexerError(f"ListingTermsSet in block {ev.block_number} names listing {a['listingId']}, which is "
                           "not in the index. Rebuild the index from the deploy block.")
    listing.update(price_model=t["priceModel"], price_amount=str(t["priceAmount"]),
                   currency=_code(t["currency"]) or None, product_form=t["productForm"],
                   delivery_modes=t["deliveryModes"], valid_until=t["validUntil"] or None,
                   usage_scope=t["usageScope"], attestation_id=a["attestationId"] or None,
                   consent_id=None if a["consentId"] == APPROVAL_CONSENT else str(a["consentId"]))
    if a["consentId"] == APPROVAL_CONSENT:
        # The contract deleted the approval as the listing used it, with no event of its own: it is found by the
        # consent hash of the listing's own request, which Listed and this event give whole.
        approval = batch.get(ListingApproval, approval_hash(listing, a["attestationId"], t))
        # Absent only if this code hashed a request differently from the contract (an exchange listing id or usage
        # scope that is not UTF-8 or holds NUL, which the decoder replaces): the index check then reports the
        # approval as still in force where the chain has none.
        if approval is not None and approval["listing_id"] is None:
            approval.update(listing_id=a["listingId"], used_at=timestamp, updated_block=ev.block_number)


def on_listing_approved(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """The holder's consent by its own transaction. Approving the same request again (after a revocation or a use,
    or to change its end) replaces the approval, as the contract's mapping does."""
    a = ev.args
    batch.add(ListingApproval, replace=True, consent_hash=a["consentHash"], holder=a["holder"],
              exchange=a["exchange"], asset_id=a["assetId"], valid_until=a["validUntil"], approved_at=timestamp,
              approved_block=ev.block_number, approved_tx=ev.tx_hash, updated_block=ev.block_number)


def on_listing_approval_revoked(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    approval = batch.get(ListingApproval, ev.args["consentHash"])
    if approval is None:  # the contract revokes only an approval it holds (ConsentMissing otherwise)
        raise IndexerError(f"ListingApprovalRevoked in block {ev.block_number} names approval "
                           f"{ev.args['consentHash']}, which is not in the index. Rebuild the index from the deploy "
                           "block.")
    approval.update(revoked=True, revoked_at=timestamp, revoked_tx=ev.tx_hash, updated_block=ev.block_number)


def on_consents_withdrawn(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """Signed consent ids `wordPos * 256 + i` for each bit `i` of `mask`, one row each; an id withdrawn before
    keeps its first withdrawal (the bit was set already)."""
    holder, word, mask = ev.args["holder"], ev.args["wordPos"], ev.args["mask"]
    ids = [str(word << 8 | bit) for bit in range(256) if mask >> bit & 1]
    batch.prefetch(WithdrawnConsent, [(holder, i) for i in ids])
    for consent_id in ids:
        if batch.get(WithdrawnConsent, (holder, consent_id)) is None:
            batch.add(WithdrawnConsent, holder=holder, consent_id=consent_id, withdrawn_at=timestamp,
                      withdrawn_block=ev.block_number, withdrawn_tx=ev.tx_hash)


def on_listing_policy_set(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    participant = batch.get(Participant, ev.args["exchange"])
    if participant is not None:
        policy = ev.args["policy"]
        # As a trade code: not the participant registry's record, so its updated_block stays.
        participant.update(listing_allow_uncertified=policy["allowUncertified"],
                           listing_cross_border=policy["crossBorder"])


def _asset(batch: Batch, ev: DecodedEvent) -> dict[str, Any]:
    asset = batch.get(Asset, ev.args["assetId"])
    if asset is None:
        raise IndexerError(f"{ev.name} in block {ev.block_number} names asset {ev.args['assetId']}, which is not in "
                           "the index. Rebuild the index from the deploy block.")
    asset["updated_block"] = ev.block_number
    return asset


def on_asset_frozen(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    asset = _asset(batch, ev)
    asset.update(frozen=True, active_freezes=asset["active_freezes"] + 1)
    batch.add(FreezeOrder, asset_id=a["assetId"], order_id=a["orderId"], regulator=a["regulator"],
              order_reference=_text(a["orderReference"]), evidence_cid=_cid_or_none(a["evidenceCid"]),
              waiting=a["waiting"], ordered_block=ev.block_number, ordered_tx=ev.tx_hash, ordered_at=timestamp)


def on_asset_freeze_released(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    asset = _asset(batch, ev)
    standing = asset["active_freezes"] - 1
    asset.update(active_freezes=standing, frozen=standing > 0)
    order = batch.get(FreezeOrder, (a["assetId"], a["orderId"]))
    if order is not None:
        order.update(active=False, released_by=a["by"], released_by_admin=a["byAdmin"],
                     release_evidence_cid=_cid_or_none(a["evidenceCid"]), released_block=ev.block_number)


def on_pledge_recorded(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    _asset(batch, ev)["active_pledges"] += 1
    batch.add(Pledge, pledge_id=a["pledgeId"], asset_id=a["assetId"],
              external_registration_no=a["externalRegistrationNo"],
              pledgee=a["pledgee"], registrar=a["registrar"], recorded_block=ev.block_number, recorded_tx=ev.tx_hash)


def on_pledge_released(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _asset(batch, ev)["active_pledges"] -= 1
    pledge = batch.get(Pledge, ev.args["pledgeId"])
    if pledge is not None:
        pledge.update(active=False, released_block=ev.block_number)


def on_asset_cancelled(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _asset(batch, ev).update(status=AssetStatus.CANCELLED.value, cancel_reason=ev.args["reasonCode"])


def on_asset_changed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """An approved change registration: the new version, with its data, classification and flags, is current."""
    a = ev.args
    asset = _asset(batch, ev)
    asset["version"] = a["version"]
    asset["metadata_cid"] = digest_to_cid(bytes.fromhex(a["metadataCid"][2:]))
    if int(a["contentHash"], 16):
        # The current data; None again when a change goes back to the registered data.
        asset["latest_content_hash"] = a["contentHash"] if a["contentHash"] != asset["content_hash"] else None
        if a["contentHash"] != asset["content_hash"] and int(a["contentCid"], 16):
            asset["content_cid"] = _cid_or_none(a["contentCid"])
    attributes = a["attributes"]
    asset.update(classification=a["classification"], **attribute_columns(attributes))
    asset.update(metadata_json=None, name=None, summary=None, industry=None)
    asset.update(metadata_fields(lookup(asset["metadata_cid"])))
    batch.add(AssetVersion, asset_id=a["assetId"], version=a["version"],
              content_hash=asset["latest_content_hash"] or asset["content_hash"], metadata_cid=asset["metadata_cid"],
              classification=a["classification"], attributes=attributes, block_number=ev.block_number,
              tx_hash=ev.tx_hash, timestamp=timestamp)


def on_registrar_configured(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    participant = batch.get(Participant, ev.args["registrar"])
    if participant is not None:
        participant.update(region=bytes.fromhex(ev.args["region"][2:]).decode(),
                           registrar_code=bytes.fromhex(ev.args["code"][2:]).decode())


def _registration(batch: Batch, ev: DecodedEvent, stage: str | None = None) -> dict[str, Any]:
    registration = batch.get(Registration, ev.args["assetId"])
    if registration is None:
        raise IndexerError(f"{ev.name} in block {ev.block_number} concerns an application for asset "
                           f"{ev.args['assetId']} that is not in the index. Rebuild the index from the deploy block.")
    if stage:
        registration["stage"] = stage
    registration["updated_block"] = ev.block_number
    return registration


def on_application_filed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    # A new application after a return, refusal or termination replaces the closed one (Batch.add).
    batch.add(Registration, replace=True, asset_id=a["assetId"], applicant=a["applicant"], registrar=a["registrar"],
              stage=Stage.APPLIED.key,
              documents_cid=_cid_or_none(a["documentsCid"]), applied_block=ev.block_number,
              updated_block=ev.block_number)


def on_application_accepted(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(batch, ev, Stage.ACCEPTED.key)


def on_application_returned(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(batch, ev, Stage.RETURNED.key)["reason_code"] = ev.args["reasonCode"]


def on_review_passed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(batch, ev, Stage.PUBLICITY.key)["publicity_ends"] = ev.args["publicityEnds"]


def on_application_terminated(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(batch, ev, Stage.TERMINATED.key)["reason_code"] = ev.args["reasonCode"]


def on_objection_lodged(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    batch.add(Objection, asset_id=a["assetId"], objection_id=a["objectionId"], objector=a["objector"],
              reason_code=a["reasonCode"], evidence_cid=_cid_or_none(a["evidenceCid"]),
              status=ObjectionStatus.PENDING.key,
              lodged_block=ev.block_number)


def on_objection_resolved(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    objection = batch.get(Objection, (ev.args["assetId"], ev.args["objectionId"]))
    if objection is not None:
        status = ObjectionStatus.UPHELD if ev.args["upheld"] else ObjectionStatus.REJECTED
        objection.update(status=status.key, resolved_block=ev.block_number)


def on_registration_refused(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(batch, ev, Stage.REFUSED.key)["reason_code"] = ev.args["reasonCode"]


def on_registered(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    # The certificate certifies the asset's current version and names the holder of its holding right (index 1).
    asset = batch.get(Asset, ev.args["assetId"])
    holding = batch.current_version(ev.args["assetId"], 1)
    _registration(batch, ev, Stage.REGISTERED.key).update(
        certificate_number=certificate_text(ev.args["certificateNumber"]), registered_at=timestamp,
        valid_until=ev.args["validUntil"], renewal_requested=False,
        certified_version=asset["version"] if asset else None, holder=holding["holder"] if holding else None)


def on_registration_renewed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(batch, ev).update(valid_until=ev.args["validUntil"], renewal_requested=False)


def on_renewal_requested(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(batch, ev)["renewal_requested"] = True


def on_renewal_refused(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _registration(batch, ev).update(renewal_requested=False, reason_code=ev.args["reasonCode"])


def on_certificate_reissued(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """The same certificate number for a new version (change) or a new holder (transfer of the holding right)."""
    _registration(batch, ev).update(certified_version=ev.args["version"], holder=ev.args["holder"])


def on_change_applied(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a, v = ev.args, ev.args["version"]
    batch.add(ChangeApplication, replace=True, asset_id=a["assetId"], applicant=a["applicant"],
              registrar=a["registrar"],
              status="pending", metadata_cid=digest_to_cid(bytes.fromhex(v["metadataCid"][2:])),
              content_hash=v["contentHash"] if int(v["contentHash"], 16) else None,
              classification=v["classification"], attributes=v["attributes"],
              documents_cid=_cid_or_none(a["documentsCid"]), applied_block=ev.block_number)


def on_change_reviewed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    change = batch.get(ChangeApplication, ev.args["assetId"])
    if change is not None:
        change.update(status="approved" if ev.args["passed"] else "refused", reason_code=ev.args["reasonCode"],
                      version=ev.args["version"] or None, decided_block=ev.block_number)


def on_record_only(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """Events kept in the history only (a pledgee's consent, the office's binding): no state of their own."""


def on_attested(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a, d = ev.args, ev.args["data"]
    currency = bytes.fromhex(d["currency"][2:]).rstrip(b"\0").decode() or None
    batch.add(Attestation, attestation_id=a["attestationId"], asset_id=a["assetId"], issuer=a["issuer"],
              kind=AttestationKind(d["kind"]).key, asset_version=a["assetVersion"], value=str(d["value"]),
              currency=currency, method=d["method"], conclusion=d["conclusion"],
              report_cid=_cid_or_none(d["reportCid"]),
              valid_until=d["validUntil"], issued_at=timestamp, issued_block=ev.block_number, issued_tx=ev.tx_hash)


def on_attestation_revoked(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    attestation = batch.get(Attestation, ev.args["attestationId"])
    if attestation is not None:
        attestation.update(revoked=True, revocation_reason=ev.args["reasonCode"])


def on_appraised(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """An appraisal's terms, right after its Attested in the same transaction, and the engagement it used."""
    a = ev.args
    attestation = batch.get(Attestation, a["attestationId"])
    if attestation is not None:
        attestation.update(valuation_date=a["valuationDate"], value_type=ValueType.key_of(a["valueType"]),
                           basis=_text(a["basis"]), engagement_id=a["engagementId"])
    engagement = batch.get(Engagement, a["engagementId"])
    if engagement is not None:
        engagement.update(status="used", attestation_id=a["attestationId"], updated_block=ev.block_number)


def on_engaged(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    batch.add(Engagement, engagement_id=a["engagementId"], asset_id=a["assetId"], holder=a["holder"],
              appraiser=a["appraiser"], right_index=a["rightIndex"], letter_cid=_cid_or_none(a["letterCid"]),
              engaged_at=timestamp, engaged_block=ev.block_number, engaged_tx=ev.tx_hash,
              updated_block=ev.block_number)


def on_engagement_withdrawn(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    engagement = batch.get(Engagement, ev.args["engagementId"])
    if engagement is not None:
        engagement.update(status="withdrawn", updated_block=ev.block_number)


def on_qualification_recorded(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a, q = ev.args, ev.args["qualification"]
    batch.add(Qualification, account=a["account"], serial=a["serial"], kind=q["kind"], issuer=_text(q["issuer"]),
              number=_text(q["number"]), scope=_text(q["scope"]), valid_from=q["validFrom"],
              valid_until=q["validUntil"], document_cid=_cid_or_none(q["documentCid"]), recorded_at=timestamp,
              recorded_block=ev.block_number, recorded_tx=ev.tx_hash, updated_block=ev.block_number)


def _qualification(batch: Batch, ev: DecodedEvent) -> dict[str, Any]:
    row = batch.get(Qualification, (ev.args["account"], ev.args["serial"]))
    if row is None:  # the contract renews and revokes only qualifications it recorded
        raise IndexerError(
            f"{ev.name} in block {ev.block_number} (log {ev.log_index}) changes qualification {ev.args['serial']} "
            f"of {ev.args['account']}, which is not in the index. Rebuild the index from the deploy block."
        )
    return row


def on_qualification_renewed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    row = _qualification(batch, ev)
    row.update(valid_until=ev.args["validUntil"], updated_block=ev.block_number)
    document = _cid_or_none(ev.args["documentCid"])
    if document is not None:  # the contract keeps the old document when the renewal names none
        row["document_cid"] = document


def on_qualification_revoked(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _qualification(batch, ev).update(revoked=True, revocation_reason=ev.args["reasonCode"],
                                     revocation_evidence_cid=_cid_or_none(ev.args["evidenceCid"]),
                                     updated_block=ev.block_number)


def _code(hex_value: str) -> str:
    return bytes.fromhex(hex_value[2:]).rstrip(b"\0").decode()


def trade_number(code: str, year: int, serial: int) -> str:
    """The trade certificate number, as ITradeRegistry.certificateNumber formats it."""
    return f"{code}JY{year:04d}{serial:06d}"


def on_trade_code_set(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    participant = batch.get(Participant, ev.args["exchange"])
    if participant is not None:
        participant.update(trade_code=_code(ev.args["code"]), updated_block=ev.block_number)


def on_trade_recorded(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a, t = ev.args, ev.args["trade"]
    exchange = batch.get(Participant, a["exchange"])
    listing = batch.get(Listing, t["listingId"])
    if exchange is None or not exchange.get("trade_code") or listing is None:
        raise IndexerError(f"TradeRecorded in block {ev.block_number} names exchange {a['exchange']} or listing "
                           f"{t['listingId']}, which the index does not have (or no trade code).")
    public = t["priceAmount"] != 0
    batch.add(Trade, exchange=a["exchange"], year=a["year"], serial=a["serial"],
              number=trade_number(exchange["trade_code"], a["year"], a["serial"]), listing_id=t["listingId"],
              asset_id=a["assetId"], seller=listing["holder"], buyer=a["buyer"], right_index=a["rightIndex"],
              parent_index=t["parentIndex"], price_amount=str(t["priceAmount"]) if public else None,
              currency=_code(t["currency"]) if public else None,
              price_hash=None if public else t["priceHash"], contract_cid=_cid_or_none(t["contractCid"]),
              settlement=SettlementStatus.PENDING.value, recorded_at=timestamp, recorded_block=ev.block_number,
              recorded_tx=ev.tx_hash, updated_block=ev.block_number)


def _trade(batch: Batch, ev: DecodedEvent) -> dict[str, Any]:
    trade = batch.get(Trade, (ev.args["exchange"], ev.args["year"], ev.args["serial"]))
    if trade is None:
        raise IndexerError(f"{ev.name} in block {ev.block_number} names a trade the index does not have.")
    return trade


def on_trade_settlement_changed(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _trade(batch, ev).update(settlement=ev.args["status"], updated_block=ev.block_number)


def on_delivery_recorded(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    _trade(batch, ev).update(delivery_cid=_cid_or_none(ev.args["evidenceCid"]), updated_block=ev.block_number)


def on_accounting_recorded(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """The latest revision of a holder's accounting record replaces the one before (kept in the history)."""
    a = ev.args
    auditor = None if int(a["auditor"], 16) == 0 else a["auditor"]
    values = dict(auditor=auditor, document_cid=_cid_or_none(a["documentCid"]), revision=a["revision"],
                  recorded_at=timestamp, recorded_block=ev.block_number, recorded_tx=ev.tx_hash)
    record = batch.get(AccountingRecord, (a["assetId"], a["holder"]))
    if record is None:
        batch.add(AccountingRecord, asset_id=a["assetId"], holder=a["holder"], **values)
    else:
        record.update(values)


def on_finance_remark_recorded(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a, d = ev.args, ev.args["data"]
    batch.add(FinanceRemark, remark_id=a["remarkId"], asset_id=a["assetId"], holder=a["holder"],
              kind=FinanceRemarkKind(d["kind"]).key, counterparty=d["counterparty"],
              beneficiaries=json.dumps(list(d["beneficiaries"])), document_cid=_cid_or_none(d["documentCid"]),
              effective_from=d["effectiveFrom"], effective_until=d["effectiveUntil"], recorded_at=timestamp,
              recorded_block=ev.block_number, recorded_tx=ev.tx_hash)


def on_finance_remark_ended(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    remark = batch.get(FinanceRemark, ev.args["remarkId"])
    if remark is None:
        raise IndexerError(f"FinanceRemarkEnded in block {ev.block_number} names remark {ev.args['remarkId']}, "
                           "which the index does not have.")
    remark.update(ended=True, end_evidence_cid=_cid_or_none(ev.args["evidenceCid"]), ended_at=timestamp,
                  ended_block=ev.block_number)


def on_registry_recognised(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    batch.add(Recognition, recognition_id=a["recognitionId"], chain_id=a["chainId"], data_registry=a["dataRegistry"],
              registration_office=a["registrationOffice"], from_block=a["fromBlock"],
              region=bytes.fromhex(a["region"][2:]).decode("ascii", errors="replace"), name=_text(a["name"]),
              status=RecognitionStatus.RECOGNISED.value, recognised_at=timestamp, recognised_block=ev.block_number,
              recognised_tx=ev.tx_hash, updated_block=ev.block_number)


def on_recognition_withdrawn(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    recognition = batch.get(Recognition, ev.args["recognitionId"])
    if recognition is None:
        raise IndexerError(f"RecognitionWithdrawn in block {ev.block_number} names recognition "
                           f"{ev.args['recognitionId']}, which is not in the index. Rebuild the index from the deploy "
                           "block.")
    recognition.update(status=RecognitionStatus.WITHDRAWN.value, withdrawn_at=timestamp,
                       withdrawal_reason=ev.args["reasonCode"], updated_block=ev.block_number)


Handler = Callable[[Batch, DecodedEvent, int, MetadataLookup], None]

# ───────────────────────────── public-data authorised operation (issue 21) ─────────────────────────────


def scenario_hash(name: str) -> str:
    """The key of a scenario on chain: keccak256 of its name (a grant's purpose names it byte for byte)."""
    return "0x" + keccak(name.encode()).hex()


def on_authorisation_granted(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    batch.add(PublicAuthorisation, authorisation_id=a["authorisationId"], authority=a["authority"],
              operator=a["operator"], catalogue_cid=_cid_or_none(a["catalogueCid"]),
              catalogue_entries=a["catalogueEntries"], scenarios_json=json.dumps(a["scenarios"], ensure_ascii=False),
              valid_from=a["validFrom"], valid_until=a["validUntil"], conditions_cid=_cid_or_none(a["conditionsCid"]),
              revoked=False, granted_at=timestamp, granted_block=ev.block_number, granted_tx=ev.tx_hash,
              updated_block=ev.block_number)
    for name in dict.fromkeys(a["scenarios"]):
        batch.add(PublicScenario, replace=True, authorisation_id=a["authorisationId"],
                  scenario_hash=scenario_hash(name), scenario=_text(name), approved=False,
                  updated_block=ev.block_number)


def on_scenario_approved(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    scenario = batch.get(PublicScenario, (ev.args["authorisationId"], ev.args["scenarioHash"]))
    if scenario is not None:
        scenario.update(approved=True, approval_cid=_cid_or_none(ev.args["approvalCid"]), approved_at=timestamp,
                        approved_tx=ev.tx_hash, updated_block=ev.block_number)


def on_licence_granted(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    batch.add(PublicLicence, authorisation_id=a["authorisationId"], licensee=a["licensee"],
              scenarios_json=json.dumps(a["scenarios"], ensure_ascii=False), valid_until=a["validUntil"],
              terms_cid=_cid_or_none(a["termsCid"]), revoked=False, granted_at=timestamp,
              granted_block=ev.block_number, granted_tx=ev.tx_hash, updated_block=ev.block_number)


def on_licence_revoked(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    licence = batch.get(PublicLicence, (ev.args["authorisationId"], ev.args["licensee"]))
    if licence is not None:
        licence.update(revoked=True, revocation_reason=ev.args["reasonCode"], updated_block=ev.block_number)


def on_authorisation_revoked(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    authorisation = batch.get(PublicAuthorisation, ev.args["authorisationId"])
    if authorisation is not None:
        authorisation.update(revoked=True, revocation_reason=ev.args["reasonCode"],
                             revocation_evidence_cid=_cid_or_none(ev.args["evidenceCid"]), revoked_at=timestamp,
                             revoked_tx=ev.tx_hash, updated_block=ev.block_number)


def on_public_data_bound(batch: Batch, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    """DataRegistry's record that an asset is public data: bound by its operator, or derived from public data."""
    asset = _asset(batch, ev)
    asset.update(public_authorisation_id=ev.args["authorisationId"], updated_block=ev.block_number)


#: The authorisation contract's own events: their rows are not an asset's, so a rollback by replay rebuilds
#: them all from these (authorisations are few).
AUTHORISATION_EVENTS = ("AuthorisationGranted", "ScenarioApproved", "LicenceGranted", "LicenceRevoked",
                        "AuthorisationRevoked")


HANDLERS: dict[str, Handler] = {
    "AssetRegistered": on_asset_registered,
    "AssetDerived": on_asset_derived,
    "RightAssigned": on_right_assigned,
    "RightTermsSet": on_right_terms_set,
    "RightAccepted": on_right_accepted,
    "RightAssignmentWithdrawn": on_right_assignment_withdrawn,
    "PledgeeConsented": on_record_only,
    "RegistrationOfficeSet": on_record_only,
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
    "ListingTermsSet": on_listing_terms_set,
    "ListingPolicySet": on_listing_policy_set,
    "ListingFloorSet": on_record_only,  # the floor is read from its latest event (registry/db/listings.py)
    "ListingApproved": on_listing_approved,
    "ListingApprovalRevoked": on_listing_approval_revoked,
    "ConsentsWithdrawn": on_consents_withdrawn,
    "AssetFrozen": on_asset_frozen,
    "AssetFreezeReleased": on_asset_freeze_released,
    "PledgeRecorded": on_pledge_recorded,
    "PledgeReleased": on_pledge_released,
    "AssetCancelled": on_asset_cancelled,
    "AssetChanged": on_asset_changed,
    "RegistrarConfigured": on_registrar_configured,
    # The registrar's region and code come with the RegistrarConfigured it emits too; its division is in the
    # event and in the office's `ipDivisions`, and its numbers show their kind themselves.
    "IpRegistrarConfigured": on_record_only,
    "RegistryRecognised": on_registry_recognised,
    "RecognitionWithdrawn": on_recognition_withdrawn,
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
    "RenewalRequested": on_renewal_requested,
    "RenewalRefused": on_renewal_refused,
    "CertificateReissued": on_certificate_reissued,
    "ChangeApplied": on_change_applied,
    "ChangeReviewed": on_change_reviewed,
    "Attested": on_attested,
    "AttestationRevoked": on_attestation_revoked,
    "Appraised": on_appraised,
    "Engaged": on_engaged,
    "EngagementWithdrawn": on_engagement_withdrawn,
    "QualificationRecorded": on_qualification_recorded,
    "QualificationRenewed": on_qualification_renewed,
    "QualificationRevoked": on_qualification_revoked,
    "TradeCodeSet": on_trade_code_set,
    "TradeRecorded": on_trade_recorded,
    "TradeSettlementChanged": on_trade_settlement_changed,
    "DeliveryRecorded": on_delivery_recorded,
    "PublicDataAuthorisationSet": on_record_only,
    "PublicDataBound": on_public_data_bound,
    "AssetBound": on_record_only,  # the catalogue entry is in the history; the state comes from PublicDataBound
    "AuthorisationGranted": on_authorisation_granted,
    "ScenarioApproved": on_scenario_approved,
    "LicenceGranted": on_licence_granted,
    "LicenceRevoked": on_licence_revoked,
    "AuthorisationRevoked": on_authorisation_revoked,
    "AccountingRecorded": on_accounting_recorded,
    "FinanceRemarkRecorded": on_finance_remark_recorded,
    "FinanceRemarkEnded": on_finance_remark_ended,
}
