"""One plain function per registry event, applying it to the current-state tables.

Handlers are pure projections of events: given the same events in the same order they produce the same
rows, which is what lets a reorg be undone by deleting events and replaying what remains.
"""
from __future__ import annotations

import json
from typing import Callable, Protocol

from sqlmodel import Session

from registry.chain.events import DecodedEvent
from registry.chain.types import ATTR_DERIVED, ATTR_EXPORT, ATTR_PERSONAL, ATTR_SENSITIVE, PRIMARY_RIGHTS
from registry.content.cid import digest_to_cid
from registry.db.models import Asset, Lineage, Right


class MetadataLookup(Protocol):
    def __call__(self, cid: str) -> dict | None: ...


def _cid_or_none(digest_hex: str) -> str | None:
    digest = bytes.fromhex(digest_hex[2:])
    return None if digest == bytes(32) else digest_to_cid(digest)


def apply_metadata(asset: Asset, document: dict | None) -> None:
    """Copies the searchable fields of a metadata document onto its asset row."""
    if not isinstance(document, dict):
        return
    name = document.get("name")
    summary = document.get("summary")
    industry = document.get("industry")
    asset.name = name if isinstance(name, str) else None
    asset.summary = summary if isinstance(summary, str) else None
    if isinstance(industry, dict):
        asset.industry = (str(industry.get("section") or "") + str(industry.get("division") or "")) or None
    asset.metadata_json = json.dumps(document, ensure_ascii=False, sort_keys=True)


def on_asset_registered(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    attributes = a["attributes"]
    metadata_cid = digest_to_cid(bytes.fromhex(a["metadataCid"][2:]))
    asset = Asset(
        asset_id=a["assetId"],
        registrant=a["registrant"],
        submitter=a["submitter"],
        content_hash=a["contentHash"],
        content_cid=_cid_or_none(a["contentCid"]),
        metadata_cid=metadata_cid,
        classification=a["classification"],
        personal_information=bool(attributes & ATTR_PERSONAL),
        sensitive_personal_information=bool(attributes & ATTR_SENSITIVE),
        export_allowed=bool(attributes & ATTR_EXPORT),
        derived=bool(attributes & ATTR_DERIVED),
        status=1,
        version=1,
        right_count=PRIMARY_RIGHTS,
        registered_block=ev.block_number,
        registered_tx=ev.tx_hash,
        registered_log_index=ev.log_index,
        registered_at=timestamp,
        updated_block=ev.block_number,
    )
    apply_metadata(asset, lookup(metadata_cid))
    db.add(asset)


def on_asset_derived(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    db.add(
        Lineage(
            asset_id=a["assetId"],
            source_asset_id=a["sourceAssetId"],
            right_index=a["rightIndex"],
            block_number=ev.block_number,
        )
    )


def on_right_assigned(db: Session, ev: DecodedEvent, timestamp: int, lookup: MetadataLookup) -> None:
    a = ev.args
    db.add(
        Right(
            asset_id=a["assetId"],
            right_index=a["rightIndex"],
            holder=a["holder"],
            kind=a["kind"],
            parent_index=0,
            # Root rights may always be granted onwards and transferred (the contract's ROOT_FLAGS).
            transferable=True,
            sub_grantable=True,
            created_block=ev.block_number,
            created_tx=ev.tx_hash,
            updated_block=ev.block_number,
        )
    )
    asset = db.get(Asset, a["assetId"])
    if asset is not None and a["rightIndex"] > asset.right_count:
        asset.right_count = a["rightIndex"]
        db.add(asset)


Handler = Callable[[Session, DecodedEvent, int, MetadataLookup], None]

HANDLERS: dict[str, Handler] = {
    "AssetRegistered": on_asset_registered,
    "AssetDerived": on_asset_derived,
    "RightAssigned": on_right_assigned,
}
