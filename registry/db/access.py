"""Who the parties to an asset's registration procedure are, and which private documents a CID is: the rows the
read-side privacy rules (registry/rules.py) are judged on."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from registry import rules
from registry.content.cid import cid_to_digest, digest_to_cid
from registry.db.models import (
    Asset,
    AssetVersion,
    ChangeApplication,
    Event,
    Objection,
    Participant,
    Registration,
)


def is_regulator(db: Session, account: str | None) -> bool:
    return account is not None and rules.is_regulator(db.get(Participant, account))


def application_parties(db: Session, asset_id: str, registration: Registration | None = None) -> frozenset[str]:
    """The registrant, the applicant and the registrar of its application, and those of its change application:
    who may read the asset's application documents and contact details (regulators may too)."""
    parties: set[str] = set()
    asset = db.get(Asset, asset_id)
    if asset is not None:
        parties.add(asset.registrant)
    reg = registration if registration is not None else db.get(Registration, asset_id)
    if reg is not None:
        parties |= {reg.applicant, reg.registrar}
    change = db.get(ChangeApplication, asset_id)
    if change is not None:
        parties |= {change.applicant, change.registrar}
    return frozenset(parties)


@dataclass(frozen=True)
class Binding:
    """A private document as the procedure uses it: whose it is and who may read it besides regulators."""

    asset_id: str
    what: str  # "application documents", "change documents", "objection evidence"
    parties: frozenset[str]


def private_bindings(db: Session, cid: str, search_events: bool = False) -> list[Binding]:
    """The applications and objections that name `cid` as their documents or evidence. The current rows are
    asked; with `search_events`, so are the events (documents of an application since replaced by a new one)."""
    cid = digest_to_cid(cid_to_digest(cid))
    found: list[Binding] = []
    for reg in db.exec(select(Registration).where(Registration.documents_cid == cid)):
        found.append(Binding(reg.asset_id, "application documents", application_parties(db, reg.asset_id, reg)))
    for change in db.exec(select(ChangeApplication).where(ChangeApplication.documents_cid == cid)):
        found.append(Binding(change.asset_id, "change documents", application_parties(db, change.asset_id)))
    for objection in db.exec(select(Objection).where(Objection.evidence_cid == cid)):
        found.append(Binding(objection.asset_id, "objection evidence",
                             application_parties(db, objection.asset_id) | {objection.objector}))
    if found or not search_events:
        return found
    digest = "0x" + cid_to_digest(cid).hex()
    events = db.exec(select(Event).where(Event.name.in_(list(rules.PRIVATE_EVENT_ARGUMENTS)),  # type: ignore[attr-defined]
                                         Event.args_json.contains(digest[2:])))  # type: ignore[attr-defined]
    for event in events:
        args = json.loads(event.args_json)
        if str(args.get(rules.PRIVATE_EVENT_ARGUMENTS[event.name], "")).lower() != digest or not event.asset_id:
            continue
        named = {v for k, v in args.items() if k in ("applicant", "registrar", "objector") and isinstance(v, str)}
        what = "objection evidence" if event.name == "ObjectionLodged" else "application documents"
        found.append(Binding(event.asset_id, what, application_parties(db, event.asset_id) | named))
    return found


def metadata_parties(db: Session, cid: str) -> frozenset[str] | None:
    """Who may read the contact details of the metadata document `cid`: the application parties of every asset
    that has (or had, or applied to change to) it; None when no asset names it."""
    cid = digest_to_cid(cid_to_digest(cid))
    assets = set(db.exec(select(Asset.asset_id).where(Asset.metadata_cid == cid)))
    assets |= set(db.exec(select(AssetVersion.asset_id).where(AssetVersion.metadata_cid == cid)))
    assets |= set(db.exec(select(ChangeApplication.asset_id).where(ChangeApplication.metadata_cid == cid)))
    if not assets:
        return None
    parties: frozenset[str] = frozenset()
    for asset_id in assets:
        parties |= application_parties(db, asset_id)
    return parties
