"""Read-side queries over the index, shared by the API's routes (which hold no logic of their own)."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, select

from registry.chain.types import RightKind
from registry.db.models import Asset, Checkpoint, Event, Lineage, Right
from registry.indexer.scanner import CHECKPOINT


@dataclass(frozen=True)
class RightState:
    right: Right
    valid: bool
    reason: str | None  # why not valid: revoked, parent_revoked, expired, not_yet_valid, asset_cancelled


def right_states(db: Session, asset: Asset, now: int | None = None) -> list[RightState]:
    """Every right of an asset with whether it is valid now and, if not, why. Mirrors the contract's
    rightValidity: a right is valid when it and all its ancestors are unrevoked and within their terms."""
    now = int(time.time()) if now is None else now
    rights = {r.right_index: r for r in db.exec(select(Right).where(Right.asset_id == asset.asset_id)).all()}

    def reason_for(right: Right, own: bool) -> str | None:
        while True:
            if right.revoked:
                return "revoked" if own else "parent_revoked"
            if right.valid_from and right.valid_from > now:
                return "not_yet_valid" if own else "parent_not_yet_valid"
            if right.valid_until and right.valid_until <= now:
                return "expired" if own else "parent_expired"
            if right.parent_index == 0 or right.parent_index not in rights:
                return None
            right, own = rights[right.parent_index], False

    states = []
    for index in sorted(rights):
        right = rights[index]
        reason = "asset_cancelled" if asset.status != 1 else reason_for(right, True)
        states.append(RightState(right, reason is None, reason))
    return states


def list_assets(
    db: Session,
    *,
    holder: str | None = None,
    kind: RightKind | None = None,
    classification: int | None = None,
    registrant: str | None = None,
    text: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Asset], int]:
    query = select(Asset)
    if holder is not None or kind is not None:
        rights = select(Right.asset_id)
        if holder is not None:
            rights = rights.where(Right.holder == holder)
        if kind is not None:
            rights = rights.where(Right.kind == int(kind))
        query = query.where(Asset.asset_id.in_(rights))
    if classification is not None:
        query = query.where(Asset.classification == classification)
    if registrant is not None:
        query = query.where(Asset.registrant == registrant)
    if text:
        pattern = f"%{text}%"
        query = query.where(or_(Asset.name.ilike(pattern), Asset.summary.ilike(pattern)))
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    rows = db.exec(
        query.order_by(Asset.registered_block.desc(), Asset.registered_log_index.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), count


def lineage(db: Session, asset_id: str) -> tuple[list[Lineage], list[Lineage]]:
    """(sources this asset was derived from, assets derived from it)."""
    sources = db.exec(select(Lineage).where(Lineage.asset_id == asset_id)).all()
    derived = db.exec(select(Lineage).where(Lineage.source_asset_id == asset_id)).all()
    return list(sources), list(derived)


def registration_event(db: Session, asset: Asset) -> Event | None:
    return db.exec(
        select(Event).where(
            Event.block_number == asset.registered_block, Event.log_index == asset.registered_log_index
        )
    ).first()


def checkpoint(db: Session) -> Checkpoint | None:
    return db.get(Checkpoint, CHECKPOINT)


def metadata_document(asset: Asset) -> dict | None:
    return json.loads(asset.metadata_json) if asset.metadata_json else None
