"""The indexer as a long-running process: `datareg index run`."""
from __future__ import annotations

import json
import logging
import signal
import threading

from registry.chain.client import Chain
from registry.config import Settings
from registry.content.store import ContentStore, open_store
from registry.db.session import create_schema, make_engine
from registry.errors import ContentError
from registry.indexer.scanner import Indexer

log = logging.getLogger("datareg.indexer")


def metadata_lookup(store: ContentStore):
    """Metadata documents by CID from the content store; a missing or unreadable one is indexed without
    its fields (the API fills them in when the document is uploaded later)."""

    def lookup(cid: str) -> dict | None:
        try:
            return json.loads(store.get(cid))
        except (ContentError, ValueError):
            return None

    return lookup


def build_indexer(settings: Settings) -> Indexer:
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return Indexer(
        Chain.from_settings(settings),
        engine,
        metadata_lookup(open_store(settings)),
        confirmations=settings.confirmations,
        max_range=settings.index_max_range,
    )


def run_indexer(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    indexer = build_indexer(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("indexing %s on chain %s into %s", indexer.address, indexer.chain.chain_id,
             indexer.engine.url.render_as_string(hide_password=True))
    indexer.run(stop)
