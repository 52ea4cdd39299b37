"""Provenance verification over the index: which registered assets have a given content fingerprint, who
validly holds each of their rights now, where they are validly listed, and the events to check it all
against the chain.

Several registrants may register the same content (the asset id commits to registrant and content), so a
fingerprint can match several assets; each is answered on its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, or_
from sqlmodel import Session, col, select

from registry import rules
from registry.content.cid import cid_to_digest, digest_to_cid
from registry.db import registration as procedure
from registry.db.listings import listing_state
from registry.db.models import (
    Asset,
    AssetVersion,
    Checkpoint,
    Event,
    Listing,
    Participant,
    Registration,
)
from registry.db.queries import (
    checkpoint,
    lineage,
    now,
    registration_event,
    right_states,
)
from registry.errors import ValidationError
from registry.rules import RightState
from registry.vocabulary import RightKind

#: DataRegistry events that create or change a right (the Listed events of the ListingRegistry also name a
#: right index, that of the consent, but do not change the right).
RIGHT_EVENTS = ("RightAssigned", "RightGranted", "RightTransferred", "RightRevoked", "RightRenewed")
CREATING_EVENTS = ("RightAssigned", "RightGranted")

_SHA256_RE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


def normalize_sha256(value: object, field_name: str = "sha256") -> str:
    """A SHA-256 as the index stores it: 0x and 64 lower-case hex digits (the 0x may be left out)."""
    if not isinstance(value, str):
        raise ValidationError(
            f"'{field_name}' must be text: 0x followed by the 64 hexadecimal digits of the file's SHA-256, "
            f"got {type(value).__name__} {value!r}. `datareg fingerprint FILE` or `sha256sum FILE` prints it.",
            [{"field": field_name, "message": "expected 0x followed by 64 hexadecimal digits"}],
        )
    text = value.strip()
    if not _SHA256_RE.match(text):
        digits = text[2:] if text.lower().startswith("0x") else text
        problem = (
            f"it has {len(digits)} digits" if re.fullmatch(r"[0-9a-fA-F]*", digits) else "it is not hexadecimal"
        )
        raise ValidationError(
            f"'{field_name}' must be 0x followed by the 64 hexadecimal digits of the file's SHA-256, got "
            f"'{value}' ({problem}). `datareg fingerprint FILE` or `sha256sum FILE` prints it.",
            [{"field": field_name, "message": f"expected 0x followed by 64 hexadecimal digits; {problem}"}],
        )
    return "0x" + text[-64:].lower()


def normalize_cid(value: object, field_name: str = "cid") -> str:
    """A content id as the index stores it: the CIDv0 (Qm…) form; a base32 CIDv1 (bafy…) of the same
    dag-pb content is accepted and mapped to it. Malformed ids raise a ValidationError saying why."""
    try:
        return digest_to_cid(cid_to_digest(value))  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ValidationError(
            f"'{field_name}' is not a valid content id: {exc}",
            [{"field": field_name, "message": str(exc)}],
        ) from None


@dataclass(frozen=True)
class HeldRight:
    """A right that is valid now, with the holders along its chain of grants and the events behind it."""

    state: RightState
    chain_holders: tuple[str, ...]  # the holder of each right in state.chain, in the same order
    created: Event | None  # RightAssigned or RightGranted
    last_changed: Event | None  # the latest event that touched it (the creating one if none since)


@dataclass(frozen=True)
class ValidListing:
    listing: Listing
    exchange_name: str | None
    expires_at: int | None


@dataclass(frozen=True)
class Match:
    """One registered asset with the fingerprint asked about."""

    asset: Asset
    matched_by: tuple[str, ...]  # "sha256", "cid" or both
    holders: dict[RightKind, list[HeldRight]]
    listings: list[ValidListing]
    # Plain rows with a Lineage's columns as attributes (queries.lineage), not Lineage objects.
    sources: list[Row[Any]]
    derived: list[Row[Any]]
    registration: Event | None
    # Remarks (备注) that limit what may be done with the asset: a freeze (查封) and active pledges (质押).
    encumbrances: list[dict[str, Any]] = field(default_factory=list)
    # Its one legal status (registry/rules.legal_status), with the remarks.
    legal: rules.LegalState | None = None
    # The version whose data has the SHA-256 asked about (None when matched by CID only), and whether it is the
    # asset's current version or one a change registration superseded.
    matched_version: int | None = None
    current: bool = True


@dataclass(frozen=True)
class Verification:
    sha256: str | None
    cid: str | None
    matches: list[Match]
    checkpoint: Checkpoint | None
    certificate: str | None = None  # the certificate number asked about, if one was

    @property
    def registered(self) -> bool:
        return bool(self.matches)

    @property
    def indexed_block(self) -> int | None:
        return self.checkpoint.block_number if self.checkpoint else None


def encumbrances(db: Session, asset: Asset, moment: int) -> tuple[rules.LegalState, list[dict[str, Any]]]:
    """The asset's legal status, and its freeze and active pledges as verify has listed them (each with the event
    that recorded it): both judged by registry/rules.py."""
    frozen_event = procedure.latest_freeze_event(db, asset.asset_id) if asset.frozen else None
    state = procedure.legal_status(db, asset, moment, frozen_event=frozen_event)
    return state, rules.encumbrances(state, asset, frozen_event)


def find_assets(db: Session, sha256: str | None, cid: str | None, certificate: str | None = None) -> list[Asset]:
    """Assets with this content hash in any version (registered, or changed to by a change registration), this
    content CID, or this certificate number (as the registration holds it now), first registration first."""
    conditions: list[ColumnElement[bool]] = []
    if certificate is not None:
        certified = select(Registration.asset_id).where(Registration.certificate_number == certificate)
        conditions.append(col(Asset.asset_id).in_(certified))
    if sha256 is not None:
        conditions.append(col(Asset.content_hash) == sha256)
        with_hash = select(AssetVersion.asset_id).where(AssetVersion.content_hash == sha256)
        conditions.append(col(Asset.asset_id).in_(with_hash))
    if cid is not None:
        conditions.append(col(Asset.content_cid) == cid)
    if not conditions:
        return []
    return list(
        db.exec(
            select(Asset).where(or_(*conditions)).order_by(col(Asset.registered_block), col(Asset.registered_log_index))
        ).all()
    )


def _right_events(db: Session, asset_id: str, indices: list[int]) -> dict[int, list[Event]]:
    by_index: dict[int, list[Event]] = {i: [] for i in indices}
    if not indices:
        return by_index
    rows = db.exec(
        select(Event)
        .where(Event.asset_id == asset_id, col(Event.right_index).in_(indices), col(Event.name).in_(RIGHT_EVENTS))
        .order_by(col(Event.block_number), col(Event.log_index))
    ).all()
    for row in rows:
        by_index[cast(int, row.right_index)].append(row)  # not None: selected by right_index IN (...)
    return by_index


def valid_holders(db: Session, asset: Asset, moment: int) -> dict[RightKind, list[HeldRight]]:
    """For each kind, the rights of the asset valid at `moment`, in right-number order."""
    states = right_states(db, asset, moment)
    by_index = {s.right.right_index: s for s in states}
    valid = [s for s in states if s.valid]
    events = _right_events(db, asset.asset_id, [s.right.right_index for s in valid])
    holders: dict[RightKind, list[HeldRight]] = {kind: [] for kind in RightKind}
    for state in valid:
        history = events[state.right.right_index]
        created = next((e for e in history if e.name in CREATING_EVENTS), None)
        holders[RightKind(state.right.kind)].append(
            HeldRight(
                state=state,
                chain_holders=tuple(by_index[i].right.holder for i in state.chain),
                created=created,
                last_changed=history[-1] if history else None,
            )
        )
    return holders


def valid_listings(db: Session, asset: Asset, moment: int) -> list[ValidListing]:
    """The asset's listings whose consent holds at `moment` (judged as ListingRegistry.listingValidity)."""
    listings = db.exec(select(Listing).where(Listing.asset_id == asset.asset_id)
                       .order_by(col(Listing.listing_id))).all()
    result = []
    for listing in listings:
        state = listing_state(db, listing, moment)
        if state.valid:
            exchange = db.get(Participant, listing.exchange)
            result.append(ValidListing(listing, exchange.name if exchange else None, state.expires_at))
    return result


