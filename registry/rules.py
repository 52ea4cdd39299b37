"""The read-side rules, in one place: whether a right, a listing, a registration certificate and an attestation
hold at a moment, and if not, why. Each mirrors the contract view that judges the same (rightValidity,
listingValidity, certificate, attestationStatus), on rows of the index; the store (registry/db) gathers the rows
and calls these, for the indexer (which stores listings' validity and feeds their changes) and the API alike.

Pure functions of the rows given: no database, no clock (the moment is an argument).
"""
from __future__ import annotations

from dataclasses import dataclass

from registry.db.models import Asset, Attestation, Listing, Participant, Registration, Right, RightVersion
from registry.vocabulary import (
    AssetStatus,
    AttestationKind,
    AttestationStatus,
    CertificateStatus,
    ListingStatus,
    ParticipantStatus,
    Role,
    Stage,
)

# ─────────────────────────────── rights (DataRegistry.rightValidity) ───────────────────────────────


@dataclass(frozen=True)
class RightState:
    right: Right | RightVersion
    valid: bool
    reason: str | None  # why not valid: revoked, parent_revoked, expired, not_yet_valid, asset_cancelled, ...
    chain: tuple[int, ...]  # the right, its parent, ... up to its root: on whose authority it is held


def evaluate_rights(rights: list[Right] | list[RightVersion], asset_active: bool, now: int) -> list[RightState]:
    """Whether each right is valid at `now` and, if not, why. Mirrors the contract's rightValidity: a right
    is valid when it and all its ancestors are unrevoked and within their terms, on an active asset."""
    by_index = {r.right_index: r for r in rights}

    def reason_for(right, own: bool) -> str | None:
        while True:
            if right.revoked:
                return "revoked" if own else "parent_revoked"
            if right.pending:  # named at registration, not accepted yet: not held
                return "pending" if own else "parent_pending"
            if right.valid_from and right.valid_from > now:
                return "not_yet_valid" if own else "parent_not_yet_valid"
            if right.valid_until and right.valid_until <= now:
                return "expired" if own else "parent_expired"
            if right.parent_index == 0 or right.parent_index not in by_index:
                return None
            right, own = by_index[right.parent_index], False

    def chain_of(index: int) -> tuple[int, ...]:
        chain = [index]
        while by_index[chain[-1]].parent_index in by_index:
            chain.append(by_index[chain[-1]].parent_index)
        return tuple(chain)

    states = []
    for index in sorted(by_index):
        reason = "asset_cancelled" if not asset_active else reason_for(by_index[index], True)
        states.append(RightState(by_index[index], reason is None, reason, chain_of(index)))
    return states


def asset_active(asset: Asset | None) -> bool:
    return asset is not None and asset.status == AssetStatus.ACTIVE


# ─────────────────────────────── listings (ListingRegistry.listingValidity) ───────────────────────────────


@dataclass(frozen=True)
class ListingState:
    valid: bool
    reason: str | None  # delisted, suspended, exchange_not_active, asset_cancelled, right_revoked,
    # right_expired, right_transferred_away, origin_delisted, origin_not_valid, ...
    expires_at: int | None  # when the consent lapses by itself (the earliest end in its chains of rights)


# Why the operating right no longer carries the consent, from the right's own reason.
_RIGHT_REASONS = {
    "revoked": "right_revoked", "parent_revoked": "right_revoked",
    "expired": "right_expired", "parent_expired": "right_expired",
    "not_yet_valid": "right_not_yet_valid", "parent_not_yet_valid": "right_not_yet_valid",
    "asset_cancelled": "asset_cancelled",
    "pending": "right_pending", "parent_pending": "right_pending",
}


def listing_before_right(listing: Listing, exchange: Participant | None, asset: Asset | None) -> ListingState | None:
    """The judgement of a listing that needs no right: its own status, its exchange's and its asset's; None when
    these hold and the right must be looked at (`listing_validity`)."""
    if listing.status == ListingStatus.DELISTED:
        return ListingState(False, "delisted", None)
    if exchange is None or exchange.status != ParticipantStatus.ACTIVE or exchange.role != Role.EXCHANGE:
        return ListingState(False, "exchange_not_active", None)
    if listing.status == ListingStatus.SUSPENDED:
        return ListingState(False, "suspended", None)
    if not asset_active(asset):
        return ListingState(False, "asset_cancelled", None)
    return None


