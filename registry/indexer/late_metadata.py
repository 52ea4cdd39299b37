"""Metadata documents stored after their asset was indexed: the indexer fills in the asset's fields when the
document turns up in the content store.

The API only stores documents (POST /v1/metadata puts them in the content store); the index is written by the
indexer alone. An asset whose document was not in the store when its registration was indexed keeps empty
fields until then; while idle, the indexer looks for the documents of such assets a chunk at a time, round and
round by asset id, so a store without the documents (a benchmark's random CIDs) costs one small query and a
chunk of look-ups per interval, never a scan of every asset.
"""
from __future__ import annotations

import time

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from registry.db.models import Asset
from registry.indexer.handlers import MetadataLookup, metadata_fields


class LateMetadata:
    def __init__(self, engine: Engine, lookup: MetadataLookup, chunk: int = 200, interval: float = 0.2) -> None:
        self.engine = engine
        self.lookup = lookup
        self.chunk = chunk
        self.interval = interval  # seconds between two looks: the store is asked at most `chunk` times each
        self._after = ""  # the asset id the last look ended at
        self._next = 0.0

    def fill(self) -> int:
        """Looks up the next chunk of assets without their metadata fields and fills in those whose document is
        now in the store. Returns how many were filled; does nothing until `interval` has passed since the last
        look."""
        now = time.monotonic()
        if now < self._next:
            return 0
        self._next = now + self.interval
        filled = 0
        with Session(self.engine) as db:
            missing = db.exec(select(Asset.asset_id, Asset.metadata_cid)
                              .where(col(Asset.metadata_json).is_(None), col(Asset.asset_id) > self._after)
                              .order_by(Asset.asset_id).limit(self.chunk)).all()
            self._after = missing[-1][0] if len(missing) == self.chunk else ""
            for asset_id, cid in missing:
                fields = metadata_fields(self.lookup(cid)) if cid else {}
                if fields:
                    db.execute(update(Asset).where(col(Asset.asset_id) == asset_id, col(Asset.metadata_json).is_(None))
                               .values(**fields))
                    filled += 1
            if filled:
                db.commit()
        return filled
