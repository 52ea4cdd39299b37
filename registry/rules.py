"""The read-side rules, in one place: whether a right, a listing, a registration certificate and an attestation
hold at a moment, and if not, why; and an asset's one legal status with its remarks (legal_status), which every
public answer serves (verify, the asset, listings, the certificate, the CLI and the explorer). Each mirrors the
contract view that judges the same (rightValidity, listingValidity, certificate, attestationStatus), on rows of
the index; the store (registry/db) gathers the rows
and calls these, for the indexer (which stores listings' validity and feeds their changes) and the API alike.

Pure functions of the rows given: no database, no clock (the moment is an argument).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from registry.calendar import ACCEPTANCE_DAYS, OBJECTION_DAYS, PUBLICITY_DAYS, Deadline, WorkCalendar, beijing_day
from registry.vocabulary import (
    QUALIFIED_ROLES,
    AssetStatus,
    AttestationKind,
    AttestationStatus,
    AuthorisationRevocationReason,
    CancelReason,
    CertificateStatus,
    LegalStatus,
    ListingStatus,
    ObjectionStatus,
    ParticipantStatus,
    QualificationStatus,
    RefusalReason,
    Remark,
    ReturnReason,
    Role,
    Stage,
    Term,
)

if TYPE_CHECKING:  # rows of the index; only read here, so `datareg verify` can judge exit codes without SQLAlchemy
    from registry.db.models import (
        Asset,
        Attestation,
        Event,
        FreezeOrder,
        Listing,
        Objection,
        Participant,
        Pledge,
        Qualification,
        Registration,
        Right,
        RightVersion,
    )

# ─────────────────────────────── rights (DataRegistry.rightValidity) ───────────────────────────────


@dataclass(frozen=True)
class RightState:
    right: Right | RightVersion
    valid: bool
    reason: str | None  # why not valid: revoked, parent_revoked, expired, not_yet_valid, asset_cancelled, ...
    chain: tuple[int, ...]  # the right, its parent, ... up to its root: on whose authority it is held


@dataclass(frozen=True)
class PublicStanding:
    """A public-data asset's authorisation (a PublicAuthorisation row) and its second-level licences by licensee:
    what IPublicDataAuthorisation.standing judges, for the rights over the asset."""

    authorisation: Any  # PublicAuthorisation, or None when the index lacks it (then nothing stands)
    licences: dict[str, Any]  # licensee -> PublicLicence

    def authorisation_reason(self, now: int) -> str | None:
        """Why the authorisation is not in force at `now` (None when it is)."""
        a = self.authorisation
        if a is None:
            return "authorisation_not_found"
        if a.revoked:
            return "authorisation_revoked"
        if a.valid_from > now:
            return "authorisation_not_yet_in_force"
        if a.valid_until <= now:
            return "authorisation_expired"
        return None

    def reason(self, holder: str, now: int) -> str | None:
        """Why `holder` does not stand under the authorisation at `now` (None when it does)."""
        lapsed = self.authorisation_reason(now)
        if lapsed is not None or holder == self.authorisation.operator:
            return lapsed
        licence = self.licences.get(holder)
        if licence is None:
            return "not_licensed"
        if licence.revoked:
            return "licence_revoked"
        if licence.valid_until <= now:
            return "licence_expired"
        return None


#: The reasons PublicStanding gives: a right over public data lapsed with its authorisation (Validity 7).
AUTHORISATION_REASONS = frozenset({"authorisation_not_found", "authorisation_revoked", "authorisation_not_yet_in_force",
                                   "authorisation_expired", "not_licensed", "licence_revoked", "licence_expired"})


def evaluate_rights(rights: list[Right] | list[RightVersion], asset_active: bool, now: int,
                    public: PublicStanding | None = None) -> list[RightState]:
    """Whether each right is valid at `now` and, if not, why. Mirrors the contract's rightValidity: a right
    is valid when it and all its ancestors are unrevoked and within their terms, on an active asset; over
    public data (`public`), its holder must also stand under the asset's authorisation."""
    by_index = {r.right_index: r for r in rights}

    def reason_for(right: Right | RightVersion, own: bool) -> str | None:
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
        if reason is None and public is not None:
            reason = public.reason(by_index[index].holder, now)
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
    **dict.fromkeys(AUTHORISATION_REASONS, "authorisation_lapsed"),
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


