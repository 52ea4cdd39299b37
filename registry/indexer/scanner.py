"""Follows the registry's events into the database: the scanner decides which block range to read next,
reads it consistently, and hands it to the writer (registry/indexer/writer.py), which commits it with the
checkpoint in one transaction.

A range is read consistently by construction, whatever the node does meanwhile:
- the hash of its last block is read before eth_getLogs and again with the headers after it; if the two
  differ, the chain changed under the read and the range is read again (a log from a block that is no
  longer canonical would otherwise be taken for one that is, and a new block's logs would be missed);
- every log's block hash must equal the header's of its block number;
- a block whose logs bloom names one of our contracts but for which eth_getLogs returned nothing is not
  indexed until its logs are there or its receipts show there are none (a node can announce a head before
  it has executed it, and answer [] for its logs meanwhile);
so no checkpoint ever moves past logs that were not read.

A reorg is found by hashes: the first block of the next range must have the checkpoint's hash as its
parent; while there is nothing to read (the head at the checkpoint's height, or, with confirmations, fewer
than that many blocks above it) the node's block at the checkpoint's height must be the checkpoint's block;
and a node whose head is below the checkpoint (a shorter canonical chain) is a reorg too unless the node says
it is still syncing. The writer then rolls back to the highest block the index and the node still share.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from eth_hash.auto import keccak
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from registry.chain.events import DecodedEvent, decode_log
from registry.chain.rpc import Rpc
from registry.config import Deployment
from registry.db.models import Block
from registry.errors import ChainError, ConfigurationError
from registry.indexer.handlers import MetadataLookup
from registry.indexer.heads import HeadSubscription
from registry.indexer.late_metadata import LateMetadata
from registry.indexer.writer import Header, Writer

log = logging.getLogger("datareg.indexer")

# Logs per batch the range adapts to (see _get_logs), and the most it grows by from one range to the next.
TARGET_LOGS = 5_000
MAX_GROWTH = 8
# Stored blocks compared with the node's per request when looking for a fork.
FORK_SEARCH_PAGE = 64
# Blocks below the head whose logs bloom is checked against the logs read: a node may serve the logs of
# the blocks it announced last a moment late; deeper blocks were executed long before.
LATE_LOGS_DEPTH = 16


@dataclass(frozen=True)
class Fetched:
    first: int
    last: int
    logs: list[dict[str, Any]]
    log_blocks: list[int]  # each log's block number, parsed once for the checks below
    headers: dict[int, Header]
    events: list[DecodedEvent]
    last_hash_before: str  # the hash of block `last` read before the logs


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
        ws_url: str | None = None,
    ) -> None:
        self.rpc_url = rpc_url
        self.ws_url = ws_url  # the node's WebSocket, for pushed heads (heads.py); None: polling only
        self._heads: HeadSubscription | None = None
        self.pushed_heads_used = 0  # steps that took the head from a push instead of asking the node
        self.rpc = Rpc(rpc_url, timeout=timeout, chain_id=deployment.chain_id)
        self.deployment = deployment
        self.engine = engine
        self.writer = Writer(engine, deployment, lookup, reorg_window)
        self.confirmations = confirmations
        self.max_range = max_range
        # Starts small and doubles while batches stay under TARGET_LOGS: the first range's size is a guess.
        self.range = min(max_range, 10)
        self.address = deployment.registry
        # Every contract of the deployment, fetched with one eth_getLogs per range.
        self.addresses = list(deployment.contracts.values())
        self._chain_checked = False
        self._fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="datareg-fetch")
        # (first block, the fetch of the range starting there)
        self._pending: tuple[int, Future[Fetched | None]] | None = None
        self._head: int | None = None  # the chain head last seen
        self._late_block: str | None = None  # the block whose logs the node was last found not to serve yet
        self._compared: tuple[str, int] | None = None  # (head hash, checkpoint) _checkpoint_left found still joined
        self.late_metadata = LateMetadata(engine, lookup)

    def close(self) -> None:
        """Closes the database connections (the pool's and the WAL checkpoint's) and the prefetching thread."""
        self._fetcher.shutdown(wait=True, cancel_futures=True)
        self.writer.wal.close()
        self.engine.dispose()

    def _check_chain(self) -> None:
        """Refuses to index a chain other than the deployment's: its blocks would be taken for ours."""
        chain_id = int(self.rpc.call("eth_chainId"), 16)
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
        # Pushed heads while this run lasts; the subscription's thread ends with it.
        ended = threading.Event()
        self._heads = HeadSubscription(self.ws_url, ended) if self.ws_url else None
        try:
            self._run(stop, poll_interval)
        finally:
            ended.set()
            if self._heads is not None:
                self._heads.join()
            self._heads = None

    def _run(self, stop: threading.Event, poll_interval: float) -> None:
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
                if self._heads is not None and backoff == poll_interval:
                    self._heads.wait(poll_interval)  # a push, or the heartbeat (a push lost meanwhile)
                else:
                    stop.wait(backoff)

    def step(self) -> bool:
        """Indexes the next range if there is one. Returns whether anything changed (False also when the
        node's answers are not ready yet: they are asked for again after the poll interval)."""
        if not self._chain_checked:
            self._check_chain()
        position, known_hash = self.writer.checkpoint()
        pushed = self._heads.take() if self._heads is not None else None
        # A pushed header is what eth_getBlockByNumber("latest") would have answered when it came: used once, and
        # only for a block above the checkpoint (a push overtaken by a poll must not look like a shorter chain).
        head = _header(pushed) if pushed is not None else None
        if head is None or head.number <= position:
            head = self._header("latest")
        elif pushed is not None:
            self.pushed_heads_used += 1
        self._head = head.number
        if head.number < position:
            return self._shorter_chain(head)
        target = head.number - self.confirmations
        if target <= position:
            # Nothing to read yet, but the index may already be on a branch the node left: at the same height,
            # or, with confirmations, below a head that a reorg deeper than them left up to that many blocks
            # above the index (its new branch would otherwise be seen only once it outgrew them).
            if known_hash and self._checkpoint_left(position, known_hash, head):
                self.rollback(self._find_fork(position))
                return True
            return False
        fetched = (self._take_prefetched(position + 1)
                   or self._fetch(position + 1, min(target, position + self.range), head))
        if fetched is None:
            return True  # the range was too large and has been shrunk; try again at once
        if known_hash and fetched.headers[fetched.first].parent_hash != known_hash:
            self.rollback(self._find_fork(position))
            return True
        if not self._consistent(fetched):
            return True  # a reorg happened while we were reading; read the range again
        if not self._logs_complete(fetched):
            return False  # the node has not served every log of the range yet; ask again shortly
        if fetched.last < target:
            # Catching up: the node serves the next range while this one is written. The checks above run on
            # it in turn, so a reorg in between is caught like any other.
            self._fetch_ahead(fetched.last + 1, min(target, fetched.last + self.range), head)
        self.writer.write(fetched.events, fetched.headers, fetched.first, fetched.last, head.number)
        return True

    def _checkpoint_left(self, position: int, known_hash: str, head: Header) -> bool:
        """Whether the node's block at the checkpoint's height is no longer the checkpoint's block: the head
        itself at that height; below a higher head, read once per head and checkpoint (idle polls of an
        unchanged head ask nothing more than before)."""
        if head.number == position:
            return head.hash != known_hash
        if self._compared == (head.hash, position):
            return False
        if self._header(position).hash != known_hash:
            return True  # not remembered: compared again if the rollback fails
        self._compared = (head.hash, position)
        return False

    def _shorter_chain(self, head: Header) -> bool:
        """The node's head is below the checkpoint. While the node says it is syncing it is behind, and is
        waited for; otherwise its canonical chain is shorter than the one indexed (the blocks above its head
        were reorganised away), and the index goes back to the block both still share, at once."""
        if self.rpc.call("eth_syncing"):
            return False
        self.rollback(self._find_fork(head.number))
        return True

    def _consistent(self, fetched: Fetched) -> bool:
        """Whether the logs and the headers of the range were read from one chain."""
        if fetched.headers[fetched.last].hash != fetched.last_hash_before:
            return False
        headers = fetched.headers
        return all(headers[number].hash == entry["blockHash"]
                   for number, entry in zip(fetched.log_blocks, fetched.logs))

    def _logs_complete(self, fetched: Fetched) -> bool:
        """Whether every block whose logs bloom names one of our contracts has its logs in the range: where
        it has none, the block's receipts decide (a bloom can match by chance; receipts cannot be partial)."""
        with_logs = set(fetched.log_blocks)
        for header in fetched.headers.values():
            if header.number not in with_logs and self._bloom_names_us(header.logs_bloom) \
                    and not self._receipts_show_no_logs_of_ours(header):
                if self._late_block != header.hash:  # once per block, not once per poll
                    log.info("block %d: its logs bloom names our contracts but the node returned no logs for it "
                             "yet; asking again", header.number)
                self._late_block = header.hash
                return False
        return True

    def _receipts_show_no_logs_of_ours(self, header: Header) -> bool:
        """Whether every receipt of the block is there and none has a log of our contracts."""
        block = self.rpc.call("eth_getBlockByHash", [header.hash, False])
        if block is None:
            return False  # reorganised away meanwhile
        receipts = self.rpc.batch([("eth_getTransactionReceipt", [tx]) for tx in block["transactions"]])
        ours = {address.lower() for address in self.addresses}
        return all(receipt is not None and not any(entry["address"].lower() in ours for entry in receipt["logs"])
                   for receipt in receipts)

    def _bloom_names_us(self, bloom: int) -> bool:
        return any(bloom & bits == bits for bits in self._address_blooms)

    @cached_property
    def _address_blooms(self) -> list[int]:
        """Each contract address's three bits in a logs bloom (the yellow paper's M3:2048)."""
        blooms = []
        for address in self.addresses:
            digest = keccak(bytes.fromhex(address[2:]))
            blooms.append(sum(1 << (int.from_bytes(digest[i:i + 2], "big") & 2047) for i in (0, 2, 4)))
        return blooms

    def _fetch(self, first: int, last: int, head: Header) -> Fetched | None:
        """The range's logs, decoded, and the headers of its first, last and every block with a log, and of
        every block near the head (whose logs bloom is checked)."""
        before = head.hash if last == head.number else self._header(last).hash
        logs = self._get_logs(first, last)
        if logs is None:
            return None
        near_head = range(max(first, head.number - LATE_LOGS_DEPTH + 1), last + 1)
        log_blocks = [int(entry["blockNumber"], 16) for entry in logs]
        headers = self._headers({first, last, *near_head, *log_blocks})
        events = [e for e in map(decode_log, logs) if e is not None]
        return Fetched(first, last, logs, log_blocks, headers, events, before)

    def _fetch_ahead(self, first: int, last: int, head: Header) -> None:
        self._pending = (first, self._fetcher.submit(self._fetch, first, last, head))

    def _take_prefetched(self, first: int) -> Fetched | None:
        """The prefetched range if it starts at `first` (after a rollback it no longer does)."""
        pending, self._pending = self._pending, None
        if pending is None or pending[0] != first:
            return None
        return pending[1].result()  # re-raises the fetch's ChainError, which the run loop waits out

    # ───────────────────────────── reorgs ─────────────────────────────

    def _find_fork(self, position: int) -> int:
        """The highest indexed block at or below `position` still on the canonical chain: the stored blocks
        are compared with the node's headers newest first, 64 at a time in one batch request (reorgs are
        shallow; the index may hold millions of blocks)."""
        below = position + 1
        while True:
            with Session(self.engine) as db:
                stored = db.exec(select(Block).where(Block.number < below).order_by(col(Block.number).desc())
                                 .limit(FORK_SEARCH_PAGE)).all()
            if not stored:
                return self.deployment.deploy_block - 1
            canonical = self._headers({block.number for block in stored})
            for block in stored:
                if canonical[block.number].hash == block.hash:
                    return block.number
            below = stored[-1].number

    def rollback(self, fork: int) -> None:
        """Takes the index back to the canonical block `fork` (see Writer.rollback)."""
        self._pending = None  # a range fetched ahead may belong to the branch being left
        self.writer.rollback(fork, self._header, self._head)

    # ───────────────────────────── reads ─────────────────────────────

    def _get_logs(self, first: int, last: int) -> list[dict[str, Any]] | None:
        """Logs of the range, or None after shrinking the range when the node refused it as too large."""
        try:
            logs = self.rpc.call(
                "eth_getLogs", [{"address": self.addresses, "fromBlock": hex(first), "toBlock": hex(last)}]
            )
        except ChainError as exc:
            if self.range > 1 and _too_large(str(exc)):
                self.range = max(1, self.range // 2)
                log.info("eth_getLogs range shrunk to %d blocks: %s", self.range, exc)
                return None
            raise
        # Grow back after a shrink; keep batches near TARGET_LOGS, small enough for the next range's fetch to
        # overlap this one's write, large enough that per-batch costs (commit, checkpoint) stay small. A range
        # with few logs grows by up to MAX_GROWTH at once, towards TARGET_LOGS at this range's density: by
        # doubling, a chain of one event a block took nine batches (each with its round trips, queries and
        # commit) to reach ranges of thousands of blocks.
        span = last - first + 1
        if len(logs) > TARGET_LOGS:
            self.range = max(1, span * TARGET_LOGS // len(logs))
        else:
            towards_target = span * TARGET_LOGS // max(1, len(logs))
            self.range = min(self.max_range, max(self.range * 2, min(towards_target, self.range * MAX_GROWTH)))
        return [entry for entry in logs if not entry.get("removed")]

    def _header(self, block: int | str) -> Header:
        tag = hex(block) if isinstance(block, int) else block
        raw = self.rpc.call("eth_getBlockByNumber", [tag, False])
        if raw is None:
            raise ChainError(f"The node has no block {block} yet.")
        return _header(raw)

    def _headers(self, numbers: set[int]) -> dict[int, Header]:
        """The headers of `numbers`, in one HTTP round trip (a JSON-RPC batch)."""
        ordered = sorted(numbers)
        headers = {}
        for number, raw in zip(ordered, self.rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in ordered])):
            if raw is None:
                raise ChainError(f"The node has no block {number} (any more): read again.")
            headers[number] = _header(raw)
        return headers


def _header(raw: dict[str, Any]) -> Header:
    return Header(
        number=int(raw["number"], 16),
        hash=raw["hash"],
        parent_hash=raw["parentHash"],
        timestamp=int(raw["timestamp"], 16),
        logs_bloom=int(raw.get("logsBloom") or "0x0", 16),
    )


def _too_large(message: str) -> bool:
    message = message.lower()
    # Infura: "query returned more than 10000 results"; Alchemy: "Log response size exceeded"; others name
    # the block range or a limit. A timeout on a large range is treated the same way.
    return any(s in message for s in ("too many", "more than", "limit", "range", "timeout", "timed out", "exceed",
                                      "size"))
