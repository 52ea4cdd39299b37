"""Turns the registry contract's custom errors into readable ContractRevert exceptions.

Every custom error in the ABI is decoded by selector; the messages below say what was refused, with the
values, and how to put it right. An error missing from MESSAGES still decodes, with a generic message, so
a contract upgrade never produces an undecodable failure.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any, cast

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from registry.chain.abi import all_abis, canonical_type
from registry.errors import ChainError, ContractRevert
from registry.vocabulary import AssetStatus, ListingStatus, ListingValidity, ParticipantStatus, RightKind, Role, Term


def _en(enum: type[Term], value: int) -> str | int:
    """The English label of a contract's enum value, or the number if the vocabulary lacks it."""
    try:
        return enum(value).en
    except ValueError:
        return value


def _asset_status(value: int) -> str | int:
    return "not registered" if value == AssetStatus.NONE else _en(AssetStatus, value)


def _role(value: int) -> str | int:
    """A role as a sentence names it: 'an active compliance certifier'."""
    try:
        return Role(value).key.replace("_", " ")
    except ValueError:
        return value


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


BEIJING = timezone(timedelta(hours=8), "CST")


def _beijing(ts: int) -> str:
    """A moment as people in the registry's jurisdiction read it: the date and time in Beijing time."""
    try:
        return datetime.fromtimestamp(ts, tz=BEIJING).strftime("%Y-%m-%d %H:%M:%S Beijing time (UTC+8)")
    except (ValueError, OverflowError, OSError):
        return str(ts)


def primary_term_ended(error: ContractRevert, kind: int | None = None) -> ContractRevert:
    """RightExpired about a primary (root) right: what ended is the term the registration's rights
    configuration gave it, not a grant, so there is no grantor to renew it (renewal is for grants)."""
    a = error.error_args
    what = f"{_kind(kind)} right" if kind is not None else "right"
    return ContractRevert(
        f"The term of primary {what} {a['rightIndex']} of asset '{a['assetId']}' ended on "
        f"{_beijing(a['validUntil'])}, as the rights configuration of its registration set it: the right and "
        "every grant under it can no longer be exercised. A primary right's term is not renewed; a new term "
        "needs a change registration (`datareg change`) or a new registration.",
        error.error_name, a)


def _trade_code(value: Any) -> str:
    """A bytes6 trade code (hex text or bytes) as its letters."""
    raw = bytes.fromhex(value[2:]) if isinstance(value, str) and value.startswith("0x") else value
    return raw.rstrip(b"\0").decode(errors="replace") if isinstance(raw, bytes) else str(value)


def _kind(value: int) -> str:
    return RightKind(value).label


#: What puts a listing that cannot be traded on right, by IListingRegistry.ListingValidity (ITradeRegistry's
#: ListingNotValid carries it): the same listing rule as `listingValidity`, without the exchange's standing.
_UNTRADEABLE: dict[int, str] = {
    ListingValidity.SUSPENDED: "Its exchange resumes it (`datareg listing resume`).",
    ListingValidity.DELISTED: "A delisted listing stays delisted: the exchange lists the product again.",
    ListingValidity.ASSET_NOT_ACTIVE: "A cancelled asset is not traded.",
    ListingValidity.RIGHT_NOT_VALID: "The seller's operating right was revoked or ended: it needs a valid one and "
                                     "a new listing.",
    ListingValidity.HOLDER_CHANGED: "The operating right changed hands: its holder now consents to a new listing.",
    ListingValidity.ORIGIN_NOT_VALID: "The listing it cross-lists is no longer valid (`datareg listings`).",
    ListingValidity.ASSET_FROZEN: "No trade until the regulator releases the freeze.",
    ListingValidity.EXPIRED: "The exchange lists the product again with a new end.",
    ListingValidity.NOT_COMPLIANT: (
        "Since it was listed, a change registration made the asset core data (核心数据, never traded), or the asset "
        "is important data or personal information and the compliance certification (合规认证) the listing names "
        "is no longer valid: revoked, expired, superseded by a change registration (a certification is of one "
        "version), or its certifier suspended. A compliance certifier certifies the asset's current version "
        "(`datareg attest`) and the exchange lists the product again naming it (`datareg list --attestation`)."
    ),
    ListingValidity.AUTHORISATION_LAPSED: "The asset's public-data authorisation (or the holder's licence) must "
                                          "be in force again.",
}


MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "AssetAlreadyRegistered": lambda a: (
        f"Asset '{a['assetId']}' is already registered: the same registrant cannot register the same content "
        "twice. Look it up with `datareg show`, or register from another account."
    ),
    "AssetNotFound": lambda a: (
        f"No asset '{a['assetId']}' is registered. Check the asset id (0x followed by 64 hex digits)."
    ),
    "AssetNotActive": lambda a: (
        f"Asset '{a['assetId']}' is {_asset_status(a['status'])}; this operation needs an active asset."
    ),
    "MissingContentHash": lambda a: "The registration has no content fingerprint (SHA-256 of the data).",
    "MissingMetadata": lambda a: "The registration has no metadata document content id.",
    "InvalidClassification": lambda a: (
        f"Classification {a['classification']} is not valid: use 0 (general), 1 (important) or 2 (core)."
    ),
    "InvalidAttributes": lambda a: (
        f"Attribute bits {a['attributes']:#04x} are not valid: only personal information (0x01), sensitive "
        "(0x02) and export allowed (0x04) may be declared; the derived bit is set from the sources."
    ),
    "MissingHoldingRight": lambda a: (
        "The registration names no holder of the holding right (持有权); every asset needs one. "
        "Add --holder holding=ADDRESS or list the holder in the metadata's rights."
    ),
    "InvalidHolder": lambda a: (
        f"Holder entry {a['position']} ({a['account']}, kinds {a['kinds']}) is not valid: the account must not "
        "be zero and the kinds must be a non-empty subset of holding, usage, operating."
    ),
    "HoldersNotSorted": lambda a: (
        f"Holder entry {a['position']} ({a['account']}) repeats an account or is out of order; list each "
        "account once, in ascending address order (the Python client does this for you)."
    ),
    "TooManyRights": lambda a: f"Asset '{a['assetId']}' has reached the maximum number of rights (16,777,215).",
    "RightNotFound": lambda a: f"Asset '{a['assetId']}' has no right number {a['rightIndex']}.",
    "NotRightHolder": lambda a: (
        f"Account '{a['account']}' does not hold right {a['rightIndex']} of asset '{a['assetId']}'. "
        "Use the account that holds it, or a right you hold (see `datareg show`)."
    ),
    "WrongRightKind": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' is a {_kind(a['actual'])} right; this operation "
        f"needs a {_kind(a['expected'])} right."
    ),
    "RightIsRevoked": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' has been revoked, so it and every grant under it "
        "are no longer valid."
    ),
    "RightExpired": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' expired at {_when(a['validUntil'])}; ask its "
        "grantor to renew it."
    ),
    "RightNotYetValid": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' is valid only from {_when(a['validFrom'])}."
    ),
    "InvalidSource": lambda a: (
        f"Source {a['position']} ('{a['sourceAssetId']}') is not valid: derived data cannot name itself or "
        "the same source twice."
    ),
    "NotGrantor": lambda a: (
        f"Account '{a['account']}' is not the grantor of right {a['rightIndex']} of asset '{a['assetId']}': only "
        "the current holder of the right it was granted from may revoke or renew it."
    ),
    "NotSubGrantable": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' was granted without permission to sub-grant, so no "
        "grant can be made from it. Ask its grantor for a grant that allows sub-granting."
    ),
    "NotTransferable": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' was granted as not transferable."
    ),
    "NotAGrant": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' is a root right: it has no grantor and no term, so it "
        "cannot be revoked or renewed (transfer it instead, or cancel the registration)."
    ),
    "InvalidRecipient": lambda a: (
        f"'{a['account']}' cannot receive the right: it is the zero address or the party acting."
    ),
    "InvalidTerm": lambda a: (
        f"The term from {a['validFrom']} to {a['validUntil']} is not valid: the end must be in the future and "
        "after the start (unix seconds; 0 means from now / no end)."
    ),
    "TermExceedsParent": lambda a: (
        f"The term would outlast right {a['parentIndex']} of asset '{a['assetId']}', which ends at "
        f"{_when(a['parentValidUntil'])}; end the grant on or before then."
    ),
    "GrantTooDeep": lambda a: (
        f"A grant from right {a['parentIndex']} of asset '{a['assetId']}' would be more than {a['maxDepth']} "
        "levels below its root right; grant from a right nearer the root."
    ),
    "TradeCodeTaken": lambda a: (
        f"The trade code {_trade_code(a['code'])} is exchange {a['owner']}'s (a code stays its exchange's for good, so "
        "no two trades share a number); choose another."
    ),
    "TradeCodeAlreadySet": lambda a: (
        f"Exchange {a['exchange']} already has the trade code {_trade_code(a['code'])}: an exchange sets its own once; "
        "the council changes it (`datareg trade assign-code`), and assigning the same code again changes nothing."
    ),
    "InvalidTradeCode": lambda a: (
        f"'{_trade_code(a['code'])}' is not a trade code: 2 to 6 characters A-Z and 0-9, such as SZDE."
    ),
    "NotExchangesListing": lambda a: (
        f"Listing {a['listingId']} is not exchange {a['exchange']}'s: an exchange records trades on its own listings "
        "only (a cross-listing is its venue's own listing)."
    ),
    "ListingNotValid": lambda a: " ".join(filter(None, (
        f"Listing {a['listingId']} cannot be traded on: {_en(ListingValidity, a['validity'])}.",
        _UNTRADEABLE.get(a["validity"]),
        "Nothing was recorded: no trade, and no right for the buyer.",
    ))),
    "TradeCodeNotSet": lambda a: (
        f"Exchange {a['exchange']} has no trade code yet: set it (`datareg trade set-code`) before recording trades."
    ),
    "NotAnExchange": lambda a: (
        f"Account '{a['account']}' is not an active exchange in the participant registry; only exchanges list "
        "products. The participant registry's admin admits exchanges (`datareg participant add`)."
    ),
    "ListingNotFound": lambda a: f"There is no listing {a['listingId']}.",
    "NotOperatingRight": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' is not an operating right (经营权); only a holder of "
        "the operating right can consent to a listing."
    ),
    "ConsentMissing": lambda a: (
        f"No consent from '{a['holder']}' for exchange '{a['exchange']}' for exactly this listing request. To list, "
        "the holder signs a ListingConsent (`datareg consent`) or approves by transaction (`datareg "
        "approve-listing`). To revoke an approval (`datareg listing revoke-approval`), repeat every option exactly "
        "as given to `approve-listing` (`datareg listing approvals --holder HOLDER` shows the holder's approvals); "
        "one a listing already used cannot be revoked."
    ),
    "DuplicateExchangeListingId": lambda a: (
        f"Exchange '{a['exchange']}' already has a listing with its id '{a['exchangeListingId']}' that has not "
        "ended; use a new id, or delist that listing first (an id is free again once its listing is delisted or "
        "past its end)."
    ),
    # Issue 17: consent that can be managed.
    "ConsentUsed": lambda a: (
        f"Consent {a['consentId']} of '{a['holder']}' was already used, or the holder withdrew it "
        "(`datareg listing withdraw-consent`); ask the holder for a new consent (`datareg consent`)."
    ),
    "ApprovalExpired": lambda a: (
        f"The approval by '{a['holder']}' for exchange '{a['exchange']}' ended at {_when(a['validUntil'])}; the "
        "holder must approve again (`datareg approve-listing --valid-until ...`)."
    ),
    "InvalidApprovalExpiry": lambda a: (
        f"An approval must end in the future, got {_when(a['validUntil'])}: give --valid-until a later time."
    ),
    "NotOriginHolder": lambda a: (
        f"'{a['holder']}' (right {a['rightIndex']}) is not the holder of listing {a['originListingId']}'s own "
        "operating right: only that holder may consent to cross-listing it. A co-holder lists its own product."
    ),
    "InvalidTerms": lambda a: {
        "price": "The listing's price must be named in full (a price model other than negotiable, an amount above "
                 "0 and an ISO 4217 currency such as CNY) or not at all (negotiable: no amount, no currency).",
        "deliveryModes": "The listing needs at least one delivery mode: download, api, privacy_computing, sandbox.",
        "validUntil": "The listing's end (--listing-valid-until) must be in the future, or left out for no end.",
        "usageScope": "The usage scope is at most 200 bytes (about 66 Chinese characters); put the rest in the "
                      "offer terms document.",
    }.get(a["field"], f"The listing's terms are not valid: {a['field']}."),
    # Three contracts raise it (ListingRegistry's floor, TradeRegistry's codes, RecognitionRegistry): one message.
    "NotCouncil": lambda a: (
        f"Account '{a['account']}' is not the council (the participant registry's owner): only the council sets "
        "the listing floor, assigns an exchange's trade code, and recognises other registries or withdraws their "
        "recognition."
    ),
    # Issue 17: compliance at listing (上架审核), one message per rule.
    "CoreDataNotListable": lambda a: (
        f"Asset '{a['assetId']}' is core data (核心数据): core data is never listed on an exchange."
    ),
    "ImportantDataForbidden": lambda a: (
        f"Asset '{a['assetId']}' is important data (重要数据), which the council's listing floor forbids listing "
        "on any exchange, certified or not (GET /v1/listings/policies)."
    ),
    "PersonalInformationForbidden": lambda a: (
        f"Asset '{a['assetId']}' contains personal information (个人信息), which the council's listing floor "
        "forbids listing on any exchange, certified or not (GET /v1/listings/policies)."
    ),
    "ComplianceCertificationRequired": lambda a: (
        f"Asset '{a['assetId']}' is important data or contains personal information: it is listed only with a "
        "compliance certification (合规认证) of its current version that is valid now; "
        + (f"attestation {a['attestationId']} is not one (another kind or asset, revoked, expired, or superseded "
           "by a change)." if a["attestationId"] else "name it with --attestation ID.")
        + " A compliance certifier issues one (`datareg attest`)."
    ),
    "ExportRestricted": lambda a: (
        f"Exchange '{a['exchange']}' trades across borders (its listing policy) and asset '{a['assetId']}' is not "
        "marked export allowed (允许出境): it cannot be listed there. List it on a domestic exchange."
    ),
    "RegistrationCertificateRequired": lambda a: (
        f"Asset '{a['assetId']}' has no valid registration certificate (登记证书), and exchange '{a['exchange']}' "
        "lists only certified assets (its policy, or the council's floor: GET /v1/listings/policies). Register "
        "it first (`datareg apply`), or the exchange may allow uncertified assets (`datareg listing policy "
        "--allow-uncertified`)."
    ),
    "OriginNotListable": lambda a: (
        f"Listing {a['originListingId']} cannot be cross-listed: it is "
        f"{_en(ListingValidity, a['validity'])}."
    ),
    "CrossListingOnSameExchange": lambda a: (
        f"Listing {a['originListingId']} is already on exchange '{a['exchange']}'; a cross-listing must be on "
        "another exchange."
    ),
    "AlreadyCrossListed": lambda a: (
        f"Exchange '{a['exchange']}' already cross-lists listing {a['originListingId']} as listing "
        f"{a['listingId']}; delist that one first."
    ),
    "AssetMismatch": lambda a: (
        f"Listing {a['originListingId']} is of another asset than '{a['assetId']}'; a cross-listing must be of "
        "the same product."
    ),
    "ConsentNotValid": lambda a: (
        f"The consent does not hold for right {a['rightIndex']} of asset '{a['assetId']}': "
        f"{_en(ListingValidity, a['reason'])}."
    ),
    "NotListingParty": lambda a: (
        f"Account '{a['account']}' may not change listing {a['listingId']}: only its exchange may suspend, resume or "
        "delist it, and the holder of the operating right may delist it."
    ),
    "InvalidStatusChange": lambda a: (
        f"Listing {a['listingId']} cannot go from {_en(ListingStatus, a['from'])} to "
        f"{_en(ListingStatus, a['to'])} (a delisted listing stays delisted)."
    ),
    "ParticipantExists": lambda a: f"'{a['account']}' is already a participant.",
    "ParticipantNotFound": lambda a: f"'{a['account']}' is not a participant.",
    "InvalidRole": lambda a: f"Role {a['role']} is not valid.",
    "InvalidParticipant": lambda a: (
        f"Participant '{a['account']}' needs a non-zero address, a name and a credit code."
    ),
    "StatusUnchanged": lambda a: (
        f"Participant '{a['account']}' is already {_en(ParticipantStatus, a['status'])}."
    ),
    "RegistryPaused": lambda a: (
        "The registry is paused by the council's admin (emergency stop): no write is accepted until it is "
        "unpaused. Reads keep working; try again later."
    ),
    "PauseUnchanged": lambda a: f"The registry is {'already' if a['paused'] else 'not'} paused.",
    "NotParticipantRegistry": lambda a: (
        f"'{a['caller']}' cannot set the pause: each contract's copy of the switch is set by the participant "
        "registry alone, when the council's admin pauses or unpauses (ParticipantRegistry.pause / unpause)."
    ),
    "ContractAlreadyBound": lambda a: f"Contract '{a['target']}' is already bound to the pause switch.",
    "TooManyBoundContracts": lambda a: (
        f"At most {a['max']} contracts can be bound to the pause switch."
    ),
    "AdminCannotBeRenounced": lambda a: (
        "The participant registry's admin cannot be renounced: hand it over with transferOwnership and "
        "acceptOwnership instead."
    ),
    "OwnableUnauthorizedAccount": lambda a: (
        f"Account '{a['account']}' is not the participant registry's admin (the council's multisig)."
    ),
    "ERC2771ForwarderInvalidSigner": lambda a: (
        f"The forward request is signed by '{a['signer']}', not by '{a['from']}' whom it names (or it was "
        "altered, or its nonce was already used). Sign it again."
    ),
    "ERC2771ForwarderExpiredRequest": lambda a: (
        f"The forward request expired at {_when(a['deadline'])}. Sign it again with a later deadline."
    ),
    "ERC2771UntrustfulTarget": lambda a: (
        f"Contract '{a['target']}' does not trust this forwarder; only the registry's own contracts can be called."
    ),
    "AssetIsFrozen": lambda a: (
        f"Asset '{a['assetId']}' is frozen by a regulator (查封, freeze order {a['orderId']}): refused until "
        f"regulator {a['regulator']} (or the council admin, with a recorded reason) releases that order."
    ),
    "FreezeOrderNotActive": lambda a: (
        f"Asset '{a['assetId']}' has no standing freeze order {a['orderId']} (unknown or already released)."
    ),
    "NotFreezeIssuer": lambda a: (
        f"Freeze order {a['orderId']} of asset '{a['assetId']}' can be released only by regulator "
        f"{a['regulator']}, who issued it (or by the council admin, with a recorded reason)."
    ),
    "RightPledged": lambda a: (
        f"The operating right of asset '{a['assetId']}' is pledged (pledge {a['pledgeId']}): refused unless pledgee "
        f"{a['pledgee']} consents to exactly this operation (`datareg pledge-consent`), or registrar "
        f"{a['registrar']}, who recorded the pledge, releases it."
    ),
    "NotPledgeRegistrar": lambda a: (
        f"Pledge {a['pledgeId']} of asset '{a['assetId']}' can be released only by registrar {a['registrar']}, "
        "who recorded it."
    ),
    "NotPledgee": lambda a: (
        f"Only pledgee {a['pledgee']} may consent for pledge {a['pledgeId']} of asset '{a['assetId']}'."
    ),
    "RightPending": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' is pending: {a['holder']} was named to hold it and has "
        "not accepted it yet (`datareg accept-right`); until then nobody holds it."
    ),
    "NotPendingAssignment": lambda a: (
        f"Right {a['rightIndex']} of asset '{a['assetId']}' is not an assignment awaiting acceptance (already "
        "accepted, withdrawn, or never named to another party)."
    ),
    "TermsMismatch": lambda a: (
        f"The registration lists {a['terms']} term entries for {a['holders']} holder entries: give none, or one "
        "per holder entry in the same order."
    ),
    "EmptyContent": lambda a: "The data is empty (SHA-256 of zero bytes): an empty file is not a data asset.",
    "CancellationNotAllowed": lambda a: (
        f"Account '{a['account']}' may not cancel asset '{a['assetId']}' for reason {a['reasonCode']}: on request "
        "(1) only the registrant; data destroyed, objection upheld or by the registrar (2-4) only a registrar."
    ),
    "NotRegistrationOffice": lambda a: (
        f"Account '{a['account']}' is not the registration office: a change becomes current only through "
        "`datareg change` and the registrar's `datareg review-change`."
    ),
    "RegistrationOfficeAlreadySet": lambda a: f"The registration office is already bound ({a['office']}).",
    "ApplicationInProgress": lambda a: (
        f"Asset '{a['assetId']}' is in the registration procedure (stage "
        f"{['none', 'applied', 'accepted', 'returned', 'publicity', 'registered', 'refused', 'terminated'][a['stage']]}"
        "): its version is pinned until the procedure ends; apply for the change afterwards."
    ),
    "ChangeInProgress": lambda a: (
        f"Asset '{a['assetId']}' has a change registration awaiting review by registrar {a['registrar']}; wait "
        "for its decision."
    ),
    "RenewalInProgress": lambda a: (
        f"Asset '{a['assetId']}' has a renewal request awaiting review by registrar {a['registrar']}; wait for "
        "its decision."
    ),
    "NoChangePending": lambda a: f"Asset '{a['assetId']}' has no change registration awaiting review.",
    "RenewalNotRequested": lambda a: (
        f"The holder of asset '{a['assetId']}''s certificate has not requested renewal (`datareg renew-request`)."
    ),
    "NotCertificateHolder": lambda a: (
        f"Account '{a['account']}' does not hold the certificate of asset '{a['assetId']}'; its holder "
        f"{a['holder']} requests renewal."
    ),
    "RegistrationLapsed": lambda a: (
        f"The registration of asset '{a['assetId']}' lapsed at {_when(a['validUntil'])}; apply for registration "
        "again (`datareg apply`)."
    ),
    "WrongRegistrar": lambda a: (
        f"Asset '{a['assetId']}' was certified by registrar {a['registrar']}; a change goes to that registrar."
    ),
    "NotDataRegistry": lambda a: f"Account '{a['account']}' is not the data registry.",
    "PledgeUnchanged": lambda a: (
        f"Pledge '{a['pledgeId']}' of asset '{a['assetId']}' is "
        f"{'already recorded' if a['active'] else 'not recorded'}."
    ),
    "MissingRole": lambda a: (
        f"Account '{a['account']}' is not an active "
        f"{_role(a['role'])} "
        "in the participant registry."
    ),
    "NotRegistrant": lambda a: (
        f"Account '{a['account']}' may not do this to asset '{a['assetId']}': only its registrant may."
    ),
    "NotApplicant": lambda a: (
        f"Account '{a['account']}' is not the registrant of asset '{a['assetId']}'; only the registrant applies."
    ),
    "NotAssignedRegistrar": lambda a: (
        f"Account '{a['account']}' is not the active registrar handling asset '{a['assetId']}'s application."
    ),
    "RegistrarNotConfigured": lambda a: (
        f"'{a['registrar']}' has no registrar code; the admin configures one (region and code) first."
    ),
    "NotAdmin": lambda a: f"Account '{a['account']}' is not the council's admin account.",
    "NotAParticipant": lambda a: (
        f"Account '{a['account']}' is not an active participant; only participants may lodge objections."
    ),
    "WrongStage": lambda a: (
        f"The application for asset '{a['assetId']}' is at stage "
        f"{['none', 'applied', 'accepted', 'returned', 'publicity', 'registered', 'refused', 'terminated'][a['stage']]}"
        ", where this step does not apply."
    ),
    "PublicityOver": lambda a: (
        f"The publicity period of asset '{a['assetId']}' ended at {_when(a['publicityEnds'])}; objections are closed."
    ),
    "PublicityNotOver": lambda a: (
        f"The publicity period of asset '{a['assetId']}' runs until {_when(a['publicityEnds'])}; register after it."
    ),
    "PublicityTooShort": lambda a: (
        f"Publicity of asset '{a['assetId']}' ending at {_when(a['publicityEnds'])} is shorter than the council's "
        f"minimum: it may end at {_when(a['earliest'])} at the earliest."
    ),
    "ObjectionsPending": lambda a: (
        f"Asset '{a['assetId']}' has {a['pending']} unresolved objection(s); resolve them before registering."
    ),
    "ObjectionNotPending": lambda a: (
        f"Objection {a['objectionId']} to asset '{a['assetId']}' is not pending (unknown or already resolved)."
    ),
    "InvalidValidity": lambda a: f"A registration is valid for 1 to 5 years, not {a['validityYears']}.",
    "OutsideRenewalWindow": lambda a: (
        f"Asset '{a['assetId']}' can be renewed only from {_when(a['opens'])} to {_when(a['closes'])} (six months "
        "to one day before the registration ends)."
    ),
    "InvalidRegistrarCode": lambda a: (
        f"Region '{a['region']}' and code '{a['code']}' are not a valid, unused registrar code: two digits of the "
        "administrative division code and one digit or capital letter."
    ),
    # Two errors share the name: the registration office's (argument `serial`) and the trade registry's (`year`).
    "SerialExhausted": lambda a: (
        f"The exchange has used all 999,999 trade certificate serials of {a['year']}; no trade was recorded."
        if "year" in a else "The registrar has used all 9,999 certificate serials of this month."
    ),
    "InvalidIpRegistrarCode": lambda a: (
        f"Division '{a['division']}' and code '{a['code']}' are not a valid, unused code for a data intellectual "
        "property registrar: the 6-digit administrative division code (e.g. 350200) and one digit."
    ),
    "InvalidRecognition": lambda a: (
        f"The recognition of chain {a['chainId']}'s registry '{a['dataRegistry']}' is incomplete: give the chain id, "
        "the DataRegistry and RegistrationOffice addresses, a name of 1 to 200 bytes and two digits of region."
    ),
    "AlreadyRecognised": lambda a: (
        f"The registry '{a['dataRegistry']}' on chain {a['chainId']} is already recognised (recognition "
        f"{a['recognitionId']}); withdraw that one first to recognise it again."
    ),
    "NotRecognised": lambda a: f"There is no standing recognition {a['recognitionId']} to withdraw.",
    "NotAServiceProvider": lambda a: (
        f"Account '{a['account']}' is not an active, qualified service provider for this kind of attestation: "
        "it must be admitted in the kind's role, not suspended, and hold a current qualification "
        "(`datareg participant show` says which)."
    ),
    "AppraisalNeedsEngagement": lambda a: (
        "An appraisal is issued with `appraise`, under the holder's engagement, with its valuation date and value "
        "type (`datareg appraisal engage`, then `datareg appraisal issue`)."
    ),
    "NotHoldingRightHolder": lambda a: (
        f"Account '{a['account']}' does not hold a valid holding right {a['rightIndex']} of asset '{a['assetId']}'; "
        "only a holder of the asset's holding right engages an appraiser for it."
    ),
    "EngagementNotFound": lambda a: f"There is no engagement {a['engagementId']}.",
    "NotEngaged": lambda a: (
        f"Engagement {a['engagementId']} does not engage '{a['appraiser']}' for asset '{a['assetId']}'; the holder "
        "engages the appraiser for this asset first."
    ),
    "EngagementClosed": lambda a: (
        f"Engagement {a['engagementId']} was already used by an appraisal or withdrawn; the holder engages again."
    ),
    "NotEngager": lambda a: f"Account '{a['account']}' did not make engagement {a['engagementId']}.",
    "InvalidValueType": lambda a: (
        "An appraisal needs a value type (market, investment, in_use, liquidation, residual)."
    ),
    "InvalidValuationDate": lambda a: (
        f"The valuation date {_when(a['valuationDate']) if a['valuationDate'] else '(none)'} must be given and not "
        "after the appraisal."
    ),
    "InvalidQualification": lambda a: (
        f"The qualification of '{a['account']}' needs an issuer and a number, and must end after it starts and "
        "after now."
    ),
    "QualificationNotFound": lambda a: f"'{a['account']}' has no qualification on record; the council records one.",
    "QualificationAlreadyRevoked": lambda a: (
        f"Qualification {a['serial']} of '{a['account']}' is revoked; the council records a new one instead."
    ),
    "RenewalNotLater": lambda a: (
        f"The qualification of '{a['account']}' runs until "
        f"{_when(a['validUntil']) if a['validUntil'] else 'no end'}; a renewal must end later than that "
        f"(asked for {_when(a['requested'])})."
    ),
    "AttestationNotFound": lambda a: f"There is no attestation {a['attestationId']}.",
    "NotIssuer": lambda a: f"Account '{a['account']}' did not issue attestation {a['attestationId']}.",
    "AlreadyRevoked": lambda a: f"Attestation {a['attestationId']} is already revoked.",
    "AttestationAssetNotActive": lambda a: f"Asset '{a['assetId']}' is not active; it cannot be attested.",
    "SignatureExpired": lambda a: (
        f"The signature expired at {_when(a['deadline'])} (block time is {_when(a['timestamp'])}). "
        "Sign the request again with a later deadline."
    ),
    "InvalidSignature": lambda a: (
        f"The signature is not valid for signer '{a['signer']}': it was made by another key, for other values, "
        "for another chain or registry, or with a nonce that has already been used. Sign the request again."
    ),
}