def listing_compliance(listing: Listing, asset: Asset, attestation: Attestation | None,
                       issuer: Participant | None, now: int,
                       qualification: Qualification | None = None) -> tuple[bool, int | None]:
    """ListingRegistry._stillCompliant (issue 17): whether a listing still passes what a change registration or
    a revocation can undo after listing (core data never; important data and personal information only while
    the compliance certification it named is valid), and when that certification ends by itself, if it matters."""
    if asset.classification == 2:
        return False, None
    if asset.classification != 1 and not (asset.personal_information or asset.sensitive_personal_information):
        return True, None
    if attestation is None:
        return False, None
    if attestation_status(attestation, issuer, asset, now, qualification) != AttestationStatus.VALID.key:
        return False, None
    # The certification also ends when its issuer's qualification does (issue 21).
    ends = [t for t in (attestation.valid_until, qualification.valid_until if qualification else 0) if t]
    return True, min(ends) if ends else None


def listing_end(listing: Listing) -> int | None:
    """The first moment the listing is past its own end (IListingRegistry: `block.timestamp > validUntil`)."""
    return listing.valid_until + 1 if listing.valid_until else None


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


def _day_of(moment: int) -> date | None:
    try:
        return beijing_day(moment)
    except (OverflowError, ValueError, OSError):
        return None


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
    last = _day_of(ends - 1) if ends else None
    if ends and last is not None:  # (an end past the year 9999, which the contract takes, has no day: left out)
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


# ─────────────────────────────── the legal status: one answer, from the record, the application and the remarks

#: The stages of an application in progress (the legal status is then in_procedure, at that stage).
IN_PROCEDURE = (Stage.APPLIED.key, Stage.ACCEPTED.key, Stage.PUBLICITY.key)


@dataclass(frozen=True)
class RemarkState:
    """One remark (备注) standing on an asset: its kind and what identifies it (who froze it under which order,
    which pledgee, which objection), with the transaction that recorded it where the index has one."""

    remark: Remark
    details: dict[str, Any]


@dataclass(frozen=True)
class LegalState:
    """An asset's legal status at a moment, with its remarks. `stage` is the application's stage (null when there
    is none); `certificate_status` what the office's `certificate` view says (registry/rules.certificate_status)."""

    status: LegalStatus
    stage: str | None
    certificate_status: str
    certificate_number: str | None
    valid_until: int | None
    remarks: tuple[RemarkState, ...]
    # Why it is cancelled, or why its last application ended without registration (returned, terminated,
    # refused): the code on chain and the vocabulary it is read in.
    reason_code: int | None = None
    reason_vocabulary: type[Term] | None = None

    @property
    def encumbered(self) -> bool:
        """A remark limits the rights: frozen, pledged, an objection pending or upheld."""
        return bool(self.remarks)

    def has(self, remark: Remark) -> bool:
        return any(r.remark is remark for r in self.remarks)

    @property
    def clear(self) -> bool:
        """Certified and unencumbered: what `datareg verify` exits 0 for."""
        return self.status is LegalStatus.CERTIFIED and not self.encumbered


def frozen_remark(asset: Asset, orders: list[FreezeOrder], event: Event | None = None) -> RemarkState | None:
    """The freeze: each standing order with its regulator and order reference, the first (the one in force) first;
    `event` is the latest AssetFrozen, for an asset frozen with no order in the index (an index built before
    orders were numbered)."""
    standing = sorted((o for o in orders if o.active), key=lambda o: o.order_id)
    if not standing and not asset.frozen:
        return None
    first = standing[0] if standing else None
    args = json.loads(event.args_json) if event is not None and first is None else {}
    return RemarkState(Remark.FROZEN, {
        "by": first.regulator if first else (event.actor if event else None),
        "order_reference": first.order_reference if first else args.get("orderReference"),
        "order_id": first.order_id if first else None,
        "since": first.ordered_at if first else (event.timestamp if event else None),
        "tx_hash": first.ordered_tx if first else (event.tx_hash if event else None),
        "orders": [{"order_id": o.order_id, "regulator": o.regulator, "order_reference": o.order_reference,
                    "waiting": o.waiting, "ordered_at": o.ordered_at, "block_number": o.ordered_block,
                    "tx_hash": o.ordered_tx} for o in standing],
    })