def verify(db: Session, sha256: str | None = None, cid: str | None = None,
           certificate: str | None = None) -> Verification:
    """Every registered asset with this SHA-256 or content CID (already normalised, see normalize_sha256 and
    normalize_cid), or this certificate number (parsed: registry.chain.types.parse_certificate_number), each with
    its valid holders, valid listings, lineage and evidence."""
    if sha256 is None and cid is None and certificate is None:
        raise ValidationError("Give the content's SHA-256, its CID, both, or a certificate number.")
    # The checkpoint first: whatever is read after it is at least as recent, so "as of this block" holds.
    indexed = checkpoint(db)
    moment = now(db)
    matches = []
    for asset in find_assets(db, sha256, cid, certificate):
        versions = db.exec(select(AssetVersion).where(AssetVersion.asset_id == asset.asset_id)
                           .order_by(col(AssetVersion.version))).all()
        # The latest version with this data: a file is current when the current version's data is it.
        with_data = [v.version for v in versions if sha256 is not None and v.content_hash == sha256]
        matched_version = with_data[-1] if with_data else (1 if sha256 is not None and sha256 == asset.content_hash
                                                             else None)
        current_hash = asset.latest_content_hash or asset.content_hash
        matched_by = tuple(
            name
            for name, found in (("sha256", matched_version is not None), ("cid", cid is not None
                                                                           and cid == asset.content_cid),
                                ("certificate", certificate is not None))
            if found
        )
        sources, derived = lineage(db, asset.asset_id)
        legal, remarks = encumbrances(db, asset, moment)
        matches.append(
            Match(
                asset=asset,
                matched_by=matched_by,
                holders=valid_holders(db, asset, moment),
                listings=valid_listings(db, asset, moment),
                sources=sources,
                derived=derived,
                registration=registration_event(db, asset),
                encumbrances=remarks,
                legal=legal,
                matched_version=matched_version,
                current=matched_version is None or sha256 == current_hash,
            )
        )
    return Verification(sha256=sha256, cid=cid, matches=matches, checkpoint=indexed, certificate=certificate)