@cache
def _errors_by_selector() -> dict[bytes, tuple[str, list[str], list[str]]]:
    table = {}
    for item in all_abis():
        if item["type"] != "error":
            continue
        types = [canonical_type(i) for i in item["inputs"]]
        selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
        table[selector] = (item["name"], [i["name"] for i in item["inputs"]], types)
    return table




def _normalise(value: object, abi_type: str) -> object:
    if abi_type == "address":
        return to_checksum_address(cast(str, value))
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def decode_revert(data: bytes | str | None) -> ChainError:
    """The exception that best describes revert data returned by the registry."""
    if isinstance(data, str):
        data = bytes.fromhex(data[2:] if data.startswith("0x") else data)
    # Refusals without one of the registry's own errors are refusals all the same (ContractRevert: the API
    # answers 422, not 502), named by what the contract returned.
    if not data or len(data) < 4:
        return ContractRevert("The transaction was reverted without a reason (out of gas, or not a registry call).",
                              "Reverted")
    entry = _errors_by_selector().get(data[:4])
    if entry is None:
        if data[:4] == bytes.fromhex("08c379a0"):
            try:
                (reason,) = decode(["string"], data[4:])
            except Exception:  # noqa: BLE001 - malformed revert data is reported as it is
                reason = "0x" + data[4:].hex()
            return ContractRevert(f"The transaction was reverted: {reason}.", "Error", {"reason": reason})
        return ContractRevert(f"The transaction was reverted with unknown error data 0x{data.hex()}.", "Unknown",
                              {"data": "0x" + data.hex()})
    name, names, types = entry
    args = {n: _normalise(v, t) for n, v, t in zip(names, decode(types, data[4:]), types)}
    render = MESSAGES.get(name)
    message = render(args) if render else f"The registry refused the operation: {name}({args})."
    return ContractRevert(message, name, args)