def legal_status(asset: Asset | None, registration: Registration | None, freeze_orders: list[FreezeOrder],
                 pledges: list[Pledge], objections: list[Objection], now: int,
                 frozen_event: Event | None = None, public: PublicStanding | None = None) -> LegalState:
    """The one legal status of an asset at `now`, from its rows in the index (the store gathers them:
    registry/db/registration.legal_status):

    - unregistered: no record on chain (`asset` None);
    - cancelled: the record was cancelled (whatever its certificate said);
    - lapsed: registered, past the certificate's validity and not renewed;
    - certified: registered, within the validity;
    - in_procedure: an application is applied, accepted or in publicity (`stage` says which);
    - recorded: on chain with no certificate: never applied, or returned, terminated or refused.

    Remarks, on any status but unregistered: frozen (by which regulator, under which order), pledged (to which
    pledgee, under which external registration number), objection_pending, disputed (the last application was
    refused on an upheld objection), authorisation_lapsed (public data whose authorisation was revoked or ended:
    every right over it lapsed, with the authority's reason)."""
    if asset is None:
        return LegalState(LegalStatus.UNREGISTERED, None, CertificateStatus.NONE.key, None, None, ())
    certificate = certificate_status(registration, asset, now)
    stage = registration.stage if registration else None
    if asset.status == AssetStatus.CANCELLED:
        status = LegalStatus.CANCELLED
    elif certificate == CertificateStatus.LAPSED.key:
        status = LegalStatus.LAPSED
    elif certificate == CertificateStatus.VALID.key:
        status = LegalStatus.CERTIFIED
    elif stage in IN_PROCEDURE:
        status = LegalStatus.IN_PROCEDURE
    else:
        status = LegalStatus.RECORDED
    remarks: list[RemarkState] = []
    frozen = frozen_remark(asset, freeze_orders, frozen_event)
    if frozen is not None:
        remarks.append(frozen)
    for pledge in sorted((p for p in pledges if p.active), key=lambda p: p.recorded_block):
        remarks.append(RemarkState(Remark.PLEDGED, {
            "pledgee": pledge.pledgee, "external_registration_no": pledge.external_registration_no,
            "pledge_id": pledge.pledge_id, "recorded_by": pledge.registrar, "block_number": pledge.recorded_block,
            "tx_hash": pledge.recorded_tx}))
    pending = sorted(o.objection_id for o in objections if o.status == ObjectionStatus.PENDING.key)
    if pending:
        remarks.append(RemarkState(Remark.OBJECTION_PENDING, {"objection_ids": pending}))
    lapsed = public.authorisation_reason(now) if public is not None else None
    if public is not None and lapsed is not None:
        a = public.authorisation
        codes = {m.value: m for m in AuthorisationRevocationReason}
        reason = codes.get(a.revocation_reason) if a is not None and a.revoked else None
        remarks.append(RemarkState(Remark.AUTHORISATION_LAPSED, {
            "authorisation_id": a.authorisation_id if a is not None else asset.public_authorisation_id,
            "reason": lapsed, "authority": a.authority if a is not None else None,
            "valid_until": a.valid_until if a is not None else None,
            "revocation_reason": None if a is None or not a.revoked else {
                "code": a.revocation_reason, "key": reason.key if reason else None,
                "zh": reason.zh if reason else None, "en": reason.en if reason else None},
            "revoked_at": a.revoked_at if a is not None else None,
            "tx_hash": a.revoked_tx if a is not None else None}))
    if stage == Stage.REFUSED.key and status is LegalStatus.RECORDED:
        upheld = sorted(o.objection_id for o in objections if o.status == ObjectionStatus.UPHELD.key)
        remarks.append(RemarkState(Remark.DISPUTED, {"objection_ids": upheld}))
    reason_code: int | None = None
    vocabulary: type[Term] | None = None
    if status is LegalStatus.CANCELLED:
        reason_code, vocabulary = asset.cancel_reason, CancelReason
    elif status is LegalStatus.RECORDED and registration is not None and stage in _STAGE_REASONS:
        reason_code, vocabulary = registration.reason_code, _STAGE_REASONS[stage]
    return LegalState(status, stage, certificate,
                      registration.certificate_number if registration else None,
                      registration.valid_until if registration and registration.certificate_number else None,
                      tuple(remarks), reason_code, vocabulary if reason_code is not None else None)


