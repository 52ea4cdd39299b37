"""Writes what the scanner read into the index: one database transaction per range (the events, the state
they imply through the handlers, the blocks, the listings' feed, the range's undo journal and the
checkpoint), so a crash at any point leaves the index at a range boundary; and takes the index back to a
canonical block after a reorg, from the undo journals (kept for ranges near the head) or, deeper than
they reach, by deleting the rows above the fork and replaying the affected assets' remaining events.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, insert, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from registry.chain.events import DecodedEvent
from registry.config import Deployment
from registry.db.bulk import chunks, insert_rows
from registry.db.listings import (
    TRADE_FEED_CHANGES,
    Cause,
    TradeEvent,
    end_of_block,
    lapse_listings,
    refresh_listings,
    retract_feed_entries,
)
from registry.db.models import (
    CHECKPOINT,
    AccountingRecord,
    Asset,
    AssetVersion,
    Attestation,
    Block,
    ChangeApplication,
    Checkpoint,
    Engagement,
    Event,
    FinanceRemark,
    FreezeOrder,
    HolderTerm,
    Lineage,
    Listing,
    ListingApproval,
    ListingChange,
    Objection,
    Participant,
    Pledge,
    PublicAuthorisation,
    PublicLicence,
    PublicScenario,
    Qualification,
    Recognition,
    Registration,
    RightVersion,
    Trade,
    UndoBatch,
    WithdrawnConsent,
)
from registry.heap import collector_paused
from registry.indexer.batch import Batch, table_of, undo
from registry.indexer.handlers import AUTHORISATION_EVENTS, HANDLERS, MetadataLookup, stored_event

log = logging.getLogger("datareg.indexer")

# Which event argument names the acting party and which the party concerned, for the history table.
ACTOR_ARGS = ("registrant", "grantor", "from", "actor", "by", "regulator", "applicant", "objector", "issuer",
              "registrar", "authority")
PARTY_ARGS = ("holder", "to", "grantee", "account", "registrar", "pledgee", "operator", "licensee")


@dataclass(frozen=True)
class Header:
    """A block header as the index keeps it, with the logs bloom the scanner checks the logs against."""

    number: int
    hash: str
    parent_hash: str
    timestamp: int
    logs_bloom: int = 0


class Writer:
    """The only code that writes the index. `checkpoint()` is where the index stands."""

    def __init__(self, engine: Engine, deployment: Deployment, lookup: MetadataLookup, reorg_window: int) -> None:
        self.engine = engine
        self.deployment = deployment
        self.lookup = lookup
        self.reorg_window = reorg_window  # see Settings.reorg_window
        # (block, hash) of the checkpoint as this writer last committed it; read from the database at start
        # and after a rollback. Only this process writes it (the writer lock), so a read per range is waste.
        self._checkpoint: tuple[int, str | None] | None = None
        self.wal = WalCheckpoints(engine)

    def checkpoint(self) -> tuple[int, str | None]:
        """The last indexed block and its hash (the block before the deployment, without a hash, at first)."""
        if self._checkpoint is None:
            with Session(self.engine) as db:
                checkpoint = db.get(Checkpoint, CHECKPOINT)
            self._checkpoint = ((checkpoint.block_number, checkpoint.block_hash) if checkpoint
                                else (self.deployment.deploy_block - 1, None))
        return self._checkpoint

    def write(self, events: list[DecodedEvent], headers: dict[int, Header], first: int, last: int,
              head: int) -> None:
        """Indexes blocks `first`..`last` (their `events`; `headers` of at least `first`, `last` and every
        block with an event) and moves the checkpoint to `last`, in one transaction."""
        batch = getattr(self.lookup, "batch", None)  # the service's StoreLookup lists the store once per batch
        with collector_paused(), Session(self.engine) as db, (batch() if batch else nullcontext()):
            self.wal.prepare(db)
            # The listings are judged after each block that may change one, not once at the end of the range,
            # so the feed holds the same entries whatever ranges the chain was indexed in (a listing suspended
            # and resumed within one range has both entries). Each part keeps its own undo journal.
            start, position = first, 0
            for end in [b for b in _listing_blocks(db, events) if b < last] + [last]:
                part = position
                while position < len(events) and events[position].block_number <= end:
                    position += 1
                self._write_part(db, events[part:position], {n: h for n, h in headers.items() if start <= n <= end},
                                 start, end, head)
                start = end + 1
            self._save_checkpoint(db, last, headers[last].hash, head)
            db.commit()
        self._checkpoint = (last, headers[last].hash)
        self.wal.after_commit()
        if events:
            log.info("indexed %d events in blocks %d-%d", len(events), first, last)

    def _write_part(self, db: Session, events: list[DecodedEvent], headers: dict[int, Header], first: int,
                    last: int, head: int) -> None:
        """Blocks `first`..`last` of a range, in its transaction: the consents that lapsed by `last`'s time
        judged first (no block before `last` changes a listing, and `last`'s events already see them lapsed),
        then their events projected, their headers stored, the listings they may change judged as of `last`."""
        lapse_listings(db, headers[last].timestamp)
        batch = Batch(db.connection())
        _prefetch_rows(batch, events)
        for event in events:
            self.apply(batch, event, headers[event.block_number].timestamp, record=True)
        batch.flush()
        insert_rows(db.connection(), table_of(Block),
                    [dict(number=h.number, hash=h.hash, parent_hash=h.parent_hash, timestamp=h.timestamp)
                     for h in sorted(headers.values(), key=lambda h: h.number)])
        assets, exchanges, listings = _touched(events, headers)
        _touch_authorised_assets(db, events, headers, assets)
        trades = [TradeEvent(e.name, e.args["exchange"], e.args["year"], e.args["serial"],
                             Cause(e.block_number, e.tx_hash, e.log_index, headers[e.block_number].timestamp,
                                   e.block_hash), e.args.get("status"))
                  for e in events if e.name in TRADE_FEED_CHANGES]
        refresh_listings(db, assets=assets, exchanges=exchanges, listings=listings, now=headers[last].timestamp,
                         block=last, trades=trades)
        self._journal(db, batch, first, last, head)

    def _journal(self, db: Session, batch: Batch, first: int, last: int, head: int) -> None:
        """Keeps the batch's undo journal if a reorg could still reach it, and drops those none can reach."""
        if head - last < self.reorg_window:
            db.execute(insert(UndoBatch).values(first_block=first, last_block=last,
                                                journal=orjson.dumps(batch.journal()).decode()))
        db.execute(delete(UndoBatch).where(col(UndoBatch.last_block) < head - self.reorg_window))

    def _save_checkpoint(self, db: Session, block_number: int, block_hash: str, head: int | None) -> None:
        """Moves the checkpoint, in the same transaction as the rows it covers."""
        db.merge(Checkpoint(name=CHECKPOINT, chain_id=self.deployment.chain_id, contract=self.deployment.registry,
                            block_number=block_number, block_hash=block_hash, updated_at=time.time(),
                            head_block=head))

    def apply(self, batch: Batch, event: DecodedEvent, timestamp: int, record: bool) -> None:
        """Projects one event through its handler; with `record`, also adds it to the history table."""
        if record:
            batch.events.append(event_row(batch, event, timestamp))
        handler = HANDLERS.get(event.name)
        if handler is not None:
            handler(batch, event, timestamp, self.lookup)

    # ───────────────────────────── reorgs ─────────────────────────────

    def rollback(self, fork: int, header_at: Callable[[int], Header], head: int | None) -> int:
        """Takes the index back to the canonical block `fork` (or below it, to the start of the batch that
        holds it) and leaves the rest to be indexed again; returns the block it went back to. `header_at`
        reads a block's header from the node, for a position whose block the index did not keep.

        The batches above the fork are undone from their journals, newest first, when every one of them kept
        one (they were near the head when written). Otherwise everything above the fork is deleted and the
        assets and participants it touched are rebuilt from their remaining events (the state tables are
        projections of the events)."""
        self._checkpoint = None  # read again once the rollback has moved it (or failed to)
        with Session(self.engine) as db:
            checkpoint = db.get(Checkpoint, CHECKPOINT)
            journals = db.exec(select(UndoBatch).where(UndoBatch.last_block > fork)
                               .order_by(col(UndoBatch.first_block).desc())).all()
            journaled = _covers(list(journals), fork, checkpoint.block_number if checkpoint else fork)
            position = journals[-1].first_block - 1 if journaled else fork
            above = db.exec(select(Event).where(Event.block_number > position)).all()
            assets = {e.asset_id for e in above if e.asset_id}
            accounts = {account for account in map(_participant_of, above) if account}
            stored = db.get(Block, position)
            header = stored or (header_at(position) if position >= 0 else None)
            moment = header.timestamp if header else 0
            # Listings whose feed entries go: one that lapsed by time after the fork may be valid again.
            assets |= set(db.exec(select(ListingChange.asset_id).where(
                ListingChange.position > end_of_block(moment, position),
                col(ListingChange.retracted_in).is_(None))).all())
            connection = db.connection()
            for chunk in chunks(list(assets)):
                db.exec(delete(RightVersion).where(col(RightVersion.asset_id).in_(chunk),
                                                   col(RightVersion.since_block) > position))
            if journaled:
                for journal in journals:
                    undo(connection, orjson.loads(journal.journal))
            db.exec(delete(Event).where(col(Event.block_number) > position))
            db.exec(delete(Block).where(col(Block.number) > position))
            retract_feed_entries(db, moment, position)
            db.exec(delete(UndoBatch).where(col(UndoBatch.last_block) > position))
            if not journaled:
                # Withdrawn consents belong to no asset and are only ever added (a second withdrawal of an id
                # keeps the first): those above the position go as their events did.
                db.exec(delete(WithdrawnConsent).where(col(WithdrawnConsent.withdrawn_block) > position))
                self._replay(db, assets, accounts)
            refresh_listings(db, assets=dict.fromkeys(assets), exchanges=dict.fromkeys(accounts), listings={},
                             now=moment, block=max(position, 0))
            self._save_checkpoint(db, position, header.hash if header else "0x" + "00" * 32, head)
            db.commit()
        log.warning("reorg: rolled back to block %d (fork at %d) %s; %d assets and %d participants touched",
                    position, fork, "from the undo journals" if journaled else "by replaying events", len(assets),
                    len(accounts))
        return position

    def _replay(self, db: Session, assets: set[str], accounts: set[str]) -> None:
        """Rebuilds the rows of `assets` and `accounts` from their remaining events."""
        for chunk in chunks(list(assets)):
            for table in (RightVersion, Lineage, Listing, ListingApproval, Pledge, Objection, Registration,
                          Attestation, Trade, AssetVersion, FreezeOrder, HolderTerm, ChangeApplication,
                          AccountingRecord, FinanceRemark, Engagement, Asset):
                db.exec(delete(table).where(col(table.asset_id).in_(chunk)))
        for chunk in chunks(list(accounts)):
            db.exec(delete(Participant).where(col(Participant.account).in_(chunk)))
            db.exec(delete(Qualification).where(col(Qualification.account).in_(chunk)))
        # Public-data authorisations are not an asset's rows: all of them are rebuilt (they are few).
        for public in (PublicScenario, PublicLicence, PublicAuthorisation):
            db.exec(delete(public))
        db.exec(delete(Recognition))  # a council's handful: rebuilt whole from their events below
        remaining = db.exec(
            select(Event)
            # Trade codes and listing policies are set rarely per exchange (few): replayed for all, in order, so
            # each exchange ends with its latest.
            .where(or_(col(Event.asset_id).in_(assets),
                       col(Event.name).in_(PARTICIPANT_EVENTS) & col(Event.party).in_(accounts),
                       col(Event.name).in_(("TradeCodeSet", "ListingPolicySet", *RECOGNITION_EVENTS,
                                            *AUTHORISATION_EVENTS))))
            .order_by(col(Event.block_number), col(Event.log_index))
        ).all()
        batch = Batch(db.connection())
        for row in remaining:
            self.apply(batch, stored_event(row), row.timestamp, record=False)
        batch.flush()


# The writer connection's SQLite page cache, in KiB (the other connections keep session.py's 64 MB).
WRITER_CACHE_KB = 256 * 1024


class WalCheckpoints:
    """On SQLite, copies the write-ahead log's pages into the database file on a thread of its own, after the
    writer's commits, instead of inside them. SQLite's automatic checkpoint runs in the commit that crosses
    1,000 pages of log, and cost an eighth of the indexer's catch-up time (the copy and its fsyncs); the
    driver lets go of the GIL meanwhile, so on a thread it overlaps the next range's work. The same PASSIVE
    checkpoint as SQLite's own (it never waits for readers or the writer), so crash safety is SQLite's: a
    checkpoint interrupted by a crash is redone from the log at the next open."""

    # Log size from which a commit is followed by a checkpoint: SQLite's own threshold (1,000 pages of 4 KB).
    THRESHOLD = 4 << 20

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self.log_file = f"{database}-wal" if database and database != ":memory:" else None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="datareg-wal") if self.log_file else None
        self._running: Future[None] | None = None
        self._connection: sqlite3.Connection | None = None  # the checkpoint thread's

    def prepare(self, db: Session) -> None:
        """Settings of the writer's connection on SQLite: no automatic checkpoint, and a page cache of up to
        WRITER_CACHE_KB. A batch's inserts touch pages of every index of the tables they go to (random keys:
        hashes, addresses); once the database outgrows the cache each batch read them back from the file (87 MB
        after W2's 50,000 events, and the default connections' cache is 64 MB), which took more time than the
        inserts themselves on a loaded machine. The cache grows only as it is used."""
        if self.log_file:
            connection = db.connection()
            connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            connection.exec_driver_sql(f"PRAGMA cache_size=-{WRITER_CACHE_KB}")

    def after_commit(self) -> None:
        if self._thread is None or (self._running is not None and not self._running.done()):
            return  # one at a time: the next commit starts another if the log is still long
        try:
            if os.path.getsize(self.log_file or "") < self.THRESHOLD:
                return
        except OSError:
            return
        self._running = self._thread.submit(self._checkpoint)

    def close(self) -> None:
        """Waits for a running checkpoint and closes this class's own connection."""
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _checkpoint(self) -> None:
        # A connection of its own, not the pool's: the writer keeps getting the pooled connection whose page
        # cache is warm, and this thread never waits for one.
        try:
            if self._connection is None:
                self._connection = sqlite3.connect(self.log_file[:-len("-wal")] if self.log_file else "",
                                                   timeout=30, check_same_thread=False)
            self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception as exc:  # noqa: BLE001 - the next commit tries again; nothing is lost meanwhile
            log.debug("WAL checkpoint failed: %s", exc)


