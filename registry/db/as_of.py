"""Answers as of an earlier block, from the store's side: whether an asset changed after a block, and the shape of
an asset as it stood then. Building that shape means replaying the asset's events through the indexer's handlers,
which only the indexer does (registry/indexer/as_of.py); the API is given that function when it is built
(registry/cli/serve.py), so neither the store nor the API imports the indexer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Protocol

from sqlmodel import Session, select

from registry.db.models import (
    Asset,
    AssetVersion,
    Attestation,
    ChangeApplication,
    Event,
    FreezeOrder,
    Listing,
    Objection,
    Pledge,
    Registration,
)


@dataclass
class AssetAsOf:
    """An asset's row and the rows of its sections as they were after a block (detached model objects)."""

    asset: Asset
    listings: list[Listing] = field(default_factory=list)
    pledges: list[Pledge] = field(default_factory=list)
    attestations: list[Attestation] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    registration: Optional[Registration] = None
    freeze_orders: list[FreezeOrder] = field(default_factory=list)
    versions: list[AssetVersion] = field(default_factory=list)
    change_application: Optional[ChangeApplication] = None


class AsOfReader(Protocol):
    def __call__(self, db: Session, asset_id: str, block: int) -> AssetAsOf: ...


def changed_after(db: Session, asset_id: str, block: int) -> bool:
    """Whether any event of the asset is in a block after `block`."""
    return db.exec(select(Event.id).where(Event.asset_id == asset_id, Event.block_number > block).limit(1)).first() \
        is not None