#: The vocabulary of an application's reason code by the stage it ended at.
_STAGE_REASONS: dict[str, type[Term]] = {Stage.RETURNED.key: ReturnReason, Stage.TERMINATED.key: RefusalReason,
                                         Stage.REFUSED.key: RefusalReason}


def registration_reason(registration: Registration) -> type[Term] | None:
    """The vocabulary the application's `reason_code` is read in: the return's, or the refusal grounds (a
    termination, a refusal, or a refused renewal of a registered one)."""
    if registration.stage == Stage.REGISTERED.key:
        return RefusalReason
    return _STAGE_REASONS.get(registration.stage)


#: What `datareg verify` exits with, by the legal status it finds (README and its --help say the same).
EXIT_CERTIFIED = 0  # certified and unencumbered
EXIT_NOT_FOUND = 1
EXIT_ERROR = 2
EXIT_NOT_CERTIFIED = 3  # recorded, or in the procedure
EXIT_ENDED = 4  # lapsed or cancelled
EXIT_ENCUMBERED = 5  # frozen, pledged, objection pending, disputed


def verdict(state: LegalState) -> int:
    """The exit status of `datareg verify` for one legal status: an ended registration (lapsed or cancelled) first,
    then an encumbrance, then the lack of a certificate."""
    return verdict_of(state.status.key, state.encumbered)


def verdict_of(status: str, encumbered: bool) -> int:
    """`verdict` from a legal status as the API answers it (its key and whether a remark stands)."""
    if status == LegalStatus.UNREGISTERED.key:
        return EXIT_NOT_FOUND
    if status in (LegalStatus.LAPSED.key, LegalStatus.CANCELLED.key):
        return EXIT_ENDED
    if encumbered:
        return EXIT_ENCUMBERED
    if status == LegalStatus.CERTIFIED.key:
        return EXIT_CERTIFIED
    return EXIT_NOT_CERTIFIED


#: The order in which several matches of one content are preferred: the most favourable first.
_PREFERENCE = (EXIT_CERTIFIED, EXIT_NOT_CERTIFIED, EXIT_ENCUMBERED, EXIT_ENDED, EXIT_NOT_FOUND)


def verdict_rank(state: LegalState) -> int:
    return _PREFERENCE.index(verdict(state))


def encumbrances(state: LegalState, asset: Asset, frozen_event: Event | None) -> list[dict[str, Any]]:
    """The remarks as POST /v1/verify's `encumbrances` has always listed them: the freeze (type frozen, from the
    latest AssetFrozen event), each standing freeze order (type freeze_order) and each active pledge (type
    pledge), each with the transaction that recorded it."""
    found: list[dict[str, Any]] = []
    for remark in state.remarks:
        d = remark.details
        if remark.remark is Remark.FROZEN:
            if asset.frozen:
                event = frozen_event
                found.append({"type": "frozen", "by": event.actor if event else None,
                              "order_reference": json.loads(event.args_json).get("orderReference") if event else None,
                              "block_number": event.block_number if event else None,
                              "tx_hash": event.tx_hash if event else None})
            for order in d["orders"]:
                found.append({"type": "freeze_order", "order_id": order["order_id"], "regulator": order["regulator"],
                              "order_reference": order["order_reference"], "waiting": order["waiting"],
                              "lifted_by": f"regulator {order['regulator']} (or the council admin, with a recorded "
                                           "reason)",
                              "block_number": order["block_number"], "tx_hash": order["tx_hash"]})
        elif remark.remark is Remark.PLEDGED:
            found.append({"type": "pledge", "pledge_id": d["pledge_id"],
                          "external_registration_no": d["external_registration_no"], "pledgee": d["pledgee"],
                          "recorded_by": d["recorded_by"], "block_number": d["block_number"],
                          "tx_hash": d["tx_hash"]})
    return found


