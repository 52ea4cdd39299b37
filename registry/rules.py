"""The read-side rules, in one place: whether a right, a listing, a registration certificate and an attestation
hold at a moment, and if not, why. Each mirrors the contract view that judges the same (rightValidity,
listingValidity, certificate, attestationStatus), on rows of the index; the store (registry/db) gathers the rows
and calls these, for the indexer (which stores listings' validity and feeds their changes) and the API alike.

Pure functions of the rows given: no database, no clock (the moment is an argument).
"""
from __future__ import annotations

from dataclasses import dataclass

from registry.calendar import ACCEPTANCE_DAYS, OBJECTION_DAYS, PUBLICITY_DAYS, Deadline, WorkCalendar, beijing_day
from registry.db.models import Asset, Attestation, Listing, Objection, Participant, Registration, Right, RightVersion
from registry.vocabulary import (
    AssetStatus,
    AttestationKind,
    AttestationStatus,
    CertificateStatus,
    ListingStatus,
    ObjectionStatus,
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


# ─────────────────────────────── the procedure's deadlines (working days: registry/calendar.py) ───────────────────


@dataclass(frozen=True)
class DeadlineState:
    """A deadline of the procedure judged at a moment. `done`: what it waits for happened (acceptance: accepted or
    returned; objection: resolved; publicity: the period is over, or the application left publicity); `passed`:
    the moment is at or after `deadline.due`; `overdue`: passed and not done (publicity, which ends by itself, is
    never overdue)."""

    kind: str  # acceptance, publicity, objection
    deadline: Deadline
    objection_id: int | None
    done: bool
    done_at: int | None
    passed: bool
    overdue: bool


def _state(kind: str, deadline: Deadline, done_at: int | None, done: bool, now: int,
           objection_id: int | None = None) -> DeadlineState:
    passed = deadline.passed(now)
    return DeadlineState(kind, deadline, objection_id, done, done_at, passed, passed and not done)


def procedure_deadlines(cal: WorkCalendar, registration: Registration, applied_at: int | None,
                        accepted_at: int | None, objections: list[tuple[Objection, int | None, int | None]],
                        now: int) -> list[DeadlineState]:
    """The guideline's deadlines of an application: acceptance within 3 working days of the application,
    publicity until the end on chain (5 working days, set by the registrar), each objection handled within 10
    working days of being lodged. `objections`: each with when it was lodged and resolved (None: not known / not
    yet)."""
    states = []
    if applied_at is not None:
        done = accepted_at is not None or registration.stage != Stage.APPLIED.key
        states.append(_state("acceptance", cal.deadline(applied_at, ACCEPTANCE_DAYS), accepted_at, done, now))
    ends = registration.publicity_ends
    if ends:
        last = beijing_day(ends - 1)
        publicity = Deadline(start=None, working_days=PUBLICITY_DAYS, last_day=last, due=ends,
                             provisional=cal.is_provisional(last))
        over = publicity.passed(now)
        states.append(DeadlineState("publicity", publicity, None, over or registration.stage != Stage.PUBLICITY.key,
                                    ends if over else None, over, False))
    for objection, lodged_at, resolved_at in objections:
        if lodged_at is None:
            continue
        done = objection.status != ObjectionStatus.PENDING.key
        states.append(_state("objection", cal.deadline(lodged_at, OBJECTION_DAYS), resolved_at, done, now,
                             objection.objection_id))
    return states


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
