"""The indexer as a long-running process: `datareg index run`."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from registry import jsondepth
from registry.config import Deployment, Settings
from registry.content.store import ContentStore, LocalContentStore, open_store
from registry.db.session import create_schema, is_read_only_error, make_engine
from registry.errors import ContentError
from registry.heap import freeze_startup_objects
from registry.indexer.handlers import MetadataLookup
from registry.indexer.heads import websocket_url
from registry.indexer.lock import writer_lock
from registry.indexer.scanner import Indexer

log = logging.getLogger("datareg.indexer")


class StoreLookup:
    """Metadata documents by CID from the content store; a missing or unreadable one is indexed without
    its fields, filled in when the document turns up later (late_metadata.py).

    Within `batch()` (the writer's transaction), a local store's shard directories are listed instead of
    trying to open a file per asset: most new assets' documents are not in the store, and each failed open
    is a system call that hands the GIL to the fetching thread, which cost a tenth of the catch-up time. A
    shard is checked once per batch (one stat) and listed again only when it changed since its last listing,
    so the batch sees every document stored before it began, as a lookup per asset did. Outside a batch
    every lookup asks the store."""

    # A listing is reused only if the directory's last change is this much older than the listing: a change
    # after the listing then has a later mtime, whatever the coarseness of the file system's clock.
    MARGIN_NS = 100_000_000

    def __init__(self, store: ContentStore) -> None:
        self.store = store
        self._local = store if isinstance(store, LocalContentStore) else None
        self._listings: dict[str, tuple[frozenset[str], int, int]] = {}  # shard: (names, mtime, listed at)
        self._checked: set[str] | None = None  # shards checked in the current batch; None outside a batch

    def __call__(self, cid: str) -> dict[str, Any] | None:
        if self._checked is not None and self._surely_absent(cid):
            return None
        try:
            # bounded: anyone can store a document nested 100,000 deep
            document: dict[str, Any] | None = jsondepth.loads(self.store.get(cid))
            return document
        except (ContentError, ValueError):
            return None

    @contextmanager
    def batch(self) -> Iterator[None]:
        self._checked = set()
        try:
            yield
        finally:
            self._checked = None

    def _surely_absent(self, cid: str) -> bool:
        if self._local is None or self._checked is None:
            return False
        try:
            shard, name = self._local.location(cid)
        except ContentError:
            return False  # the store's get says what is wrong with it
        if shard not in self._checked:
            self._check(shard)
            self._checked.add(shard)
        listing = self._listings.get(shard)
        return listing is not None and name not in listing[0]

    def _check(self, shard: str) -> None:
        try:
            mtime = os.stat(shard).st_mtime_ns
        except FileNotFoundError:
            self._listings[shard] = (frozenset(), -1, 0)  # nothing in this shard yet
            return
        except OSError:
            self._listings.pop(shard, None)  # unknown: ask the store
            return
        known = self._listings.get(shard)
        if known is not None and known[1] == mtime and known[2] - mtime > self.MARGIN_NS:
            return
        listed_at = time.time_ns()
        try:
            self._listings[shard] = (frozenset(os.listdir(shard)), mtime, listed_at)
        except OSError:
            self._listings.pop(shard, None)


def metadata_lookup(store: ContentStore) -> MetadataLookup:
    """The indexer's metadata lookup over `store` (StoreLookup)."""
    return StoreLookup(store)


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
        ws_url=None if settings.ws_url == "off" else settings.ws_url or websocket_url(settings.rpc_url),
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
    freeze_startup_objects()  # registry/heap.py
    stop = threading.Event()
    try:
        _run_as_writer(indexer, stop)
    finally:
        # Its database connections are closed on the way out, not left to the collector: what the start made is
        # frozen out of it (registry/heap.py), so the pool's connections would never be closed, and a SQLite
        # index whose last connection is not closed keeps its write-ahead log (-wal, -shm) beside it.
        indexer.close()


def _run_as_writer(indexer: Indexer, stop: threading.Event) -> None:
    """Indexes while this process holds the writer lock, until `stop` is set; takes the lock again if it is lost."""
    while not stop.is_set():
        # Set by a stop signal or by the loss of the writer lock: either ends this tenure as the writer.
        halt = threading.Event()

        def on_signal(*_: object, halt: threading.Event = halt) -> None:
            stop.set()
            halt.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        with writer_lock(indexer.engine, stop, lost=halt) as locked:
            if not locked:
                return
            log.info("indexing %s on chain %s into %s", indexer.address, indexer.deployment.chain_id,
                     indexer.engine.url.render_as_string(hide_password=True))
            run_until_stopped(indexer, halt)
        if not stop.is_set():
            log.warning("no longer this index's writer; waiting to take the writer lock again")
            indexer.engine.dispose()  # connections of the ended session's server are not reused