# ─────────────────────────────── attestations (AttestationRegistry.attestationStatus) ───────────────────────────────


def qualification_status(qualification: Qualification | None, now: int) -> QualificationStatus:
    """IParticipantRegistry.qualificationStatus of a participant's current qualification (its highest serial)."""
    if qualification is None:
        return QualificationStatus.NONE
    if qualification.revoked:
        return QualificationStatus.REVOKED
    if now < qualification.valid_from:
        return QualificationStatus.NOT_YET_VALID
    if qualification.valid_until and now >= qualification.valid_until:
        return QualificationStatus.EXPIRED
    return QualificationStatus.VALID


def qualified(role: int, qualification: Qualification | None, now: int) -> bool:
    """Whether a participant of `role` whose current qualification is `qualification` may act in it now, as
    IParticipantRegistry.isActive judges the qualification: a service role needs a valid one; any role with one on
    record is governed by it."""
    if qualification is None:
        return role not in QUALIFIED_ROLES
    return qualification_status(qualification, now) is QualificationStatus.VALID


def attestation_status(attestation: Attestation, issuer: Participant | None, asset: Asset, now: int,
                       qualification: Qualification | None = None) -> str:
    """`qualification`: the issuer's current qualification (None: it has none on record)."""
    if attestation.revoked:
        return AttestationStatus.REVOKED.key
    role = AttestationKind.from_key(attestation.kind).issuer_role
    if issuer is None or issuer.status != ParticipantStatus.ACTIVE or issuer.role != role:
        return AttestationStatus.ISSUER_NOT_ACTIVE.key
    if not qualified(issuer.role, qualification, now):
        return AttestationStatus.ISSUER_NOT_QUALIFIED.key
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
#: Where it keeps the legal basis of processing personal information and its evidence (issue 21): for the same
#: parties, as it names consent records or contracts with data subjects.
PERSONAL_INFORMATION_BASIS_PATH: tuple[str, ...] = ("personal_information_basis",)
#: Every part of a metadata document only the parties to the registration (and regulators) may read.
PRIVATE_METADATA_PATHS = (CONTACT_PATH, PERSONAL_INFORMATION_BASIS_PATH)


def is_regulator(participant: Participant | None) -> bool:
    return (participant is not None and participant.role == Role.REGULATOR
            and participant.status == ParticipantStatus.ACTIVE)


def may_read(reader: str | None, parties: frozenset[str] | set[str], regulator: bool) -> bool:
    """Whether `reader` (None: anonymous) may read what only `parties` (and regulators) may."""
    return reader is not None and (regulator or reader in parties)


def without_contact(document: dict[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
    """The metadata document without its contact details, and whether it had any."""
    if not isinstance(document, dict):
        return document, False
    applicant = document.get(CONTACT_PATH[0])
    if not isinstance(applicant, dict) or CONTACT_PATH[1] not in applicant:
        return document, False
    return {**document, CONTACT_PATH[0]: {k: v for k, v in applicant.items() if k != CONTACT_PATH[1]}}, True


def without_private_parts(document: dict[str, Any] | None) -> tuple[dict[str, Any] | None, list[tuple[str, ...]]]:
    """The metadata document without its private parts (PRIVATE_METADATA_PATHS), and the paths it had."""
    shown, had = without_contact(document)
    removed: list[tuple[str, ...]] = [CONTACT_PATH] if had else []
    if isinstance(shown, dict) and PERSONAL_INFORMATION_BASIS_PATH[0] in shown:
        shown = {k: v for k, v in shown.items() if k != PERSONAL_INFORMATION_BASIS_PATH[0]}
        removed.append(PERSONAL_INFORMATION_BASIS_PATH)
    return shown, removed
