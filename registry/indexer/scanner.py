"""Follows the registry's events into the database: reorg-aware, resumable, one transaction per batch.

Each step reads the head, fetches the logs of the next block range with a single eth_getLogs, checks that
every log belongs to the blocks it fetched headers for, and writes the events, the state they imply and
the checkpoint in one database transaction, so a crash at any point leaves the index at a batch boundary.
A block whose parent hash no longer matches what was indexed means a reorg: the batches above the fork are
undone from their undo journals (kept for batches near the head), or, for a reorg deeper than that, the rows
above the fork are deleted and the affected assets rebuilt from the events that remain.
"""
from __future__ import annotations

import functools
import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import orjson
from sqlalchemy import delete, insert, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from registry.chain.events import DecodedEvent, decode_log
from registry.config import Deployment
from registry.db.bulk import chunks, insert_rows
from registry.db.listings import refresh_listings
from registry.db.models import (
    CHECKPOINT,
    Asset,
    Attestation,
    Block,
    Checkpoint,
    Event,
    Lineage,
    Listing,
    ListingChange,
    Objection,
    Participant,
    Pledge,
    Registration,
    Right,
    RightVersion,
    UndoBatch,
)
from registry.errors import ChainError, ConfigurationError
from registry.indexer.batch import Batch, undo
from registry.indexer.handlers import HANDLERS, MetadataLookup, stored_event
from registry.indexer.late_metadata import LateMetadata

log = logging.getLogger("datareg.indexer")

# Which event argument names the acting party and which the party concerned, for the history table.
ACTOR_ARGS = ("registrant", "grantor", "from", "actor", "by", "regulator", "applicant", "objector", "issuer",
              "registrar")
PARTY_ARGS = ("holder", "to", "grantee", "account", "registrar", "pledgee")


# Logs per batch the range adapts to (see _get_logs).
TARGET_LOGS = 5_000
# Stored blocks compared with the node's per request when looking for a fork.
FORK_SEARCH_PAGE = 64


