"""`datareg index check`: compares the index with the contracts' own views, at the block the index has
reached, and reports every difference. An auditor's way to trust the index without trusting it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from web3.exceptions import ContractCustomError, ContractLogicError

from registry.chain.client import Chain
from registry.db.models import Asset, Attestation, Listing, Participant, Registration, Right
from registry.db.queries import checkpoint
from registry.errors import IndexerError
from registry.vocabulary import Attribute, Stage



@dataclass(frozen=True)
class Difference:
    entity: str  # e.g. "asset 0x…", "right 0x…/4", "listing 3"
    field: str
    index: object
    chain: object


@dataclass(frozen=True)
class CheckReport:
    block: int
    checked: dict[str, int]
    differences: list[Difference]


def _compare(out: list[Difference], entity: str, pairs: dict[str, tuple[object, object]]) -> None:
    for field, (indexed, on_chain) in pairs.items():
        if indexed != on_chain:
            out.append(Difference(entity, field, indexed, on_chain))


def check(chain: Chain, engine: Engine) -> CheckReport:
    with Session(engine) as db:
        reached = checkpoint(db)
        if reached is None:
            raise IndexerError("The index is empty: nothing to check. Run the indexer first.")
        block = reached.block_number
        c = chain.contracts
        differences: list[Difference] = []
        counts = {"assets": 0, "rights": 0, "listings": 0, "participants": 0, "registrations": 0,
                  "attestations": 0}

        def call(fn):
            try:
                return fn.call(block_identifier=block)
            except (ContractCustomError, ContractLogicError):
                return None

        for asset in db.exec(select(Asset)).all():
            counts["assets"] += 1
            entity = f"asset {asset.asset_id}"
            view = call(c["DataRegistry"].functions.getAsset(bytes.fromhex(asset.asset_id[2:])))
            if view is None:
                differences.append(Difference(entity, "exists", True, False))
                continue
            attributes = (Attribute.PERSONAL * asset.personal_information | Attribute.SENSITIVE *
                          asset.sensitive_personal_information | Attribute.EXPORT * asset.export_allowed |
                          Attribute.DERIVED * asset.derived)
            _compare(differences, entity, {
                "registrant": (asset.registrant, view[0]), "status": (asset.status, view[1]),
                "classification": (asset.classification, view[2]), "attributes": (attributes, view[3]),
                "version": (asset.version, view[4]), "right_count": (asset.right_count, view[5]),
                "frozen": (asset.frozen, view[6]), "active_pledges": (asset.active_pledges, view[7])})
            rights = {r.right_index: r for r in db.exec(select(Right).where(Right.asset_id == asset.asset_id)).all()}
            for index in range(1, view[5] + 1):
                on_chain = call(c["DataRegistry"].functions.getRight(bytes.fromhex(asset.asset_id[2:]), index))
                right = rights.get(index)
                if on_chain is None or right is None:
                    if (on_chain is None) != (right is None):
                        differences.append(Difference(f"right {asset.asset_id}/{index}", "exists",
                                                      right is not None, on_chain is not None))
                    continue
                counts["rights"] += 1
                _compare(differences, f"right {asset.asset_id}/{index}", {
                    "holder": (right.holder, on_chain[0]), "kind": (right.kind, on_chain[1]),
                    "parent_index": (right.parent_index, on_chain[2]), "valid_from": (right.valid_from, on_chain[3]),
                    "valid_until": (right.valid_until, on_chain[4]), "revoked": (right.revoked, on_chain[5]),
                    "sub_grantable": (right.sub_grantable, on_chain[6]),
                    "transferable": (right.transferable, on_chain[7])})

        for listing in db.exec(select(Listing)).all():
            counts["listings"] += 1
            view = call(c["ListingRegistry"].functions.getListing(listing.listing_id))
            entity = f"listing {listing.listing_id}"
            if view is None:
                differences.append(Difference(entity, "exists", True, False))
                continue
            _compare(differences, entity, {
                "exchange": (listing.exchange, view[0]), "status": (listing.status, view[1]),
                "asset_id": (listing.asset_id, "0x" + bytes(view[2]).hex()), "right_index": (listing.right_index, view[3]),
                "holder": (listing.holder, view[4]), "origin_listing_id": (listing.origin_listing_id, view[5])})

        for participant in db.exec(select(Participant)).all():
            counts["participants"] += 1
            view = call(c["ParticipantRegistry"].functions.getParticipant(participant.account))
            entity = f"participant {participant.account}"
            if view is None:
                differences.append(Difference(entity, "exists", True, False))
                continue
            _compare(differences, entity, {
                "role": (participant.role, view[0]), "status": (participant.status, view[1]),
                "credit_code_hash": (participant.credit_code_hash, "0x" + bytes(view[2]).hex()),
                "name": (participant.name, view[3]), "endpoint": (participant.endpoint, view[4])})

        if "RegistrationOffice" in c:
            for reg in db.exec(select(Registration)).all():
                counts["registrations"] += 1
                view = call(c["RegistrationOffice"].functions.getApplication(bytes.fromhex(reg.asset_id[2:])))
                number = bytes(view[8]).decode() if view and any(view[8]) else None
                _compare(differences, f"registration {reg.asset_id}", {
                    "stage": (reg.stage, Stage(view[2]).key if view else None),
                    "certificate_number": (reg.certificate_number, number),
                    "valid_until": (reg.valid_until, (view[5] or None) if view else None)})
        if "AttestationRegistry" in c:
            for attestation in db.exec(select(Attestation)).all():
                counts["attestations"] += 1
                view = call(c["AttestationRegistry"].functions.getAttestation(attestation.attestation_id))
                _compare(differences, f"attestation {attestation.attestation_id}", {
                    "issuer": (attestation.issuer, view[0] if view else None),
                    "revoked": (attestation.revoked, view[2] if view else None),
                    "asset_version": (attestation.asset_version, view[3] if view else None)})
    return CheckReport(block, counts, differences)
