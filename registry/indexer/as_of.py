"""An asset as it stood after a given block: its events up to that block replayed through the indexer's own
handlers into an in-memory Batch, so the as-of view and the index can never disagree about what an event
means. This is what confirmed-only answers are built from when an asset changed in the blocks they leave out;
the API is handed `reader(store)` when it is built (registry/cli/serve.py) and sees only registry.db.as_of's types.
"""
from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from registry.content.store import ContentStore
from registry.db.as_of import AsOfReader, AssetAsOf
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
from registry.indexer.batch import Batch
from registry.indexer.handlers import HANDLERS, MetadataLookup, stored_event
from registry.indexer.service import metadata_lookup


def replay(db: Session, asset_id: str, block: int, lookup: MetadataLookup) -> Batch:
    """The rows the asset's events up to and including `block` project: its asset row, rights and their
    versions, registration, objections, pledges, attestations and listings, as they were then."""
    batch = Batch(None)
    events = db.exec(select(Event).where(Event.asset_id == asset_id, Event.block_number <= block)
                     .order_by(col(Event.block_number), col(Event.log_index))).all()
    for row in events:
        handler = HANDLERS.get(row.name)
        if handler is not None:
            handler(batch, stored_event(row), row.timestamp, lookup)
    return batch


_Row = TypeVar("_Row", bound=SQLModel)


def rows_of(batch: Batch, model: type[_Row]) -> list[_Row]:
    """The batch's rows of `model` as (detached) model objects, in key order."""
    objects = [model(**row) for row in batch.rows(model)]
    keys: dict[type[SQLModel], str] = {
        Registration: "asset_id", Objection: "objection_id", Pledge: "recorded_block", Attestation: "attestation_id",
        Listing: "listing_id", FreezeOrder: "order_id", AssetVersion: "version"}
    return sorted(objects, key=lambda o: getattr(o, keys[model])) if model in keys else objects


def reader(store: ContentStore) -> AsOfReader:
    """The as-of view of an asset, with metadata documents read from `store`."""
    lookup = metadata_lookup(store)

    def asset_as_of(db: Session, asset_id: str, block: int) -> AssetAsOf:
        view = replay(db, asset_id, block, lookup)
        asset_row = view.get(Asset, asset_id)
        if asset_row is None:  # callers ask only for assets registered at or before `block`
            raise LookupError(f"Asset {asset_id} has no events up to block {block}.")
        return AssetAsOf(asset=Asset(**asset_row), listings=rows_of(view, Listing),
                         pledges=rows_of(view, Pledge), attestations=rows_of(view, Attestation),
                         objections=rows_of(view, Objection),
                         registration=next(iter(rows_of(view, Registration)), None),
                         freeze_orders=rows_of(view, FreezeOrder), versions=rows_of(view, AssetVersion),
                         change_application=next(iter(rows_of(view, ChangeApplication)), None))

    return asset_as_of