def event_row(batch: Batch, event: DecodedEvent, timestamp: int) -> dict[str, Any]:
    """The row of the events table that records `event`, read against the batch's state before the event
    (the audit and the index check build the rows the chain implies with it, to compare)."""
    args = event.args
    actor, party = _roles(event.name, tuple(args))
    return {
        "block_number": event.block_number,
        "block_hash": event.block_hash,
        "tx_hash": event.tx_hash,
        "log_index": event.log_index,
        "timestamp": timestamp,
        "name": event.name,
        "asset_id": _asset_of(batch, event),
        "kind": _kind(batch, event),
        "actor": args[actor] if actor else None,
        "party": args[party] if party else None,
        "right_index": args.get("rightIndex"),
        "args_json": _json(args),
    }


def _asset_of(batch: Batch, event: DecodedEvent) -> str | None:
    """The asset an event concerns: in its arguments, or that of the listing it names."""
    if "assetId" in event.args:
        asset_id: str = event.args["assetId"]
        return asset_id
    if "listingId" in event.args:
        listing = batch.get(Listing, event.args["listingId"])
        return listing["asset_id"] if listing else None
    if event.name == "Appraised":  # names its attestation, issued by the Attested just before it
        attestation = batch.get(Attestation, event.args["attestationId"])
        return attestation["asset_id"] if attestation else None
    if event.name in TRADE_CHANGES:
        trade = batch.get(Trade, (event.args["exchange"], event.args["year"], event.args["serial"]))
        return trade["asset_id"] if trade else None
    return None


