"""Follows the registry's events into the database: reorg-aware, resumable, one transaction per batch.

Each step reads the head, fetches the logs of the next block range with a single eth_getLogs, checks that
every log belongs to the blocks it fetched headers for, and writes the events, the state they imply and
the checkpoint in one database transaction, so a crash at any point leaves the index at a batch boundary.
A block whose parent hash no longer matches what was indexed means a reorg: rows above the fork are
deleted and the affected assets are rebuilt from the events that remain.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, insert, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from registry.chain.client import Chain
from registry.chain.events import DecodedEvent, decode_log
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
)
from registry.errors import ChainError
from registry.indexer.handlers import HANDLERS, MetadataLookup, cached

log = logging.getLogger("datareg.indexer")

# Which event argument names the acting party and which the party concerned, for the history table.
ACTOR_ARGS = ("registrant", "grantor", "from", "actor", "by", "regulator", "applicant", "objector", "issuer",
              "registrar")
PARTY_ARGS = ("holder", "to", "grantee", "account", "registrar", "pledgee")


@dataclass(frozen=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    timestamp: int


class Indexer:
    def __init__(
        self,
        chain: Chain,
        engine: Engine,
        lookup: MetadataLookup,
        confirmations: int = 0,
        max_range: int = 5_000,
    ) -> None:
        self.chain = chain
        self.engine = engine
        self.lookup = lookup
        self.confirmations = confirmations
        self.max_range = max_range
        self.range = max_range
        self.address = chain.registry.address
        # Every contract of the deployment, fetched with one eth_getLogs per range.
        self.addresses = [c.address for c in chain.contracts.values()]
        self._rpc = chain.w3.provider.make_request

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
                stop.wait(backoff)

    def step(self) -> bool:
        """Indexes the next range if there is one. Returns whether anything changed."""
        head = self._header("latest")
        with Session(self.engine) as db:
            checkpoint = db.get(Checkpoint, CHECKPOINT)
            position = checkpoint.block_number if checkpoint else self.chain.deployment.deploy_block - 1
            known_hash = checkpoint.block_hash if checkpoint else None
        if head.number < position:
            # The node is behind what we indexed (restarted, still syncing): wait, do not roll back.
            return False
        if head.number == position and known_hash and head.hash != known_hash:
            self.rollback(self._find_fork(position))
            return True
        target = head.number - self.confirmations
        if target <= position:
            return False
        first, last = position + 1, min(target, position + self.range)
        logs = self._get_logs(first, last)
        if logs is None:
            return True  # the range was too large and has been shrunk; try again at once
        headers = self._headers({first, last} | {int(entry["blockNumber"], 16) for entry in logs})
        if known_hash and headers[first].parent_hash != known_hash:
            self.rollback(self._find_fork(position))
            return True
        for entry in logs:
            if headers[int(entry["blockNumber"], 16)].hash != entry["blockHash"]:
                return True  # a reorg happened while we were reading; read the range again
        self._write(logs, headers, last)
        return True

    # ───────────────────────────── writing ─────────────────────────────

    def _write(self, logs: list[dict], headers: dict[int, Header], last: int) -> None:
        events = [e for e in (decode_log(entry) for entry in logs) if e is not None]
        with Session(self.engine) as db:
            for header in headers.values():
                db.merge(Block(number=header.number, hash=header.hash, parent_hash=header.parent_hash,
                               timestamp=header.timestamp))
            with db.no_autoflush:
                for event in events:
                    self._apply(db, event, headers[event.block_number].timestamp, record=True)
            if db.info.get("events"):
                db.execute(insert(Event), db.info.pop("events"))
            db.flush()  # one flush for the whole batch; the listings' refresh below reads it
            assets, exchanges, causes = _touched(events)
            refresh_listings(db, assets=assets, exchanges=exchanges, now=headers[last].timestamp, block=last,
                             causes=causes)
            self._save_checkpoint(db, last, headers[last].hash)
            db.commit()
        if events:
            log.info("indexed %d events in blocks %d-%d", len(events), min(headers), last)

    def _save_checkpoint(self, db: Session, block_number: int, block_hash: str) -> None:
        """Moves the checkpoint, in the same transaction as the rows it covers."""
        db.merge(Checkpoint(name=CHECKPOINT, chain_id=self.chain.chain_id, contract=self.address,
                            block_number=block_number, block_hash=block_hash, updated_at=time.time()))

    def _apply(self, db: Session, event: DecodedEvent, timestamp: int, record: bool) -> None:
        if record:
            # Plain rows, inserted together at the end of the batch: far cheaper than one ORM object each.
            db.info.setdefault("events", []).append(
                dict(
                    block_number=event.block_number,
                    block_hash=event.block_hash,
                    tx_hash=event.tx_hash,
                    log_index=event.log_index,
                    timestamp=timestamp,
                    name=event.name,
                    asset_id=self._asset_of(db, event),
                    kind=self._kind(db, event),
                    actor=next((event.args[k] for k in ACTOR_ARGS if k in event.args), None),
                    party=next((event.args[k] for k in PARTY_ARGS if k in event.args), None),
                    right_index=event.args.get("rightIndex"),
                    args_json=json.dumps(event.args),
                )
            )
        handler = HANDLERS.get(event.name)
        if handler is not None:
            handler(db, event, timestamp, self.lookup)

    @staticmethod
    def _asset_of(db: Session, event: DecodedEvent) -> str | None:
        """The asset an event concerns: in its arguments, or that of the listing it names."""
        if "assetId" in event.args:
            return event.args["assetId"]
        if "listingId" in event.args:
            listing = cached(db, Listing, event.args["listingId"])
            return listing.asset_id if listing else None
        return None

    @staticmethod
    def _kind(db: Session, event: DecodedEvent) -> int | None:
        """The right kind an event concerns: in its arguments, or else that of the right it names."""
        if "kind" in event.args:
            return event.args["kind"]
        if "rightIndex" in event.args and event.name != "AssetDerived":
            right = cached(db, Right, (event.args["assetId"], event.args["rightIndex"]))
            return right.kind if right else None
        return None

    # ───────────────────────────── reorgs ─────────────────────────────

    def _find_fork(self, position: int) -> int:
        """The highest indexed block still on the canonical chain."""
        with Session(self.engine) as db:
            stored = db.exec(select(Block).where(Block.number <= position).order_by(Block.number.desc())).all()
        for block in stored:
            if self._header(block.number).hash == block.hash:
                return block.number
        return self.chain.deployment.deploy_block - 1

    def rollback(self, fork: int) -> None:
        """Deletes everything above `fork` and rebuilds the assets and participants those rows touched from
        the events that remain (the state tables are projections of the events)."""
        with Session(self.engine) as db:
            above = db.exec(select(Event).where(Event.block_number > fork)).all()
            assets = {e.asset_id for e in above if e.asset_id}
            accounts = {_participant_of(e) for e in above if _participant_of(e)}
            db.exec(delete(Event).where(Event.block_number > fork))
            db.exec(delete(Block).where(Block.number > fork))
            db.exec(delete(ListingChange).where(ListingChange.block_number > fork))
            for table in (RightVersion, Right, Lineage, Listing, Pledge, Objection, Registration, Attestation, Asset):
                db.exec(delete(table).where(table.asset_id.in_(assets)))
            db.exec(delete(Participant).where(Participant.account.in_(accounts)))
            remaining = db.exec(
                select(Event)
                .where(or_(Event.asset_id.in_(assets), Event.name.in_(PARTICIPANT_EVENTS) & Event.party.in_(accounts)))
                .order_by(Event.block_number, Event.log_index)
            ).all()
            with db.no_autoflush:
                for row in remaining:
                    self._apply(db, _decoded(row), row.timestamp, record=False)
            db.flush()
            fork_header = self._header(fork) if fork >= 0 else None
            refresh_listings(db, assets=assets, exchanges=accounts, now=fork_header.timestamp if fork_header else 0,
                             block=fork, causes={})
            self._save_checkpoint(db, fork, fork_header.hash if fork_header else "0x" + "00" * 32)
            db.commit()
        log.warning("reorg: rolled back to block %d, rebuilt %d assets and %d participants", fork, len(assets),
                    len(accounts))

    # ───────────────────────────── RPC ─────────────────────────────

    def _call(self, method: str, params: list) -> object:
        try:
            response = self._rpc(method, params)
        except Exception as exc:  # noqa: BLE001 - transport failures all mean "node unavailable"
            raise ChainError(f"{method} failed at '{self.chain.rpc_url}': {exc}") from exc
        if "error" in response:
            raise ChainError(f"{method} failed: {response['error'].get('message', response['error'])}")
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
        batch = [
            {"jsonrpc": "2.0", "id": i, "method": "eth_getBlockByNumber", "params": [hex(n), False]}
            for i, n in enumerate(sorted(numbers))
        ]
        try:
            responses = self.chain.w3.provider.make_batch_request([(r["method"], r["params"]) for r in batch])
        except Exception as exc:  # noqa: BLE001
            raise ChainError(f"eth_getBlockByNumber batch failed at '{self.chain.rpc_url}': {exc}") from exc
        headers = {}
        for response in responses:
            if response.get("result") is None:
                raise ChainError(f"Block header missing from the node's answer: {response.get('error')}")
            header = _header(response["result"])
            headers[header.number] = header
        return headers


PARTICIPANT_EVENTS = ("ParticipantAdded", "ParticipantSuspended", "ParticipantReinstated",
                      "ParticipantEndpointChanged", "RegistrarConfigured")


def _participant_of(event: Event) -> str | None:
    """The participant a participant-registry or registrar-configuration event concerns (its `party`)."""
    return event.party if event.name in PARTICIPANT_EVENTS else None


def _touched(events: list[DecodedEvent]) -> tuple[set[str], set[str], dict[int, tuple[str, int]]]:
    """What a batch of events may have changed for listings: assets, exchanges (participants), and for
    listings changed by their own events, the event that did it."""
    assets = {e.args["assetId"] for e in events if "assetId" in e.args}
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
    return any(s in message for s in ("too many", "limit", "range", "timeout", "timed out", "exceed", "size"))


def _decoded(row: Event) -> DecodedEvent:
    return DecodedEvent(
        name=row.name,
        args=json.loads(row.args_json),
        block_number=row.block_number,
        block_hash=row.block_hash,
        tx_hash=row.tx_hash,
        log_index=row.log_index,
        address="",
    )


