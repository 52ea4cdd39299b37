"""A participant as the API answers with it."""
from __future__ import annotations

import json
import time

from sqlmodel import Session, col, select

from api.schemas import ParticipantPublic, QualificationPublic, ReasonPublic, iso
from registry import rules
from registry.db.models import Event, Participant, Qualification
from registry.vocabulary import (
    QUALIFIED_ROLES,
    ParticipantStatus,
    QualificationKind,
    QualificationRevocationReason,
    Role,
    SuspensionReason,
)


def participant_public(p: Participant, db: Session | None = None, now: int | None = None,
                       qualifications: list[Qualification] | None = None) -> ParticipantPublic:
    """`db`: to find a suspended participant's reason (its latest ParticipantSuspended event) and its
    qualifications (unless given, the current one first); `now`: the moment its qualification is judged at
    (default: the clock)."""
    moment = int(time.time()) if now is None else now
    if qualifications is None:
        qualifications = list(db.exec(select(Qualification).where(Qualification.account == p.account)
                                      .order_by(col(Qualification.serial).desc()))) if db is not None else []
    current = qualifications[0] if qualifications else None
    status = rules.qualification_status(current, moment)
    return ParticipantPublic(account=p.account, role=Role.key_of(p.role),
                             status=ParticipantStatus.key_of(p.status), name=p.name,
                             credit_code_hash=p.credit_code_hash, endpoint=p.endpoint, added_block=p.added_block,
                             suspension_reason=_suspension_reason(db, p) if db is not None else None,
                             active=p.status == ParticipantStatus.ACTIVE and rules.qualified(p.role, current, moment),
                             requires_qualification=p.role in QUALIFIED_ROLES, qualification_status=status.key,
                             qualifications=[qualification_public(q, q is current, moment) for q in qualifications])


def qualification_public(q: Qualification, current: bool, now: int) -> QualificationPublic:
    status = rules.qualification_status(q, now).key if current or q.revoked else "superseded"
    return QualificationPublic(
        serial=q.serial, kind=QualificationKind.key_of(q.kind) or str(q.kind), issuer=q.issuer, number=q.number,
        scope=q.scope, valid_from=iso(q.valid_from), valid_until=iso(q.valid_until), document_cid=q.document_cid,
        status=status,
        revocation_reason=ReasonPublic.of(QualificationRevocationReason, q.revocation_reason) if q.revoked else None,
        recorded_block=q.recorded_block, recorded_tx=q.recorded_tx)


def qualifications_by_account(db: Session, accounts: list[str]) -> dict[str, list[Qualification]]:
    """The qualification records of `accounts`, each list the current one first: one query for a page."""
    found: dict[str, list[Qualification]] = {a: [] for a in accounts}
    if accounts:
        for q in db.exec(select(Qualification).where(col(Qualification.account).in_(accounts))
                         .order_by(col(Qualification.serial).desc())):
            found[q.account].append(q)
    return found


def _suspension_reason(db: Session, p: Participant) -> ReasonPublic | None:
    # Read only for a suspended participant (few): the events table has no index by name and party.
    if p.status != ParticipantStatus.SUSPENDED:
        return None
    event = db.exec(select(Event).where(Event.name == "ParticipantSuspended", Event.party == p.account)
                    .order_by(col(Event.block_number).desc(), col(Event.log_index).desc())).first()
    if event is None:
        return None
    return ReasonPublic.of(SuspensionReason, json.loads(event.args_json).get("reasonCode"))