# The RecognitionRegistry's events: no asset, no participant; their table is rebuilt whole on a deep reorg.
RECOGNITION_EVENTS = ("RegistryRecognised", "RecognitionWithdrawn")


# Events of a recorded trade that name it by (exchange, year, serial), not by its asset.
TRADE_CHANGES = ("TradeSettlementChanged", "DeliveryRecorded")


def _kind(batch: Batch, event: DecodedEvent) -> int | None:
    """The right kind an event concerns: in its arguments, or else that of the right it names."""
    if "kind" in event.args:
        kind: int = event.args["kind"]
        return kind
    if "rightIndex" in event.args and event.name != "AssetDerived":
        right = batch.current_version(event.args["assetId"], event.args["rightIndex"])
        return right["kind"] if right else None
    return None


# Events that change rights which exist before them (all others create theirs).
RIGHT_CHANGES = ("RightTransferred", "RightRevoked", "RightRenewed", "RightAccepted", "RightAssignmentWithdrawn")


def _prefetch_rows(batch: Batch, events: list[DecodedEvent]) -> None:
    """Reads, a few hundred per query, the existing rows the batch's events will change: assets and rights
    not created by the batch itself, and the current versions of the rights they change."""
    created = {e.args["assetId"] for e in events if e.name == "AssetRegistered"}
    batch.prefetch(Asset, {e.args["assetId"] for e in events if "assetId" in e.args} - created)
    rights = {(e.args["assetId"], e.args["rightIndex"]) for e in events if e.name in RIGHT_CHANGES}
    batch.prefetch_versions(rights)