def listing_validity(listing: Listing, asset: Asset, state: RightState | None, ends: list[int],
                     origin: tuple[Listing | None, ListingState] | None) -> ListingState:
    """The rest of the judgement, once `listing_before_right` holds: `state` is the operating right's, `ends` the
    ends of the terms in its chain, `origin` a cross-listing's origin listing (None if missing) and its state."""
    if state is None:
        return ListingState(False, "right_not_found", None)
    expires_at = min(ends) if ends else None
    if not state.valid:
        return ListingState(False, _RIGHT_REASONS.get(state.reason or "", "right_not_valid"), None)
    if asset.frozen:
        return ListingState(False, "asset_frozen", None)
    if state.right.holder != listing.holder:
        return ListingState(False, "right_transferred_away", None)
    if origin is not None:
        origin_listing, origin_state = origin
        if origin_listing is None:
            return ListingState(False, "origin_not_valid", None)
        if not origin_state.valid:
            delisted = origin_listing.status == ListingStatus.DELISTED
            return ListingState(False, "origin_delisted" if delisted else "origin_not_valid", None)
        if origin_state.expires_at is not None:
            expires_at = min(expires_at or origin_state.expires_at, origin_state.expires_at)
    return ListingState(True, None, expires_at)


# ─────────────────────────────── registration (RegistrationOffice.certificate) ───────────────────────────────

RENEWAL_OPENS = 183 * 86_400
RENEWAL_CLOSES = 86_400


def certificate_status(registration: Registration | None, asset: Asset, now: int) -> str:
    if registration is None:
        return CertificateStatus.NONE.key
    if registration.stage in (Stage.APPLIED.key, Stage.ACCEPTED.key, Stage.PUBLICITY.key):
        return CertificateStatus.PENDING.key
    if registration.stage != Stage.REGISTERED.key:
        return CertificateStatus.NOT_REGISTERED.key
    if asset.status == AssetStatus.CANCELLED:
        return CertificateStatus.CANCELLED.key
    if registration.valid_until is not None and now >= registration.valid_until:
        return CertificateStatus.LAPSED.key
    return CertificateStatus.VALID.key


def renewal_window(registration: Registration) -> tuple[int, int] | None:
    if registration.valid_until is None:
        return None
    return registration.valid_until - RENEWAL_OPENS, registration.valid_until - RENEWAL_CLOSES


# ─────────────────────────────── attestations (AttestationRegistry.attestationStatus) ───────────────────────────────


def attestation_status(attestation: Attestation, issuer: Participant | None, asset: Asset, now: int) -> str:
    if attestation.revoked:
        return AttestationStatus.REVOKED.key
    role = AttestationKind.from_key(attestation.kind).issuer_role
    if issuer is None or issuer.status != ParticipantStatus.ACTIVE or issuer.role != role:
        return AttestationStatus.ISSUER_NOT_ACTIVE.key
    if attestation.valid_until and now >= attestation.valid_until:
        return AttestationStatus.EXPIRED.key
    if asset.version != attestation.asset_version:
        return AttestationStatus.SUPERSEDED.key
    return AttestationStatus.VALID.key


# ─────────────────────────────── privacy by role (who may read what) ───────────────────────────────
# The guideline makes public, during publicity, the applicant, the data's name, its summary and its
# restrictions, and afterwards what the certificate shows. Application documents, objection evidence and the
# applicant's contact details are for the parties to the procedure only: the applicant, the registrar handling
# the application, regulators and, for an objection's evidence, its objector. The store gathers who they are
# (registry/db/access.py); the API asks a reader to prove who it is (registry/chain/read_request.py).

#: Events whose named argument is the CID digest of a private document.
PRIVATE_EVENT_ARGUMENTS = {"ApplicationFiled": "documentsCid", "ChangeApplied": "documentsCid",
                           "ObjectionLodged": "evidenceCid"}
#: Applications the public lists do not show: turned down (不予登记) or ended by a failed review.
UNLISTED_STAGES = frozenset({Stage.REFUSED.key, Stage.TERMINATED.key})
#: Where a metadata document keeps its contact details (联系方式).
CONTACT_PATH = ("applicant", "contact")


def is_regulator(participant: Participant | None) -> bool:
    return (participant is not None and participant.role == Role.REGULATOR
            and participant.status == ParticipantStatus.ACTIVE)


def may_read(reader: str | None, parties: frozenset[str] | set[str], regulator: bool) -> bool:
    """Whether `reader` (None: anonymous) may read what only `parties` (and regulators) may."""
    return reader is not None and (regulator or reader in parties)


def without_contact(document: dict | None) -> tuple[dict | None, bool]:
    """The metadata document without its contact details, and whether it had any."""
    if not isinstance(document, dict):
        return document, False
    applicant = document.get(CONTACT_PATH[0])
    if not isinstance(applicant, dict) or CONTACT_PATH[1] not in applicant:
        return document, False
    return {**document, CONTACT_PATH[0]: {k: v for k, v in applicant.items() if k != CONTACT_PATH[1]}}, True
