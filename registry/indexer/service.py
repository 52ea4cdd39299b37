"""The indexer as a long-running process: `datareg index run`."""
from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from registry import jsondepth
from registry.config import Deployment, Settings
from registry.content.store import ContentStore, open_store
from registry.db.session import create_schema, is_read_only_error, make_engine
from registry.errors import ContentError
from registry.indexer.handlers import MetadataLookup
from registry.indexer.lock import writer_lock
from registry.indexer.scanner import Indexer

log = logging.getLogger("datareg.indexer")


def metadata_lookup(store: ContentStore) -> MetadataLookup:
    """Metadata documents by CID from the content store; a missing or unreadable one is indexed without
    its fields, filled in when the document turns up later (late_metadata.py)."""

    def lookup(cid: str) -> dict[str, Any] | None:
        try:
            # bounded: anyone can store a document nested 100,000 deep
            document: dict[str, Any] | None = jsondepth.loads(store.get(cid))
            return document
        except (ContentError, ValueError):
            return None

    return lookup


def build_indexer(settings: Settings) -> Indexer:
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return Indexer(
        settings.rpc_url,
        Deployment.load(settings.deployment_file),
        engine,
        metadata_lookup(open_store(settings)),
        confirmations=settings.confirmations,
        max_range=settings.index_max_range,
        reorg_window=settings.reorg_window,
    )


def run_until_stopped(indexer: Indexer, stop: threading.Event, poll_interval: float = 0.01) -> None:
    """Indexer.run, kept going while the database cannot be reached (connection refused or lost, SQLite
    locked or unreadable): it waits with backoff and resumes from the checkpoint, which only moves in the
    same transaction as the rows it covers, so nothing is lost or written twice. The chain node's outages
    are waited for inside Indexer.run itself."""
    backoff = 0.1
    while not stop.is_set():
        started = time.monotonic()
        try:
            indexer.run(stop, poll_interval)
        except Exception as exc:  # noqa: BLE001 - sorted below: outages are waited for, the rest re-raised
            # A read-only database refuses writes through SQLAlchemy and through the driver's own COPY alike.
            read_only = is_read_only_error(exc)
            outage = isinstance(exc, PoolTimeout) or (isinstance(exc, DBAPIError) and (
                isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated))
            if not (read_only or outage):
                raise  # a real error in the data or the code, not an outage
            if time.monotonic() - started > 30:
                backoff = 0.1  # it had recovered since the last failure
            if read_only:
                # Fresh connections next time: one opened read-only stays so after the database is writable.
                indexer.engine.dispose()
                log.warning("the index database is read-only; waiting %.1f s for it to be writable: %s", backoff,
                            str(exc).splitlines()[0])
            else:
                log.warning("database unavailable, retrying in %.1f s: %s", backoff, str(exc).splitlines()[0])
            stop.wait(backoff)
            backoff = min(backoff * 2, 5.0)


def run_indexer(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per JSON-RPC request
    indexer = build_indexer(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with writer_lock(indexer.engine, stop) as locked:
        if not locked:
            return
        log.info("indexing %s on chain %s into %s", indexer.address, indexer.deployment.chain_id,
                 indexer.engine.url.render_as_string(hide_password=True))
        run_until_stopped(indexer, stop)