@dataclass(frozen=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    timestamp: int


@dataclass(frozen=True)
class Fetched:
    first: int
    last: int
    logs: list[dict]
    headers: dict[int, Header]
    events: list[DecodedEvent]


class Indexer:
    def __init__(
        self,
        rpc_url: str,
        deployment: Deployment,
        engine: Engine,
        lookup: MetadataLookup,
        confirmations: int = 0,
        max_range: int = 5_000,
        timeout: float = 30.0,
        reorg_window: int = 128,
    ) -> None:
        self.rpc_url = rpc_url
        self.deployment = deployment
        self.engine = engine
        self.lookup = lookup
        self.confirmations = confirmations
        self.max_range = max_range
        self.reorg_window = reorg_window  # see Settings.reorg_window
        # Starts small and doubles while batches stay under TARGET_LOGS: the first range's size is a guess.
        self.range = min(max_range, 10)
        self.address = deployment.registry
        # Every contract of the deployment, fetched with one eth_getLogs per range.
        self.addresses = list(deployment.contracts.values())
        # Plain JSON-RPC over one kept-alive connection, parsed with orjson: web3's provider spent longer
        # parsing a large eth_getLogs answer than the node spent producing it, and not importing web3 at all
        # lets a restarted indexer start a second or more sooner.
        self._http = httpx.Client(timeout=timeout)
        self._ids = 0
        self._chain_checked = False
        self._fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="datareg-fetch")
        self._pending: tuple[int, Future] | None = None  # (first block, the fetch of the range starting there)
        self._head: int | None = None  # the chain head last seen
        # (block, hash) of the checkpoint as this indexer last committed it; read from the database at start
        # and after a rollback. Only this process writes it (the writer lock), so a read per step is waste.
        self._checkpoint: tuple[int, str | None] | None = None
        self.late_metadata = LateMetadata(engine, lookup)

    def _check_chain(self) -> None:
        """Refuses to index a chain other than the deployment's: its blocks would be taken for ours."""
        chain_id = int(self._call("eth_chainId", []), 16)
        if chain_id != self.deployment.chain_id:
            raise ConfigurationError(
                f"The node at '{self.rpc_url}' serves chain {chain_id}, but the deployment's contracts are on chain "
                f"{self.deployment.chain_id}. Point DATAREG_RPC_URL at a node of chain {self.deployment.chain_id}, or "
                "DATAREG_DEPLOYMENT at the deployment file for this chain.")
        self._chain_checked = True

    # ───────────────────────────── loop ─────────────────────────────

    def run(self, stop: threading.Event | None = None, poll_interval: float = 0.01) -> None:
        """Indexes until `stop` is set; an unreachable node is waited for with backoff, never fatal."""
        stop = stop or threading.Event()
        backoff = poll_interval
        while not stop.is_set():
            try:
                progressed = self.step()
                backoff = poll_interval
            except ChainError as exc:
                log.warning("chain unavailable, retrying in %.1f s: %s", backoff, exc)
                progressed = False
                backoff = min(backoff * 2, 5.0)
            if not progressed:
                self.late_metadata.fill()  # idle: documents stored since their asset was indexed
                stop.wait(backoff)

    def step(self) -> bool:
        """Indexes the next range if there is one. Returns whether anything changed."""
        if not self._chain_checked:
            self._check_chain()
        head = self._header("latest")
        self._head = head.number
        if self._checkpoint is None:
            with Session(self.engine) as db:
                checkpoint = db.get(Checkpoint, CHECKPOINT)
            self._checkpoint = ((checkpoint.block_number, checkpoint.block_hash) if checkpoint
                                else (self.deployment.deploy_block - 1, None))
        position, known_hash = self._checkpoint
        if head.number < position:
            # The node is behind what we indexed (restarted, still syncing): wait, do not roll back.
            return False
        if head.number == position and known_hash and head.hash != known_hash:
            self.rollback(self._find_fork(position))
            return True
        target = head.number - self.confirmations
        if target <= position:
            return False
        fetched = self._take_prefetched(position + 1) or self._fetch(position + 1, min(target, position + self.range))
        if fetched is None:
            return True  # the range was too large and has been shrunk; try again at once
        if known_hash and fetched.headers[fetched.first].parent_hash != known_hash:
            self.rollback(self._find_fork(position))
            return True
        for entry in fetched.logs:
            if fetched.headers[int(entry["blockNumber"], 16)].hash != entry["blockHash"]:
                return True  # a reorg happened while we were reading; read the range again
        if fetched.last < target:
            # Catching up: the node serves the next range while this one is written. The checks above run on
            # it in turn, so a reorg in between is caught like any other.
            self._fetch_ahead(fetched.last + 1, min(target, fetched.last + self.range))
        self._write(fetched.events, fetched.headers, fetched.first, fetched.last)
        return True

    def _fetch(self, first: int, last: int) -> Fetched | None:
        """The range's logs, decoded, and the headers of its first, last and every block with a log."""
        logs = self._get_logs(first, last)
        if logs is None:
            return None
        headers = self._headers({first, last} | {int(entry["blockNumber"], 16) for entry in logs})
        events = [e for e in (decode_log(entry) for entry in logs) if e is not None]
        return Fetched(first, last, logs, headers, events)

    def _fetch_ahead(self, first: int, last: int) -> None:
        self._pending = (first, self._fetcher.submit(self._fetch, first, last))

    def _take_prefetched(self, first: int) -> Fetched | None:
        """The prefetched range if it starts at `first` (after a rollback it no longer does)."""
        pending, self._pending = self._pending, None
        if pending is None or pending[0] != first:
            return None
        return pending[1].result()  # re-raises the fetch's ChainError, which the run loop waits out

    # ───────────────────────────── writing ─────────────────────────────

    def _write(self, events: list[DecodedEvent], headers: dict[int, Header], first: int, last: int) -> None:
        with Session(self.engine) as db:
            batch = Batch(db.connection())
            _prefetch_rows(batch, events)
            for event in events:
                self._apply(batch, event, headers[event.block_number].timestamp, record=True)
            batch.flush()
            insert_rows(db.connection(), Block.__table__,
                        [dict(number=h.number, hash=h.hash, parent_hash=h.parent_hash, timestamp=h.timestamp)
                         for h in sorted(headers.values(), key=lambda h: h.number)])
            assets, exchanges, causes = _touched(events)
            refresh_listings(db, assets=assets, exchanges=exchanges, now=headers[last].timestamp, block=last,
                             causes=causes)
            self._journal(db, batch, first, last)
            self._save_checkpoint(db, last, headers[last].hash)
            db.commit()
        self._checkpoint = (last, headers[last].hash)
        if events:
            log.info("indexed %d events in blocks %d-%d", len(events), first, last)

    def _journal(self, db: Session, batch: Batch, first: int, last: int) -> None:
        """Keeps the batch's undo journal if a reorg could still reach it, and drops those none can reach."""
        head = self._head if self._head is not None else last
        if head - last < self.reorg_window:
            db.execute(insert(UndoBatch).values(first_block=first, last_block=last,
                                                journal=orjson.dumps(batch.journal()).decode()))
        db.execute(delete(UndoBatch).where(UndoBatch.last_block < head - self.reorg_window))

    def _save_checkpoint(self, db: Session, block_number: int, block_hash: str) -> None:
        """Moves the checkpoint, in the same transaction as the rows it covers."""
        db.merge(Checkpoint(name=CHECKPOINT, chain_id=self.deployment.chain_id, contract=self.address,
                            block_number=block_number, block_hash=block_hash, updated_at=time.time(),
                            head_block=self._head))

    def _apply(self, batch: Batch, event: DecodedEvent, timestamp: int, record: bool) -> None:
        if record:
            batch.events.append(
                dict(
                    block_number=event.block_number,
                    block_hash=event.block_hash,
                    tx_hash=event.tx_hash,
                    log_index=event.log_index,
                    timestamp=timestamp,
                    name=event.name,
                    asset_id=_asset_of(batch, event),
                    kind=_kind(batch, event),
                    actor=_argument(event, ACTOR_ARGS),
                    party=_argument(event, PARTY_ARGS),
                    right_index=event.args.get("rightIndex"),
                    args_json=_json(event.args),
                )
            )
        handler = HANDLERS.get(event.name)
        if handler is not None:
            handler(batch, event, timestamp, self.lookup)

    # ───────────────────────────── reorgs ─────────────────────────────

    def _find_fork(self, position: int) -> int:
        """The highest indexed block still on the canonical chain: the stored blocks are compared with the
        node's headers newest first, 64 at a time in one batch request (reorgs are shallow; the index may hold
        millions of blocks)."""
        below = position + 1
        while True:
            with Session(self.engine) as db:
                stored = db.exec(select(Block).where(Block.number < below).order_by(Block.number.desc())
                                 .limit(FORK_SEARCH_PAGE)).all()
            if not stored:
                return self.deployment.deploy_block - 1
            canonical = self._headers({block.number for block in stored})
            for block in stored:
                if canonical[block.number].hash == block.hash:
                    return block.number
            below = stored[-1].number

    def rollback(self, fork: int) -> None:
        """Takes the index back to the canonical block `fork` (or below it, to the start of the batch that
        holds it) and leaves the rest to be indexed again.

        The batches above the fork are undone from their journals, newest first, when every one of them kept
        one (they were near the head when written). Otherwise everything above the fork is deleted and the
        assets and participants it touched are rebuilt from their remaining events (the state tables are
        projections of the events)."""
        self._pending = None  # a range fetched ahead may belong to the branch being left
        self._checkpoint = None  # read again once the rollback has moved it (or failed to)
        with Session(self.engine) as db:
            checkpoint = db.get(Checkpoint, CHECKPOINT)
            journals = db.exec(select(UndoBatch).where(UndoBatch.last_block > fork)
                               .order_by(UndoBatch.first_block.desc())).all()
            journaled = _covers(journals, fork, checkpoint.block_number if checkpoint else fork)
            position = journals[-1].first_block - 1 if journaled else fork
            above = db.exec(select(Event).where(Event.block_number > position)).all()
            assets = {e.asset_id for e in above if e.asset_id}
            accounts = {account for account in map(_participant_of, above) if account}
            # Listings whose feed entries go: one that lapsed by time in those blocks may be valid again.
            assets |= set(db.exec(select(ListingChange.asset_id).where(ListingChange.block_number > position)).all())
            connection = db.connection()
            for chunk in chunks(list(assets)):
                db.exec(delete(RightVersion).where(RightVersion.asset_id.in_(chunk),
                                                   RightVersion.since_block > position))
            if journaled:
                for journal in journals:
                    undo(connection, orjson.loads(journal.journal))
            db.exec(delete(Event).where(Event.block_number > position))
            db.exec(delete(Block).where(Block.number > position))
            db.exec(delete(ListingChange).where(ListingChange.block_number > position))
            db.exec(delete(UndoBatch).where(UndoBatch.last_block > position))
            if not journaled:
                self._replay(db, assets, accounts)
            stored = db.get(Block, position)
            header = stored or (self._header(position) if position >= 0 else None)
            refresh_listings(db, assets=assets, exchanges=accounts, now=header.timestamp if header else 0,
                             block=position, causes={})
            self._save_checkpoint(db, position, header.hash if header else "0x" + "00" * 32)
            db.commit()
        log.warning("reorg: rolled back to block %d (fork at %d) %s; %d assets and %d participants touched",
                    position, fork, "from the undo journals" if journaled else "by replaying events", len(assets),
                    len(accounts))

    def _replay(self, db: Session, assets: set[str], accounts: set[str]) -> None:
        """Rebuilds the rows of `assets` and `accounts` from their remaining events."""
        for chunk in chunks(list(assets)):
            for table in (RightVersion, Right, Lineage, Listing, Pledge, Objection, Registration, Attestation,
                          Asset):
                db.exec(delete(table).where(table.asset_id.in_(chunk)))
        for chunk in chunks(list(accounts)):
            db.exec(delete(Participant).where(Participant.account.in_(chunk)))
        remaining = db.exec(
            select(Event)
            .where(or_(Event.asset_id.in_(assets), Event.name.in_(PARTICIPANT_EVENTS) & Event.party.in_(accounts)))
            .order_by(Event.block_number, Event.log_index)
        ).all()
        batch = Batch(db.connection())
        for row in remaining:
            self._apply(batch, stored_event(row), row.timestamp, record=False)
        batch.flush()

    # ───────────────────────────── RPC ─────────────────────────────

    def _post(self, payload: object, what: str) -> object:
        try:
            response = self._http.post(self.rpc_url, content=orjson.dumps(payload),
                                       headers={"content-type": "application/json"})
            response.raise_for_status()
            return orjson.loads(response.content)
        except (httpx.HTTPError, orjson.JSONDecodeError) as exc:  # transport failures mean "node unavailable"
            raise ChainError(f"{what} failed at '{self.rpc_url}': {exc}") from exc

    def _call(self, method: str, params: list) -> object:
        self._ids += 1
        response = self._post({"jsonrpc": "2.0", "id": self._ids, "method": method, "params": params}, method)
        if not isinstance(response, dict):
            raise ChainError(f"{method} failed: the node's answer is not a JSON-RPC response")
        if "error" in response:
            error = response["error"]
            raise ChainError(f"{method} failed: {error.get('message', error) if isinstance(error, dict) else error}")
        return response["result"]

    def _get_logs(self, first: int, last: int) -> list[dict] | None:
        """Logs of the range, or None after shrinking the range when the node refused it as too large."""
        try:
            logs = self._call(
                "eth_getLogs", [{"address": self.addresses, "fromBlock": hex(first), "toBlock": hex(last)}]
            )
        except ChainError as exc:
            if self.range > 1 and _too_large(str(exc)):
                self.range = max(1, self.range // 2)
                log.info("eth_getLogs range shrunk to %d blocks: %s", self.range, exc)
                return None
            raise
        # Grow back after a shrink; keep batches near TARGET_LOGS, small enough for the next range's fetch to
        # overlap this one's write, large enough that per-batch costs (commit, checkpoint) stay small.
        if len(logs) > TARGET_LOGS:
            self.range = max(1, (last - first + 1) * TARGET_LOGS // len(logs))
        else:
            self.range = min(self.max_range, self.range * 2)
        return [entry for entry in logs if not entry.get("removed")]

    def _header(self, block: int | str) -> Header:
        tag = hex(block) if isinstance(block, int) else block
        raw = self._call("eth_getBlockByNumber", [tag, False])
        if raw is None:
            raise ChainError(f"The node has no block {block} yet.")
        return _header(raw)

    def _headers(self, numbers: set[int]) -> dict[int, Header]:
        # One HTTP round trip for all headers (JSON-RPC batch).
        batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_getBlockByNumber", "params": [hex(n), False]}
                 for i, n in enumerate(sorted(numbers))]
        responses = self._post(batch, "eth_getBlockByNumber batch")
        if not isinstance(responses, list):
            error = responses.get("error") if isinstance(responses, dict) else responses
            raise ChainError(f"eth_getBlockByNumber batch failed: {error}")
        headers = {}
        for response in responses:
            if response.get("result") is None:
                raise ChainError(f"Block header missing from the node's answer: {response.get('error')}")
            header = _header(response["result"])
            headers[header.number] = header
        return headers


def _asset_of(batch: Batch, event: DecodedEvent) -> str | None:
    """The asset an event concerns: in its arguments, or that of the listing it names."""
    if "assetId" in event.args:
        return event.args["assetId"]
    if "listingId" in event.args:
        listing = batch.get(Listing, event.args["listingId"])
        return listing["asset_id"] if listing else None
    return None


def _kind(batch: Batch, event: DecodedEvent) -> int | None:
    """The right kind an event concerns: in its arguments, or else that of the right it names."""
    if "kind" in event.args:
        return event.args["kind"]
    if "rightIndex" in event.args and event.name != "AssetDerived":
        right = batch.get(Right, (event.args["assetId"], event.args["rightIndex"]))
        return right["kind"] if right else None
    return None


# Events that change rights which exist before them (all others create theirs).
RIGHT_CHANGES = ("RightTransferred", "RightRevoked", "RightRenewed")


def _prefetch_rows(batch: Batch, events: list[DecodedEvent]) -> None:
    """Reads, a few hundred per query, the existing rows the batch's events will change: assets and rights
    not created by the batch itself, and those rights' current versions."""
    created = {e.args["assetId"] for e in events if e.name == "AssetRegistered"}
    batch.prefetch(Asset, {e.args["assetId"] for e in events if "assetId" in e.args} - created)
    rights = {(e.args["assetId"], e.args["rightIndex"]) for e in events if e.name in RIGHT_CHANGES}
    batch.prefetch(Right, rights)
    batch.prefetch_versions(rights)


@functools.cache
def _first_named(event_name: str, argument_names: tuple[str, ...], candidates: tuple[str, ...]) -> str | None:
    return next((name for name in candidates if name in argument_names), None)


def _argument(event: DecodedEvent, candidates: tuple[str, ...]) -> object:
    """The value of the first of `candidates` the event has (which one is fixed per event type)."""
    name = _first_named(event.name, tuple(event.args), candidates)
    return event.args[name] if name else None


def _json(args: dict) -> str:
    try:
        return orjson.dumps(args).decode()
    except TypeError:  # an integer beyond 64 bits (a uint256 quantity or value): the standard library copes
        return json.dumps(args)


PARTICIPANT_EVENTS = ("ParticipantAdded", "ParticipantSuspended", "ParticipantReinstated",
                      "ParticipantEndpointChanged", "RegistrarConfigured")


def _participant_of(event: Event) -> str | None:
    """The participant a participant-registry or registrar-configuration event concerns (its `party`)."""
    return event.party if event.name in PARTICIPANT_EVENTS else None


# Events that cannot change whether an existing listing is valid: they create assets, rights and links.
NOT_LISTING_CHANGES = frozenset({"AssetRegistered", "AssetDerived", "RightAssigned", "RightGranted"})


def _covers(journals: list[UndoBatch], fork: int, position: int) -> bool:
    """Whether `journals` (newest first) undo every block from the checkpoint at `position` down past
    `fork`, without a gap."""
    if not journals or journals[0].last_block != position or journals[-1].first_block > fork + 1:
        return False
    return all(newer.first_block == older.last_block + 1 for newer, older in zip(journals, journals[1:]))


def _touched(events: list[DecodedEvent]) -> tuple[set[str], set[str], dict[int, tuple[str, int]]]:
    """What a batch of events may have changed for listings: assets, exchanges (participants), and for
    listings changed by their own events, the event that did it."""
    assets = {e.args["assetId"] for e in events if "assetId" in e.args and e.name not in NOT_LISTING_CHANGES}
    exchanges = {e.args["account"] for e in events if e.name.startswith("Participant")}
    causes = {e.args["listingId"]: (e.tx_hash, e.log_index) for e in events if "listingId" in e.args}
    return assets, exchanges, causes


def _header(raw: dict) -> Header:
    return Header(
        number=int(raw["number"], 16),
        hash=raw["hash"],
        parent_hash=raw["parentHash"],
        timestamp=int(raw["timestamp"], 16),
    )


def _too_large(message: str) -> bool:
    message = message.lower()
    # Infura: "query returned more than 10000 results"; Alchemy: "Log response size exceeded"; others name
    # the block range or a limit. A timeout on a large range is treated the same way.
    return any(s in message for s in ("too many", "more than", "limit", "range", "timeout", "timed out", "exceed",
                                      "size"))