@functools.cache
def _roles(event_name: str, argument_names: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The names of the arguments that hold the acting party and the party concerned (fixed per event type):
    the first of ACTOR_ARGS and of PARTY_ARGS the event has."""
    return (next((name for name in ACTOR_ARGS if name in argument_names), None),
            next((name for name in PARTY_ARGS if name in argument_names), None))


def _json(args: dict[str, Any]) -> str:
    try:
        return orjson.dumps(args).decode()
    except TypeError:  # an integer beyond 64 bits (a uint256 quantity or value): the standard library copes
        return json.dumps(args)


PARTICIPANT_EVENTS = ("ParticipantAdded", "ParticipantSuspended", "ParticipantReinstated",
                      "ParticipantEndpointChanged", "RegistrarConfigured", "QualificationRecorded",
                      "QualificationRenewed", "QualificationRevoked")


def _participant_of(event: Event) -> str | None:
    """The participant a participant-registry, registrar-configuration or trade-code event concerns."""
    if event.name in ("TradeCodeSet", "ListingPolicySet"):
        return str(json.loads(event.args_json)["exchange"])
    return event.party if event.name in PARTICIPANT_EVENTS else None


# Events that cannot change whether an existing listing is valid: they create assets, rights and links, or
# consent to a listing not yet made (a listing is judged on its holder's right, not on the consent it used).
NOT_LISTING_CHANGES = frozenset({"AssetRegistered", "AssetDerived", "RightAssigned", "RightGranted",
                                 "ListingApproved", "ListingApprovalRevoked"})


def _covers(journals: list[UndoBatch], fork: int, position: int) -> bool:
    """Whether `journals` (newest first) undo every block from the checkpoint at `position` down past
    `fork`, without a gap."""
    if not journals or journals[0].last_block != position or journals[-1].first_block > fork + 1:
        return False
    return all(newer.first_block == older.last_block + 1 for newer, older in zip(journals, journals[1:]))


def _touched(events: list[DecodedEvent], headers: dict[int, Header]
             ) -> tuple[dict[str, Cause], dict[str, Cause], dict[int, Cause]]:
    """What a batch of events may have changed for listings, each with the (last) event that did: assets,
    exchanges (participants), and listings named by their own events (ListingStatusChanged names no asset)."""
    def cause(e: DecodedEvent) -> Cause:
        return Cause(e.block_number, e.tx_hash, e.log_index, headers[e.block_number].timestamp, e.block_hash)

    assets = {e.args["assetId"]: cause(e) for e in events if "assetId" in e.args and e.name not in NOT_LISTING_CHANGES}
    exchanges = {e.args["account"]: cause(e) for e in events if e.name.startswith("Participant")}
    listings = {e.args["listingId"]: cause(e) for e in events if "listingId" in e.args}
    return assets, exchanges, listings


#: Events that change the standing of every asset under an authorisation (and so their listings).
STANDING_CHANGES = ("AuthorisationRevoked", "LicenceRevoked")


def _touch_authorised_assets(db: Session, events: list[DecodedEvent], headers: dict[int, Header],
                             assets: dict[str, Cause]) -> None:
    """A revoked authorisation (or licence) touches every asset under it: their listings lapse with it."""
    for e in events:
        if e.name in STANDING_CHANGES:
            cause = Cause(e.block_number, e.tx_hash, e.log_index, headers[e.block_number].timestamp, e.block_hash)
            under = db.exec(select(Asset.asset_id).where(
                col(Asset.public_authorisation_id) == e.args["authorisationId"])).all()
            assets.update(dict.fromkeys(under, cause))


def _listing_blocks(db: Session, events: list[DecodedEvent]) -> list[int]:
    """The blocks of a range after whose events a listing may change: those with a listing's own event or a
    participant's, and those with an event on an asset that is listed (before the range, or in it)."""
    # A trade event's block too: its feed entry shows the trade as that block left it, whatever the range.
    blocks = {e.block_number for e in events
              if "listingId" in e.args or e.name.startswith("Participant") or e.name in TRADE_FEED_CHANGES
              or e.name in STANDING_CHANGES}
    touched = {e.args["assetId"] for e in events if "assetId" in e.args and e.name not in NOT_LISTING_CHANGES}
    listed = {e.args["assetId"] for e in events if e.name == "Listed"}
    for chunk in chunks(list(touched - listed)):
        listed |= set(db.exec(select(Listing.asset_id).where(col(Listing.asset_id).in_(chunk))).all())
    blocks |= {e.block_number for e in events if e.args.get("assetId") in listed and e.name not in NOT_LISTING_CHANGES}
    return sorted(blocks)
