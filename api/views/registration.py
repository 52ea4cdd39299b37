"""The registration procedure's answers: an asset's registration with its objections, its remarks (freeze,
pledges) and its attestations, each judged now by the read-side rules of registry/rules.py."""
from __future__ import annotations

from api.schemas import (
    AttestationPublic,
    DeadlinePublic,
    EngagementPublic,
    LegalStatusPublic,
    ObjectionPublic,
    PledgePublic,
    ReasonPublic,
    RegistrationPublic,
    RemarksPublic,
    iso,
)
from api.views.privacy import Audience
from registry import calendar, rules
from registry.db import queries, registration
from registry.db.models import Asset, Engagement, Participant, Registration
from registry.vocabulary import AttestationRevocationReason, ObjectionReason


def participant_name(db, account: str) -> str | None:
    participant = db.get(Participant, account)
    return participant.name if participant else None


# Each of these takes the rows to show when they are not the index's current ones (an as-of view replayed from
# the asset's events: registry/indexer/as_of.py); by default it reads the index.


def remarks_public(db, asset: Asset, pledges: list | None = None) -> RemarksPublic:
    pledges = registration.pledges(db, asset.asset_id) if pledges is None else pledges
    return RemarksPublic(frozen=asset.frozen, pledges=[
        PledgePublic(pledge_id=p.pledge_id, external_registration_no=p.external_registration_no, pledgee=p.pledgee,
                     registrar=p.registrar, active=p.active, recorded_block=p.recorded_block,
                     recorded_tx=p.recorded_tx) for p in pledges])


def engagement_public(e: Engagement) -> EngagementPublic:
    return EngagementPublic(engagement_id=e.engagement_id, holder=e.holder, appraiser=e.appraiser,
                            right_index=e.right_index, letter_cid=e.letter_cid, status=e.status,
                            attestation_id=e.attestation_id, engaged_at=iso(e.engaged_at), engaged_tx=e.engaged_tx)


def attestations_public(db, asset: Asset, now: int, attestations: list | None = None) -> list[AttestationPublic]:
    attestations = registration.attestations(db, asset.asset_id) if attestations is None else attestations
    issuers = {a.issuer for a in attestations}
    # Each issuer's current qualification: an attestation stands only while its issuer is qualified.
    qualifications = {issuer: registration.current_qualification(db, issuer) for issuer in issuers}

    def engagement(a) -> EngagementPublic | None:
        found = db.get(Engagement, a.engagement_id) if getattr(a, "engagement_id", None) else None
        return engagement_public(found) if found is not None else None

    return [AttestationPublic(
        attestation_id=a.attestation_id, kind=a.kind, issuer=a.issuer, issuer_name=participant_name(db, a.issuer),
        asset_version=a.asset_version,
        status=rules.attestation_status(a, db.get(Participant, a.issuer), asset, now, qualifications[a.issuer]),
        value=int(a.value) if a.value else None, currency=a.currency, method=a.method, conclusion=a.conclusion,
        report_cid=a.report_cid, valid_until=iso(a.valid_until), issued_at=iso(a.issued_at), issued_tx=a.issued_tx,
        revocation_reason=ReasonPublic.of(AttestationRevocationReason, a.revocation_reason) if a.revoked else None,
        valuation_date=iso(getattr(a, "valuation_date", None)), value_type=getattr(a, "value_type", None),
        basis=getattr(a, "basis", None), engagement=engagement(a),
    ) for a in attestations]


def legal_status_public(db, asset: Asset, now: int, reg: Registration | None = None) -> LegalStatusPublic:
    """The asset's one legal status now (registry/rules.legal_status, from the index's rows)."""
    return LegalStatusPublic.of(registration.legal_status(db, asset, now, reg))


def registration_public(db, asset: Asset, reg: Registration, now: int,
                        objections: list | None = None, legal: LegalStatusPublic | None = None,
                        audience: Audience | None = None, prefix: str = "registration.") -> RegistrationPublic:
    """The application as `audience` may see it (default: anonymous): its documents for the parties to it and
    regulators, each objection's evidence for them and its objector; null, and named as withheld, otherwise."""
    audience = audience or Audience(db)
    objections = registration.objections(db, asset.asset_id) if objections is None else objections
    window = rules.renewal_window(reg)
    parties = audience.parties(asset.asset_id, reg) if (reg.documents_cid or any(o.evidence_cid for o in objections)) \
        else frozenset()
    documents = reg.documents_cid
    if documents and not audience.may(parties):
        documents = None
        audience.withhold(prefix + "documents_cid")

    def evidence(o) -> str | None:
        if o.evidence_cid and not audience.may(parties | {o.objector}):
            audience.withhold(prefix + "objections.evidence_cid")
            return None
        return o.evidence_cid

    return RegistrationPublic(
        asset_id=asset.asset_id, stage=reg.stage,
        certificate_status=rules.certificate_status(reg, asset, now), applicant=reg.applicant,
        registrar=reg.registrar, registrar_name=participant_name(db, reg.registrar),
        certificate_number=reg.certificate_number,
        registered_at=iso(reg.registered_at), valid_until=iso(reg.valid_until),
        renewal_window=(iso(window[0]), iso(window[1])) if window else None,
        publicity_ends=iso(reg.publicity_ends), reason_code=reg.reason_code,
        reason=ReasonPublic.of(rules.registration_reason(reg), reg.reason_code), documents_cid=documents,
        objections=[ObjectionPublic(objection_id=o.objection_id, objector=o.objector, reason_code=o.reason_code,
                                    reason=ReasonPublic.of(ObjectionReason, o.reason_code),
                                    evidence_cid=evidence(o), status=o.status, lodged_block=o.lodged_block)
                    for o in objections],
        legal_status=legal,
        deadlines=deadlines_public(db, reg, objections, now),
    )


def deadlines_public(db, reg: Registration, objections: list, now: int) -> list[DeadlinePublic]:
    """Acceptance, publicity and objection deadlines on the working-day calendar, each judged at `now`."""
    def when(block: int | None) -> int | None:
        return queries.block_time(db, block) if block is not None else None

    states = rules.procedure_deadlines(
        calendar.load(), reg, when(reg.applied_block), registration.acceptance_time(db, reg),
        [(o, when(o.lodged_block), when(o.resolved_block)) for o in objections], now)
    return [DeadlinePublic(kind=s.kind, objection_id=s.objection_id, working_days=s.deadline.working_days,
                           start=iso(s.deadline.start), last_day=s.deadline.last_day.isoformat(),
                           due=iso(s.deadline.due), provisional=s.deadline.provisional, done=s.done,
                           done_at=iso(s.done_at), passed=s.passed, overdue=s.overdue) for s in states]
